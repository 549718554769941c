import {expect} from 'chai'
import {ChildProcess, SpawnOptions, execFile, spawn} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {
  CommandStartError,
  ExecEnvironment,
  FORWARDED_SIGNALS,
  Spawner,
  childEnvironment,
  prepareExecEnvironment,
  runWithEndpoints,
} from '../../../src/lib/endpoints/exec.js'
import type {CredentialsOf, EndpointCredentials} from '../../../src/lib/endpoints/types.js'
import {UsageError, ValidationError} from '../../../src/lib/errors.js'
import {parseYaml} from '../../../src/lib/yaml.js'
import {berthRejection} from '../../helpers/files.js'

const run = promisify(execFile)

const registry = (name: string, address: string, username = 'ci', password = 'reg-s3cret'): CredentialsOf<'docker-registry'> => ({type: 'docker-registry', name, address, username, password})
const git = (name: string, url: string, username: string, password: string): CredentialsOf<'git'> => ({type: 'git', name, url, username, password})
const iam = (name: string, accessKeyId = 'HPUAEXAMPLEKEY000001', secretAccessKey = 'iam-secret-key-0123456789'): CredentialsOf<'iam'> => ({type: 'iam', name, accessKeyId, secretAccessKey})

/** A minified kubeconfig as `endpoint create` stores it; entry names as kubeadm writes them, so two clash. */
function kubeconfig(server: string, token: string, extra = ''): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    server: ${server}
    certificate-authority-data: Q0E=
contexts:
- name: kubernetes-admin@kubernetes
  context:
    cluster: kubernetes
    user: kubernetes-admin
    namespace: shop
${extra}current-context: kubernetes-admin@kubernetes
users:
- name: kubernetes-admin
  user:
    token: ${token}
