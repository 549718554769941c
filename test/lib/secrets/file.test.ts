import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {AuthError, DamagedStateError, UsageError} from '../../../src/lib/errors.js'
import {FileSecretStore} from '../../../src/lib/secrets/file.js'
import {SecretRef} from '../../../src/lib/secrets/store.js'
import {tempHome} from '../../helpers/cli.js'
import {rejection} from '../../helpers/files.js'

const ref: SecretRef = {project: 'default', kind: 'Endpoint', name: 'hub', field: 'password'}

describe('FileSecretStore (AES-256-GCM, scrypt)', () => {
  let home: string
  let cleanup: () => void
  let file: string
  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    file = path.join(home, 'secrets.enc')
  })
  afterEach(() => cleanup())

  it('round-trips secrets and never writes them in clear', async () => {
    const store = new FileSecretStore({file, passphrase: 'correct horse'})
    await store.set(ref, 's3cr3t-välue')
    await store.set({...ref, name: 'other'}, 'another-one')
    expect(await store.get(ref)).to.equal('s3cr3t-välue')
    expect(await new FileSecretStore({file, passphrase: 'correct horse'}).get({...ref, name: 'other'})).to.equal('another-one')
    expect(await store.get({...ref, name: 'missing'})).to.equal(undefined)
    const raw = await fs.readFile(file, 'utf8')
    expect(raw).to.not.contain('s3cr3t')
    expect(raw).to.not.contain('another-one')
    expect((await fs.stat(file)).mode & 0o777).to.equal(0o600)
    expect(await store.delete(ref)).to.equal(true)
    expect(await store.delete(ref)).to.equal(false)
    expect(await store.get(ref)).to.equal(undefined)
  })

  it('fails clearly on a wrong passphrase and leaves the file as it was', async () => {
    await new FileSecretStore({file, passphrase: 'right'}).set(ref, 'value')
    const before = await fs.readFile(file, 'utf8')
    const wrong = new FileSecretStore({file, passphrase: 'wrong'})
    for (const attempt of [() => wrong.get(ref), () => wrong.set(ref, 'other')]) {
      const err = await rejection(attempt())
      expect(err).to.be.instanceOf(AuthError)
      expect(err.message).to.equal(`BERTH_PASSPHRASE does not open the secrets file ${file}: the passphrase is wrong.`)
    }
    expect(await fs.readFile(file, 'utf8')).to.equal(before)
  })

  it('needs a passphrase', () => {
    expect(() => new FileSecretStore({file, passphrase: undefined})).to.throw(UsageError, 'BERTH_SECRET_STORE=file needs a passphrase, and BERTH_PASSPHRASE is not set.')
    expect(() => new FileSecretStore({file, passphrase: ''})).to.throw(UsageError)
  })

  it('detects an entry moved to another key or altered', async () => {
    const store = new FileSecretStore({file, passphrase: 'p'})
    await store.set(ref, 'value')
    const data = JSON.parse(await fs.readFile(file, 'utf8'))
    data.entries['default/Endpoint/evil/password'] = data.entries['default/Endpoint/hub/password']
    await fs.writeFile(file, JSON.stringify(data))
    const err = await rejection(store.get({...ref, name: 'evil'}))
    expect(err).to.be.instanceOf(DamagedStateError)
    expect(err.message).to.equal(`The secret default/Endpoint/evil/password in ${file} cannot be decrypted: the entry was altered.`)
  })

  for (const [label, text, why] of [
    ['not JSON', '{oops', 'it is not valid JSON.'],
    ['another format', '{"format":"x","version":1}', 'it is not a berth secrets file (format berth-secrets, version 1).'],
    ['a hostile KDF cost', JSON.stringify({format: 'berth-secrets', version: 1, kdf: {name: 'scrypt', salt: 'AA==', N: 2 ** 30, r: 8, p: 1}, check: {iv: '', tag: '', data: ''}, entries: {}}), 'it is not a berth secrets file (format berth-secrets, version 1).'],
  ] as const) {
    it(`refuses a damaged file: ${label}`, async () => {
      await fs.writeFile(file, text)
      const err = await rejection(new FileSecretStore({file, passphrase: 'p'}).get(ref))
      expect(err).to.be.instanceOf(DamagedStateError)
      expect(err.message).to.equal(`The secrets file ${file} is damaged: ${why}`)
      expect(await fs.readFile(file, 'utf8')).to.equal(text)
    })
  }
})
