import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'

import {BerthContext} from '../../../src/lib/context.js'
import {createEndpoint} from '../../../src/lib/endpoints/manage.js'
import {gatherCreateInput, gatherUpdateInput} from '../../../src/lib/endpoints/input.js'
import {CancelledError, UsageError, ValidationError} from '../../../src/lib/errors.js'
import type {Choice, Prompter} from '../../../src/lib/input/prompter.js'
import {tempHome} from '../../helpers/cli.js'
import {berthRejection} from '../../helpers/files.js'

/** A person at a terminal, answering from a script; every question is recorded. */
class ScriptedPrompter implements Prompter {
  readonly asked: string[] = []
  constructor(private readonly answers: Record<string, string | boolean>) {}
  private answer(message: string, validate?: (value: string) => string | true): string | boolean {
    this.asked.push(message)
    if (!(message in this.answers)) throw new Error(`unexpected question: ${message}`)
    const value = this.answers[message]!
    if (validate && typeof value === 'string') {
      const verdict = validate(value)
      if (verdict !== true) throw new Error(`the prompt refused ${JSON.stringify(value)}: ${verdict}`)
    }
    return value
  }
  async input(o: {message: string; validate?: (value: string) => string | true}): Promise<string> {
    return String(this.answer(o.message, o.validate))
  }
  async password(o: {message: string; validate?: (value: string) => string | true}): Promise<string> {
    return String(this.answer(o.message, o.validate))
  }
  async select<V extends string>(o: {message: string; choices: ReadonlyArray<Choice<V>>}): Promise<V> {
    const value = this.answer(o.message) as V
    expect(o.choices.map((c) => c.value)).to.include(value)
    return value
  }
  async confirm(o: {message: string}): Promise<boolean> {
    return Boolean(this.answer(o.message))
  }
}

const tty = () => Object.assign(Readable.from([]), {isTTY: true})

