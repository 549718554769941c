import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {Settings} from '../../../src/lib/config/settings.js'
import {DamagedStateError, UsageError, ValidationError} from '../../../src/lib/errors.js'
import {FileLock} from '../../../src/lib/state/lock.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {tempHome} from '../../helpers/cli.js'
import {rejection} from '../../helpers/files.js'

describe('Settings', () => {
  let home: string
  let cleanup: () => void
  const file = () => path.join(home, 'config.yaml')

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
  })
  afterEach(() => cleanup())

  it('resolves a flag, then the environment, then the file, then the default', async () => {
    await fs.writeFile(file(), 'project: payments\n')
    const settings = new Settings(home, {BERTH_SECRET_STORE: 'file'})
    expect(await settings.resolve('project', 'from-flag')).to.include({value: 'from-flag', source: 'flag'})
    expect(await settings.resolve('project')).to.include({value: 'payments', source: 'file'})
    expect(await settings.resolve('secret-store')).to.include({value: 'file', source: 'env'})
    expect(await new Settings(home, {BERTH_PROJECT: 'team-b'}).resolve('project')).to.include({value: 'team-b', source: 'env'})
    expect((await new Settings(path.join(home, 'none'), {}).list()).map((s) => [s.key, s.value, s.source])).to.deep.equal([
      ['project', 'default', 'default'],
      ['secret-store', 'keychain', 'default'],
      ['backend', 'file', 'default'],
      ['kube-kubeconfig', '', 'default'],
      ['kube-context', '', 'default'],
      ['kube-namespace', 'berth-system', 'default'],
    ])
    // The state backend is chosen synchronously (the store is built synchronously): the same order of sources.
    await fs.writeFile(file(), 'backend: kubernetes\nkube-namespace: berth-team-a\n')
    const sync = new Settings(home, {BERTH_KUBE_NAMESPACE: 'berth-ci'})
    expect(sync.resolveSync('backend')).to.include({value: 'kubernetes', source: 'file'})
    expect(sync.resolveSync('kube-namespace')).to.include({value: 'berth-ci', source: 'env'})
    expect(sync.resolveSync('kube-context')).to.include({value: '', source: 'default'})
  })

  it('checks values and keys before writing', async () => {
    const settings = new Settings(home, {})
    const bad = await rejection(settings.set('secret-store', 'vault'))
    expect(bad).to.be.instanceOf(ValidationError)
    expect(bad.message).to.equal('Invalid value "vault" for secret-store: expected one of: keychain, file, env.')
    const unknown = await rejection(settings.set('colour', 'blue'))
    expect(unknown).to.be.instanceOf(UsageError)
    expect(unknown.message).to.equal('Unknown setting "colour".')
    expect(await fs.readdir(home)).to.deep.equal([])
  })

  it('names a damaged file', async () => {
    await fs.writeFile(file(), 'project: [payments\n')
    const err = await rejection(new Settings(home, {}).resolve('project'))
    expect(err).to.be.instanceOf(DamagedStateError)
    expect(err.message).to.match(/^berth's settings file is damaged: /)
    await fs.writeFile(file(), 'project: 42\n')
    expect((await rejection(new Settings(home, {}).resolve('project'))).message).to.equal(`berth's settings file ${file()} is damaged: "project" is not a string.`)
  })

  it('loses no change when two sets overlap in one process', async () => {
    const a = new Settings(home, {})
    const b = new Settings(home, {})
    await Promise.all([a.set('project', 'payments'), b.set('secret-store', 'file'), a.set('project', 'payments')])
    expect(await fs.readFile(file(), 'utf8')).to.equal('project: payments\nsecret-store: file\n')
  })

  it('takes the state lock: waits for another process holding it, and runs inside a store transaction', async function () {
    this.timeout(10_000)
    const settings = new Settings(home, {})
    // Another process's lock (another FileLock object, as a second berth would hold it).
    const release = await new FileLock(path.join(home, '.lock')).acquire()
    let done = false
    const setting = settings.set('project', 'payments').then(() => {
      done = true
    })
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(done).to.equal(false)
    await release()
    await setting
    expect(await fs.readFile(file(), 'utf8')).to.equal('project: payments\n')
    // Inside a store transaction of this process it does not wait for itself.
    const store = new StateStore({home, lockTimeoutMs: 1000})
    await store.withLock(async () => {
      await settings.unset('project')
    })
    expect(await fs.readFile(file(), 'utf8')).to.equal('{}\n')
  })
})
