// Endpoints whose secrets are in GNOME Keyring, used with the D-Bus session cut: every
// path says the keychain is unreachable, never that the secret is missing and must be
// stored again.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'

import {RunResult, berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {requireKeychain} from '../../helpers/keychain.js'

const UNREACHABLE = /^The OS keychain is not reachable: [^\n]+\.$/
const HINT =
  'On a machine without a keychain, choose a secret store explicitly: BERTH_SECRET_STORE=file with BERTH_PASSPHRASE set (an encrypted file), or BERTH_SECRET_STORE=env to read secrets from BERTH_SECRET_<NAME>_<FIELD> variables (read-only, for CI).'

describe('berth with the keychain unreachable (GNOME Keyring, D-Bus session cut)', function () {
  this.timeout(60_000)
  let home: string
  let cleanup: () => void
  const service = `berth-test-${randomBytes(4).toString('hex')}`

  before(async function () {
    requireKeychain(this)
    ;({home, cleanup} = tempHome())
    const env = berthEnv(home, {BERTH_KEYCHAIN_SERVICE: service, GIT_TOKEN: 'gl-T0ken/+=', REG_PASSWORD: 'p@ss w0rd'})
    for (const args of [
      ['endpoint', 'create', 'git', 'app', '--url', 'https://git.example.com/team/app.git', '--username', 'ci@corp.com', '--password-env', 'GIT_TOKEN'],
      ['endpoint', 'create', 'docker-registry', 'hub', '--address', 'https://registry.example.com:5443', '--username', 'ci', '--password-env', 'REG_PASSWORD'],
    ]) {
      const made = await runBerth(args, {env})
      expect(made.code, made.stderr).to.equal(0)
    }
  })
  after(async () => {
    // Remove the secrets from the (reachable) keychain.
    const env = berthEnv(home, {BERTH_KEYCHAIN_SERVICE: service})
    for (const name of ['app', 'hub']) await runBerth(['endpoint', 'delete', name, '--force'], {env})
    cleanup?.()
  })

  const cut = (args: string[], input?: string): Promise<RunResult> =>
    runBerth(args, {env: berthEnv(home, {BERTH_KEYCHAIN_SERVICE: service, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent'}), input})

  function expectUnreachable(result: RunResult): void {
    const [error, hint, ...rest] = result.stderr.split('\n')
    expect(error!.replace(/^Error: /, '')).to.match(UNREACHABLE)
    expect(hint).to.equal(`Hint: ${HINT}`)
    expect(rest).to.deep.equal([''])
    expect(result.stderr).not.to.contain('missing')
    expect(result.stdout).to.equal('')
    expect(result.code).to.equal(1)
  }

  it('endpoint test', async () => {
    expectUnreachable(await cut(['endpoint', 'test', 'app']))
  })

  it('endpoint exec', async () => {
    expectUnreachable(await cut(['endpoint', 'exec', 'app', 'hub', '--', 'true']))
  })

  it('credential git get', async () => {
    expectUnreachable(await cut(['credential', 'git', 'get'], 'protocol=https\nhost=git.example.com\n\n'))
  })

  it('credential docker get (the protocol puts the message on stdout)', async () => {
    const result = await cut(['credential', 'docker', 'get'], 'registry.example.com:5443')
    expect(result.stdout).to.match(/^The OS keychain is not reachable: [^\n]+\.\n$/)
    expect(result.stderr).to.equal(`Hint: ${HINT}\n`)
    expect(result.code).to.equal(1)
  })

  it('endpoint delete', async () => {
    const result = await cut(['endpoint', 'delete', 'hub'])
    expect(result.stderr).to.not.contain('Deleted')
    expect(result.code).to.equal(1)
    expect(result.stderr).to.match(/The OS keychain is not reachable: /)
  })
})
