// Credentials never go down a scheme: a real distribution registry served over https whose
// Bearer realm is the shared token server's plain-http URL. docker would send the Basic
// credentials there in clear text; berth refuses before sending anything.
import {expect} from 'chai'
import {ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {requireService, stateDir} from '../helpers/services.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('integration: an https registry with an http token realm', function () {
  this.timeout(60_000)
  let dir: string
  let registry: ChildProcess | undefined
  let address: string
  let home: string
  let cleanup: () => void

  before(async function () {
    const shared = requireService(this, 'registry')
    dir = mkdtempSync(path.join(os.tmpdir(), 'berth-realm-'))
    const port = await freePort()
    const regDir = path.join(stateDir(), 'registry')
    const config = path.join(dir, 'config.yml')
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log: {level: error}',
        `storage: {filesystem: {rootdirectory: "${dir}/data"}}`,
        'http:',
        `  addr: "127.0.0.1:${port}"`,
        `  tls: {certificate: "${regDir}/tls.crt", key: "${regDir}/tls.key"}`,
        'auth:',
        '  token:',
        `    realm: "${shared.tokenRealm}"`,
        `    service: "${shared.tokenService}"`,
        '    issuer: "berth-test-token-server"',
        `    rootcertbundle: "${regDir}/token.crt"`,
        '',
      ].join('\n'),
    )
    registry = spawn('docker-registry', ['serve', config], {env: {PATH: process.env.PATH, HOME: dir}, stdio: 'ignore'})
    address = `https://127.0.0.1:${port}`
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${address}/v2/`).then(
        () => true,
        (error: Error & {cause?: {code?: string}}) => error.cause?.code !== 'ECONNREFUSED',
      )
      if (up) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })
  after(async () => {
    if (registry && registry.exitCode === null) {
      const exited = new Promise((resolve) => registry!.once('exit', resolve))
      registry.kill('SIGTERM')
      await exited
    }
    if (dir) rmSync(dir, {recursive: true, force: true})
  })
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  it('refuses to send the credentials to the http realm (exit 1, saying why); the http token registry still works', async function () {
    const shared = requireService(this, 'registry')
    const env = berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'realm test', P: shared.password, NODE_EXTRA_CA_CERTS: path.join(stateDir(), 'registry', 'tls.crt')})
    const created = await runBerth(['endpoint', 'create', 'docker-registry', 'secure', '--address', address, '--username', shared.user, '--password-env', 'P'], {env})
    expect(created.code, created.stderr).to.equal(0)
    const tested = await runBerth(['endpoint', 'test', 'secure', '--json'], {env})
    const realm = new URL(shared.tokenRealm)
    const message = `registry 127.0.0.1:${new URL(address).port} sent a Bearer realm over plain http (${realm.origin}${realm.pathname}) although the registry itself is https; berth does not send the credentials down to http.`
    expect(JSON.parse(tested.stdout)).to.deep.equal({
      error: {
        code: 'connection',
        message,
        hint: 'Have the registry\'s token realm served over https. Only a registry that is itself configured as http:// may use an http realm.',
        step: 'protocol',
        exitCode: 1,
      },
    })
    expect(tested.stderr).to.contain(`Error: ${message}\n`)
    expect(tested.code).to.equal(1)

    // The registry configured as http keeps its http realm.
    const plain = await runBerth(['endpoint', 'create', 'docker-registry', 'plain', '--address', `http://${shared.tokenAddr}`, '--username', shared.user, '--password-env', 'P', '--verify'], {env})
    expect(plain.code, plain.stderr).to.equal(0)
  })
})
