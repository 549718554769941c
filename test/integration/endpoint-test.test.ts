import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import {createServer} from 'node:http'
import {AddressInfo} from 'node:net'
import path from 'node:path'

import {berthEnv, runBerth, RunResult, tempHome} from '../helpers/cli.js'
import {stateFiles} from '../helpers/files.js'
import {requireService} from '../helpers/services.js'

/**
 * `berth endpoint create` then `berth endpoint test`, through the CLI, against the real
 * registries, kube-apiserver and git server: what a user types, what they get back.
 */
describe('integration: endpoint create + test against the real services', function () {
  this.timeout(120_000)
  let home: string
  let cleanup: () => void
  const outputs: RunResult[] = []
  const secrets: string[] = []

  before(() => ({home, cleanup} = tempHome()))
  after(async () => {
    // Whatever ran above: no secret in any file berth keeps, in any output, in any error.
    const files = await stateFiles(home)
    for (const secret of secrets) {
      for (const [file, content] of Object.entries(files)) expect(content, `${file} holds a secret`).to.not.contain(secret)
      for (const out of outputs) expect(out.stdout + out.stderr, 'an output holds a secret').to.not.contain(secret)
    }
    cleanup()
  })

  async function berth(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    const result = await runBerth(args, {env: berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'integration', ...env})})
    outputs.push(result)
    return result
  }

  async function createOk(args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
    const result = await berth(['endpoint', 'create', ...args], env)
    expect(result.code, result.stderr).to.equal(0)
  }

  describe('docker-registry', () => {
    it('connects with Basic auth and with the Bearer-token flow', async function () {
      const reg = requireService(this, 'registry')
      secrets.push(reg.password)
      await createOk(['docker-registry', 'basic', '--address', `http://${reg.basicAddr}`, '--username', reg.user, '--password-env', 'P', '--verify'], {P: reg.password})
      await createOk(['docker-registry', 'token', '--address', `http://${reg.tokenAddr}`, '--username', reg.user, '--password-env', 'P'], {P: reg.password})
      const basic = await berth(['endpoint', 'test', 'basic', '--json'])
      expect(basic.code, basic.stderr).to.equal(0)
      expect(JSON.parse(basic.stdout)).to.deep.include({ok: true, type: 'docker-registry'})
      expect(JSON.parse(basic.stdout).details).to.include({apiVersion: 'registry/2.0', authScheme: 'basic', credentialsAccepted: true})
      const token = await berth(['endpoint', 'test', 'token'])
      expect(token.code, token.stderr).to.equal(0)
      expect(token.stdout).to.match(/^OK: registry\/2\.0 at http:\/\/127\.0\.0\.1:\d+, .*Bearer.*credentials accepted/i)
      const listed = JSON.parse((await berth(['endpoint', 'list', '--json'])).stdout) as Array<{name: string; lastTest?: {ok: boolean}}>
      expect(listed.find((e) => e.name === 'token')?.lastTest?.ok).to.equal(true)
    })

    it('does not take a web page at /v2/ for a registry', async () => {
      const web = createServer((_req, res) => {
        res.writeHead(200, {'content-type': 'text/html'})
        res.end('<!doctype html><title>Intranet</title><p>Welcome')
      })
      await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve))
      try {
        const {port} = web.address() as AddressInfo
        await createOk(['docker-registry', 'intranet', '--address', `http://127.0.0.1:${port}`, '--username', 'ci@corp.com', '--password-env', 'P'], {P: 'x'})
        const tested = await berth(['endpoint', 'test', 'intranet'])
        expect(tested.stdout).to.equal('')
        expect(tested.stderr).to.equal(
          'Testing docker-registry endpoint "intranet"…\n' +
            `Error: registry 127.0.0.1:${port} answered GET /v2/, but this does not look like a registry API (no Docker-Distribution-API-Version header, and no registry token challenge).\n` +
            'Hint: The address must be the root of a Docker registry (distribution API v2), e.g. https://registry.example.com or http://127.0.0.1:5000.\n',
        )
        expect(tested.code).to.equal(1)
      } finally {
        web.closeAllConnections()
        await new Promise((resolve) => web.close(resolve))
      }
    })

    it('fails with exit 1 naming the step: wrong password, wrong host, untrusted TLS', async function () {
      const reg = requireService(this, 'registry')
      await createOk(['docker-registry', 'wrong-pw', '--address', `http://${reg.basicAddr}`, '--username', reg.user, '--password-env', 'P'], {P: 'not-the-password'})
      await createOk(['docker-registry', 'wrong-pw-token', '--address', `http://${reg.tokenAddr}`, '--username', reg.user, '--password-env', 'P'], {P: 'not-the-password'})
      await createOk(['docker-registry', 'no-host', '--address', 'http://no-such-host.invalid:5000', '--username', 'u', '--password-env', 'P'], {P: 'x'})
      await createOk(['docker-registry', 'self-signed', '--address', `https://${reg.tlsAddr}`, '--username', reg.user, '--password-env', 'P'], {P: reg.password})
      const wrong = await berth(['endpoint', 'test', 'wrong-pw'])
      expect(wrong.code).to.equal(1)
      expect(wrong.stderr).to.match(/rejected the credentials \(HTTP 401 Unauthorized\)/)
      // The hint names the endpoint, not a placeholder, whichever command met the failure.
      expect(wrong.stderr).to.contain('\nHint: Check the username and password, then: berth endpoint update wrong-pw\n')
      const tags = await berth(['image', 'tags', 'wrong-pw', 'team/app'])
      expect(tags.stderr).to.contain('\nHint: Check the username and password, then: berth endpoint update wrong-pw\n')
      expect(tags.code).to.equal(1)
      const wrongToken = await berth(['endpoint', 'test', 'wrong-pw-token'])
      expect(wrongToken.code).to.equal(1)
      expect(wrongToken.stderr).to.match(/rejected the credentials \(HTTP 401 Unauthorized\)/)
      const dns = await berth(['endpoint', 'test', 'no-host', '--json'])
      expect(dns.code).to.equal(1)
      expect(JSON.parse(dns.stdout).error.message).to.match(/^Could not resolve the host of .*no-such-host\.invalid.* \(DNS: (ENOTFOUND|EAI_AGAIN)\)\.$/)
      const tls = await berth(['endpoint', 'test', 'self-signed'])
      expect(tls.code).to.equal(1)
      expect(tls.stderr).to.match(/^Error: TLS failed talking to .*self-signed certificate/im)
      // --json: every error object has one shape, with the failed step and a code that tells the kinds apart.
      const steps: Array<[string, string, string]> = [['wrong-pw', 'auth', 'auth'], ['wrong-pw-token', 'auth', 'auth'], ['no-host', 'connection', 'dns'], ['self-signed', 'connection', 'tls']]
      for (const [name, code, step] of steps) {
        const {error} = JSON.parse((await berth(['endpoint', 'test', name, '--json'])).stdout)
        expect(Object.keys(error), name).to.deep.equal(['code', 'message', 'hint', 'step', 'exitCode'])
        expect(error, name).to.include({code, step, exitCode: 1})
      }
      const shown = JSON.parse((await berth(['endpoint', 'show', 'wrong-pw', '--json'])).stdout)
      expect(shown.status.lastTest.ok).to.equal(false)
    })

    it('--verify saves nothing when the connection fails', async function () {
      const reg = requireService(this, 'registry')
      const before = await stateFiles(home)
      const result = await berth(['endpoint', 'create', 'docker-registry', 'never', '--address', `http://${reg.basicAddr}`, '--username', reg.user, '--password-env', 'P', '--verify'], {P: 'wrong'})
      expect(result.code).to.equal(1)
      expect(result.stderr).to.match(/rejected the credentials \(HTTP 401 Unauthorized\)/)
      expect(await stateFiles(home)).to.deep.equal(before)
    })
  })

  describe('kubernetes', () => {
    it('reports the server version and whether the credentials may list namespaces', async function () {
      const kube = requireService(this, 'kube')
      for (const token of [kube.adminToken, kube.restrictedToken]) if (token) secrets.push(token)
      await createOk(['kubernetes', 'admin', '--kubeconfig', kube.adminKubeconfig, '--server', kube.server, '--verify'])
      await createOk(['kubernetes', 'restricted', '--kubeconfig', kube.restrictedKubeconfig])
      const admin = await berth(['endpoint', 'test', 'admin', '--json'])
      expect(admin.code, admin.stderr).to.equal(0)
      const body = JSON.parse(admin.stdout)
      expect(body.details.version).to.match(/^v1\.34\.\d+/)
      expect(body.details.canListNamespaces).to.equal(true)
      const restricted = await berth(['endpoint', 'test', 'restricted'])
      expect(restricted.code, restricted.stderr).to.equal(0)
      expect(restricted.stdout).to.match(/^OK: Kubernetes v1\.34\.\d+ at https:\/\/127\.0\.0\.1:\d+ as berth-restricted; cannot list namespaces/)
    })

    it('fails with exit 1 on a revoked token', async function () {
      const kube = requireService(this, 'kube')
      const text = await fs.readFile(kube.adminKubeconfig, 'utf8')
      const forged = path.join(home, 'forged.kubeconfig')
      await fs.writeFile(forged, text.replace(/token: .*/, 'token: not-a-valid-token'))
      await createOk(['kubernetes', 'forged', '--kubeconfig', forged])
      const result = await berth(['endpoint', 'test', 'forged'])
      expect(result.code).to.equal(1)
      expect(result.stderr).to.match(/rejected the credentials \(HTTP 401 Unauthorized\)/)
    })
  })

  describe('git', () => {
    it('lists the branches of the repository, and fails on a wrong password', async function () {
      const git = requireService(this, 'git')
      secrets.push(git.password)
      await createOk(['git', 'demo', '--url', git.repoUrl, '--username', git.user, '--password-env', 'P', '--verify'], {P: git.password})
      const ok = await berth(['endpoint', 'test', 'demo'])
      expect(ok.code, ok.stderr).to.equal(0)
      expect(ok.stdout).to.equal('OK: 2 branches (default main): main, release-1.0\n')
      await createOk(['git', 'bad-pw', '--url', git.repoUrl, '--username', git.user, '--password-env', 'P'], {P: 'wrong'})
      const bad = await berth(['endpoint', 'test', 'bad-pw', '--json'])
      expect(bad.code).to.equal(1)
      expect(JSON.parse(bad.stdout).error.code).to.equal('auth')
    })
  })
})
