import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

import {BackendHome, backendHome, storedState, testBackends} from '../../helpers/backends.js'
import {ROOT, berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'
import {requireKeychain} from '../../helpers/keychain.js'

const run = promisify(execFile)

async function filesUnder(dir: string): Promise<Array<[string, string]>> {
  return Object.entries(await stateFiles(dir))
}

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${Buffer.from('not-really-a-ca').toString('base64')}
users:
- name: admin
  user:
    token: kube-token-value-123
contexts:
- name: dev-admin
  context: {cluster: dev, user: admin}
current-context: dev-admin
`

for (const backend of testBackends()) describe(`berth endpoint create/list/show/update/delete (${backend} backend)`, () => {
  let b: BackendHome
  let home: string
  const secret = `pw-${randomBytes(6).toString('hex')}`
  const secretStore = backend === 'kubernetes' ? 'kubernetes' : 'file'
  beforeEach(async function () {
    b = await backendHome(this, backend)
    home = b.home
  })
  afterEach(async () => b?.cleanup())

  const env = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'test-passphrase', ...extra})
  const berth = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string) => runBerth(args, {env: env(extra), input})

  it('creates each of the five types from flags, lists and shows them with secrets masked', async () => {
    const kubeconfig = path.join(home, 'kubeconfig.yaml')
    await fs.writeFile(kubeconfig, KUBECONFIG)
    const creates: Array<[string[], string | undefined]> = [
      [['endpoint', 'create', 'docker-registry', 'hub', '--address', 'https://registry.example.com', '--username', 'ci', '--password-stdin'], `${secret}\n`],
      [['endpoint', 'create', 'kubernetes', 'dev', '--kubeconfig', kubeconfig, '--server', 'https://127.0.0.1:6443/'], undefined],
      [['endpoint', 'create', 'git', 'app', '--url', 'https://git.example.com/team/app.git', '--username', 'ci', '--password-env', 'THE_SECRET'], undefined],
      [['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'HPUAEXAMPLEKEY000001', '--secret-access-key-env', 'THE_SECRET'], undefined],
      [['endpoint', 'create', 'codearts-repo', 'codehub', '--url-prefix', 'https://codehub.example.com', '--username', 'tenant/ci-user', '--password-stdin', '--description', 'CodeArts Repo'], secret],
    ]
    for (const [args, input] of creates) {
      const result = await berth(args, {THE_SECRET: secret}, input)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0)
    }
    const list = await berth(['endpoint', 'list', '--json'])
    expect(list.code).to.equal(0)
    const items = JSON.parse(list.stdout) as Array<{name: string; type: string; target: string}>
    expect(items.map((i) => [i.name, i.type, i.target])).to.deep.equal([
      ['app', 'git', 'https://git.example.com/team/app.git'],
      ['cloud', 'iam', 'HPUAEXAMPLEKEY000001'],
      ['codehub', 'codearts-repo', 'https://codehub.example.com'],
      ['dev', 'kubernetes', 'https://127.0.0.1:6443/'],
      ['hub', 'docker-registry', 'https://registry.example.com'],
    ])
    // One shape for every item: a value a type does not have is null, never an absent key.
    for (const item of items) expect(Object.keys(item), item.name).to.deep.equal(['name', 'type', 'target', 'username', 'description', 'lastTest', 'createdAt'])
    expect(items.find((i) => i.name === 'cloud')).to.include({username: null, description: null, lastTest: null})
    const filtered = await berth(['endpoint', 'list', '--type', 'kubernetes'])
    expect(filtered.stdout).to.equal(`NAME  TYPE        ${'TARGET'.padEnd(23)}  USERNAME  LAST TEST\ndev   kubernetes  https://127.0.0.1:6443/\n`)

    const show = await berth(['endpoint', 'show', 'hub'])
    expect(show.code).to.equal(0)
    expect(show.stdout).to.match(new RegExp(`^name +hub\\nproject +default\\ntype +docker-registry\\naddress +https://registry\\.example\\.com\\nusername +ci\\npassword +\\*{8} \\(${secretStore}\\)\\ncreated +\\S+ by \\S+\\nused by +-\\n$`))
    const showJson = JSON.parse((await berth(['endpoint', 'show', 'dev', '--json'])).stdout)
    expect(showJson.spec).to.include({type: 'kubernetes', server: 'https://127.0.0.1:6443/', context: 'dev-admin'})
    expect(showJson.secrets).to.deep.equal({kubeconfig: `******** (${secretStore})`})

    // No secret value, nor the kubeconfig's token, in any file or custom resource berth keeps, or in any output.
    const stored = Object.entries(await storedState(b)).filter(([where]) => !where.startsWith('Secret/'))
    expect(stored.length).to.be.greaterThan(backend === 'kubernetes' ? 5 : 0)
    for (const [file, content] of stored) {
      if (file === kubeconfig) continue
      expect(content, file).to.not.contain(secret)
      expect(content, file).to.not.contain('kube-token-value-123')
      expect(content, file).to.not.contain(Buffer.from(secret).toString('base64'))
    }
    for (const out of [list.stdout, show.stdout, JSON.stringify(showJson)]) expect(out).to.not.contain(secret)
  })

  it('updates fields and the secret, and names the objects that use the endpoint', async () => {
    expect((await berth(['endpoint', 'create', 'git', 'app', '--url', 'https://git.example.com/a.git', '--username', 'ci', '--password-stdin'], {}, 'old')).code).to.equal(0)
    await b.state.create({kind: 'DeploymentRuntime', metadata: {name: 'web', project: 'default'}, spec: {repoEndpoint: 'app', path: 'deploy'}})
    const update = await berth(['endpoint', 'update', 'app', '--username', 'deployer', '--password-stdin', '--json'], {}, 'new-secret')
    expect(update.code, update.stderr).to.equal(0)
    const body = JSON.parse(update.stdout)
    expect(body.spec).to.include({username: 'deployer', url: 'https://git.example.com/a.git'})
    expect(body.references).to.deep.equal([{kind: 'DeploymentRuntime', name: 'web', field: 'spec.repoEndpoint'}])
    const human = await berth(['endpoint', 'update', 'app', '--url', 'https://git.example.com/b.git'])
    expect(human.stderr).to.equal('Updated endpoint "app".\nThese objects use it and may need updating too:\n  DeploymentRuntime/web (spec.repoEndpoint)\n')
    const doc = await b.state.get('Endpoint', 'app', 'default')
    expect(doc.metadata.generation).to.equal(3)
    expect(doc.spec).to.include({url: 'https://git.example.com/b.git', username: 'deployer'})
    const nothing = await berth(['endpoint', 'update', 'app', '--url', 'https://git.example.com/b.git'])
    expect(nothing.stderr).to.equal('Nothing to change in endpoint "app".\n')
    // An endpoint with a description is not "changed" by repeating its values either.
    expect((await berth(['endpoint', 'update', 'app', '--description', 'the app repo'])).stderr).to.equal('Updated endpoint "app".\nThese objects use it and may need updating too:\n  DeploymentRuntime/web (spec.repoEndpoint)\n')
    for (const args of [['--url', 'https://git.example.com/b.git'], ['--url', 'https://git.example.com/b.git', '--description', 'the app repo']]) {
      const same = await berth(['endpoint', 'update', 'app', ...args])
      expect(same.stderr, args.join(' ')).to.equal('Nothing to change in endpoint "app".\n')
    }
  })

  it('refuses to delete an endpoint in use unless --force, then removes its secret', async () => {
    expect((await berth(['endpoint', 'create', 'docker-registry', 'hub', '--address', 'http://127.0.0.1:5000', '--username', 'ci', '--password-stdin'], {}, secret)).code).to.equal(0)
    const store = b.state
    // Only declared reference fields count: a Service's manifest naming "hub" under spec.endpoints is user data.
    await store.create({kind: 'Service', metadata: {name: 'web', project: 'default'}, spec: {manifest: {kind: 'ServiceMonitor', spec: {endpoints: ['hub']}}, registryEndpoint: 'hub'}})
    await store.create({kind: 'Trigger', metadata: {name: 'on-push', project: 'default'}, spec: {endpoint: 'hub'}})
    await store.create({kind: 'Trigger', metadata: {name: 'on-tag', project: 'default'}, spec: {endpoint: 'hub', action: {clusterEndpoint: 'k8s'}}})
    const before = await storedState(b)
    const refused = await berth(['endpoint', 'delete', 'hub'])
    expect(refused.code).to.equal(1)
    expect(refused.stderr).to.equal(
      'Error: Endpoint "hub" is used by 2 objects: Trigger "on-push" (spec.endpoint), Trigger "on-tag" (spec.endpoint).\nHint: Change those first, or delete anyway with: berth endpoint delete hub --force\n',
    )
    expect(await storedState(b)).to.deep.equal(before)
    const forced = await berth(['endpoint', 'delete', 'hub', '--force', '--json'])
    expect(forced.code).to.equal(0)
    expect(JSON.parse(forced.stdout)).to.include({name: 'hub', deleted: true})
    expect(JSON.parse(forced.stdout).secretsRemoved).to.deep.equal(['password'])
    if (backend === 'file') {
      const secrets = JSON.parse(await fs.readFile(path.join(home, 'secrets.enc'), 'utf8'))
      expect(Object.keys(secrets.entries)).to.deep.equal([])
    } else {
      expect(Object.keys(await storedState(b)).filter((where) => where.startsWith('Secret/'))).to.deep.equal([])
    }
    const gone = await berth(['endpoint', 'show', 'hub'])
    expect(gone.code).to.equal(1)
    expect(gone.stderr).to.equal('Error: Endpoint "hub" not found in project "default".\nHint: List what exists with: berth endpoint list\n')
  })

  it('lets exactly one of four concurrent creates of one name win, and keeps the winner\'s secret', async () => {
    const passwords = [0, 1, 2, 3].map((i) => `racer-${i}-p@ss:w0rd`)
    const results = await Promise.all(passwords.map((password) => berth(['endpoint', 'create', 'git', 'app', '--url', 'https://git.example.com/team/app.git', '--username', 'ci', '--password-env', 'S'], {S: password})))
    const winners = results.flatMap((r, i) => (r.code === 0 ? [i] : []))
    expect(winners, results.map((r) => r.stderr).join('')).to.have.length(1)
    for (const r of results.filter((r) => r.code !== 0)) {
      expect(r.code).to.equal(1)
      expect(r.stderr).to.equal('Error: Endpoint "app" already exists in project "default".\nHint: Change it with: berth endpoint update app\n')
    }
    const got = await berth(['credential', 'git', 'get'], {}, 'protocol=https\nhost=git.example.com\npath=team/app.git\n\n')
    expect(got.stdout).to.equal(`username=ci\npassword=${passwords[winners[0]!]}\n`)
  })

  it('keeps endpoints apart by project', async () => {
    expect((await berth(['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'AAAABBBBCCCCDDDDEEEE', '--secret-access-key-stdin', '--project', 'team-a'], {}, 'sk')).code).to.equal(0)
    expect(JSON.parse((await berth(['endpoint', 'list', '--json'])).stdout)).to.deep.equal([])
    expect(JSON.parse((await berth(['endpoint', 'list', '--json'], {BERTH_PROJECT: 'team-a'})).stdout)).to.have.length(1)
  })

})

// The local secret stores (keychain, env) belong to the file backend.
describe('berth endpoint secrets in the local stores (file backend)', () => {
  let home: string
  let cleanup: () => void
  const secret = `pw-${randomBytes(6).toString('hex')}`
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  const env = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'test-passphrase', ...extra})
  const berth = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string) => runBerth(args, {env: env(extra), input})

  it('stores the secret in the real keychain, nowhere under BERTH_HOME, and removes it on delete', async function () {
    requireKeychain(this)
    const service = `berth-test-${randomBytes(4).toString('hex')}`
    const kenv = {BERTH_SECRET_STORE: 'keychain', BERTH_KEYCHAIN_SERVICE: service}
    const created = await runBerth(['endpoint', 'create', 'docker-registry', 'hub', '--address', 'https://r.example.com', '--username', 'ci', '--password-stdin'], {env: berthEnv(home, kenv), input: secret})
    expect(created.code, created.stderr).to.equal(0)
    expect(created.stderr).to.equal('Created docker-registry endpoint "hub" in project "default" (secret in the keychain store).\n')
    const {stdout} = await run('secret-tool', ['lookup', 'service', service, 'username', 'default/Endpoint/hub/password'])
    expect(stdout).to.equal(secret)
    for (const [file, content] of await filesUnder(home)) expect(content, file).to.not.contain(secret)
    const deleted = await runBerth(['endpoint', 'delete', 'hub'], {env: berthEnv(home, kenv)})
    expect(deleted.code).to.equal(0)
    const lookup = await run('secret-tool', ['lookup', 'service', service, 'username', 'default/Endpoint/hub/password']).then(() => 'found', () => 'absent')
    expect(lookup).to.equal('absent')
  })

  it('fails with the documented error when the keychain is unreachable, and saves nothing', async () => {
    const result = await runBerth(['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'AAAABBBBCCCCDDDDEEEE', '--secret-access-key-stdin'], {
      env: {...berthEnv(home, {BERTH_SECRET_STORE: 'keychain'}), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus'},
      input: 'sk',
    })
    expect(result.code).to.equal(1)
    expect(result.stderr).to.match(/^Error: The OS keychain is not reachable: Couldn't access platform storage: [^\n]+\.\nHint: On a machine without a keychain, choose a secret store explicitly: BERTH_SECRET_STORE=file with BERTH_PASSPHRASE set \(an encrypted file\), or BERTH_SECRET_STORE=env to read secrets from BERTH_SECRET_<NAME>_<FIELD> variables \(read-only, for CI\)\.\n$/)
    expect((await filesUnder(home)).filter(([f]) => f.endsWith('.yaml'))).to.deep.equal([])
  })

  it('reads secrets from BERTH_SECRET_<NAME>_<FIELD> with the env store', async () => {
    expect((await berth(['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'AAAABBBBCCCCDDDDEEEE', '--secret-access-key-stdin'], {}, 'sk-from-file')).code).to.equal(0)
    const refused = await berth(['endpoint', 'create', 'iam', 'other', '--access-key-id', 'AAAABBBBCCCCDDDDEEEE', '--secret-access-key-stdin'], {BERTH_SECRET_STORE: 'env'}, 'sk')
    expect(refused.code).to.equal(2)
    expect(refused.stderr).to.equal('Error: The env secret store is read-only: cannot save the secretAccessKey of Endpoint "other".\nHint: Set BERTH_SECRET_OTHER_SECRET_ACCESS_KEY in the environment instead, or choose a writable store with BERTH_SECRET_STORE=keychain or BERTH_SECRET_STORE=file.\n')
    expect((await filesUnder(home)).map(([f]) => path.basename(f)).filter((f) => f.endsWith('.yaml'))).to.deep.equal(['cloud.yaml'])
  })

  describe('shapes and secrets as shown', () => {
    const env = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'shape test', GIT_TOKEN: 'T0ken/+=', ...extra})

    it('takes --kubeconfig /dev/stdin and a shell\'s <(…), read once', async () => {
      const piped = await runBerth(['endpoint', 'create', 'kubernetes', 'from-stdin', '--kubeconfig', '/dev/stdin'], {env: env(), input: KUBECONFIG})
      expect(piped.code, piped.stderr).to.equal(0)
      const substituted = await run('bash', ['-c', `"$NODE" "$BIN" endpoint create kubernetes from-fifo --kubeconfig <(printf %s "$KC") --context dev-admin`], {
        env: {...env(), NODE: process.execPath, BIN: path.join(ROOT, 'bin', 'run.js'), KC: KUBECONFIG},
      })
      expect(substituted.stderr).to.equal('Created kubernetes endpoint "from-fifo" in project "default" (secret in the file store).\n')
      const listed = JSON.parse((await runBerth(['endpoint', 'list', '--json'], {env: env()})).stdout) as Array<{name: string; target?: string}>
      expect(listed.map((e) => e.name).sort()).to.deep.equal(['from-fifo', 'from-stdin'])
    })

    it('create and update --json return the same shape', async () => {
      const created = await runBerth(['endpoint', 'create', 'git', 'app', '--url', 'https://git.example.com/team/app.git', '--username', 'ci@corp.com', '--password-env', 'GIT_TOKEN', '--json'], {env: env()})
      expect(created.code, created.stderr).to.equal(0)
      const updated = await runBerth(['endpoint', 'update', 'app', '--username', 'mytenant/ci-user', '--json'], {env: env()})
      expect(updated.code, updated.stderr).to.equal(0)
      const c = JSON.parse(created.stdout)
      const u = JSON.parse(updated.stdout)
      expect(Object.keys(c).sort()).to.deep.equal(Object.keys(u).sort())
      expect(c).to.include({changed: true})
      expect(c.references).to.deep.equal([])
    })

    it('show says "missing" for a secret that is not in its store', async () => {
      const created = await runBerth(['endpoint', 'create', 'git', 'app', '--url', 'https://git.example.com/team/app.git', '--username', 'ci@corp.com', '--password-env', 'GIT_TOKEN'], {env: env()})
      expect(created.code, created.stderr).to.equal(0)
      expect((await runBerth(['endpoint', 'show', 'app'], {env: env()})).stdout).to.match(/\npassword +\*{8} \(file\)\n/)
      await fs.rm(path.join(home, 'secrets.enc'))
      const shown = await runBerth(['endpoint', 'show', 'app'], {env: env()})
      expect(shown.code, shown.stderr).to.equal(0)
      expect(shown.stdout).to.match(/\npassword +missing \(file store\)\n/)
      expect(JSON.parse((await runBerth(['endpoint', 'show', 'app', '--json'], {env: env()})).stdout).secrets).to.deep.equal({password: 'missing (file store)'})
    })
  })
})

