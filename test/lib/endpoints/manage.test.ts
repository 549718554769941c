import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'

import {BerthContext} from '../../../src/lib/context.js'
import {credentialsOf} from '../../../src/lib/endpoints/credentials.js'
import {secretProblem} from '../../../src/lib/endpoints/fields.js'
import {createEndpoint, deleteEndpoint, endpointTarget, listEndpoints, maskedEndpoint, updateEndpoint} from '../../../src/lib/endpoints/manage.js'
import {ConflictError, KeychainUnavailableError, NotFoundError, ValidationError} from '../../../src/lib/errors.js'
import type {SecretRef} from '../../../src/lib/secrets/store.js'
import {tempHome} from '../../helpers/cli.js'
import {berthRejection, stateFiles} from '../../helpers/files.js'

const PASSWORD = 'p@ss:w0rd/with "quotes" & ünïcode'

describe('endpoint management (library): create, update, delete with the real state and file secret store', () => {
  let home: string
  let cleanup: () => void
  let ctx: BerthContext
  const newContext = () => new BerthContext({env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'lib test passphrase'}, stdin: Readable.from([])})

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    ctx = newContext()
  })
  afterEach(() => cleanup())

  const hub = {type: 'docker-registry', name: 'hub', address: 'http://127.0.0.1:5061', username: 'mytenant/ci-user', password: PASSWORD} as const

  it('creates: plain fields in the document, the secret only in the secret store', async () => {
    const doc = await createEndpoint(ctx, {...hub, description: 'team registry', labels: {team: 'payments'}})
    expect(doc.spec).to.deep.equal({
      type: 'docker-registry',
      description: 'team registry',
      secretRefs: {password: {backend: 'file', key: 'default/Endpoint/hub/password'}},
      address: 'http://127.0.0.1:5061',
      username: 'mytenant/ci-user',
    })
    expect(doc.metadata).to.include({name: 'hub', project: 'default', generation: 1})
    expect(doc.metadata.labels).to.deep.equal({team: 'payments'})
    for (const [file, content] of Object.entries(await stateFiles(home))) expect(content, file).to.not.contain(PASSWORD)
    expect(await credentialsOf(newContext(), doc)).to.deep.equal(hub)
    expect(endpointTarget(doc.spec)).to.equal('http://127.0.0.1:5061')
    expect(maskedEndpoint(doc).secrets).to.deep.equal({password: '******** (file)'})
  })

  it('refuses a second create of the name and invalid input, keeping state as it was', async () => {
    await createEndpoint(ctx, hub)
    const before = await stateFiles(home)
    const again = await berthRejection(createEndpoint(ctx, {...hub, password: 'other'}))
    expect(again).to.be.instanceOf(ConflictError)
    expect([again.message, again.hint]).to.deep.equal(['Endpoint "hub" already exists in project "default".', 'Change it with: berth endpoint update hub'])
    const badName = await berthRejection(createEndpoint(ctx, {...hub, name: 'Hub'}))
    expect(badName).to.be.instanceOf(ValidationError)
    const badAddress = await berthRejection(createEndpoint(ctx, {...hub, name: 'team', address: 'https://registry.example.com/v2/team'}))
    expect(badAddress.message).to.equal('Invalid registry address "https://registry.example.com/v2/team": a registry is addressed by its host and port only, not a path (/v2/team).')
    expect(await stateFiles(home)).to.deep.equal(before)
    expect(await credentialsOf(newContext(), (await listEndpoints(ctx)).endpoints[0]!)).to.deep.equal(hub)
  })

  it('saves nothing when the verification fails', async () => {
    const failure = await berthRejection(
      createEndpoint(ctx, hub, {
        verify: async () => {
          throw new ConflictError('registry said no')
        },
      }),
    )
    expect(failure.message).to.equal('registry said no')
    expect(await stateFiles(home)).to.deep.equal({})
  })

  it('updates fields and keeps the secret unless it changed; records the verification', async () => {
    await createEndpoint(ctx, hub)
    const {endpoint} = await updateEndpoint(ctx, {...hub, username: 'mytenant/deployer', password: ''}, {secretsChanged: false})
    expect(endpoint.spec.username).to.equal('mytenant/deployer')
    expect(endpoint.metadata.generation).to.equal(2)
    expect(await credentialsOf(newContext(), endpoint)).to.include({password: PASSWORD})
    const verified = await updateEndpoint(ctx, {...hub, password: 'n3w!secret'}, {secretsChanged: true, verify: async () => ({summary: 'registry/2.0, Basic auth, credentials accepted'})})
    expect(await credentialsOf(newContext(), verified.endpoint)).to.include({password: 'n3w!secret'})
    expect(verified.endpoint.status?.lastTest).to.include({ok: true, summary: 'registry/2.0, Basic auth, credentials accepted'})
  })

  it('refuses to change the type, and to update what does not exist', async () => {
    await createEndpoint(ctx, hub)
    const retyped = await berthRejection(updateEndpoint(ctx, {type: 'git', name: 'hub', url: 'https://git.example.com/team/app.git', username: 'ci', password: 'x'}, {secretsChanged: true}))
    expect(retyped.message).to.equal('Endpoint "hub" is a docker-registry endpoint; its type cannot change (delete it and create a new one).')
    expect(await berthRejection(updateEndpoint(ctx, {...hub, name: 'ghost'}, {secretsChanged: false}))).to.be.instanceOf(NotFoundError)
  })

  it('deletes the document and its secret', async () => {
    await createEndpoint(ctx, hub)
    await createEndpoint(ctx, {type: 'iam', name: 'cloud', accessKeyId: 'HPUAEXAMPLEKEY000001', secretAccessKey: 'Sk0123456789abcdefghijklmnopqrstuvwxyzAB'})
    const result = await deleteEndpoint(ctx, 'hub')
    expect(result.secretsRemoved).to.deep.equal(['password'])
    expect(result.references).to.deep.equal([])
    expect((await listEndpoints(ctx)).endpoints.map((d) => d.metadata.name)).to.deep.equal(['cloud'])
    expect((await fs.readdir(path.join(home, 'projects', 'default', 'endpoints'))).filter((f) => f.endsWith('.yaml'))).to.deep.equal(['cloud.yaml'])
    expect((await listEndpoints(ctx, {type: 'iam'})).endpoints.map((d) => endpointTarget(d.spec))).to.deep.equal(['HPUAEXAMPLEKEY000001'])
  })

  it('says what it left when the secret store fails after the document is deleted', async () => {
    await createEndpoint(ctx, hub)
    const file = new BerthContext({env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'lib test passphrase'}})
    const real = await file.secrets()
    // A store that can be read (so the delete goes ahead) and then fails to delete.
    const failing = {
      backend: 'file' as const,
      get: (ref: SecretRef) => real.get(ref),
      set: (ref: SecretRef, value: string) => real.set(ref, value),
      delete: async () => {
        throw new KeychainUnavailableError('the session bus went away.')
      },
    }
    const flaky = new BerthContext({env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'lib test passphrase'}, overrides: {secrets: failing}})
    const error = await berthRejection(deleteEndpoint(flaky, 'hub'))
    expect(error.message).to.equal('Deleted endpoint "hub", but its password could not be removed from the secret store and may be left there: The OS keychain is not reachable: the session bus went away.')
    expect(error.exitCode).to.equal(1)
    expect(await ctx.state().tryGet('Endpoint', 'hub', 'default')).to.equal(undefined)
  })

  it('an update of an endpoint deleted meanwhile removes the secret it wrote and says nothing was saved', async () => {
    await createEndpoint(ctx, hub)
    const real = await ctx.secrets()
    // The delete lands between the update's secret write and its document write.
    const racing = {
      backend: 'file' as const,
      get: (ref: SecretRef) => real.get(ref),
      delete: (ref: SecretRef) => real.delete(ref),
      set: async (ref: SecretRef, value: string) => {
        await deleteEndpoint(ctx, 'hub')
        await real.set(ref, value)
      },
    }
    const updating = new BerthContext({env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'lib test passphrase'}, overrides: {secrets: racing}})
    const error = await berthRejection(updateEndpoint(updating, {...hub, password: 'second password'}, {secretsChanged: true}))
    expect(error).to.be.instanceOf(NotFoundError)
    expect(error.message).to.equal('Endpoint "hub" was deleted while it was being updated; nothing was saved.')
    expect(await real.get({project: 'default', kind: 'Endpoint', name: 'hub', field: 'password'})).to.equal(undefined)
  })

  it('checks a secret the way every input path does, whoever calls (a prompt, a flag, a credential helper)', async () => {
    for (const [password, problem] of [
      ['two\nlines', 'contains a line break; a password, token or key is one line (git and docker cannot be given one with a line break).'],
      ['nul\0byte', 'contains a NUL byte, which no tool berth hands it to can carry.'],
      ['ab\uFFFDcd', 'contains U+FFFD, the replacement for bytes that are not UTF-8; give the secret as UTF-8 text.'],
    ]) {
      const error = await berthRejection(createEndpoint(ctx, {...hub, password}))
      expect(error).to.be.instanceOf(ValidationError)
      expect(error.message).to.equal(`The password of endpoint "hub" ${problem}`)
      expect(secretProblem('password', password)).to.equal(`The password ${problem}`)
    }
    expect(await stateFiles(home)).to.deep.equal({})
  })
})
