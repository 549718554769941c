import {AsyncLocalStorage} from 'node:async_hooks'
import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {LockTimeoutError} from '../errors.js'
import {processAlive, removeDeadWritersTempFiles} from '../fs/atomic.js'

export {processAlive} from '../fs/atomic.js'

export interface LockOptions {
  /** Give up after this many milliseconds. */
  timeoutMs?: number
  /** Give up at this time (a Date.now() value) rather than timeoutMs from now, e.g. after waiting in-process first. */
  deadline?: number
  /**
   * A lock file whose mtime is older than this is abandoned and taken over, whatever host
   * wrote it: its holder refreshes the mtime every third of this while it holds the lock.
   */
  staleMs?: number
}

export const DEFAULT_LOCK_TIMEOUT_MS = 15_000
export const DEFAULT_LOCK_STALE_MS = 10_000

interface LockOwner {
  pid: number
  host: string
  token: string
  since: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'))
    if (parsed && typeof parsed === 'object' && typeof (parsed as LockOwner).pid === 'number') return parsed as LockOwner
    return undefined
  } catch {
    return undefined
  }
}

async function ageMs(file: string): Promise<number | undefined> {
  try {
    return Date.now() - (await fs.stat(file)).mtimeMs
  } catch {
    return undefined
  }
}

/**
 * An inter-process lock: a file created with O_EXCL holding the owner's pid and host.
 * The holder touches the file every staleMs/3 (a heartbeat), so a lock is taken over
 * when its owner died on this host (pid gone) or, on any host or container sharing the
 * directory, when its heartbeat stopped for staleMs. A killed berth never blocks the next one.
 */
export class FileLock {
  constructor(readonly file: string) {}

  /** True once this lock has been taken over from a dead owner: its half-written temp files may remain. */
  tookOverStale = false

  async acquire(options: LockOptions = {}): Promise<() => Promise<void>> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
    const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS
    const deadline = options.deadline ?? Date.now() + timeoutMs
    const owner: LockOwner = {pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex'), since: new Date().toISOString()}
    let delay = 5
    let unreadableSince: number | undefined
    for (;;) {
      try {
        const handle = await fs.open(this.file, 'wx', 0o600)
        try {
          await handle.writeFile(JSON.stringify(owner))
        } finally {
          await handle.close()
        }
        return this.held(owner.token, staleMs)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const current = await readOwner(this.file)
      const age = await ageMs(this.file)
      const deadHere = current !== undefined && current.host === owner.host && !processAlive(current.pid)
      const silent = current !== undefined && age !== undefined && age > staleMs
      if (current && (deadHere || silent)) {
        await this.breakStale(current.token)
        this.tookOverStale = true
        continue
      }
      if (!current) {
        // Created but not yet written, or written by a process killed mid-write: give it a moment.
        unreadableSince ??= Date.now()
        if (Date.now() - unreadableSince > 2000) {
          await fs.rm(this.file, {force: true})
          unreadableSince = undefined
          continue
        }
      } else {
        unreadableSince = undefined
      }
      if (Date.now() > deadline) {
        const who = current ? `process ${current.pid} on ${current.host} since ${current.since}` : 'another process'
        throw new LockTimeoutError(`berth's state is locked by ${who} (${this.file}); gave up after ${timeoutMs} ms.`, {
          hint: 'Wait for the other berth command to finish. If no berth is running, delete the lock file.',
        })
      }
      await sleep(delay + Math.random() * delay)
      delay = Math.min(delay * 2, 100)
    }
  }

  /** Start the heartbeat; the returned function stops it and releases the lock. */
  private held(token: string, staleMs: number): () => Promise<void> {
    const heartbeat = setInterval(() => {
      const now = new Date()
      fs.utimes(this.file, now, now).catch(() => {})
    }, Math.max(10, Math.floor(staleMs / 3)))
    heartbeat.unref()
    return async () => {
      clearInterval(heartbeat)
      await this.release(token)
    }
  }

  /** Remove a dead owner's lock, but only if it is still that owner's (another process may have broken it first). */
  private async breakStale(token: string): Promise<void> {
    const aside = `${this.file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`
    try {
      await fs.rename(this.file, aside)
    } catch {
      return
    }
    const moved = await readOwner(aside)
    if (moved && moved.token !== token) {
      // We moved a live lock someone just took: put it back if the slot is still free.
      try {
        await fs.link(aside, this.file)
      } catch {
        // the slot was taken again; the live owner will find its file gone only at release, which tolerates it
      }
    }
    await fs.rm(aside, {force: true})
  }

  private async release(token: string): Promise<void> {
    const current = await readOwner(this.file)
    if (current?.token === token) await fs.rm(this.file, {force: true})
  }
}

/** The mutexes this async call chain holds, so a nested `run` of the same mutex does not wait for itself. */
const heldMutexes = new AsyncLocalStorage<ReadonlySet<ProcessMutex>>()

/** An in-process mutex, re-entrant per async call chain (AsyncLocalStorage): callers queue in order. */
export class ProcessMutex {
  private tail: Promise<void> = Promise.resolve()

