// `berth endpoint exec` running the real docker CLI, kubectl and git against the real
// services, with endpoints created through the CLI; exit codes, signals and clean-up.
import {expect} from 'chai'
import {ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ROOT} from '../helpers/cli.js'
import {DockerService, GitService, KubeService, RegistryService, requireService} from '../helpers/services.js'
import {Sandbox, createRegistryEndpoint, dockerCli, expectNoSecret, sandbox, uniqueRepo} from './registry-helpers.js'

interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(file, args, {env, timeout: 120_000}, (error, stdout, stderr) => {
      const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : 1) : 0
      resolve({code, stdout, stderr})
    })
  })
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('integration: berth endpoint exec', function () {
  this.timeout(180_000)
  let box: Sandbox
  /** TMPDIR of every berth run: where exec makes its private directories. */
  let tmp: string
  /** HOME of every berth run and of the commands it starts. */
  let home: string
  const secrets: string[] = []

  const execDirs = () => readdirSync(tmp).filter((e) => e.startsWith('berth-exec-'))

  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-exec-it-tmp-'))
    home = mkdtempSync(path.join(os.tmpdir(), 'berth-exec-it-home-'))
    box = sandbox({TMPDIR: tmp, HOME: home})
    secrets.length = 0
  })
  afterEach(function () {
    if (this.currentTest?.state === 'passed') {
      for (const secret of secrets) expectNoSecret(secret, box.home, box.runs)
      // Nothing left behind by any run, and the commands' own files hold no copy either.
      expect(execDirs()).to.deep.equal([])
      for (const secret of secrets) expectNoSecret(secret, home, [])
    }
    box.cleanup()
    rmSync(tmp, {recursive: true, force: true})
    rmSync(home, {recursive: true, force: true})
  })

  describe('docker-registry', () => {
    let reg: RegistryService
    let docker: DockerService
    const pulled: string[] = []
    const dockerEnv = () => ({PATH: process.env.PATH, HOME: home, DOCKER_HOST: docker.host, DOCKER_CONFIG: path.join(home, 'plain-docker')})

    before(function () {
      reg = requireService(this, 'registry')
      docker = requireService(this, 'docker')
    })
    afterEach(async () => {
      for (const ref of pulled.splice(0)) await run(dockerCli(), ['rmi', ref], dockerEnv())
    })

    for (const kind of ['basic', 'token'] as const) {
      it(`lets the real docker pull from the registry with the endpoint's credentials (${kind} auth)`, async () => {
        secrets.push(reg.password)
        const addr = kind === 'basic' ? reg.basicAddr : reg.tokenAddr
        await createRegistryEndpoint(box, 'reg', `http://${addr}`, reg.user, reg.password)
        const repo = uniqueRepo(`exec-${kind}`)
        const ref = `${addr}/${repo}:e1`
        const pushed = await box.run(['image', 'push', docker.testImage, '-e', 'reg', '--as', `${repo}:e1`], {env: {DOCKER_HOST: docker.host}})
        expect(pushed.code, pushed.stderr).to.equal(0)
        expect((await run(dockerCli(), ['rmi', ref], dockerEnv())).code).to.equal(0)

        // Without berth the registry refuses docker.
        const anonymous = await run(dockerCli(), ['pull', ref], dockerEnv())
        expect(anonymous.code).to.equal(1)
        expect(anonymous.stderr).to.match(/unauthorized|authentication required|no basic auth credentials/i)

        const result = await box.run(['endpoint', 'exec', 'reg', '--', dockerCli(), 'pull', ref], {env: {DOCKER_HOST: docker.host}})
        expect(result.code, result.stderr).to.equal(0)
        pulled.push(ref)
        expect(result.stdout).to.include(`Downloaded newer image for ${ref}`)
        expect(result.stderr).to.equal('')
        expect(existsSync(path.join(home, '.docker'))).to.equal(false)
      })
    }
  })

  describe('kubernetes', () => {
    let kube: KubeService
    let kubectl: string

    before(function () {
      kube = requireService(this, 'kube')
      if (!kube.kubectl) throw new Error('kube.env has no KUBECTL')
      kubectl = kube.kubectl
    })
    beforeEach(() => {
      secrets.push(...[kube.adminToken, kube.restrictedToken].filter((t): t is string => Boolean(t)))
    })

    it('lets kubectl list namespaces with the stored kubeconfig', async () => {
      const created = await box.run(['endpoint', 'create', 'kubernetes', 'k8s', '--kubeconfig', kube.adminKubeconfig])
      expect(created.code, created.stderr).to.equal(0)
      const result = await box.run(['endpoint', 'exec', 'k8s', '--', kubectl, 'get', 'ns', '-o', 'name'])
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout.split('\n')).to.include.members(['namespace/default', 'namespace/kube-system', 'namespace/kube-public'])
      const context = await box.run(['endpoint', 'exec', 'k8s', '--', kubectl, 'config', 'current-context'])
      expect(context).to.deep.include({code: 0, stdout: 'k8s\n'})
    })

    it('gives each of several endpoints its own context, named after it, the first current', async () => {
      for (const [name, file] of [['admin', kube.adminKubeconfig], ['viewer', kube.restrictedKubeconfig]]) {
        const created = await box.run(['endpoint', 'create', 'kubernetes', name!, '--kubeconfig', file!])
        expect(created.code, created.stderr).to.equal(0)
      }
      const script = `"$1" get ns default -o name && "$1" --context viewer get ns default -o name`
      const result = await box.run(['endpoint', 'exec', 'admin', 'viewer', '--', 'sh', '-c', script, 'sh', kubectl])
      // The admin may read namespaces; the restricted user, with its own credentials, may not.
      expect(result.code).to.equal(1)
      expect(result.stdout).to.equal('namespace/default\n')
      expect(result.stderr).to.match(/Error from server \(Forbidden\): namespaces "default" is forbidden: User "berth-restricted" cannot get resource "namespaces"/)
    })
  })

  describe('git', () => {
    let gitSvc: GitService

    before(function () {
      gitSvc = requireService(this, 'git')
    })

    it('lets git ls-remote list the branches, without storing the credentials anywhere', async () => {
      secrets.push(gitSvc.password)
      // A user whose git would store every password it is given in ~/.git-credentials.
      writeFileSync(path.join(home, '.gitconfig'), '[credential]\n\thelper = store\n')
      const created = await box.run(['endpoint', 'create', 'git', 'repo', '--url', gitSvc.repoUrl, '--username', gitSvc.user, '--password-stdin'], {input: gitSvc.password})
      expect(created.code, created.stderr).to.equal(0)

      const anonymous = await run('git', ['ls-remote', gitSvc.repoUrl], {PATH: process.env.PATH, HOME: home, GIT_TERMINAL_PROMPT: '0'})
      expect(anonymous.code).to.not.equal(0)

      const result = await box.run(['endpoint', 'exec', 'repo', '--', 'git', 'ls-remote', gitSvc.repoUrl])
      expect(result.code, result.stderr).to.equal(0)
      const refs = result.stdout.trim().split('\n').map((line) => line.split('\t')[1])
      expect(refs).to.include.members(['refs/heads/main', 'refs/heads/release-1.0'])
      expect(existsSync(path.join(home, '.git-credentials'))).to.equal(false)
    })
  })

  describe('the command', () => {
    beforeEach(async () => {
      // An iam endpoint needs no service, so these run wherever the CLI does.
      secrets.push('exec-it-secret-access-key-0123456789')
      const created = await box.run(['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'HPUAEXAMPLEKEY000001', '--secret-access-key-env', 'SK'], {
        env: {SK: 'exec-it-secret-access-key-0123456789'},
      })
      expect(created.code, created.stderr).to.equal(0)
    })

    it('exits with the command\'s exit code, with stdin, stdout and stderr passed through', async () => {
      expect(await box.run(['endpoint', 'exec', 'cloud', '--', 'sh', '-c', 'exit 7'])).to.deep.include({code: 7, stdout: '', stderr: ''})
      const piped = await box.run(['endpoint', 'exec', 'cloud', '--', 'sh', '-c', 'cat; echo "to stderr" >&2; exit 3'], {input: 'piped through\n'})
      expect(piped).to.deep.include({code: 3, stdout: 'piped through\n', stderr: 'to stderr\n'})
      expect(await box.run(['endpoint', 'exec', 'cloud', '--', 'true'])).to.deep.include({code: 0, stdout: '', stderr: ''})
    })

    it('gives the iam variables and BERTH_ENDPOINTS; flags after -- belong to the command', async () => {
      const result = await box.run(['endpoint', 'exec', 'cloud', '--', 'sh', '-c', 'printf "%s|%s|%s|%s\\n" "$BERTH_ENDPOINTS" "$BERTH_ACCESS_KEY_ID" "$AWS_ACCESS_KEY_ID" "$HUAWEICLOUD_SDK_AK"; test "$BERTH_SECRET_ACCESS_KEY" = "$HUAWEICLOUD_SDK_SK"', '--help', '-p'])
      expect(result).to.deep.include({code: 0, stdout: 'cloud|HPUAEXAMPLEKEY000001|HPUAEXAMPLEKEY000001|HPUAEXAMPLEKEY000001\n', stderr: ''})
    })

    it('exits 127 for a command that is not found and 126 for one that cannot be run', async () => {
      const missing = await box.run(['endpoint', 'exec', 'cloud', '--', 'berth-no-such-command', 'arg'])
      expect(missing).to.deep.include({
        code: 127,
        stdout: '',
        stderr: 'Error: Command not found: "berth-no-such-command".\nHint: berth runs the command directly, without a shell: check its name and PATH, or run it through one: berth endpoint exec NAME -- sh -c \'...\'\n',
      })
      const file = path.join(home, 'not-executable.sh')
      writeFileSync(file, '#!/bin/sh\n', {mode: 0o644})
      const notExecutable = await box.run(['endpoint', 'exec', 'cloud', '--', file])
      expect(notExecutable).to.deep.include({code: 126, stdout: '', stderr: `Error: Command "${file}" could not be run: permission denied (it is not executable, or is a directory).\n`})
    })

    it('refuses bad usage with exit 2, starting nothing', async () => {
      const marker = path.join(home, 'ran')
      const cases: Array<[string[], string]> = [
        [['endpoint', 'exec', 'cloud', 'touch', marker], 'Error: Give the command after --.\nHint: Usage: berth endpoint exec NAME... -- COMMAND [ARG...]\n'],
        [['endpoint', 'exec', '--', 'touch', marker], 'Error: Give at least one endpoint name before --.\nHint: Usage: berth endpoint exec NAME... -- COMMAND [ARG...]\n'],
        [['endpoint', 'exec', 'cloud', '--'], 'Error: Give the command to run after --.\nHint: Usage: berth endpoint exec NAME... -- COMMAND [ARG...]\n'],
        [['endpoint', 'exec', 'cloud', 'cloud', '--', 'touch', marker], 'Error: Endpoint "cloud" is named twice.\n'],
      ]
      for (const [args, stderr] of cases) expect(await box.run(args), args.join(' ')).to.deep.include({code: 2, stdout: '', stderr})
      const created = await box.run(['endpoint', 'create', 'iam', 'cloud2', '--access-key-id', 'HPUAEXAMPLEKEY000002', '--secret-access-key-env', 'SK'], {env: {SK: 'second-secret-access-key-0123456789'}})
      expect(created.code, created.stderr).to.equal(0)
      const clash = await box.run(['endpoint', 'exec', 'cloud', 'cloud2', '--', 'touch', marker])
      expect(clash).to.deep.include({
        code: 2,
        stdout: '',
        stderr:
          'Error: Endpoints "cloud" and "cloud2" are both iam endpoints; their keys would go to the same variables (BERTH_ACCESS_KEY_ID, BERTH_SECRET_ACCESS_KEY, HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).\nHint: Give one iam endpoint per command, e.g. run berth endpoint exec once for each.\n',
      })
      const unknown = await box.run(['endpoint', 'exec', 'cloud', 'nope', '--', 'touch', marker])
      expect(unknown.code).to.equal(1)
      expect(unknown.stderr).to.equal('Error: Endpoint "nope" not found in project "default".\nHint: List what exists with: berth endpoint list\n')
      expect(existsSync(marker)).to.equal(false)
    })

    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      it(`on ${signal} to berth, stops the command, removes the files and exits 128+signal; no secret on argv`, async () => {
        const info = path.join(home, 'info')
        const registryPassword = 'registry-password-for-signal-test'
        secrets.push(registryPassword)
        await createRegistryEndpoint(box, 'reg', 'http://127.0.0.1:5999', 'ci', registryPassword)
        // The command reports its pid and where its credentials are, then sleeps in its place.
        const script = `printf '%s\\n%s\\n' "$$" "$DOCKER_CONFIG" > ${info}.tmp && mv ${info}.tmp ${info}; exec sleep 30`
        const berth: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'endpoint', 'exec', 'reg', 'cloud', '--', 'sh', '-c', script], {
          env: box.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stderr = ''
        berth.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
        const closed = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => berth.on('close', (code, sig) => resolve({code, signal: sig})))
        try {
          await waitFor(() => existsSync(info), 'the command to start')
          const [pidLine, dockerConfig] = readFileSync(info, 'utf8').trim().split('\n')
          const childPid = Number(pidLine)
          const dir = path.dirname(dockerConfig!)
          expect(path.dirname(dir)).to.equal(tmp)
          expect(statSync(dir).mode & 0o777).to.equal(0o700)
          expect(statSync(path.join(dockerConfig!, 'config.json')).mode & 0o777).to.equal(0o600)
          expect(alive(childPid)).to.equal(true)
          for (const pid of [berth.pid!, childPid]) {
            const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
            for (const secret of [...secrets, Buffer.from(`ci:${registryPassword}`).toString('base64')]) expect(argv, `argv of ${pid}`).to.not.include(secret)
          }
          expect(readFileSync(`/proc/${berth.pid}/cmdline`, 'utf8').split('\0')).to.include.members(['exec', 'reg', 'cloud', '--', 'sh'])

          berth.kill(signal)
          const {code} = await closed
          expect(code).to.equal(128 + os.constants.signals[signal])
          expect(stderr).to.equal('')
          expect(existsSync(dir)).to.equal(false)
          await waitFor(() => !alive(childPid), 'the command to be gone', 5000)
        } finally {
          if (berth.exitCode === null && berth.signalCode === null) berth.kill('SIGKILL')
        }
      })
    }
  })
})
