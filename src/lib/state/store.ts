import {randomBytes} from 'node:crypto'
import {promises as fs, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ConflictError, DamagedStateError, NotFoundError, ValidationError, messageOf} from '../errors.js'
import {assertDns1123Label} from '../names.js'
import {isPlainObject, parseYaml, toYaml} from '../yaml.js'
import {API_VERSION, BerthDocument, KINDS, Kind, NewDocument, isKind} from './document.js'
import {FileLock, processAlive} from './lock.js'

export interface StateStoreOptions {
  /** The state directory ($BERTH_HOME). */
  home: string
  /** Who writes: recorded as metadata.createdBy. */
  actor?: string
  /** The clock, replaceable in tests. */
  now?: () => Date
  lockTimeoutMs?: number
}

export interface ListOptions {
  project?: string
  /** Every project's objects (project-scoped kinds only). */
  allProjects?: boolean
}

const MAX_DOCUMENT_BYTES = 1024 * 1024

/**
 * berth's state: one YAML document per object under
 * <home>/projects/<project>/<plural>/<name>.yaml (global kinds under <home>/global/<plural>/).
 * Writes are atomic (temp file, fsync, rename, fsync of the directory) and serialised
 * by one inter-process lock, so parallel berth processes never lose or tear an object.
 * Reads take no lock: a rename is atomic, so a reader sees the old or the new file.
 */
export class StateStore {
  readonly home: string
  private readonly actor: string
  private readonly now: () => Date
  private readonly lock: FileLock
  private readonly lockTimeoutMs: number
  private held = 0

  constructor(options: StateStoreOptions) {
    this.home = options.home
    this.actor = options.actor ?? defaultActor()
    this.now = options.now ?? (() => new Date())
    this.lock = new FileLock(path.join(this.home, '.lock'))
    this.lockTimeoutMs = options.lockTimeoutMs ?? 15_000
  }

  /** The file an object lives in. */
  fileFor(kind: Kind, name: string, project?: string): string {
    return path.join(this.dirFor(kind, project), `${name}.yaml`)
  }

  dirFor(kind: Kind, project?: string): string {
    const info = KINDS[kind]
    if (info.scope === 'global') return path.join(this.home, 'global', info.plural)
    const p = project ?? 'default'
    assertDns1123Label(p, 'project name')
    return path.join(this.home, 'projects', p, info.plural)
  }

  async get<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T>> {
    const doc = await this.tryGet<S, T>(kind, name, project)
    if (!doc) {
      const where = KINDS[kind].scope === 'project' ? ` in project "${project ?? 'default'}"` : ''
      throw new NotFoundError(`${kind} "${name}" not found${where}.`, {
        hint: `List what exists with: berth ${cliTopic(kind)} list`,
      })
    }
    return doc
  }

  async tryGet<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T> | undefined> {
    assertDns1123Label(name, `${kind} name`)
    const file = this.fileFor(kind, name, project)
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    return readDocument<S, T>(file, text, kind, name)
  }