`
}
const kube = (name: string, server: string, token: string, context?: string, text = kubeconfig(server, token)): CredentialsOf<'kubernetes'> => ({
  type: 'kubernetes',
  name,
  server,
  ...(context ? {context} : {}),
  kubeconfig: text,
})

const mode = (p: string) => statSync(p).mode & 0o777

/** Every file and directory under `dir` (not following links), relative. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {recursive: true}).map(String).sort()
}


describe('endpoint exec environment', () => {
  let tmpRoot: string
  let userHome: string
  let prepared: ExecEnvironment | undefined
  beforeEach(() => {
    tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'berth-exec-test-'))
    userHome = mkdtempSync(path.join(os.tmpdir(), 'berth-exec-home-'))
    prepared = undefined
  })
  afterEach(async () => {
    await prepared?.cleanup()
    rmSync(tmpRoot, {recursive: true, force: true})
    rmSync(userHome, {recursive: true, force: true})
  })

  const prepare = async (creds: EndpointCredentials[], baseEnv: NodeJS.ProcessEnv = {HOME: userHome}) => {
    prepared = await prepareExecEnvironment(creds, {tmpRoot, baseEnv})
    return prepared
  }

  describe('docker-registry', () => {
    it('writes config.json with an auths entry per registry, keyed as docker keys it, in private directories', async () => {
      const env = await prepare([registry('local', 'http://127.0.0.1:5000'), registry('hub', 'docker.io', 'me', 'hub:pass'), registry('corp', 'https://Registry.Example.com:443/v2/', 'ci', 'pässword')])
      expect(readdirSync(tmpRoot)).to.deep.equal([path.basename(env.dir)])
      expect(path.basename(env.dir)).to.match(/^berth-exec-/)
      const dockerDir = path.join(env.dir, 'docker')
      expect(env.env).to.deep.equal({BERTH_ENDPOINTS: 'local,hub,corp', DOCKER_CONFIG: dockerDir, REGISTRY_AUTH_FILE: path.join(dockerDir, 'config.json')})
      expect(env.unset).to.deep.equal([])
      expect(mode(env.dir)).to.equal(0o700)
      expect(mode(dockerDir)).to.equal(0o700)
      expect(mode(path.join(dockerDir, 'config.json'))).to.equal(0o600)
      expect(tree(env.dir)).to.deep.equal(['docker', 'docker/config.json'])
      const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
      expect(JSON.parse(readFileSync(path.join(dockerDir, 'config.json'), 'utf8'))).to.deep.equal({
        auths: {
          '127.0.0.1:5000': {auth: b64('ci:reg-s3cret')},
          'https://index.docker.io/v1/': {auth: b64('me:hub:pass')},
          'registry.example.com': {auth: b64('ci:pässword')},
        },
      })
    })

    it('keeps the user\'s docker settings and directory entries but none of their credentials', async () => {
      const userDocker = path.join(userHome, 'custom-docker')
      mkdirSync(path.join(userDocker, 'cli-plugins'), {recursive: true})
      mkdirSync(path.join(userDocker, 'contexts', 'meta'), {recursive: true})
      writeFileSync(path.join(userDocker, 'cli-plugins', 'docker-buildx'), '#!/bin/sh\n')
      writeFileSync(path.join(userDocker, 'ca.pem'), 'CA')
      writeFileSync(path.join(userDocker, 'config.json.lock'), '')
      const userConfig = {
        auths: {'other.example.com': {auth: 'dXNlcjpvdGhlcg=='}},
        credsStore: 'desktop',
        credHelpers: {'gcr.io': 'gcloud'},
        currentContext: 'remote',
        proxies: {default: {httpProxy: 'http://proxy:3128'}},
        psFormat: 'table {{.ID}}',
      }
      writeFileSync(path.join(userDocker, 'config.json'), JSON.stringify(userConfig))
      const env = await prepare([registry('local', 'http://127.0.0.1:5000')], {HOME: userHome, DOCKER_CONFIG: userDocker})
      const dockerDir = env.env.DOCKER_CONFIG!
      expect(JSON.parse(readFileSync(path.join(dockerDir, 'config.json'), 'utf8'))).to.deep.equal({
        currentContext: 'remote',
        proxies: {default: {httpProxy: 'http://proxy:3128'}},
        psFormat: 'table {{.ID}}',
        auths: {'127.0.0.1:5000': {auth: Buffer.from('ci:reg-s3cret').toString('base64')}},
      })
      expect(readdirSync(dockerDir).sort()).to.deep.equal(['ca.pem', 'cli-plugins', 'config.json', 'contexts'])
      for (const entry of ['ca.pem', 'cli-plugins', 'contexts']) {
        expect(lstatSync(path.join(dockerDir, entry)).isSymbolicLink(), entry).to.equal(true)
        expect(readlinkSync(path.join(dockerDir, entry))).to.equal(path.join(userDocker, entry))
      }
      expect(existsSync(path.join(dockerDir, 'cli-plugins', 'docker-buildx'))).to.equal(true)

      // Removing the private directory removes the links, never what they point to.
      await env.cleanup()
      expect(existsSync(env.dir)).to.equal(false)
      expect(readdirSync(userDocker).sort()).to.deep.equal(['ca.pem', 'cli-plugins', 'config.json', 'config.json.lock', 'contexts'])
      expect(readdirSync(path.join(userDocker, 'cli-plugins'))).to.deep.equal(['docker-buildx'])
      expect(JSON.parse(readFileSync(path.join(userDocker, 'config.json'), 'utf8'))).to.deep.equal(userConfig)
    })

    it('reads the user\'s docker directory from ~/.docker and ignores a config.json that is not JSON', async () => {
      mkdirSync(path.join(userHome, '.docker', 'buildx'), {recursive: true})
      writeFileSync(path.join(userHome, '.docker', 'config.json'), '{"auths": {')
      const env = await prepare([registry('local', 'http://127.0.0.1:5000')])
      const dockerDir = env.env.DOCKER_CONFIG!
      expect(readdirSync(dockerDir).sort()).to.deep.equal(['buildx', 'config.json'])
      expect(Object.keys(JSON.parse(readFileSync(path.join(dockerDir, 'config.json'), 'utf8')))).to.deep.equal(['auths'])
    })

    it('refuses two endpoints for one registry, writing nothing', async () => {
      const error = await berthRejection(prepare([registry('a', 'http://127.0.0.1:5000'), registry('b', '127.0.0.1:5000', 'other')]))
      expect(error).to.be.instanceOf(UsageError)
      expect(error.exitCode).to.equal(2)
      expect(error.message).to.equal('Endpoints "a" and "b" are both for the registry 127.0.0.1:5000; docker keeps one login per registry, so give only one of them.')
      expect(readdirSync(tmpRoot)).to.deep.equal([])
    })
  })

  describe('kubernetes', () => {
    it('writes one kubeconfig whose context, cluster and user are named after the endpoint', async () => {
      const env = await prepare([kube('prod', 'https://10.0.0.1:6443', 'prod-token')])
      const file = path.join(env.dir, 'kube', 'config')
      expect(env.env).to.deep.equal({BERTH_ENDPOINTS: 'prod', KUBECONFIG: file})
      expect(mode(path.join(env.dir, 'kube'))).to.equal(0o700)
      expect(mode(file)).to.equal(0o600)
      expect(parseYaml(readFileSync(file, 'utf8'), {source: 'test'})).to.deep.equal({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'prod', cluster: {server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Q0E='}}],
        contexts: [{name: 'prod', context: {cluster: 'prod', user: 'prod', namespace: 'shop'}}],
        'current-context': 'prod',
        users: [{name: 'prod', user: {token: 'prod-token'}}],
      })
    })

    it('with several endpoints keeps each one\'s own cluster and user, the first current', async () => {
      const env = await prepare([kube('staging', 'https://10.0.0.2:6443', 'staging-token'), kube('prod', 'https://10.0.0.1:6443', 'prod-token')])
      const config = parseYaml(readFileSync(env.env.KUBECONFIG!, 'utf8'), {source: 'test'}) as {
        clusters: Array<{name: string; cluster: {server: string}}>
        users: Array<{name: string; user: {token: string}}>
        contexts: Array<{name: string}>
        'current-context': string
      }
      expect(config['current-context']).to.equal('staging')
      expect(config.contexts.map((c) => c.name)).to.deep.equal(['staging', 'prod'])
      expect(config.clusters.map((c) => [c.name, c.cluster.server])).to.deep.equal([['staging', 'https://10.0.0.2:6443'], ['prod', 'https://10.0.0.1:6443']])
      expect(config.users.map((u) => [u.name, u.user.token])).to.deep.equal([['staging', 'staging-token'], ['prod', 'prod-token']])
    })

    it('uses the endpoint\'s stored context, not the kubeconfig\'s current one', async () => {
      const extra = `- name: readonly
  context:
    cluster: kubernetes
    user: viewer