describe('endpoint input (library): flags in a script, prompts at a terminal', () => {
  let home: string
  let cleanup: () => void
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  const context = (options: {env?: NodeJS.ProcessEnv; stdin?: Readable & {isTTY?: boolean}; prompter?: Prompter} = {}) =>
    new BerthContext({env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p', ...options.env}, stdin: options.stdin ?? Readable.from([]), overrides: options.prompter ? {prompter: options.prompter} : {}})

  it('assembles each type from flags, URLs normalised, the secret from a variable', async () => {
    const env = {REG_PW: 'reg p@ss!', SK: 'Sk0123456789abcdefghijklmnopqrstuvwxyzAB'}
    expect(await gatherCreateInput(context({env}), {type: 'docker-registry', name: 'hub', address: 'HTTP://LocalHost:5061/', username: 'ci', 'password-env': 'REG_PW', description: 'team'})).to.deep.equal({
      type: 'docker-registry',
      name: 'hub',
      address: 'http://localhost:5061',
      username: 'ci',
      password: 'reg p@ss!',
      description: 'team',
    })
    expect(await gatherCreateInput(context({env}), {type: 'codearts-repo', name: 'codehub', 'url-prefix': 'https://CodeHub.example.com/', username: 'mytenant/ci-user', 'password-env': 'REG_PW'})).to.deep.equal({
      type: 'codearts-repo',
      name: 'codehub',
      urlPrefix: 'https://codehub.example.com',
      username: 'mytenant/ci-user',
      password: 'reg p@ss!',
    })
    expect(await gatherCreateInput(context({env}), {type: 'iam', name: 'cloud', 'access-key-id': 'HPUAEXAMPLEKEY000001', 'secret-access-key-env': 'SK'})).to.deep.equal({
      type: 'iam',
      name: 'cloud',
      accessKeyId: 'HPUAEXAMPLEKEY000001',
      secretAccessKey: env.SK,
    })
  })

  it('reads a kubernetes endpoint from a kubeconfig file', async () => {
    const file = path.join(home, 'prod.kubeconfig')
    await fs.writeFile(file, 'apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: "https://k8s.example.com:6443"}\nusers:\n- name: admin\n  user: {token: t0ken}\ncontexts:\n- name: prod-admin\n  context: {cluster: prod, user: admin}\ncurrent-context: prod-admin\n')
    const input = await gatherCreateInput(context(), {type: 'kubernetes', name: 'prod', kubeconfig: file})
    expect(input).to.deep.include({type: 'kubernetes', name: 'prod', server: 'https://k8s.example.com:6443', context: 'prod-admin'})
    expect((input as {kubeconfig: string}).kubeconfig).to.contain('t0ken')
  })

  it('names every missing flag at once in a script, and refuses flags of another type', async () => {
    const missing = await berthRejection(gatherCreateInput(context(), {type: 'git', name: 'app'}))
    expect(missing).to.be.instanceOf(UsageError)
    expect(missing.message).to.equal('Missing required inputs: --url, --username, --password-stdin or --password-env VAR (stdin is not a terminal, so berth cannot ask for them).')
    const foreign = await berthRejection(gatherCreateInput(context(), {type: 'iam', name: 'cloud', address: 'https://r.example.com', kubeconfig: 'x'}))
    expect([foreign.message, foreign.hint]).to.deep.equal(['--address, --kubeconfig do not apply to an iam endpoint.', 'See: berth endpoint create iam --help'])
    const badUrl = await berthRejection(gatherCreateInput(context({env: {P: 'x'}}), {type: 'git', name: 'app', url: 'http://127.0.0.1:0/a.git', username: 'ci', 'password-env': 'P'}))
    expect(badUrl).to.be.instanceOf(ValidationError)
    expect(badUrl.message).to.equal('Invalid --url "http://127.0.0.1:0/a.git": it has port 0, which nothing can listen on.')
  })

  it('asks at a terminal, shows the summary through the caller, secrets masked', async () => {
    const prompter = new ScriptedPrompter({
      'Endpoint type': 'git',
      'Endpoint name': 'app-repo',
      'Repository URL (https://…)': 'https://git.example.com/team/app.git',
      Username: 'ci@corp.example.com',
      'Password or access token': 'gh_t0ken!',
      'Create this endpoint?': true,
    })
    const shown: string[] = []
    const input = await gatherCreateInput(context({stdin: tty(), prompter}), {}, {show: (text) => shown.push(text)})
    expect(input).to.deep.equal({type: 'git', name: 'app-repo', url: 'https://git.example.com/team/app.git', username: 'ci@corp.example.com', password: 'gh_t0ken!'})
    expect(shown).to.deep.equal(['\nSummary:\n  name      app-repo\n  type      git\n  url       https://git.example.com/team/app.git\n  username  ci@corp.example.com\n  password  ********\n\n'])
    const declined = new ScriptedPrompter({'Endpoint name': 'x', 'Repository URL (https://…)': 'https://g.example.com/a.git', Username: 'u', 'Password or access token': 'p', 'Create this endpoint?': false})
    expect(await berthRejection(gatherCreateInput(context({stdin: tty(), prompter: declined}), {type: 'git'}))).to.be.instanceOf(CancelledError)
  })

  it('on update, flags replace values, the rest stays, and an unchanged secret is not read unless needed', async () => {
    const ctx = context()
    const doc = await createEndpoint(ctx, {type: 'docker-registry', name: 'hub', address: 'https://registry.example.com', username: 'ci', password: 'old p@ss'})
    let reads = 0
    const load = async () => {
      reads++
      return {type: 'docker-registry' as const, name: 'hub', address: 'https://registry.example.com', username: 'ci', password: 'old p@ss'}
    }
    const renamed = await gatherUpdateInput(ctx, doc, {username: 'deployer'}, load, false)
    expect(renamed).to.deep.equal({input: {type: 'docker-registry', name: 'hub', address: 'https://registry.example.com', username: 'deployer', password: ''}, secretsChanged: false, changed: true})
    expect(reads).to.equal(0)
    const verified = await gatherUpdateInput(ctx, doc, {username: 'ci'}, load, true)
    expect(verified).to.deep.include({secretsChanged: false, changed: false})
    expect(verified.input).to.include({password: 'old p@ss'})
    expect(reads).to.equal(1)
    const foreign = await berthRejection(gatherUpdateInput(ctx, doc, {url: 'https://git.example.com/a.git'}, load, false))
    expect(foreign.message).to.equal('--url does not apply to a docker-registry endpoint.')
  })
})
