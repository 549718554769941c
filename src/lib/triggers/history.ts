import {createReadStream, promises as fs} from 'node:fs'
import path from 'node:path'
import {createInterface} from 'node:readline'

import {assertDns1123Label} from '../names.js'
import type {PayloadFormat} from './payloads.js'

/** Where a run is: queued → running → succeeded | failed; ignored at once; interrupted when serve died mid-run. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'ignored' | 'interrupted'

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'ignored', 'interrupted']

/** One line of a trigger's history: the whole state of one run at one moment. */
export interface RunRecord {
  /** The run's id; every status change of a run is a new line with the same id. */
  run: string
  trigger: string
  project: string
  status: RunStatus
  /** When this line was written. */
  at: string
  /** Which payload format the event came in, or 'manual' for `trigger fire`. */
  source: PayloadFormat | 'manual'
  eventId?: string
  /** What the action gets: owner, namespace, repositoryName, image, tag, digest, pusher, time, and fixed inputs. */
  inputs: Record<string, string>
  queuedAt?: string
  startedAt?: string
  finishedAt?: string
  attempts?: number
  dryRun?: boolean
  /** Why the event was ignored, or a one-line summary of what the action did. */
  reason?: string
  summary?: string
  error?: string
}

export interface HistoryRetention {
  /** Rotate the log when it grows past this (default 64 MiB). */
  maxBytes: number
  /** Rotated segments kept (default 3). */
  maxSegments: number
  /** Rotated segments older than this are removed (default 30 days). */
  maxAgeMs: number
}

export const DEFAULT_RETENTION: HistoryRetention = {maxBytes: 64 * 1024 * 1024, maxSegments: 3, maxAgeMs: 30 * 24 * 3600 * 1000}

/** The active log of a trigger: <home>/projects/<project>/trigger-history/<name>.jsonl; rotated ones end .1.jsonl, .2.jsonl, … */
export function historyFile(home: string, project: string, trigger: string): string {
  assertDns1123Label(project, 'project name')
  assertDns1123Label(trigger, 'trigger name')
  return path.join(home, 'projects', project, 'trigger-history', `${trigger}.jsonl`)
}

function segmentFile(file: string, n: number): string {
  return n === 0 ? file : file.replace(/\.jsonl$/, `.${n}.jsonl`)
}

interface Pending {
  line: string
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * A trigger's append-only history. Outside the state lock: a record is one line appended with
 * O_APPEND and made durable with fdatasync before `append` resolves. Appends that arrive while a
 * sync is under way are written and synced together (group commit), so a busy server pays one
 * sync per batch, not per record, and no record is acknowledged before it is on disk.
 */
export class HistoryLog {
  readonly file: string
  private readonly retention: HistoryRetention
  private handle?: fs.FileHandle
  private size = 0
  private pending: Pending[] = []
  private flushing?: Promise<void>
  /** The latest line of every run not yet finished, carried into a new segment on rotation. */
  private readonly open = new Map<string, RunRecord>()

  constructor(file: string, retention: Partial<HistoryRetention> = {}) {
    this.file = file
    this.retention = {...DEFAULT_RETENTION, ...retention}
  }

  append(record: RunRecord): Promise<void> {
    if (record.status === 'queued' || record.status === 'running') this.open.set(record.run, record)
    else this.open.delete(record.run)
    return new Promise((resolve, reject) => {
      this.pending.push({line: `${JSON.stringify(record)}\n`, resolve, reject})
      this.flushing ??= this.flush()
    })
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing
    await this.handle?.close()
    this.handle = undefined
  }

  private async flush(): Promise<void> {
    // Cleared in the same turn as the loop's last check, so an append never waits on a finished flush.
    for (;;) {
      if (this.pending.length === 0) {
        this.flushing = undefined
        return
      }
      const batch = this.pending
      this.pending = []
      try {
        const handle = await this.opened()
        const text = batch.map((p) => p.line).join('')
        await handle.appendFile(text, 'utf8')
        await handle.datasync()
        this.size += Buffer.byteLength(text)
        if (this.size > this.retention.maxBytes) await this.rotate()
        for (const p of batch) p.resolve()
      } catch (error) {
        for (const p of batch) p.reject(error)
      }
    }
  }

  private async opened(): Promise<fs.FileHandle> {
    if (this.handle) return this.handle
    await fs.mkdir(path.dirname(this.file), {recursive: true, mode: 0o700})
    this.handle = await fs.open(this.file, 'a', 0o600)
    this.size = (await this.handle.stat()).size
    return this.handle
  }