`
      const text = kubeconfig('https://10.0.0.1:6443', 'admin-token', extra).replace('users:\n', 'users:\n- name: viewer\n  user:\n    token: viewer-token\n')
      const env = await prepare([kube('view', 'https://10.0.0.1:6443', 'x', 'readonly', text)])
      const config = parseYaml(readFileSync(env.env.KUBECONFIG!, 'utf8'), {source: 'test'}) as {users: Array<{user: {token: string}}>; contexts: Array<{context: object}>}
      expect(config.users).to.deep.equal([{name: 'view', user: {token: 'viewer-token'}}])
      expect(config.contexts).to.deep.equal([{name: 'view', context: {cluster: 'view', user: 'view'}}])
    })

    it('refuses an unusable stored kubeconfig with a hint to store a new one, writing nothing', async () => {
      const error = await berthRejection(prepare([kube('broken', 'https://10.0.0.1:6443', 't', undefined, 'clusters: [')]))
      expect(error).to.be.instanceOf(ValidationError)
      expect(error.message).to.match(/^The stored kubeconfig of endpoint "broken" is not valid YAML \(line \d+\): /)
      expect(error.hint).to.equal('Store a working kubeconfig with: berth endpoint update broken --kubeconfig FILE')
      const missing = await berthRejection(prepare([kube('gone', 'https://10.0.0.1:6443', 't', 'nope')]))
      expect(missing.message).to.equal('The stored kubeconfig of endpoint "gone" has no context "nope" (its contexts: kubernetes-admin@kubernetes).')
      expect(readdirSync(tmpRoot)).to.deep.equal([])
    })
  })

  describe('git and codearts-repo', () => {
    it('gives each endpoint\'s origin its own credential helper, after existing GIT_CONFIG entries', async () => {
      const creds: EndpointCredentials[] = [
        git('app', 'https://git.example.com/team/app.git', 'ci', 'app-token'),
        {type: 'codearts-repo', name: 'codehub', urlPrefix: 'https://codehub.example.com', username: 'tenant/ci-user', password: 'codehub-pass'},
      ]
      const env = await prepare(creds, {HOME: userHome, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.pager', GIT_CONFIG_VALUE_0: 'cat'})
      const helper = (i: number) => `!'${path.join(env.dir, 'git', `${i}.helper.sh`)}'`
      expect(env.env).to.deep.equal({
        BERTH_ENDPOINTS: 'app,codehub',
        GIT_CONFIG_COUNT: '5',
        GIT_CONFIG_KEY_1: 'credential.https://git.example.com.helper',
        GIT_CONFIG_VALUE_1: '',
        GIT_CONFIG_KEY_2: 'credential.https://git.example.com.helper',
        GIT_CONFIG_VALUE_2: helper(0),
        GIT_CONFIG_KEY_3: 'credential.https://codehub.example.com.helper',
        GIT_CONFIG_VALUE_3: '',
        GIT_CONFIG_KEY_4: 'credential.https://codehub.example.com.helper',
        GIT_CONFIG_VALUE_4: helper(1),
      })
      expect(JSON.stringify(env.env)).to.not.include('app-token').and.not.include('codehub-pass')
      expect(mode(path.join(env.dir, 'git'))).to.equal(0o700)
      for (const file of ['0.credential', '0.username', '1.credential', '1.username']) expect(mode(path.join(env.dir, 'git', file)), file).to.equal(0o600)
      const ask = async (i: number, host: string) => (await run('sh', ['-c', `printf 'protocol=https\\nhost=${host}\\n\\n' | ${helper(i).slice(1)} get`])).stdout
      expect(await ask(0, 'git.example.com')).to.equal('username=ci\npassword=app-token\n')
      expect(await ask(1, 'codehub.example.com')).to.equal('username=tenant/ci-user\npassword=codehub-pass\n')
      expect(await ask(1, 'git.example.com')).to.equal('')
      // The child's environment merges the existing entries with berth's.
      const child = childEnvironment({GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.pager', GIT_CONFIG_VALUE_0: 'cat'}, env)
      expect(child).to.include({GIT_CONFIG_COUNT: '5', GIT_CONFIG_KEY_0: 'core.pager', GIT_CONFIG_KEY_4: 'credential.https://codehub.example.com.helper'})
    })

    it('leaves askpass programs and the terminal prompt as the user has them, for hosts without an endpoint', async () => {
      const env = await prepare([git('app', 'https://git.example.com/team/app.git', 'ci', 'app-token')])
      expect(env.env).to.not.have.property('GIT_TERMINAL_PROMPT')
      expect(env.env).to.not.have.property('GIT_ASKPASS')
    })

    it('refuses two endpoints for one host, writing nothing', async () => {
      const error = await berthRejection(prepare([git('a', 'https://git.example.com/a.git', 'u', 'p1'), git('b', 'https://git.example.com/b.git', 'u', 'p2')]))
      expect(error).to.be.instanceOf(UsageError)
      expect(error.message).to.equal('Endpoint "a" and endpoint "b" are both for https://git.example.com; git asks for credentials per host, so only one of them can be used at a time.')
      expect(readdirSync(tmpRoot)).to.deep.equal([])
    })
  })

  describe('iam', () => {
    it('sets berth\'s and the cloud SDKs\' variables and drops session tokens of another identity', async () => {
      const env = await prepare([iam('cloud')])
      expect(env.env).to.deep.equal({
        BERTH_ENDPOINTS: 'cloud',
        BERTH_ACCESS_KEY_ID: 'HPUAEXAMPLEKEY000001',
        BERTH_SECRET_ACCESS_KEY: 'iam-secret-key-0123456789',
        HUAWEICLOUD_SDK_AK: 'HPUAEXAMPLEKEY000001',
        HUAWEICLOUD_SDK_SK: 'iam-secret-key-0123456789',
        AWS_ACCESS_KEY_ID: 'HPUAEXAMPLEKEY000001',
        AWS_SECRET_ACCESS_KEY: 'iam-secret-key-0123456789',
      })
      expect(env.unset).to.deep.equal(['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'])
      expect(tree(env.dir)).to.deep.equal([])
      const child = childEnvironment({PATH: '/bin', AWS_SESSION_TOKEN: 'old', AWS_ACCESS_KEY_ID: 'OLDKEY', AWS_REGION: 'eu-west-1', HUAWEICLOUD_SDK_SECURITY_TOKEN: 'old'}, env)
      expect(child).to.deep.equal({PATH: '/bin', AWS_REGION: 'eu-west-1', ...env.env})
    })

    it('refuses two iam endpoints (their variables would clash), writing nothing', async () => {
      const error = await berthRejection(prepare([iam('one'), registry('reg', 'http://127.0.0.1:5000'), iam('two', 'HPUAEXAMPLEKEY000002')]))
      expect(error).to.be.instanceOf(UsageError)
      expect(error.exitCode).to.equal(2)
      expect(error.message).to.equal(
        'Endpoints "one" and "two" are both iam endpoints; their keys would go to the same variables (BERTH_ACCESS_KEY_ID, BERTH_SECRET_ACCESS_KEY, HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).',
      )
      expect(error.hint).to.equal('Give one iam endpoint per command, e.g. run berth endpoint exec once for each.')
      expect(readdirSync(tmpRoot)).to.deep.equal([])
    })
  })

  it('sets everything for a mix of types, BERTH_ENDPOINTS in the order given, and cleanup removes it all', async () => {
    const env = await prepare([iam('cloud'), git('app', 'https://git.example.com/app.git', 'ci', 'tok'), kube('prod', 'https://10.0.0.1:6443', 'tok2'), registry('reg', 'http://127.0.0.1:5000')])
    expect(env.env.BERTH_ENDPOINTS).to.equal('cloud,app,prod,reg')
    expect(Object.keys(env.env).sort()).to.include.members(['DOCKER_CONFIG', 'KUBECONFIG', 'GIT_CONFIG_COUNT', 'BERTH_ACCESS_KEY_ID'])
    expect(tree(env.dir)).to.deep.equal(['docker', 'docker/config.json', 'git', 'git/0.credential', 'git/0.helper.sh', 'git/0.username', 'kube', 'kube/config'])
    await env.cleanup()
    expect(readdirSync(tmpRoot)).to.deep.equal([])
    await env.cleanup()
    env.cleanupSync()
  })

  it('refuses no endpoints and an endpoint named twice', async () => {
    expect((await berthRejection(prepare([]))).message).to.equal('Give at least one endpoint name before --.')
    const twice = await berthRejection(prepare([iam('cloud'), registry('reg', 'http://127.0.0.1:5000'), registry('reg', 'http://127.0.0.1:5001')]))
    expect(twice).to.be.instanceOf(UsageError)
    expect(twice.message).to.equal('Endpoint "reg" is named twice.')
    expect(readdirSync(tmpRoot)).to.deep.equal([])
  })
})

/** A child process stand-in: records kill() calls; the test decides when it exits. */
class FakeChild extends EventEmitter {
  pid: number | undefined = 4242
  exitCode: number | null = null
  signalCode: NodeJS.Signals | null = null
  killed: NodeJS.Signals[] = []
  kill(signal: NodeJS.Signals): boolean {
    this.killed.push(signal)
    return true
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exitCode = code
    this.signalCode = signal
    this.emit('exit', code, signal)
  }
}

describe('runWithEndpoints', () => {
  let tmpRoot: string
  let signals: EventEmitter
  let baseEnv: NodeJS.ProcessEnv
  beforeEach(() => {
    tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'berth-exec-run-'))
    signals = new EventEmitter()
    // HOME without a .docker directory: the user's docker settings are not part of these tests.
    baseEnv = {PATH: process.env.PATH, HOME: tmpRoot, AWS_SESSION_TOKEN: 'stale'}
  })
  afterEach(() => rmSync(tmpRoot, {recursive: true, force: true}))

  const listeners = () => [...FORWARDED_SIGNALS, 'exit'].reduce((n, s) => n + signals.listenerCount(s), 0)

  /** A spawner handing out one FakeChild and recording how it was called. */
  function fakeSpawner(child: FakeChild, onSpawn?: (call: {command: string; args: string[]; options: SpawnOptions}) => void): Spawner {
    return (command, args, options) => {
      onSpawn?.({command, args, options})
      return child as unknown as ChildProcess
    }
  }

  it('runs the command with the prepared environment and stdio inherited, returns its exit code and removes the files', async () => {
    const child = new FakeChild()
    let call: {command: string; args: string[]; options: SpawnOptions} | undefined
    const running = runWithEndpoints(
      {credentials: [registry('reg', 'http://127.0.0.1:5000'), iam('cloud')], command: 'docker', args: ['pull', 'x'], baseEnv, tmpRoot},
      {spawn: fakeSpawner(child, (c) => (call = c)), signals},
    )
    await waitFor(() => call !== undefined)
    expect(call!.command).to.equal('docker')
    expect(call!.args).to.deep.equal(['pull', 'x'])
    expect(call!.options.stdio).to.equal('inherit')
    const env = call!.options.env!
    expect(env).to.include({PATH: process.env.PATH, BERTH_ENDPOINTS: 'reg,cloud', AWS_ACCESS_KEY_ID: 'HPUAEXAMPLEKEY000001'})
    expect(env).to.not.have.property('AWS_SESSION_TOKEN')
    expect(existsSync(path.join(env.DOCKER_CONFIG!, 'config.json'))).to.equal(true)
    expect(listeners()).to.equal(4)
    child.exit(3)
    expect(await running).to.deep.equal({exitCode: 3})
    expect(readdirSync(tmpRoot)).to.deep.equal([])
    expect(listeners()).to.equal(0)
  })

  for (const signal of FORWARDED_SIGNALS) {
    it(`forwards ${signal} to the command, waits for it, then cleans up and returns 128+signal`, async () => {
      const child = new FakeChild()
      let spawned = false
      const running = runWithEndpoints({credentials: [iam('cloud'), registry('reg', 'http://127.0.0.1:5000')], command: 'sleep', args: ['30'], baseEnv, tmpRoot}, {spawn: fakeSpawner(child, () => (spawned = true)), signals})
      await waitFor(() => spawned)
      signals.emit(signal)
      expect(child.killed).to.deep.equal([signal])
      // Still waiting for the command: the files stay until it has gone.
      await new Promise((r) => setTimeout(r, 20))
      expect(readdirSync(tmpRoot)).to.have.length(1)
      child.exit(null, signal)
      expect(await running).to.deep.equal({exitCode: 128 + os.constants.signals[signal], signal, received: signal})
      expect(readdirSync(tmpRoot)).to.deep.equal([])
      expect(listeners()).to.equal(0)
    })
  }

  it('returns the command\'s own status when it handles the forwarded signal', async () => {
    const child = new FakeChild()
    let spawned = false
    const running = runWithEndpoints({credentials: [iam('cloud')], command: 'x', args: [], baseEnv, tmpRoot}, {spawn: fakeSpawner(child, () => (spawned = true)), signals})
    await waitFor(() => spawned)
    signals.emit('SIGINT')
    signals.emit('SIGINT')
    expect(child.killed).to.deep.equal(['SIGINT', 'SIGINT'])
    child.exit(0)
    expect(await running).to.deep.equal({exitCode: 0, received: 'SIGINT'})
  })

  it('does not start the command when a signal arrives while the files are written', async () => {
    let spawned = false
    const running = runWithEndpoints({credentials: [registry('reg', 'http://127.0.0.1:5000')], command: 'x', args: [], baseEnv, tmpRoot}, {spawn: fakeSpawner(new FakeChild(), () => (spawned = true)), signals})
    signals.emit('SIGTERM')
    expect(await running).to.deep.equal({exitCode: 143, received: 'SIGTERM'})
    expect(spawned).to.equal(false)
    expect(readdirSync(tmpRoot)).to.deep.equal([])
    expect(listeners()).to.equal(0)
  })

  it('removes the files from a process exit hook if berth exits while the command runs', async () => {
    const child = new FakeChild()
    let env: NodeJS.ProcessEnv | undefined
    const running = runWithEndpoints({credentials: [registry('reg', 'http://127.0.0.1:5000')], command: 'x', args: [], baseEnv, tmpRoot}, {spawn: fakeSpawner(child, (c) => (env = c.options.env)), signals})
    await waitFor(() => env !== undefined)
    signals.emit('exit', 1)
    expect(readdirSync(tmpRoot)).to.deep.equal([])
    child.exit(0)
    await running
  })

  it('leaves nothing and starts nothing when the endpoints cannot be combined', async () => {
    let spawned = false
    const error = await berthRejection(runWithEndpoints({credentials: [iam('a'), iam('b')], command: 'x', args: [], baseEnv, tmpRoot}, {spawn: fakeSpawner(new FakeChild(), () => (spawned = true)), signals}))
    expect(error).to.be.instanceOf(UsageError)
    expect(spawned).to.equal(false)
    expect(listeners()).to.equal(0)
  })

  describe('with the real child_process.spawn', () => {
    const realRun = (command: string, args: string[]) =>
      runWithEndpoints({credentials: [registry('reg', 'http://127.0.0.1:5000')], command, args, baseEnv: {...baseEnv, TMPDIR: tmpRoot}, tmpRoot}, {spawn, signals})

    it('returns the command\'s exit code', async () => {
      expect(await realRun('sh', ['-c', 'test -f "$DOCKER_CONFIG/config.json" && exit 7'])).to.deep.equal({exitCode: 7})
      expect(readdirSync(tmpRoot)).to.deep.equal([])
    })

    it('fails with 127 for a command that is not found, after cleaning up', async () => {
      const error = await berthRejection(realRun('berth-no-such-command', ['--secret-looking-arg']))
      expect(error).to.be.instanceOf(CommandStartError)
      expect(error.exitCode).to.equal(127)
      expect(error.message).to.equal('Command not found: "berth-no-such-command".')
      expect(error.hint).to.equal('berth runs the command directly, without a shell: check its name and PATH, or run it through one: berth endpoint exec NAME -- sh -c \'...\'')
      expect(readdirSync(tmpRoot)).to.deep.equal([])
      expect(listeners()).to.equal(0)
    })

    it('fails with 126 for a file that is not executable, and for a directory', async () => {
      const file = path.join(tmpRoot, 'script.sh')
      writeFileSync(file, '#!/bin/sh\necho hi\n', {mode: 0o644})
      for (const target of [file, tmpRoot]) {
        const error = await berthRejection(realRun(target, []))
        expect(error).to.be.instanceOf(CommandStartError)
        expect(error.exitCode).to.equal(126)
        expect(error.message).to.equal(`Command "${target}" could not be run: permission denied (it is not executable, or is a directory).`)
      }
      expect(readdirSync(tmpRoot)).to.deep.equal(['script.sh'])
    })

    it('forwards SIGTERM to a real command and reports 143 once it is gone', async () => {
      const pidFile = path.join(tmpRoot, 'pid')
      const running = realRun('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 30`])
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'))
      const pid = Number(readFileSync(pidFile, 'utf8'))
      signals.emit('SIGTERM')
      expect(await running).to.deep.equal({exitCode: 143, signal: 'SIGTERM', received: 'SIGTERM'})
      expect(() => process.kill(pid, 0)).to.throw()
      expect(readdirSync(tmpRoot)).to.deep.equal(['pid'])
    })
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 5))
  }
}
