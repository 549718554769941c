import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {Settings} from '../../../src/lib/config/settings.js'
import {DamagedStateError, UsageError, ValidationError} from '../../../src/lib/errors.js'
import {tempHome} from '../../helpers/cli.js'
import {berthRejection} from '../../helpers/files.js'

describe('Settings: flag, then environment, then file, then default', () => {
  let home: string
  let cleanup: () => void
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  it('resolves each source in order and says which one won', async () => {
    await new Settings(home, {}).set('project', 'payments')
    const fromFile = new Settings(home, {})
    expect(await fromFile.resolve('project')).to.include({value: 'payments', source: 'file'})
    expect(await fromFile.resolve('project', 'checkout')).to.include({value: 'checkout', source: 'flag'})
    expect(await new Settings(home, {BERTH_PROJECT: 'billing'}).resolve('project')).to.include({value: 'billing', source: 'env'})
    expect(await new Settings(home, {BERTH_PROJECT: ''}).resolve('project')).to.include({value: 'payments', source: 'file'})
    expect(await new Settings(home, {}).resolve('secret-store')).to.include({value: 'keychain', source: 'default'})
  })

  it('keeps the file readable YAML, mode 0600 under a 0700 home, and unset removes the key', async () => {
    const settings = new Settings(home, {})
    await settings.set('secret-store', 'file')
    await settings.set('project', 'team-a')
    expect(await fs.readFile(path.join(home, 'config.yaml'), 'utf8')).to.equal('secret-store: file\nproject: team-a\n')
    await new Settings(home, {}).unset('secret-store')
    expect(await fs.readFile(path.join(home, 'config.yaml'), 'utf8')).to.equal('project: team-a\n')
    expect((await fs.stat(path.join(home, 'config.yaml'))).mode & 0o777).to.equal(0o600)
  })

  it('refuses unknown keys and bad values without touching the file', async () => {
    const settings = new Settings(home, {})
    await settings.set('project', 'team-a')
    const before = await fs.readFile(settings.file, 'utf8')
    const unknown = await berthRejection(settings.set('colour', 'always'))
    expect(unknown).to.be.instanceOf(UsageError)
    expect([unknown.message, unknown.hint]).to.deep.equal(['Unknown setting "colour".', 'Known settings: project, secret-store, backend, kube-kubeconfig, kube-context, kube-namespace.'])
    const bad = await berthRejection(settings.set('project', 'Team A'))
    expect(bad).to.be.instanceOf(ValidationError)
    expect(bad.message).to.equal('Invalid value "Team A" for project: a project name must be a DNS-1123 label: it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.')
    const store = await berthRejection(settings.set('secret-store', 'vault'))
    expect(store.message).to.equal('Invalid value "vault" for secret-store: expected one of: keychain, file, env.')
    expect(await fs.readFile(settings.file, 'utf8')).to.equal(before)
  })

  it('names a damaged settings file', async () => {
    await fs.writeFile(path.join(home, 'config.yaml'), '- project\n- team-a\n')
    const listed = await berthRejection(new Settings(home, {}).resolve('project'))
    expect(listed).to.be.instanceOf(DamagedStateError)
    expect(listed.message).to.equal(`berth's settings file ${path.join(home, 'config.yaml')} is damaged: it is not a YAML mapping.`)
    await fs.writeFile(path.join(home, 'config.yaml'), 'project: [a]\n')
    expect((await berthRejection(new Settings(home, {}).resolve('project'))).message).to.equal(`berth's settings file ${path.join(home, 'config.yaml')} is damaged: "project" is not a string.`)
  })
})