  /** Shift the segments up by one, drop the oldest and the too old, and start a new log holding the open runs. */
  private async rotate(): Promise<void> {
    await this.handle?.close()
    this.handle = undefined
    const {maxSegments, maxAgeMs} = this.retention
    await fs.rm(segmentFile(this.file, maxSegments), {force: true})
    for (let n = maxSegments - 1; n >= 0; n--) {
      await fs.rename(segmentFile(this.file, n), segmentFile(this.file, n + 1)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
      })
    }
    const now = Date.now()
    for (let n = 1; n <= maxSegments; n++) {
      const stat = await fs.stat(segmentFile(this.file, n)).catch(() => undefined)
      if (stat && now - stat.mtimeMs > maxAgeMs) await fs.rm(segmentFile(this.file, n), {force: true})
    }
    const handle = await this.opened()
    const carried = [...this.open.values()].map((r) => `${JSON.stringify(r)}\n`).join('')
    if (carried) {
      await handle.appendFile(carried, 'utf8')
      await handle.datasync()
      this.size += Buffer.byteLength(carried)
    }
  }
}

export interface HistoryQuery {
  limit?: number
  status?: RunStatus
  /** Only runs whose latest line is at or after this time. */
  since?: Date
}

export interface HistoryPage {
  /** Newest first, one per run (its latest line). */
  records: RunRecord[]
  /** Bytes read from disk to answer: the tail, not the whole log. */
  bytesRead: number
}

const CHUNK = 64 * 1024

/**
 * The newest runs of a trigger, read backwards from the end of the log, so the cost follows
 * `limit`, not the size of the history. A run's latest line is the first one met.
 */
export async function readHistory(file: string, query: HistoryQuery = {}): Promise<HistoryPage> {
  const limit = query.limit ?? 20
  const since = query.since?.getTime()
  const seen = new Set<string>()
  const records: RunRecord[] = []
  let bytesRead = 0
  let stop = false
  for (let n = 0; n <= DEFAULT_RETENTION.maxSegments + 10; n++) {
    let handle: fs.FileHandle
    try {
      handle = await fs.open(segmentFile(file, n), 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') break
      throw error
    }
    try {
      let position = (await handle.stat()).size
      let rest = Buffer.alloc(0)
      let done = false
      while (position > 0 && !done) {
        const length = Math.min(CHUNK, position)
        position -= length
        const chunk = Buffer.alloc(length)
        await handle.read(chunk, 0, length, position)
        bytesRead += length
        let data = Buffer.concat([chunk, rest])
        // Every complete line after the first newline; the part before it waits for the next chunk.
        let end = data.length
        for (let i = data.length - 1; i >= -1 && !done; i--) {
          if (i >= 0 && data[i] !== 0x0a) continue
          if (i < 0 && position > 0) break
          const line = data.subarray(i + 1, end).toString('utf8')
          end = i
          done = take(line)
        }
        data = data.subarray(0, Math.max(end, 0))
        rest = data
      }
    } finally {
      await handle.close()
    }
    if (stop) break
  }
  return {records, bytesRead}

  /** Take one line; true when enough has been read. */
  function take(line: string): boolean {
    if (line.trim() === '') return false
    let record: RunRecord
    try {
      record = JSON.parse(line) as RunRecord
    } catch {
      return false // a line torn by a crash mid-append
    }
    if (typeof record.run !== 'string' || seen.has(record.run)) return false
    seen.add(record.run)
    const at = Date.parse(record.at)
    // Lines are appended in time order (give or take a clock step), so older lines follow.
    if (since !== undefined && at < since) return (stop = true)
    if (query.status && record.status !== query.status) return false
    records.push(record)
    return (stop = records.length >= limit)
  }
}

/** Runs whose latest line is queued or running: what a serve that stopped left unfinished. */
export async function unfinishedRuns(file: string): Promise<RunRecord[]> {
  const open = new Map<string, RunRecord>()
  try {
    await fs.access(file)
  } catch {
    return []
  }
  const lines = createInterface({input: createReadStream(file, {encoding: 'utf8'}), crlfDelay: Infinity})
  for await (const line of lines) {
    if (line === '') continue
    let record: RunRecord
    try {
      record = JSON.parse(line) as RunRecord
    } catch {
      continue
    }
    if (record.status === 'queued' || record.status === 'running') open.set(record.run, record)
    else open.delete(record.run)
  }
  return [...open.values()]
}

/** Remove a trigger's log and its rotated segments. */
export async function removeHistory(file: string): Promise<void> {
  for (let n = 0; n <= DEFAULT_RETENTION.maxSegments + 10; n++) await fs.rm(segmentFile(file, n), {force: true})
}