  async list<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, options: ListOptions = {}): Promise<Array<BerthDocument<S, T>>> {
    const dirs: string[] = []
    if (KINDS[kind].scope === 'project' && options.allProjects) {
      for (const project of await this.projects()) dirs.push(this.dirFor(kind, project))
    } else {
      dirs.push(this.dirFor(kind, options.project))
    }
    const docs: Array<BerthDocument<S, T>> = []
    for (const dir of dirs) docs.push(...(listDirectory(dir, kind) as Array<BerthDocument<S, T>>))
    return docs
  }

  /** The projects that hold any object. */
  async projects(): Promise<string[]> {
    try {
      const entries = await fs.readdir(path.join(this.home, 'projects'), {withFileTypes: true})
      return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }

  /** Create an object; fails with a ConflictError if it exists. */
  async create<S, T>(input: NewDocument<S, T>): Promise<BerthDocument<S, T>> {
    validateNew(input)
    return this.withLock(async () => {
      const {kind, metadata} = input
      const existing = await this.tryGet(kind, metadata.name, metadata.project)
      if (existing) {
        throw new ConflictError(`${kind} "${metadata.name}" already exists${projectSuffix(kind, metadata.project)}.`, {
          hint: `Choose another name, or change it with: berth ${cliTopic(kind)} update ${metadata.name}`,
        })
      }
      const doc: BerthDocument<S, T> = {
        apiVersion: API_VERSION,
        kind,
        metadata: {
          name: metadata.name,
          ...(KINDS[kind].scope === 'project' ? {project: metadata.project ?? 'default'} : {}),
          ...(metadata.labels ? {labels: metadata.labels} : {}),
          ...(metadata.annotations ? {annotations: metadata.annotations} : {}),
          createdBy: this.actor,
          createdAt: this.now().toISOString(),
          generation: 1,
        },
        spec: input.spec,
        ...(input.status === undefined ? {} : {status: input.status}),
      }
      await this.writeDocument(doc)
      return doc
    })
  }

  /**
   * Read, change and write one object under the lock. `change` gets a copy and
   * returns the new document; name, kind and project cannot change.
   */
  async update<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project: string | undefined, change: (doc: BerthDocument<S, T>) => BerthDocument<S, T> | Promise<BerthDocument<S, T>>): Promise<BerthDocument<S, T>> {
    return this.withLock(async () => {
      const current = await this.get<S, T>(kind, name, project)
      const next = await change(structuredClone(current))
      if (next.kind !== current.kind || next.metadata.name !== current.metadata.name || next.metadata.project !== current.metadata.project) {
        throw new ValidationError(`The kind, name and project of ${kind} "${name}" cannot change.`)
      }
      next.metadata.createdAt = current.metadata.createdAt
      next.metadata.createdBy = current.metadata.createdBy
      next.metadata.updatedAt = this.now().toISOString()
      next.metadata.generation = current.metadata.generation + 1
      await this.writeDocument(next)
      return next
    })
  }

  /** Delete an object; returns the deleted document. */
  async delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T>> {
    return this.withLock(async () => {
      const current = await this.get<S, T>(kind, name, project)
      const file = this.fileFor(kind, name, project)
      await fs.rm(file)
      await fsyncDir(path.dirname(file))
      return current
    })
  }

  /**
   * Run `fn` holding the state lock, for operations that read several objects and
   * write based on them (e.g. "delete unless referenced"). Re-entrant within this store.
   */
  async withLock<R>(fn: () => Promise<R>): Promise<R> {
    if (this.held > 0) return fn()
    await fs.mkdir(this.home, {recursive: true, mode: 0o700})
    const release = await this.lock.acquire({timeoutMs: this.lockTimeoutMs})
    this.held++
    try {
      if (this.lock.tookOverStale) {
        this.lock.tookOverStale = false
        await removeDeadWritersTempFiles(this.home)
      }
      return await fn()
    } finally {
      this.held--
      await release()
    }
  }

  private async writeDocument(doc: BerthDocument<unknown, unknown>): Promise<void> {
    const file = this.fileFor(doc.kind, doc.metadata.name, doc.metadata.project)
    await writeFileAtomic(file, toYaml(doc))
  }
}

/** The parse cache of a kind's directory: documents keyed by file name, valid while the file's identity is unchanged. */
interface ListCache {
  version: 1
  entries: Record<string, {ino: number; size: number; mtimeMs: number; doc: unknown}>
}

const LIST_CACHE = '.list-cache.json'

/**
 * Every document in a directory, in name order. Reading and parsing a hundred YAML files
 * is most of `endpoint list`'s time, so parsed documents are kept in a cache file checked
 * against each file's inode, size and mtime (every write renames a new inode into place).
 * The cache is only an accelerator: a missing or damaged cache is rebuilt from the files.
 * Reads are synchronous: for many small files that is several times faster than fs.promises.
 */
