import {expect} from 'chai'
import {execFile, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import path from 'node:path'
import {promisify} from 'node:util'

import {KeychainSecretStore} from '../../../src/lib/secrets/keychain.js'
import {refKey} from '../../../src/lib/secrets/store.js'
import {ROOT} from '../../helpers/cli.js'
import {requireKeychain} from '../../helpers/keychain.js'

const run = promisify(execFile)
const probe = path.join(ROOT, 'test', 'fixtures', 'keychain-probe.ts')

function probeWith(env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', probe], {env, stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('close', () => resolve(out))
  })
}

describe('KeychainSecretStore (real GNOME Keyring over D-Bus)', () => {
  const service = `berth-test-${randomBytes(4).toString('hex')}`
  const ref = {project: 'default', kind: 'Endpoint', name: 'hub', field: 'password'}

  before(function () {
    requireKeychain(this)
  })

  it('stores a secret that another Secret Service client reads back, then deletes it', async () => {
    const store = new KeychainSecretStore({service})
    const secret = `pw-${randomBytes(8).toString('hex')}`
    await store.set(ref, secret)
    expect(await store.get(ref)).to.equal(secret)
    // An independent client (libsecret's secret-tool) sees the same item in the keyring.
    const {stdout} = await run('secret-tool', ['lookup', 'service', service, 'username', refKey(ref)])
    expect(stdout).to.equal(secret)
    expect(await store.delete(ref)).to.equal(true)
    expect(await store.get(ref)).to.equal(undefined)
  })

  it('says the keychain is unreachable, naming both alternatives, when there is no D-Bus session', async () => {
    const out = await probeWith({PATH: process.env.PATH, HOME: process.env.HOME, BERTH_KEYCHAIN_SERVICE: service, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus'})
    const result = JSON.parse(out)
    expect(result.code).to.equal('keychain-unavailable')
    expect(result.exitCode).to.equal(1)
    expect(result.message).to.match(/^The OS keychain is not reachable: Couldn't access platform storage: [^\n]+\.$/)
    expect(result.hint).to.equal(
      'On a machine without a keychain, choose a secret store explicitly: BERTH_SECRET_STORE=file with BERTH_PASSPHRASE set (an encrypted file), or BERTH_SECRET_STORE=env to read secrets from BERTH_SECRET_<NAME>_<FIELD> variables (read-only, for CI).',
    )
  })
})
