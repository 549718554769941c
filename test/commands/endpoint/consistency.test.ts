// No orphaned secrets and no dangling references, whatever fails (issue 7 items 2 and 3):
// delete with a wrong BERTH_PASSPHRASE or with the keychain unreachable changes nothing and
// says so; an update that loses a race with delete leaves no secret behind; a secret
// reference is never trusted from the document.
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

import {FileSecretStore} from '../../../src/lib/secrets/file.js'
import {RunResult, berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'
import {requireKeychain} from '../../helpers/keychain.js'

const run = promisify(execFile)
const PASSPHRASE = 'correct horse battery staple'
const ref = (name: string) => ({project: 'default', kind: 'Endpoint', name, field: 'password'})

describe('berth endpoint: consistent state whatever fails', function () {
  this.timeout(120_000)
  let home: string
  let cleanup: () => void
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  const fileEnv = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: PASSPHRASE, ...extra})
  const secrets = () => new FileSecretStore({file: path.join(home, 'secrets.enc'), passphrase: PASSPHRASE})
  const endpointFile = (name: string) => path.join(home, 'projects', 'default', 'endpoints', `${name}.yaml`)

  async function createGit(name: string, password: string, env: NodeJS.ProcessEnv = fileEnv()): Promise<void> {
    const made = await runBerth(['endpoint', 'create', 'git', name, '--url', `https://git.example.com/team/${name}.git`, '--username', 'mytenant/ci-user', '--password-env', 'GIT_TOKEN'], {env: {...env, GIT_TOKEN: password}})
    expect(made.code, made.stderr).to.equal(0)
  }

  it('delete with a wrong BERTH_PASSPHRASE deletes nothing and says so', async () => {
    await createGit('app', 'app-T0ken/+')
    const before = await stateFiles(home)
    const result = await runBerth(['endpoint', 'delete', 'app'], {env: fileEnv({BERTH_PASSPHRASE: 'wrong passphrase'})})
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.equal(
      `Error: Endpoint "app" was not deleted: BERTH_PASSPHRASE does not open the secrets file ${path.join(home, 'secrets.enc')}: the passphrase is wrong.\n` +
        'Hint: Export the passphrase the file was created with. Without it the secrets in this file cannot be recovered.\n',
    )
    expect(result.code).to.equal(1)
    expect(await stateFiles(home)).to.deep.equal(before)
    expect(await secrets().get(ref('app'))).to.equal('app-T0ken/+')
  })

  it('an update that loses a race with delete leaves no secret behind (and one that wins leaves its secret with its document)', async () => {
    for (let i = 0; i < 4; i++) {
      const name = `race-${i}`
      await createGit(name, 'first-password')
      const [updated, deleted] = await Promise.all([
        runBerth(['endpoint', 'update', name, '--password-env', 'GIT_TOKEN'], {env: fileEnv({GIT_TOKEN: 'second-password'})}),
        runBerth(['endpoint', 'delete', name], {env: fileEnv()}),
      ])
      expect(deleted.code, deleted.stderr).to.equal(0)
      const exists = await fs.access(endpointFile(name)).then(
        () => true,
        () => false,
      )
      const secret = await secrets().get(ref(name))
      // Whichever order they ran in: a document has its secret, and no secret outlives its document.
      if (exists) {
        expect(updated.code, updated.stderr).to.equal(0)
        expect(secret, `try ${i}`).to.be.a('string')
      } else {
        expect(secret, `try ${i}: ${updated.code} ${updated.stderr}`).to.equal(undefined)
        if (updated.code !== 0) expect(updated.stderr, `try ${i}`).to.match(/^Error: Endpoint "race-\d" (not found|was deleted)/)
      }
    }
  })

  it('a secret reference naming another endpoint\'s secret is not trusted: delete keeps the other\'s secret, reads refuse it', async () => {
    await createGit('victim', 'victim-Secret!1')
    await createGit('edited', 'edited-secret')
    const file = endpointFile('edited')
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('default/Endpoint/edited/password', 'default/Endpoint/victim/password'))

    const read = await runBerth(['endpoint', 'exec', 'edited', '--', 'true'], {env: fileEnv()})
    expect(read.stdout).to.equal('')
    expect(read.stderr).to.equal(
      'Error: Endpoint "edited" refers to the secret default/Endpoint/victim/password, which is not its own (default/Endpoint/edited/password); berth does not read or delete it.\n' +
        'Hint: Store this endpoint\'s own secret again: berth endpoint update edited --password-stdin\n',
    )
    expect(read.code).to.equal(1)

    const deleted = await runBerth(['endpoint', 'delete', 'edited'], {env: fileEnv()})
    expect(deleted.code, deleted.stderr).to.equal(0)
    expect(await secrets().get(ref('victim'))).to.equal('victim-Secret!1')
    expect(await secrets().get(ref('edited'))).to.equal(undefined)
  })

  describe('with the keychain (GNOME Keyring)', () => {
    const service = `berth-test-${randomBytes(4).toString('hex')}`
    before(function () {
      requireKeychain(this)
    })
    const keychainEnv = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_KEYCHAIN_SERVICE: service, ...extra})
    const lookup = async (name: string) =>
      run('secret-tool', ['lookup', 'service', service, 'username', `default/Endpoint/${name}/password`]).then(
        (r) => r.stdout,
        () => undefined,
      )

    it('delete with the keychain unreachable deletes nothing and says so', async () => {
      await createGit('app', 'kc-T0ken', keychainEnv())
      const before = await stateFiles(home)
      const result: RunResult = await runBerth(['endpoint', 'delete', 'app'], {env: keychainEnv({DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent'})})
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.match(/^Error: Endpoint "app" was not deleted: The OS keychain is not reachable: [^\n]+\.\nHint: On a machine without a keychain/)
      expect(result.stderr).not.to.contain('Deleted')
      expect(result.code).to.equal(1)
      expect(await stateFiles(home)).to.deep.equal(before)
      expect(await lookup('app')).to.equal('kc-T0ken')
      // Reachable again: the delete goes through and removes the secret too.
      const again = await runBerth(['endpoint', 'delete', 'app'], {env: keychainEnv()})
      expect(again.code, again.stderr).to.equal(0)
      expect(await lookup('app')).to.equal(undefined)
    })
  })
})