function listDirectory(dir: string, kind: Kind): Array<BerthDocument<unknown, unknown>> {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const cacheFile = path.join(dir, LIST_CACHE)
  let cache: ListCache = {version: 1, entries: {}}
  try {
    const parsed = JSON.parse(readFileSync(cacheFile, 'utf8')) as ListCache
    if (parsed?.version === 1 && isPlainObject(parsed.entries)) cache = parsed
  } catch {
    // no cache yet, or a damaged one: rebuilt below
  }
  const fresh: ListCache = {version: 1, entries: {}}
  let changed = false
  const docs: Array<BerthDocument<unknown, unknown>> = []
  for (const entry of entries.sort()) {
    if (entry.startsWith('.') || !entry.endsWith('.yaml')) continue
    const file = path.join(dir, entry)
    let stat
    try {
      stat = statSync(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue // deleted meanwhile
      throw error
    }
    const cached = cache.entries[entry]
    let doc: BerthDocument<unknown, unknown>
    if (cached && cached.ino === stat.ino && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) {
      doc = cached.doc as BerthDocument<unknown, unknown>
    } else {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw error
      }
      doc = readDocument(file, text, kind, entry.slice(0, -'.yaml'.length))
      changed = true
    }
    fresh.entries[entry] = {ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, doc}
    docs.push(doc)
  }
  if (changed || Object.keys(cache.entries).length !== Object.keys(fresh.entries).length) {
    // Best effort: a cache that cannot be written only costs the next list its speed.
    const tmp = path.join(dir, `${LIST_CACHE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
    try {
      writeFileSync(tmp, JSON.stringify(fresh), {mode: 0o600})
      renameSync(tmp, cacheFile)
    } catch {
      rmSync(tmp, {force: true})
    }
  }
  // Every call parses afresh (the files or the cache's JSON), so callers own what they get.
  return docs
}

/** Write `text` to `file` so that a reader or a crash sees either the old or the new content. */
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const dir = path.dirname(file)
  await fs.mkdir(dir, {recursive: true, mode: 0o700})
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await fs.open(tmp, 'wx', mode)
  try {
    await handle.writeFile(text)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await fs.rm(tmp, {force: true})
    throw error
  }
  await handle.close()
  try {
    await fs.rename(tmp, file)
  } catch (error) {
    await fs.rm(tmp, {force: true})
    throw error
  }
  await fsyncDir(dir)
}

/** Remove temp files left by writers that died before their rename (their pid is in the name). */
async function removeDeadWritersTempFiles(home: string): Promise<void> {
  const entries = await fs.readdir(home, {withFileTypes: true, recursive: true})
  for (const entry of entries) {
    const match = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(entry.name)
    if (!entry.isFile() || !match) continue
    if (!processAlive(Number(match[1]))) await fs.rm(path.join(entry.parentPath, entry.name), {force: true})
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function readDocument<S, T>(file: string, text: string, kind: Kind, name: string): BerthDocument<S, T> {
  const damaged = (why: string) =>
    new DamagedStateError(file, `The stored ${kind} "${name}" in ${file} is damaged: ${why}`, {
      hint: 'Fix the file by hand or delete it; no other object is affected.',
    })
  if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) throw damaged(`it is larger than ${MAX_DOCUMENT_BYTES} bytes.`)
  let parsed: unknown
  try {
    parsed = parseYaml(text, {source: file, maxBytes: MAX_DOCUMENT_BYTES})
  } catch (error) {
    throw damaged(messageOf(error).replace(`${file} `, ''))
  }
  if (!isPlainObject(parsed)) throw damaged('it is not a YAML mapping.')
  if (parsed.apiVersion !== API_VERSION) throw damaged(`apiVersion is ${JSON.stringify(parsed.apiVersion)}, expected "${API_VERSION}".`)
  if (typeof parsed.kind !== 'string' || !isKind(parsed.kind) || parsed.kind !== kind) throw damaged(`kind is ${JSON.stringify(parsed.kind)}, expected "${kind}".`)
  const meta = parsed.metadata
  if (!isPlainObject(meta)) throw damaged('metadata is missing.')
  if (meta.name !== name) throw damaged(`metadata.name is ${JSON.stringify(meta.name)} but the file is named "${name}.yaml".`)
  if (!isPlainObject(parsed.spec)) throw damaged('spec is missing or not a mapping.')
  if (typeof meta.generation !== 'number') meta.generation = 0
  return parsed as unknown as BerthDocument<S, T>
}

function validateNew(input: NewDocument<unknown, unknown>): void {
  if (!isKind(input.kind)) throw new ValidationError(`Unknown kind ${JSON.stringify(input.kind)}.`)
  assertDns1123Label(input.metadata.name, `${input.kind} name`)
  if (input.metadata.project !== undefined) assertDns1123Label(input.metadata.project, 'project name')
  for (const [key, value] of Object.entries(input.metadata.labels ?? {})) {
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) throw new ValidationError(`Invalid label key ${JSON.stringify(key)}.`)
    if (!/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(value)) throw new ValidationError(`Invalid value for label "${key}": ${JSON.stringify(value)}.`)
  }
}

function projectSuffix(kind: Kind, project: string | undefined): string {
  return KINDS[kind].scope === 'project' ? ` in project "${project ?? 'default'}"` : ''
}

/** The CLI topic that manages a kind, for hints. */
export function cliTopic(kind: Kind): string {
  const topics: Record<Kind, string> = {
    Endpoint: 'endpoint',
    Template: 'template',
    Service: 'service',
    ProductionService: 'service',
    Environment: 'environment',
    DeploymentRuntime: 'runtime',
    Trigger: 'trigger',
    Execution: 'trigger history',
    ResourceInterface: 'resource-interface',
  }
  return topics[kind]
}

function defaultActor(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`
  } catch {
    return `uid-${process.getuid?.() ?? 'unknown'}@${os.hostname()}`
  }
}
