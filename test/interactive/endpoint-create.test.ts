import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {StateStore} from '../../src/lib/state/store.js'
import {ROOT, tempHome} from '../helpers/cli.js'
import {TmuxSession, shq} from '../helpers/tmux.js'

/**
 * The guided `berth endpoint create` at a real terminal: tmux gives it a pty,
 * the test types as a person would and reads the screen.
 */
describe('berth endpoint create at a terminal (real prompts in tmux)', function () {
  this.timeout(90_000)
  let home: string
  let cleanup: () => void
  let term: TmuxSession
  let exitFile: string

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    term = new TmuxSession()
    exitFile = path.join(home, 'exit-code')
  })
  afterEach(async () => {
    await term.kill()
    cleanup()
  })

  async function startCreate(args: string[] = []): Promise<void> {
    await startBerth(['endpoint', 'create', ...args])
  }

  async function startBerth(args: string[]): Promise<void> {
    const env = {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pty-pass', NO_COLOR: '1', PATH: process.env.PATH ?? '', HOME: home}
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${shq(v)}`).join(' ')
    const cmd = `env -i ${envArgs} ${shq(process.execPath)} ${shq(path.join(ROOT, 'bin', 'run.js'))} ${args.map(shq).join(' ')}; echo $? > ${shq(exitFile)}`
    await term.start(`sh -c ${shq(cmd)}`)
  }

  async function exitCode(): Promise<number> {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const text = await fs.readFile(exitFile, 'utf8').catch(() => '')
      if (text.trim() !== '') return Number(text.trim())
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`berth did not exit. Screen:\n${await term.screen()}`)
  }

  /** Pick a type from the list by moving down `steps` times. */
  async function chooseType(steps: number, expected: string): Promise<void> {
    await term.waitFor('Endpoint type')
    for (let i = 0; i < steps; i++) await term.press('Down')
    await term.waitFor(new RegExp(`❯ ${expected}`))
    await term.press('Enter')
  }

  async function answer(prompt: string | RegExp, text: string): Promise<void> {
    await term.waitFor(prompt)
    await term.type(text)
    await term.press('Enter')
  }

  async function confirm(): Promise<string> {
    const screen = await term.waitFor('Create this endpoint?')
    await term.press('Enter')
    return screen
  }

  it('docker-registry: shows a validation error, accepts the correction, masks the password, confirms', async () => {
    await startCreate()
    await chooseType(0, 'docker-registry')
    await answer('Endpoint name', 'Bad_Name')
    await term.waitFor('Invalid endpoint name: it must consist of lower-case letters')
    for (let i = 0; i < 'Bad_Name'.length; i++) await term.press('BSpace')
    await term.type('hub')
    await term.press('Enter')
    await answer('Registry address', 'registry.example.com')
    await term.waitFor('The value "registry.example.com" has no scheme; write it as a URL, e.g. https://registry.example.com.')
    await term.press('Home')
    await term.type('https://')
    await term.press('Enter')
    await answer('Username', 'ci-bot')
    await answer('Password', 'pty-secret-123')
    const screen = await confirm()
    expect(screen).to.contain('Password ' + '*'.repeat('pty-secret-123'.length))
    expect(screen).to.not.contain('pty-secret-123')
    expect(screen).to.match(/address +https:\/\/registry\.example\.com/)
    expect(screen).to.match(/password +\*{8}/)
    expect(await exitCode()).to.equal(0)
    const doc = await new StateStore({home}).get('Endpoint', 'hub', 'default')
    expect(doc.spec).to.include({type: 'docker-registry', address: 'https://registry.example.com', username: 'ci-bot'})
  })

  it('kubernetes: asks for the kubeconfig, lets the user pick a context, offers its server', async () => {
    const kubeconfig = path.join(home, 'kubeconfig')
    await fs.writeFile(kubeconfig, `apiVersion: v1
kind: Config
clusters:
- {name: dev, cluster: {server: 'https://127.0.0.1:6443'}}
- {name: prod, cluster: {server: 'https://10.0.0.1:6443'}}
users:
- {name: admin, user: {token: t1}}
contexts:
- {name: dev-admin, context: {cluster: dev, user: admin}}
- {name: prod-admin, context: {cluster: prod, user: admin}}
current-context: dev-admin
`)
    await startCreate(['kubernetes', 'k8s'])
    await answer('Kubeconfig file', kubeconfig.slice(0))
    await term.waitFor('Context')
    await term.press('Down')
    await term.waitFor('❯ prod-admin')
    await term.press('Enter')
    await term.waitFor('Kubernetes API server URL (https://10.0.0.1:6443)')
    await term.press('Enter')
    await confirm()
    expect(await exitCode()).to.equal(0)
    const doc = await new StateStore({home}).get('Endpoint', 'k8s', 'default')
    expect(doc.spec).to.include({type: 'kubernetes', server: 'https://10.0.0.1:6443', context: 'prod-admin'})
  })

  it('git: URL, username and a masked token', async () => {
    await startCreate()
    await chooseType(2, 'git')
    await answer('Endpoint name', 'repo')
    await answer('Repository URL', 'https://git.example.com/team/app.git')
    await answer('Username', 'ci')
    await answer('Password or access token', 'tok-999')
    const screen = await confirm()
    expect(screen).to.not.contain('tok-999')
    expect(await exitCode()).to.equal(0)
    expect((await new StateStore({home}).get('Endpoint', 'repo', 'default')).spec).to.include({url: 'https://git.example.com/team/app.git', username: 'ci'})
  })

  it('iam: access key id checked as typed, secret key masked', async () => {
    await startCreate()
    await chooseType(3, 'iam')
    await answer('Endpoint name', 'cloud')
    await answer('Access key id', 'short')
    await term.waitFor('The access key id "short" is not valid')
    for (let i = 0; i < 5; i++) await term.press('BSpace')
    await term.type('HPUAEXAMPLEKEY000001')
    await term.press('Enter')
    await answer('Secret access key', 'sk-abcdef')
    const screen = await confirm()
    expect(screen).to.not.contain('sk-abcdef')
    expect(await exitCode()).to.equal(0)
    expect((await new StateStore({home}).get('Endpoint', 'cloud', 'default')).spec).to.include({accessKeyId: 'HPUAEXAMPLEKEY000001'})
  })

  it('codearts-repo: refuses a username with a leading space until it is fixed', async () => {
    await startCreate()
    await chooseType(4, 'codearts-repo')
    await answer('Endpoint name', 'codehub')
    await answer('HTTPS clone-URL prefix', 'https://codehub.example.com')
    await answer('Username (tenant/iam-user)', ' tenant/ci')
    await term.waitFor('starts with a space; CodeArts Repo usernames have the form tenant/iam-user')
    await term.press('Home', 'Delete', 'End', 'Enter')
    await answer('Password', 'pw')
    await confirm()
    expect(await exitCode()).to.equal(0)
    expect((await new StateStore({home}).get('Endpoint', 'codehub', 'default')).spec).to.include({username: 'tenant/ci', urlPrefix: 'https://codehub.example.com'})
  })

  it('saves nothing when the summary is declined', async () => {
    await startCreate(['iam', 'cloud', '--access-key-id', 'HPUAEXAMPLEKEY000001'])
    await answer('Secret access key', 'sk')
    await term.waitFor('Create this endpoint?')
    await term.type('n')
    await term.press('Enter')
    expect(await exitCode()).to.equal(1)
    expect(await term.screen()).to.contain('Cancelled; nothing was saved.')
    expect(await new StateStore({home}).list('Endpoint', {project: 'default'})).to.deep.equal([])
  })

  for (const [where, reach] of [
    ['the type list', async () => term.waitFor('Endpoint type')],
    ['a text prompt', async () => chooseType(0, 'docker-registry').then(() => term.waitFor('Endpoint name'))],
    ['the masked password prompt', async () => {
      await chooseType(2, 'git')
      await answer('Endpoint name', 'app')
      await answer('Repository URL', 'https://git.example.com/team/app.git')
      await answer('Username', 'ci@corp.com')
      await term.waitFor('Password or access token')
    }],
    ['the confirmation', async () => {
      await chooseType(3, 'iam')
      await answer('Endpoint name', 'cloud')
      await answer(/Access key id/, 'HPUAEXAMPLEKEY000001')
      await answer('Secret access key', 'sk')
      await term.waitFor('Create this endpoint?')
    }],
  ] as const) {
    it(`Ctrl-C at ${where} cancels: exit 130, a short message, not a bug, nothing saved`, async () => {
      await startCreate()
      await reach()
      await term.press('C-c')
      expect(await exitCode()).to.equal(130)
      const screen = await term.screen()
      expect(screen).to.contain('Error: Cancelled; nothing was saved.')
      expect(screen).not.to.contain('bug in berth')
      expect(screen).not.to.contain('force closed')
      expect(await new StateStore({home}).list('Endpoint', {project: 'default'})).to.deep.equal([])
    })
  }

  it('update: asks each value with the current one as default, keeps the secret unless asked to change it', async () => {
    const store = new StateStore({home})
    await startCreate(['git', 'repo', '--url', 'https://git.example.com/a.git', '--username', 'ci'])
    await answer('Password or access token', 'first-token')
    await confirm()
    expect(await exitCode()).to.equal(0)
    await fs.rm(exitFile)
    await term.kill()
    term = new TmuxSession()
    await startBerth(['endpoint', 'update', 'repo'])
    await term.waitFor('Repository URL (https://…) (https://git.example.com/a.git)')
    await term.press('Enter')
    await term.waitFor('Username (ci)')
    await term.press('BSpace', 'BSpace')
    await term.type('deployer')
    await term.press('Enter')
    await term.waitFor('Change the password or access token?')
    await term.press('Enter')
    const screen = await term.waitFor('Save these changes?')
    expect(screen).to.match(/username +deployer/)
    await term.press('Enter')
    expect(await exitCode()).to.equal(0)
    const doc = await store.get('Endpoint', 'repo', 'default')
    expect(doc.spec).to.include({url: 'https://git.example.com/a.git', username: 'deployer'})
    expect(doc.metadata.generation).to.equal(2)
  })
})
