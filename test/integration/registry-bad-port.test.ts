import {expect} from 'chai'
import {ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {berthEnv, runBerth} from '../helpers/cli.js'
import {requireService, stateDir} from '../helpers/services.js'

/** Ports on the WHATWG fetch "bad ports" list that registries are really run on; the first free one is used. */
const BAD_PORTS = [5061, 6000, 6665, 6666, 6667, 6668, 6669, 10080]

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function waitListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`docker-registry did not listen on 127.0.0.1:${port}: ${log()}`)
}

/**
 * Node's fetch refuses the WHATWG "bad ports" (5061, 6000, …) while docker, kubectl and git
 * reach them. A real registry (distribution, with the test environment's htpasswd) on such a
 * port must work through `endpoint test` and `image tags` like any other.
 */
describe('integration: a registry on a WHATWG "bad port"', function () {
  this.timeout(120_000)
  let dir: string
  let registry: ChildProcess | undefined
  let port: number
  let log = ''

  before(async function () {
    requireService(this, 'registry')
    const free = []
    for (const p of BAD_PORTS) if (await portFree(p)) free.push(p)
    if (free.length === 0) throw new Error(`none of the ports ${BAD_PORTS.join(', ')} is free on 127.0.0.1`)
    port = free[0]!
    dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bad-port-'))
    const config = [
      'version: 0.1',
      'log: {level: warn}',
      `storage: {filesystem: {rootdirectory: "${dir}/data"}}`,
      `http: {addr: "127.0.0.1:${port}"}`,
      `auth: {htpasswd: {realm: berth-bad-port, path: "${path.join(stateDir(), 'registry', 'htpasswd')}"}}`,
      '',
    ].join('\n')
    writeFileSync(path.join(dir, 'config.yml'), config)
    registry = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], {stdio: ['ignore', 'pipe', 'pipe']})
    registry.stdout!.on('data', (d: Buffer) => (log += d))
    registry.stderr!.on('data', (d: Buffer) => (log += d))
    await waitListening(port, registry, () => log)
  })

  after(() => {
    registry?.kill('SIGTERM')
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('endpoint test connects with Basic auth, and image tags reaches the registry API', async function () {
    const reg = requireService(this, 'registry')
    const home = path.join(dir, 'home')
    const env = berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'bad-port p@ss', P: reg.password})
    const created = await runBerth(['endpoint', 'create', 'docker-registry', 'odd-port', '--address', `http://127.0.0.1:${port}`, '--username', reg.user, '--password-env', 'P'], {env})
    expect(created.code, created.stderr).to.equal(0)

    const tested = await runBerth(['endpoint', 'test', 'odd-port', '--json'], {env})
    expect(tested.stderr).to.equal('')
    expect(tested.code).to.equal(0)
    expect(JSON.parse(tested.stdout).details).to.include({apiVersion: 'registry/2.0', authScheme: 'basic', credentialsAccepted: true, address: `http://127.0.0.1:${port}`})

    const tags = await runBerth(['image', 'tags', 'odd-port', 'team/never-pushed'], {env})
    expect(tags.code).to.equal(1)
    expect(tags.stdout).to.equal('')
    expect(tags.stderr).to.contain(`Repository "team/never-pushed" not found in registry 127.0.0.1:${port}.`)
  })
})
