import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {LockTimeoutError} from '../../../src/lib/errors.js'
import {FileLock} from '../../../src/lib/state/lock.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {tempHome} from '../../helpers/cli.js'
import {rejection} from '../../helpers/files.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A lock file as another host's berth leaves it, with its mtime `ageMs` in the past. */
async function foreignLock(file: string, ageMs: number): Promise<void> {
  await fs.mkdir(path.dirname(file), {recursive: true})
  await fs.writeFile(file, JSON.stringify({pid: 4242, host: 'ci-runner-7f3c', token: 'feedc0ffee', since: '2026-01-02T03:04:05.000Z'}))
  const then = new Date(Date.now() - ageMs)
  await fs.utimes(file, then, then)
}

describe('FileLock', () => {
  let home: string
  let cleanup: () => void

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
  })
  afterEach(() => cleanup())

  it('takes over a lock of another host whose heartbeat stopped', async () => {
    const file = path.join(home, '.lock')
    await foreignLock(file, 60_000)
    const store = new StateStore({home, lockTimeoutMs: 2000, lockStaleMs: 10_000})
    const doc = await store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {}})
    expect(doc.metadata.generation).to.equal(1)
    expect(await rejection(fs.access(file))).to.have.property('code', 'ENOENT')
  })

  it('waits for a lock of another host that is still fresh', async () => {
    const file = path.join(home, '.lock')
    await foreignLock(file, 0)
    const store = new StateStore({home, lockTimeoutMs: 300, lockStaleMs: 10_000})
    const err = await rejection(store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {}}))
    expect(err).to.be.instanceOf(LockTimeoutError)
    expect(err.message).to.equal(`berth's state is locked by process 4242 on ci-runner-7f3c since 2026-01-02T03:04:05.000Z (${file}); gave up after 300 ms.`)
    expect(await fs.readFile(file, 'utf8')).to.contain('feedc0ffee')
  })

  it('keeps its own lock fresh while held, so others do not take it over', async function () {
    this.timeout(10_000)
    const file = path.join(home, '.lock')
    const release = await new FileLock(file).acquire({staleMs: 300})
    try {
      await sleep(900)
      const age = Date.now() - (await fs.stat(file)).mtimeMs
      expect(age).to.be.lessThan(300)
      const err = await rejection(new FileLock(file).acquire({staleMs: 300, timeoutMs: 400}))
      expect(err).to.be.instanceOf(LockTimeoutError)
    } finally {
      await release()
    }
    expect(await rejection(fs.access(file))).to.have.property('code', 'ENOENT')
  })
})
