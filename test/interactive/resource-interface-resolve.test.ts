// `berth resource-interface resolve --interactive` at a real terminal (tmux): dynamic-form
// selects list the real git server's branches and tags and the real registry's tags.
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {promises as fs} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

import {ROOT, berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {DockerService, GitService, RegistryService, requireService} from '../helpers/services.js'
import {TmuxSession, shq} from '../helpers/tmux.js'
import {dockerCli, uniqueRepo} from '../integration/registry-helpers.js'

const exec = promisify(execFile)

const GITLAB_LIKE = `apiVersion: connectors.alauda.io/v1alpha1
kind: ResourceInterface
metadata:
  name: gitlabcoderepository
  labels:
    resourceinterface.connectors.cpaas.io/category: GitCodeRepository
  annotations:
    style.tekton.dev/descriptors: >-
      - path: params.repository
        x-descriptors:
          - urn:alm:descriptor:com.tectonic.ui:select:repository
          - urn:alm:descriptor:expression:props.options:api:/clusters-rewrite/\${context.cluster}\${context.connector.status.api.path}/api/v4/projects?simple=true
          - urn:alm:descriptor:label:en:Repository
          - urn:alm:descriptor:label:zh:仓库
spec:
  params:
    - {name: repository, type: string}
  attributes:
    - {name: url, type: string, expression: "{connector.spec.address + '/' + params.repository}", parameterize: {name: git-url}}
`

// The source document's direct-API descriptor for git refs, served through the ConnectorClass path /git/gitrefs.
const DIRECT_GITREFS = `apiVersion: connectors.alauda.io/v1alpha1
kind: ResourceInterface
metadata:
  name: directgitrefs
  labels:
    resourceinterface.connectors.cpaas.io/category: GitCodeRepository
  annotations:
    style.tekton.dev/descriptors: >-
      - path: params.revision
        x-descriptors:
          - urn:alm:descriptor:com.tectonic.ui:select:revision
          - urn:alm:descriptor:expression:props.options:api:/clusters-rewrite/\${context.cluster}\${context.connector.status.api.path}/git/gitrefs?repositoryUrl=\${context.connector.spec.address + "/" + context.params.repository + ".git"}&search=\${current.search}
          - urn:alm:descriptor:expression:props.options:path:items
          - urn:alm:descriptor:expression:props.options:label:path:name
          - urn:alm:descriptor:expression:props.options:value:path:name
          - urn:alm:descriptor:label:en:Revision
          - urn:alm:descriptor:label:zh:Revision
spec:
  params:
    - {name: repository, type: string}
    - {name: revision, type: string, default: refs/heads/main}
  attributes:
    - {name: revision, type: string, expression: "{params.revision}", parameterize: {name: git-revision}}
`

describe('berth resource-interface resolve --interactive at a terminal (real prompts in tmux)', function () {
  this.timeout(180_000)
  let git: GitService
  let reg: RegistryService
  let home: string
  let cleanup: () => void
  let term: TmuxSession
  let repo: string
  const env = () => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pty p@ss!'})

  before(async function () {
    git = requireService(this, 'git')
    reg = requireService(this, 'registry')
    const docker: DockerService = requireService(this, 'docker')
    ;({home, cleanup} = tempHome('berth-ri-pty-'))
    const ok = async (args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) => {
      const r = await runBerth(args, {env: {...env(), ...extra}, input, timeoutMs: 120_000})
      expect(r.code, r.stderr).to.equal(0)
    }
    await ok(['endpoint', 'create', 'git', 'src', '--url', git.baseUrl, '--username', git.user, '--password-stdin'], git.password)
    await ok(['endpoint', 'create', 'docker-registry', 'reg', '--address', `http://${reg.basicAddr}`, '--username', reg.user, '--password-stdin'], reg.password)
    repo = uniqueRepo('ri-pty')
    for (const tag of ['2.0.0', '2.1.0', 'nightly']) {
      await ok(['image', 'push', docker.testImage, '--endpoint', 'reg', '--as', `${repo}:${tag}`], undefined, {DOCKER_HOST: docker.host})
      await exec(dockerCli(), ['rmi', `${reg.basicAddr}/${repo}:${tag}`], {env: {PATH: process.env.PATH, DOCKER_HOST: docker.host}}).catch(() => undefined)
    }
    await fs.writeFile(path.join(home, 'gitlab.yaml'), GITLAB_LIKE)
    await ok(['ri', 'apply', '-f', path.join(home, 'gitlab.yaml')])
    await fs.writeFile(path.join(home, 'direct.yaml'), DIRECT_GITREFS)
    await ok(['ri', 'apply', '-f', path.join(home, 'direct.yaml')])
  })
  after(() => cleanup?.())
  beforeEach(() => {
    term = new TmuxSession()
  })
  afterEach(async () => {
    await term.kill()
  })

  const outFile = () => path.join(home, 'out.json')
  const exitFile = () => path.join(home, 'exit-code')

  async function start(args: string[]): Promise<void> {
    await fs.rm(outFile(), {force: true})
    await fs.rm(exitFile(), {force: true})
    const vars = Object.entries(env()).map(([k, v]) => `${k}=${shq(String(v))}`).join(' ')
    const cmd = `env -i ${vars} ${shq(process.execPath)} ${shq(path.join(ROOT, 'bin', 'run.js'))} ${args.map(shq).join(' ')} > ${shq(outFile())}; echo $? > ${shq(exitFile())}`
    await term.start(`sh -c ${shq(cmd)}`)
  }

  async function finish(): Promise<{code: number; out: Record<string, unknown>}> {
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      const text = await fs.readFile(exitFile(), 'utf8').catch(() => '')
      if (text.trim() !== '') {
        const code = Number(text.trim())
        const out = await fs.readFile(outFile(), 'utf8')
        expect(code, `${out}\n${await term.screen()}`).to.equal(0)
        return {code, out: JSON.parse(out) as Record<string, unknown>}
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`berth did not exit. Screen:\n${await term.screen()}`)
  }

  it('gitcoderepository: asks the repository, then lists the real branches and tags and filters them as the user types', async () => {
    await start(['ri', 'resolve', 'gitcoderepository', '--connector', 'src', '--interactive', '--json'])
    await term.waitFor('Repository (Repository path including group name or username, e.g. mygroup/my-app.)')
    await term.type('demo')
    await term.press('Enter')
    const listed = await term.waitFor('refs/tags/v1.0.0')
    expect(listed).to.include('Revision (Git 修订引用(例如分支的 refs/heads/main))')
    expect(listed).to.match(/❯ refs\/heads\/main\n/)
    expect(listed).to.include('refs/heads/release-1.0')
    await term.type('release')
    const filtered = await term.waitFor(/❯ refs\/heads\/release-1\.0\n/)
    const afterPrompt = filtered.slice(filtered.lastIndexOf('Revision'))
    expect(afterPrompt).not.to.include('refs/tags/v1.0.0')
    expect(afterPrompt).to.include('release (as typed)')
    await term.press('Enter')
    const {out} = await finish()
    expect(out.params).to.deep.equal({repository: 'demo', revision: 'refs/heads/release-1.0'})
    expect(out.attributes).to.deep.equal([
      {name: 'url', type: 'string', value: `${git.baseUrl}/demo`, parameter: 'git-url'},
      {name: 'revision', type: 'string', value: 'refs/heads/release-1.0', parameter: 'git-revision'},
    ])
  })

  it('ociartifact: lists the real registry tags for the repository typed and takes the ones chosen', async () => {
    await start(['ri', 'resolve', 'ociartifact', '--connector', 'reg', '--interactive', '--json'])
    await term.waitFor('Repository (Repository path in the registry, e.g. team/app (no host, no tag).)')
    await term.type(repo)
    await term.press('Enter')
    const listed = await term.waitFor('nightly')
    expect(listed).to.include('Tags (Image tags of the repository.)')
    expect(listed).to.match(/❯◯ 2\.0\.0\n ◯ 2\.1\.0\n ◯ nightly\n/)
    await term.press('Space', 'Down', 'Down', 'Space', 'Enter')
    const {out} = await finish()
    expect(out.params).to.deep.equal({repository: repo, tags: ['2.0.0', 'nightly']})
    expect((out.attributes as Array<{value: unknown}>)[1]!.value).to.deep.equal([`${reg.basicAddr}/${repo}:2.0.0`, `${reg.basicAddr}/${repo}:nightly`])
  })

  it('serves the source document\'s direct connector API descriptor for git refs (a --param given is not asked)', async () => {
    await start(['ri', 'resolve', 'directgitrefs', '--connector', 'src', '--param', 'repository=demo', '--interactive', '--json'])
    const listed = await term.waitFor('refs/tags/v1.0.0')
    expect(listed).not.to.include('Repository')
    expect(listed).to.match(/❯ refs\/heads\/main\n/)
    await term.type('v1')
    await term.waitFor(/❯ refs\/tags\/v1\.0\.0\n/)
    await term.press('Enter')
    const {out} = await finish()
    expect(out.params).to.deep.equal({repository: 'demo', revision: 'refs/tags/v1.0.0'})
  })

  it('falls back to a free-text prompt, and says so, for a descriptor berth cannot serve', async () => {
    await start(['ri', 'resolve', 'gitlabcoderepository', '--connector', 'src', '--interactive', '--json'])
    const screen = await term.waitFor('? Repository')
    expect(screen).to.include('berth cannot list the options of params.repository: ConnectorClass "git" has no API /api/v4/projects (urn:alm:descriptor:expression:props.options:api:/clusters-rewrite/${context.cluster}${context.connector.status.api.path}/api/v4/projects?simple=true); type the value instead.')
    await term.type('group/app')
    await term.press('Enter')
    const {out} = await finish()
    expect(out.attributes).to.deep.equal([{name: 'url', type: 'string', value: `${git.baseUrl}/group/app`, parameter: 'git-url'}])
  })
})