  /** Whether the current async call chain holds this mutex. */
  get heldHere(): boolean {
    return heldMutexes.getStore()?.has(this) ?? false
  }

  /**
   * Runs fn once every earlier caller is done (at once inside a run of this mutex). `wait` is
   * how the turn is awaited (it may give up by throwing: then fn does not run and the queue moves on).
   */
  async run<R>(fn: () => Promise<R>, wait: (previous: Promise<void>) => Promise<void> = (previous) => previous): Promise<R> {
    const held = heldMutexes.getStore()
    if (held?.has(this)) return fn()
    const previous = this.tail
    let done!: () => void
    this.tail = new Promise((resolve) => {
      done = resolve
    })
    try {
      await wait(previous)
      return await heldMutexes.run(new Set([...(held ?? []), this]), fn)
    } finally {
      done()
    }
  }
}

/**
 * The one lock of a `$BERTH_HOME` in this process: an in-process mutex (callers queue in
 * order) around the inter-process `FileLock` on `<home>/.lock`. Re-entrancy is per async
 * call chain (AsyncLocalStorage), not per process: concurrent callers that merely overlap
 * in time wait for each other, while code already inside `run` can call `run` again.
 * The state store and the settings share it (see `stateLock`), so neither deadlocks the other.
 * Everything started inside `run` shares the lock, so writes of one object started there
 * concurrently (Promise.all) are not serialised against each other: await them in turn.
 */
export class StateLock {
  private readonly fileLock: FileLock
  private readonly mutex = new ProcessMutex()

  constructor(readonly home: string) {
    this.fileLock = new FileLock(path.join(home, '.lock'))
  }

  /** Whether the current async call chain holds this lock. */
  get heldHere(): boolean {
    return this.mutex.heldHere
  }

  async run<R>(fn: () => Promise<R>, options: LockOptions = {}): Promise<R> {
    // A nested run: this call chain already holds the mutex and the file lock.
    if (this.heldHere) return fn()
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
    const started = Date.now()
    return this.mutex.run(
      async () => {
        await fs.mkdir(this.home, {recursive: true, mode: 0o700})
        const release = await this.fileLock.acquire({...options, timeoutMs, deadline: started + timeoutMs})
        try {
          if (this.fileLock.tookOverStale) {
            this.fileLock.tookOverStale = false
            await removeDeadWritersTempFiles(this.home)
          }
          return await fn()
        } finally {
          await release()
        }
      },
      (previous) => waitInProcess(previous, timeoutMs, this.fileLock.file),
    )
  }
}

/**
 * Wait for the previous in-process holder. Giving up is safe: the next waiter still has to
 * take the file lock, which a live holder of this process keeps.
 */
async function waitInProcess(previous: Promise<void>, timeoutMs: number, file: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new LockTimeoutError(`berth's state is locked by another operation of this process (${file}); gave up after ${timeoutMs} ms.`))
    }, timeoutMs)
  })
  try {
    await Promise.race([previous, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

const locks = new Map<string, StateLock>()

/** The lock of the state directory `home`: one object per directory per process. */
export function stateLock(home: string): StateLock {
  const key = path.resolve(home)
  let lock = locks.get(key)
  if (!lock) {
    lock = new StateLock(key)
    locks.set(key, lock)
  }
  return lock
}
