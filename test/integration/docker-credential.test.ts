// docker's credential-helper protocol: `berth credential docker get|store|erase|list` and
// the real docker CLI pulling, logging in and out through docker-credential-berth.
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ROOT} from '../helpers/cli.js'
import {DockerService, RegistryService, requireService} from '../helpers/services.js'
import {Sandbox, createRegistryEndpoint, dockerCli, expectNoSecret, sandbox, uniqueRepo} from './registry-helpers.js'

interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

function run(file: string, args: string[], options: {env: NodeJS.ProcessEnv; input?: string}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, {env: options.env, timeout: 120_000}, (error, stdout, stderr) => {
      const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? ((error as {code: number}).code) : 1) : 0
      resolve({code, stdout, stderr})
    })
    child.stdin?.end(options.input ?? '')
  })
}

/** A directory holding a `docker-credential-berth` for docker to find on PATH: the real bin, run by this node. */
function helperDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-helper-bin-'))
  const bin = path.join(ROOT, 'bin', 'docker-credential-berth.js')
  const file = path.join(dir, 'docker-credential-berth')
  writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`)
  chmodSync(file, 0o755)
  return dir
}

describe('docker credential helper', function () {
  this.timeout(180_000)
  let reg: RegistryService
  let box: Sandbox

  before(function () {
    reg = requireService(this, 'registry')
  })
  beforeEach(() => {
    box = sandbox()
  })
  afterEach(function () {
    if (this.currentTest?.state === 'passed') {
      // `get` prints the secret by design (it is the protocol's answer); every other output must not.
      const others = box.runs.filter((r) => !r.stdout.includes('"Secret"'))
      expectNoSecret(reg.password, box.home, others)
    }
    box.cleanup()
  })

  describe('berth credential docker', () => {
    it('get answers with the endpoint whose host matches, however docker spells the server', async () => {
      await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, reg.password)
      for (const server of [reg.basicAddr, `http://${reg.basicAddr}`, `https://${reg.basicAddr}/`, `${reg.basicAddr}\n`]) {
        const result = await box.run(['credential', 'docker', 'get'], {input: server})
        expect(result.code, result.stdout + result.stderr).to.equal(0)
        expect(JSON.parse(result.stdout)).to.deep.equal({ServerURL: server.trim(), Username: reg.user, Secret: reg.password})
      }
    })

    it('get says "credentials not found in native keychain" (exit 1) for an unknown server', async () => {
      await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, reg.password)
      const result = await box.run(['credential', 'docker', 'get'], {input: 'registry.example.com'})
      expect(result).to.deep.include({code: 1, stdout: 'credentials not found in native keychain\n'})
      const empty = await box.run(['credential', 'docker', 'get'], {input: ''})
      expect(empty).to.deep.include({code: 1, stdout: 'no credentials server URL\n'})
    })

    it('get refuses to pick silently between two endpoints of one registry, create warns, --default-for-host decides', async () => {
      await createRegistryEndpoint(box, 'ci', `http://${reg.basicAddr}`, reg.user, reg.password)
      const second = await box.run(['endpoint', 'create', 'docker-registry', 'deploy', '--address', `http://${reg.basicAddr}/`, '--username', 'deploy-bot', '--password-stdin'], {input: reg.password})
      expect(second.code, second.stderr).to.equal(0)
      expect(second.stderr).to.contain(
        'Warning: "ci" already serves this registry; docker (berth credential docker) uses the one marked with --default-for-host and refuses to choose otherwise. Mark one with: berth endpoint update deploy --default-for-host\n',
      )
      const result = await box.run(['credential', 'docker', 'get'], {input: reg.basicAddr})
      expect(result).to.deep.include({
        code: 1,
        stdout: `Endpoints "ci" and "deploy" all serve the registry ${reg.basicAddr}; berth does not pick one silently.\n`,
        stderr: 'Hint: Mark the one docker should use: berth endpoint update ci --default-for-host\n',
      })
      const marked = await box.run(['endpoint', 'update', 'deploy', '--default-for-host'])
      expect(marked.code, marked.stderr).to.equal(0)
      expect(JSON.parse((await box.run(['credential', 'docker', 'get'], {input: reg.basicAddr})).stdout)).to.include({Username: 'deploy-bot'})
      const moved = await box.run(['endpoint', 'update', 'ci', '--default-for-host'])
      expect(moved.stderr).to.contain('docker now gets "ci" for this registry, no longer "deploy".')
      expect(JSON.parse((await box.run(['credential', 'docker', 'get'], {input: reg.basicAddr})).stdout)).to.include({Username: reg.user})
    })

    it('list maps each registry host to its username, without secrets', async () => {
      await createRegistryEndpoint(box, 'basic', `http://${reg.basicAddr}`, reg.user, reg.password)
      await createRegistryEndpoint(box, 'token', `http://${reg.tokenAddr}/`, 'other-user', reg.password)
      const result = await box.run(['credential', 'docker', 'list'])
      expect(result.code, result.stdout).to.equal(0)
      expect(JSON.parse(result.stdout)).to.deep.equal({[reg.basicAddr]: reg.user, [reg.tokenAddr]: 'other-user'})
    })

    it('store creates an endpoint named after the host, updates it, and erase deletes only what store made', async () => {
      const input = (secret: string, user = reg.user) => JSON.stringify({ServerURL: reg.tokenAddr, Username: user, Secret: secret})
      const stored = await box.run(['credential', 'docker', 'store'], {input: input(reg.password)})
      expect(stored, stored.stdout).to.deep.include({code: 0, stdout: ''})
      const name = reg.tokenAddr.replace(/[.:]/g, '-')
      const shown = await box.run(['endpoint', 'show', name, '--json'])
      expect(shown.code, shown.stderr).to.equal(0)
      const doc = JSON.parse(shown.stdout)
      expect(doc.spec).to.include({type: 'docker-registry', address: `http://${reg.tokenAddr}`, username: reg.user})
      expect(doc.metadata.labels).to.deep.equal({'berth.dev/managed-by': 'docker-credential-berth'})
      const tested = await box.run(['endpoint', 'test', name])
      expect(tested.code, tested.stderr).to.equal(0)

      const updated = await box.run(['credential', 'docker', 'store'], {input: input('second-secret-value', 'someone')})
      expect(updated.code, updated.stdout).to.equal(0)
      const got = await box.run(['credential', 'docker', 'get'], {input: `http://${reg.tokenAddr}`})
      expect(JSON.parse(got.stdout)).to.deep.equal({ServerURL: `http://${reg.tokenAddr}`, Username: 'someone', Secret: 'second-secret-value'})
      const list = await box.run(['endpoint', 'list', '--json'])
      expect(JSON.parse(list.stdout).map((e: {name?: string; metadata?: {name: string}}) => e.name ?? e.metadata?.name)).to.deep.equal([name])

      const erased = await box.run(['credential', 'docker', 'erase'], {input: reg.tokenAddr})
      expect(erased, erased.stdout).to.deep.include({code: 0, stdout: ''})
      const gone = await box.run(['endpoint', 'show', name])
      expect(gone.code).to.equal(1)
      const notFound = await box.run(['credential', 'docker', 'erase'], {input: reg.tokenAddr})
      expect(notFound).to.deep.include({code: 1, stdout: 'credentials not found in native keychain\n'})
    })

    it('store refuses a secret with a line break or a NUL, as endpoint create does, creating nothing', async () => {
      for (const [secret, problem] of [
        ['two\nlines', 'contains a line break; a password, token or key is one line (git and docker cannot be given one with a line break).'],
        ['nul\u0000byte', 'contains a NUL byte, which no tool berth hands it to can carry.'],
      ]) {
        const stored = await box.run(['credential', 'docker', 'store'], {input: JSON.stringify({ServerURL: reg.tokenAddr, Username: 'ci@corp.com', Secret: secret})})
        expect(stored).to.deep.include({code: 1, stdout: `The secret docker gave ${problem}\n`})
      }
      const list = await box.run(['endpoint', 'list', '--json'])
      expect(JSON.parse(list.stdout)).to.deep.equal([])
    })

    it('erase keeps an endpoint made with berth endpoint create', async () => {
      await createRegistryEndpoint(box, 'mine', `http://${reg.basicAddr}`, reg.user, reg.password)
      const before = readFileSync(path.join(box.home, 'projects', 'default', 'endpoints', 'mine.yaml'), 'utf8')
      const result = await box.run(['credential', 'docker', 'erase'], {input: reg.basicAddr})
      expect(result.code).to.equal(1)
      expect(result.stdout).to.equal('Endpoint "mine" was created with berth, not by docker login, so docker logout keeps it.\n')
      expect(result.stderr).to.equal('Hint: Delete it with: berth endpoint delete mine\n')
      expect(readFileSync(path.join(box.home, 'projects', 'default', 'endpoints', 'mine.yaml'), 'utf8')).to.equal(before)
    })

    it('store refuses bad input without echoing it and without saving anything', async () => {
      const bad = await box.run(['credential', 'docker', 'store'], {input: `{"ServerURL": "${reg.basicAddr}", "Secret": "${reg.password}"`})
      expect(bad).to.deep.include({code: 1, stdout: 'The store input is not JSON; expected {"ServerURL": …, "Username": …, "Secret": …}.\n'})
      const noUser = await box.run(['credential', 'docker', 'store'], {input: JSON.stringify({ServerURL: reg.basicAddr, Username: '', Secret: reg.password})})
      expect(noUser).to.deep.include({code: 1, stdout: 'no credentials username\n'})
      const noServer = await box.run(['credential', 'docker', 'store'], {input: JSON.stringify({ServerURL: '', Username: 'u', Secret: reg.password})})
      expect(noServer).to.deep.include({code: 1, stdout: 'no credentials server URL\n'})
      expect(existsSync(path.join(box.home, 'projects', 'default', 'endpoints'))).to.equal(false)
    })

    it('uses the project from BERTH_PROJECT', async () => {
      await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, reg.password)
      const other = await box.run(['credential', 'docker', 'get'], {input: reg.basicAddr, env: {BERTH_PROJECT: 'other'}})
      expect(other).to.deep.include({code: 1, stdout: 'credentials not found in native keychain\n'})
    })
  })

  describe('the docker CLI through docker-credential-berth', () => {
    let docker: DockerService
    let scratch: string
    let binDir: string
    let dockerEnv: NodeJS.ProcessEnv
    const cleanupRefs: string[] = []

    const dockerRun = (args: string[], input?: string) => run(dockerCli(), args, {env: dockerEnv, input})

    before(function () {
      docker = requireService(this, 'docker')
    })
    beforeEach(() => {
      scratch = mkdtempSync(path.join(os.tmpdir(), 'berth-docker-config-'))
      binDir = helperDir()
      writeFileSync(path.join(scratch, 'config.json'), JSON.stringify({credsStore: 'berth'}))
      dockerEnv = {...box.env, PATH: `${binDir}:${process.env.PATH}`, DOCKER_HOST: docker.host, DOCKER_CONFIG: scratch, HOME: scratch}
    })
    afterEach(async () => {
      for (const ref of cleanupRefs.splice(0)) await dockerRun(['rmi', ref])
      rmSync(scratch, {recursive: true, force: true})
      rmSync(binDir, {recursive: true, force: true})
    })

    it('docker-credential-berth answers get, list and usage errors directly', async () => {
      await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, reg.password)
      const helper = path.join(binDir, 'docker-credential-berth')
      const got = await run(helper, ['get'], {env: dockerEnv, input: reg.basicAddr})
      expect(got.code, got.stdout + got.stderr).to.equal(0)
      expect(JSON.parse(got.stdout)).to.deep.equal({ServerURL: reg.basicAddr, Username: reg.user, Secret: reg.password})
      const missing = await run(helper, ['get'], {env: dockerEnv, input: 'registry.example.com'})
      expect(missing).to.deep.include({code: 1, stdout: 'credentials not found in native keychain\n'})
      const list = await run(helper, ['list'], {env: dockerEnv})
      expect(JSON.parse(list.stdout)).to.deep.equal({[reg.basicAddr]: reg.user})
      const usage = await run(helper, ['bogus'], {env: dockerEnv})
      expect(usage).to.deep.include({code: 1, stderr: 'Usage: docker-credential-berth <store|get|erase|list|version>\n'})
      expect(usage.stdout).to.equal('')
    })

    for (const kind of ['basic', 'token'] as const) {
      it(`docker pull gets the credentials from berth (${kind})`, async () => {
        const addr = kind === 'basic' ? reg.basicAddr : reg.tokenAddr
        await createRegistryEndpoint(box, 'reg', `http://${addr}`, reg.user, reg.password)
        const repo = uniqueRepo(`helper-${kind}`)
        const ref = `${addr}/${repo}:h1`
        const pushed = await box.run(['image', 'push', docker.testImage, '-e', 'reg', '--as', `${repo}:h1`], {env: {DOCKER_HOST: docker.host}})
        expect(pushed.code, pushed.stderr).to.equal(0)
        expect((await dockerRun(['rmi', ref])).code).to.equal(0)

        // Without berth's endpoint the registry refuses docker: the credentials come from the helper.
        const project = {...dockerEnv, BERTH_PROJECT: 'empty'}
        const anonymous = await run(dockerCli(), ['pull', ref], {env: project})
        expect(anonymous.code).to.equal(1)
        expect(anonymous.stderr).to.match(/unauthorized|authentication required|no basic auth credentials/i)

        const pulled = await dockerRun(['pull', ref])
        expect(pulled.code, pulled.stderr).to.equal(0)
        cleanupRefs.push(ref)
        expect(pulled.stdout).to.include(`Downloaded newer image for ${ref}`)
        expect(readFileSync(path.join(scratch, 'config.json'), 'utf8')).to.equal(JSON.stringify({credsStore: 'berth'}))
        expectNoSecret(reg.password, scratch, [pulled, anonymous])
      })
    }

    it('docker login stores an endpoint through the helper and docker logout removes it', async () => {
      const login = await dockerRun(['login', reg.basicAddr, '-u', reg.user, '--password-stdin'], reg.password)
      expect(login.code, login.stderr).to.equal(0)
      expect(login.stdout).to.include('Login Succeeded')
      const name = reg.basicAddr.replace(/[.:]/g, '-')
      const shown = await box.run(['endpoint', 'show', name, '--json'])
      expect(shown.code, shown.stderr).to.equal(0)
      expect(JSON.parse(shown.stdout).spec).to.include({address: `http://${reg.basicAddr}`, username: reg.user})
      const config = readFileSync(path.join(scratch, 'config.json'), 'utf8')
      expect(config).to.not.include(Buffer.from(`${reg.user}:${reg.password}`).toString('base64'))

      const logout = await dockerRun(['logout', reg.basicAddr])
      expect(logout.code, logout.stderr).to.equal(0)
      expect(logout.stderr).to.not.include('WARNING')
      expect((await box.run(['endpoint', 'show', name])).code).to.equal(1)
      expectNoSecret(reg.password, scratch, [login, logout])
    })
  })
})
