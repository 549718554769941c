import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {Settings} from '../../../src/lib/config/settings.js'
import {ConflictError} from '../../../src/lib/errors.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {tempHome} from '../../helpers/cli.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('StateStore inside one process', () => {
  let home: string
  let cleanup: () => void
  let store: StateStore

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    store = new StateStore({home, actor: 'tester@host'})
  })
  afterEach(() => cleanup())

  it('applies all of 50 overlapping updates of one object', async function () {
    this.timeout(60_000)
    await store.create({kind: 'Endpoint', metadata: {name: 'counter', project: 'team-a'}, spec: {count: 0}})
    // Each update reads, waits (as a caller doing I/O would) and writes: unserialised, they overwrite each other.
    const updates = Array.from({length: 50}, (_, i) =>
      sleep(i * 2).then(() =>
        store.update('Endpoint', 'counter', 'team-a', async (doc) => {
          const count = doc.spec.count as number
          await sleep(1)
          return {...doc, spec: {count: count + 1}}
        }),
      ),
    )
    await Promise.all(updates)
    const doc = await store.get('Endpoint', 'counter', 'team-a')
    expect(doc.spec.count).to.equal(50)
    expect(doc.metadata.generation).to.equal(51)
  })

  it('lets exactly one of overlapping creates of one name succeed', async () => {
    // Two stores of one home in one process share its lock, as two contexts of a server would.
    const other = new StateStore({home, actor: 'other@host'})
    const results = await Promise.allSettled(
      Array.from({length: 12}, (_, i) => sleep(i % 3).then(() => (i % 2 ? other : store).create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {writer: i}}))),
    )
    const ok = results.filter((r) => r.status === 'fulfilled')
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(ok).to.have.length(1)
    expect(failed).to.have.length(11)
    for (const f of failed) {
      expect(f.reason).to.be.instanceOf(ConflictError)
      expect((f.reason as Error).message).to.equal('Endpoint "hub" already exists in project "default".')
    }
  })

  it('serialises "check, then create" sequences run with withLock', async () => {
    const seen: boolean[] = []
    await Promise.all(
      Array.from({length: 5}, () =>
        store.withLock(async () => {
          const exists = Boolean(await store.tryGet('Endpoint', 'once', 'default'))
          seen.push(exists)
          await sleep(2)
          if (!exists) await store.create({kind: 'Endpoint', metadata: {name: 'once', project: 'default'}, spec: {}})
        }),
      ),
    )
    expect(seen).to.deep.equal([false, true, true, true, true])
  })

  it('is re-entrant along one async call chain only', async () => {
    await store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {v: 0}})
    const order: string[] = []
    const outer = store.withLock(async () => {
      order.push('outer start')
      // Nested: the same chain holds the lock, so this does not wait for itself.
      await store.update('Endpoint', 'hub', 'default', (doc) => ({...doc, spec: {v: 1}}))
      await sleep(20)
      order.push('outer end')
    })
    await sleep(5)
    const concurrent = store.withLock(async () => {
      order.push('concurrent')
    })
    await Promise.all([outer, concurrent])
    expect(order).to.deep.equal(['outer start', 'outer end', 'concurrent'])
  })

  it('lets config set run inside a store transaction: one lock owner for both', async function () {
    this.timeout(10_000)
    const settings = new Settings(home, {})
    const slow = new StateStore({home, lockTimeoutMs: 2000})
    await slow.withLock(async () => {
      await settings.set('project', 'team-b')
      await slow.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'team-b'}, spec: {}})
    })
    expect(await fs.readFile(path.join(home, 'config.yaml'), 'utf8')).to.equal('project: team-b\n')
    expect((await settings.resolve('project')).value).to.equal('team-b')
    // And outside a transaction, settings and store still exclude each other.
    const both = await Promise.all([settings.set('secret-store', 'file'), slow.update('Endpoint', 'hub', 'team-b', (doc) => ({...doc, spec: {v: 2}}))])
    expect(both[0].value).to.equal('file')
  })
})
