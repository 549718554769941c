import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {berthEnv, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'
import {runInProcess} from '../../helpers/in-process.js'

/**
 * What `endpoint create` accepts, every later use accepts: one validation of an address
 * runs at input and at use, with the same message, and what is stored is normalised.
 */
describe('berth endpoint create: addresses are checked once, the same way at input and at use', () => {
  let home: string
  let cleanup: () => void
  const env = () => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p@ss w0rd!', S: 'reg-s3cret!#'})
  // In process: these check messages and state, not the binary (see helpers/in-process.ts).
  const berth = (...args: string[]) => runInProcess(args, {env: env()})
  const endpointFile = (name: string) => path.join(home, 'projects', 'default', 'endpoints', `${name}.yaml`)

  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  const refused: Array<{title: string; args: string[]; stderr: string}> = [
    {
      title: 'a registry address with a repository path',
      args: ['docker-registry', 'team-reg', '--address', 'https://registry.example.com/v2/team', '--username', 'ci', '--password-env', 'S'],
      stderr: 'Error: Invalid registry address "https://registry.example.com/v2/team": a registry is addressed by its host and port only, not a path (/v2/team).\nHint: Docker image references cannot carry a path prefix; use the registry root, e.g. https://registry.example.com.\n',
    },
    {
      title: 'a registry address on port 0',
      args: ['docker-registry', 'zero', '--address', 'http://127.0.0.1:0', '--username', 'ci', '--password-env', 'S'],
      stderr: 'Error: Invalid registry address "http://127.0.0.1:0": it has port 0, which nothing can listen on.\nHint: Give the registry\'s real port, e.g. http://127.0.0.1:5000.\n',
    },
    {
      title: 'a git URL on port 0',
      args: ['git', 'zero-git', '--url', 'http://127.0.0.1:0/team/app.git', '--username', 'ci', '--password-env', 'S'],
      stderr: 'Error: Invalid --url "http://127.0.0.1:0/team/app.git": it has port 0, which nothing can listen on.\nHint: Give an HTTPS URL such as https://git.example.com/group/repo.git.\n',
    },
    {
      title: 'a CodeArts prefix on port 0',
      args: ['codearts-repo', 'zero-hub', '--url-prefix', 'https://codehub.example.com:0', '--username', 'mytenant/ci-user', '--password-env', 'S'],
      stderr: 'Error: Invalid --url-prefix "https://codehub.example.com:0": it has port 0, which nothing can listen on.\nHint: Give an HTTPS URL such as https://git.example.com/group/repo.git.\n',
    },
    {
      title: 'a Kubernetes API server on port 0',
      args: ['kubernetes', 'zero-k8s', '--kubeconfig', '/nonexistent/never-read.kubeconfig', '--server', 'https://127.0.0.1:0'],
      stderr: 'Error: Invalid --server "https://127.0.0.1:0": it has port 0, which nothing can listen on.\n',
    },
  ]

  for (const c of refused) {
    it(`refuses ${c.title} at create: exit 2, nothing stored`, async () => {
      const before = await stateFiles(home)
      const result = await berth('endpoint', 'create', ...c.args)
      expect(result.code).to.equal(2)
      expect(result.stderr).to.equal(c.stderr)
      expect(result.stdout).to.equal('')
      expect(await stateFiles(home)).to.deep.equal(before)
    })
  }

  it('gives the same message at use for an address that got into a document by hand', async () => {
    const created = await berth('endpoint', 'create', 'docker-registry', 'hub', '--address', 'https://registry.example.com', '--username', 'ci', '--password-env', 'S')
    expect(created.code, created.stderr).to.equal(0)
    for (const c of refused.slice(0, 2)) {
      const bad = c.args[c.args.indexOf('--address') + 1]!
      const text = await fs.readFile(endpointFile('hub'), 'utf8')
      await fs.writeFile(endpointFile('hub'), text.replace(/^ {2}address: .*$/m, `  address: ${bad}`))
      for (const use of [['endpoint', 'test', 'hub'], ['image', 'tags', 'hub', 'team/app']]) {
        const result = await berth(...use)
        expect(result.code, use.join(' ')).to.equal(2)
        expect(result.stdout).to.equal('')
        // `endpoint test` first says what it tests; the error lines are the create's.
        expect(result.stderr.replace(/^Testing .*\n/, ''), use.join(' ')).to.equal(c.stderr)
      }
    }
  })

  it('accepts http for every loopback address git accepts, and stores URLs normalised', async () => {
    const git = await berth('endpoint', 'create', 'git', 'local-git', '--url', 'http://127.0.0.2:8080/Team/App.git/', '--username', 'ci@corp.example.com', '--password-env', 'S')
    expect(git.code, git.stderr).to.equal(0)
    const reg = await berth('endpoint', 'create', 'docker-registry', 'hub', '--address', 'HTTPS://Registry.Example.COM:443/', '--username', 'ci', '--password-env', 'S')
    expect(reg.code, reg.stderr).to.equal(0)
    const hub = await berth('endpoint', 'create', 'codearts-repo', 'codehub', '--url-prefix', 'https://CodeHub.example.com//', '--username', 'mytenant/ci-user', '--password-env', 'S')
    expect(hub.code, hub.stderr).to.equal(0)
    const listed = JSON.parse((await berth('endpoint', 'list', '--json')).stdout) as Array<{name: string; target: string}>
    expect(Object.fromEntries(listed.map((e) => [e.name, e.target]))).to.deep.equal({
      codehub: 'https://codehub.example.com',
      hub: 'https://registry.example.com',
      'local-git': 'http://127.0.0.2:8080/Team/App.git',
    })
    const show = JSON.parse((await berth('endpoint', 'show', 'hub', '--json')).stdout) as {spec: {address: string}}
    expect(show.spec.address).to.equal('https://registry.example.com')
  })
})
