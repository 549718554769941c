import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import os from 'node:os'

import {LockTimeoutError} from '../errors.js'

export interface LockOptions {
  /** Give up after this many milliseconds. */
  timeoutMs?: number
}

interface LockOwner {
  pid: number
  host: string
  token: string
  since: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether a process of this host is alive (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'))
    if (parsed && typeof parsed === 'object' && typeof (parsed as LockOwner).pid === 'number') return parsed as LockOwner
    return undefined
  } catch {
    return undefined
  }
}

/**
 * An inter-process lock: a file created with O_EXCL holding the owner's pid.
 * A lock whose owner died (SIGKILL, crash) on this host is taken over, so a
 * killed berth never blocks the next one.
 */
export class FileLock {
  constructor(private readonly file: string) {}

  /** True once this lock has been taken over from a dead owner: its half-written temp files may remain. */
  tookOverStale = false

  async acquire(options: LockOptions = {}): Promise<() => Promise<void>> {
    const timeoutMs = options.timeoutMs ?? 15_000
    const deadline = Date.now() + timeoutMs
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
        return () => this.release(owner.token)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const current = await readOwner(this.file)
      if (current && current.host === owner.host && !processAlive(current.pid)) {
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
