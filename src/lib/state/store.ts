import {createHash, randomBytes} from 'node:crypto'
import {promises as fs, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ConflictError, DamagedStateError, NotFoundError, ValidationError, messageOf} from '../errors.js'
import {fsyncDir, writeFileAtomic} from '../fs/atomic.js'
import {assertDns1123Label} from '../names.js'
import {isPlainObject, parseYaml, toYaml} from '../yaml.js'
import {API_VERSION, BerthDocument, BodyRef, KINDS, Kind, NewDocument, assertSameIdentity, newDocumentOf, isKind, stampUpdate} from './document.js'
import type {DamagedFile, ListOptions, ListResult, Removed, StateBackend, UpdateOptions} from './backend.js'
import {validateDocument} from './schemas.js'
import {DEFAULT_LOCK_STALE_MS, DEFAULT_LOCK_TIMEOUT_MS, StateLock, stateLock} from './lock.js'

export interface StateStoreOptions {
  /** The state directory ($BERTH_HOME). */
  home: string
  /** Who writes: recorded as metadata.createdBy. */
  actor?: string
  /** The clock, replaceable in tests. */
  now?: () => Date
  lockTimeoutMs?: number
  /** A lock whose holder stopped refreshing it for this long is taken over (any host). */
  lockStaleMs?: number
}

export type {DamagedFile, ListOptions, ListResult, Removed, UpdateOptions} from './backend.js'

const MAX_DOCUMENT_BYTES = 1024 * 1024
/** The largest body berth stores beside a document (a service's YAML, a chart file). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024
export const BODY_KEY = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/

/**
 * berth's state: one YAML document per object under
 * <home>/projects/<project>/<plural>/<name>.yaml (global kinds under <home>/global/<plural>/),
 * large bodies beside it in <name>.bodies/<digest>.<key> (see readBody).
 *
 * Writes are atomic (temp file, fsync, rename, fsync of the directory) and serialised by the
 * state lock (`StateLock`: an in-process mutex plus the inter-process lock file), so neither
 * concurrent async callers of one process nor parallel berth processes lose or tear an object.
 * Reads take no lock: a rename is atomic, so a reader sees the old or the new file.
 *
 * Rules for callers:
 * - The lock guards only the read-check-write of files. Never do slow I/O (keychain, network,
 *   external programs) inside `withLock` or an `update` callback: every other berth waits.
 * - A long operation (deploy, sync) reads the object, works without the lock, then writes with
 *   `update(..., {expectedGeneration})` (compare-and-swap) or records what it saw with
 *   `updateStatus` (setting `status.observedGeneration`), which does not change the generation.
 * - `project` is always given for project-scoped kinds; leaving it out is a bug, not 'default'.
 * - Messages name no CLI command: hints come from the layer that knows the command.
 */
export class StateStore implements StateBackend {
  readonly backend = 'file'
  readonly home: string
  private readonly actor: string
  private readonly now: () => Date
  private readonly lock: StateLock
  private readonly lockTimeoutMs: number
  private readonly lockStaleMs: number

  constructor(options: StateStoreOptions) {
    this.home = options.home
    this.actor = options.actor ?? defaultActor()
    this.now = options.now ?? (() => new Date())
    this.lock = stateLock(this.home)
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
    this.lockStaleMs = options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS
  }

  get location(): string {
    return this.home
  }

  /** The file an object lives in. */
  whereIs(kind: Kind, name: string, project: string | undefined): string {
    return this.fileFor(kind, name, project)
  }

  fileFor(kind: Kind, name: string, project: string | undefined): string {
    return path.join(this.dirFor(kind, project), `${name}.yaml`)
  }

  dirFor(kind: Kind, project: string | undefined): string {
    const info = KINDS[kind]
    if (info.scope === 'global') return path.join(this.home, 'global', info.plural)
    if (project === undefined) throw new Error(`StateStore: ${kind} objects belong to a project, and no project was given (a bug in the caller).`)
    assertDns1123Label(project, 'project name')
    return path.join(this.home, 'projects', project, info.plural)
  }

  private bodiesDir(kind: Kind, name: string, project: string | undefined): string {
    return path.join(this.dirFor(kind, project), `${name}.bodies`)
  }

  async get<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T>> {
    const doc = await this.tryGet<S, T>(kind, name, project)
    if (!doc) throw new NotFoundError(`${kind} "${name}" not found${projectSuffix(kind, project)}.`, {kind})
    return doc
  }

  async tryGet<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T> | undefined> {
    assertDns1123Label(name, `${kindInText(kind)} name`)
    const file = this.fileFor(kind, name, project)
    // The directory's list cache holds the parsed document while the file is unchanged: no YAML
    // parser to load for a `show` right after a list or a write.
    const cached = fromListCache(file, kind, name)
    if (cached) return cached as BerthDocument<S, T>
    let text: string
    try {
      text = await fs.readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    return readDocument<S, T>(file, text, kind, name)
  }

  /** Every object of a kind, in name order; fails on the first damaged file (see listWithProblems). */
  async list<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, options: ListOptions = {}): Promise<Array<BerthDocument<S, T>>> {
    const result = await this.listWithProblems<S, T>(kind, options)
    const first = result.damaged[0]
    if (first) throw damagedError(first)
    return result.documents
  }

  /** Every readable object of a kind, and the files that could not be read: one damaged file damages only itself. */
  async listWithProblems<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, options: ListOptions = {}): Promise<ListResult<S, T>> {
    const dirs: string[] = []
    if (KINDS[kind].scope === 'project' && options.allProjects) {
      for (const project of await this.projects()) dirs.push(this.dirFor(kind, project))
    } else {
      dirs.push(this.dirFor(kind, options.project))
    }
    const io = options.reads === 'async' ? asyncReads : syncReads
    const result: ListResult<S, T> = {documents: [], damaged: []}
    for (const dir of dirs) {
      const part = await listDirectory(dir, kind, io)
      result.documents.push(...(part.documents as Array<BerthDocument<S, T>>))
      result.damaged.push(...part.damaged)
    }
    return result
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

  /** Create an object (and its bodies); fails with a ConflictError if it exists. */
  async create<S, T>(input: NewDocument<S, T>): Promise<BerthDocument<S, T>> {
    validateNew(input)
    validateDocument(input.kind, input.metadata.name, input)
    const {kind, metadata} = input
    const project = KINDS[kind].scope === 'project' ? metadata.project : undefined
    this.dirFor(kind, project)
    return this.withLock(async () => {
      if (await this.tryGet(kind, metadata.name, project)) {
        throw new ConflictError(`${kind} "${metadata.name}" already exists${projectSuffix(kind, project)}.`)
      }
      // Bodies a crash left behind a deleted object of this name are not this object's.
      await fs.rm(this.bodiesDir(kind, metadata.name, project), {recursive: true, force: true})
      const bodies = await this.writeBodies(kind, metadata.name, project, {}, input.bodies ?? {})
      const doc = newDocumentOf(input, project, bodies, {by: this.actor, at: this.now()})
      try {
        await this.writeDocument(doc)
      } catch (error) {
        await fs.rm(this.bodiesDir(kind, metadata.name, project), {recursive: true, force: true})
        throw error
      }
      return doc
    })
  }

  /**
   * Read, change and write one object under the lock, counting its generation. `change` gets a
   * copy and returns the new document; kind, name, project and the recorded bodies cannot
   * change through it (bodies change through `options.bodies`). Keep `change` free of slow I/O.
   */
  async update<S = Record<string, unknown>, T = Record<string, unknown>>(
    kind: Kind,
    name: string,
    project: string | undefined,
    change: (doc: BerthDocument<S, T>) => BerthDocument<S, T> | Promise<BerthDocument<S, T>>,
    options: UpdateOptions = {},
  ): Promise<BerthDocument<S, T>> {
    const bodyChanges = options.bodies ?? {}
    validateBodies(bodyChanges)
    return this.withLock(async () => {
      const current = await this.get<S, T>(kind, name, project)
      checkGeneration(current, options.expectedGeneration)
      const next = await change(structuredClone(current))
      assertSameIdentity(kind, name, current, next)
      validateDocument(kind, name, next)
      const bodies = await this.writeBodies(kind, name, project, current.metadata.bodies ?? {}, bodyChanges)
      stampUpdate(current, next, bodies, this.now())
      await this.writeDocument(next)
      if (Object.keys(bodyChanges).length > 0) await this.pruneBodies(kind, name, project, bodies)
      return next
    })
  }

  /**
   * Replace only an object's status: `change` gets a copy of the document and returns the new
   * status. The generation does not move (status is what was observed, not what is wanted);
   * by convention the status carries `observedGeneration`, the generation it describes.
   */
  async updateStatus<S = Record<string, unknown>, T = Record<string, unknown>>(
    kind: Kind,
    name: string,
    project: string | undefined,
    change: (doc: BerthDocument<S, T>) => T | Promise<T>,
    options: {expectedGeneration?: number} = {},
  ): Promise<BerthDocument<S, T>> {
    return this.withLock(async () => {
      const current = await this.get<S, T>(kind, name, project)
      checkGeneration(current, options.expectedGeneration)
      const status = await change(structuredClone(current))
      validateDocument(kind, name, {spec: current.spec, status})
      const next: BerthDocument<S, T> = {...current, status}
      await this.writeDocument(next)
      return next
    })
  }

  /**
   * A body stored beside an object, or undefined if it has none under `key`. Body files are
   * named by their digest and never rewritten, so a reader racing an update reads the old
   * body or, after one retry, the new one, and a crash between writing a body and its
   * document leaves the document's own body in place.
   */
  async readBody(kind: Kind, name: string, project: string | undefined, key: string): Promise<string | undefined> {
    assertBodyKey(key)
    for (let attempt = 1; ; attempt++) {
      const doc = await this.get(kind, name, project)
      const ref = doc.metadata.bodies?.[key]
      if (!ref) return undefined
      const file = this.bodyFile(kind, name, project, key, ref)
      const damaged = (why: string) => new DamagedStateError(file, `The body "${key}" of ${kind} "${name}" in ${file} is damaged: ${why}`, {hint: DAMAGED_HINT})
      let data: Buffer
      try {
        data = await fs.readFile(file)
      } catch (error) {
        if (!isMissing(error)) throw error
        if (attempt < 3) continue // replaced by an update since the document was read
        throw damaged('the file is missing.')
      }
      if (data.length !== ref.bytes || sha256(data) !== ref.sha256) throw damaged('its content does not match the digest recorded in the document.')
      return data.toString('utf8')
    }
  }

  /** Delete an object and its bodies; returns the deleted document. */
  async delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T>>
  /** Delete an object even if its file is damaged; returns the document or the damaged file removed. */
  async delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project: string | undefined, options: {allowDamaged: true}): Promise<Removed<S, T>>
  async delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string, options: {allowDamaged?: boolean} = {}): Promise<BerthDocument<S, T> | Removed<S, T>> {
    return this.withLock(async () => {
      let removed: Removed<S, T>
      try {
        removed = {document: await this.get<S, T>(kind, name, project)}
      } catch (error) {
        if (!(options.allowDamaged && error instanceof DamagedStateError)) throw error
        removed = {damaged: {file: error.file, message: error.message}}
      }
      const file = this.fileFor(kind, name, project)
      await fs.rm(file)
      await fs.rm(this.bodiesDir(kind, name, project), {recursive: true, force: true})
      await fsyncDir(path.dirname(file))
      updateListCache(path.dirname(file), `${name}.yaml`, undefined)
      return options.allowDamaged ? removed : (removed.document as BerthDocument<S, T>)
    })
  }

  /**
   * Run `fn` holding the state lock, for operations that read several objects and write based
   * on them (e.g. "delete unless referenced"). Re-entrant within one async call chain;
   * shared with the settings of the same home. No slow I/O inside (see the class comment).
   */
  async withLock<R>(fn: () => Promise<R>): Promise<R> {
    return this.lock.run(fn, {timeoutMs: this.lockTimeoutMs, staleMs: this.lockStaleMs})
  }

  private async writeDocument(doc: BerthDocument<unknown, unknown>): Promise<void> {
    const file = this.fileFor(doc.kind, doc.metadata.name, doc.metadata.project)
    await writeFileAtomic(file, toYaml(doc))
    updateListCache(path.dirname(file), `${doc.metadata.name}.yaml`, doc)
  }

  private bodyFile(kind: Kind, name: string, project: string | undefined, key: string, ref: BodyRef): string {
    return path.join(this.bodiesDir(kind, name, project), `${ref.sha256.slice(0, 16)}.${key}`)
  }

  /** Write the bodies given (null ones are only dropped from the result); returns the refs to record. */
  private async writeBodies(kind: Kind, name: string, project: string | undefined, current: Record<string, BodyRef>, changes: Record<string, string | null>): Promise<Record<string, BodyRef>> {
    const refs = {...current}
    for (const [key, text] of Object.entries(changes)) {
      if (text === null) {
        delete refs[key]
        continue
      }
      const data = Buffer.from(text, 'utf8')
      refs[key] = {sha256: sha256(data), bytes: data.length}
      await writeFileAtomic(this.bodyFile(kind, name, project, key, refs[key]), text)
    }
    return refs
  }

  /** Remove the body files the document no longer names (after it was written). */
  private async pruneBodies(kind: Kind, name: string, project: string | undefined, refs: Record<string, BodyRef>): Promise<void> {
    const dir = this.bodiesDir(kind, name, project)
    const keep = new Set(Object.entries(refs).map(([key, ref]) => path.basename(this.bodyFile(kind, name, project, key, ref))))
    let entries: string[]
    try {
      entries = await fs.readdir(dir)
    } catch (error) {
      if (isMissing(error)) return
      throw error
    }
    const stale = entries.filter((entry) => !entry.startsWith('.') && !keep.has(entry))
    for (const entry of stale) await fs.rm(path.join(dir, entry), {force: true})
    if (keep.size === 0) await fs.rm(dir, {recursive: true, force: true})
  }
}

export function checkGeneration(current: BerthDocument<unknown, unknown>, expected: number | undefined): void {
  if (expected === undefined || current.metadata.generation === expected) return
  const {kind, name, project} = {kind: current.kind, ...current.metadata}
  throw new ConflictError(`${kind} "${name}"${projectSuffix(kind, project)} was changed meanwhile: expected generation ${expected}, found ${current.metadata.generation}.`)
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export function assertBodyKey(key: string): void {
  if (!BODY_KEY.test(key) || key.includes('..')) {
    throw new ValidationError(`Invalid body key ${JSON.stringify(key)}: use letters, digits, ".", "_" and "-" (no "/", no ".."), at most 200 characters.`)
  }
}

export function validateBodies(bodies: Record<string, string | null>): void {
  for (const [key, text] of Object.entries(bodies)) {
    assertBodyKey(key)
    if (text === null) continue
    if (typeof text !== 'string') throw new ValidationError(`The body "${key}" is not a text.`)
    const bytes = Buffer.byteLength(text)
    if (bytes > MAX_BODY_BYTES) throw new ValidationError(`The body "${key}" is ${bytes} bytes; at most ${MAX_BODY_BYTES} bytes are stored.`)
  }
}

/** The parse cache of a kind's directory: documents keyed by file name, valid while the file's identity is unchanged. */
interface ListCache {
  version: 1
  entries: Record<string, CacheEntry>
}

interface CacheEntry {
  ino: number
  size: number
  mtimeMs: number
  doc: unknown
}

const LIST_CACHE = '.list-cache.json'

interface FileIdentity {
  ino: number
  size: number
  mtimeMs: number
}

/** The file reads a listing needs, done synchronously or through fs.promises (stats in parallel). */
interface Reads {
  readdir(dir: string): string[] | Promise<string[]>
  readText(file: string): string | Promise<string>
  /** Each file's identity, undefined where it vanished. */
  statAll(files: string[]): Array<FileIdentity | undefined> | Promise<Array<FileIdentity | undefined>>
}

function missingAsUndefined<R>(read: () => R): R | undefined {
  try {
    return read()
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
}

const syncReads: Reads = {
  readdir: (dir) => readdirSync(dir),
  readText: (file) => readFileSync(file, 'utf8'),
  statAll: (files) => files.map((file) => missingAsUndefined(() => statSync(file))),
}

const asyncReads: Reads = {
  readdir: (dir) => fs.readdir(dir),
  readText: (file) => fs.readFile(file, 'utf8'),
  statAll: (files) =>
    Promise.all(
      files.map((file) =>
        fs.stat(file).catch((error: unknown) => {
          if (isMissing(error)) return undefined
          throw error
        }),
      ),
    ),
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT'

/** A cache read from disk, or an empty one if it is missing or damaged: it is never trusted beyond its checks. */
function parseListCache(text: string | undefined): ListCache {
  const empty: ListCache = {version: 1, entries: {}}
  if (text === undefined) return empty
  try {
    const parsed = JSON.parse(text) as ListCache
    if (parsed?.version === 1 && isPlainObject(parsed.entries)) return parsed
  } catch {
    // damaged: rebuilt from the files
  }
  return empty
}

/** Whether a cache entry is one for this file, as it is now, holding a document of this kind and name. */
function cachedDocument(entry: unknown, stat: FileIdentity, kind: Kind, name: string): BerthDocument<unknown, unknown> | undefined {
  if (!isPlainObject(entry) || entry.ino !== stat.ino || entry.size !== stat.size || entry.mtimeMs !== stat.mtimeMs) return undefined
  const doc = entry.doc
  if (!isPlainObject(doc) || doc.kind !== kind || !isPlainObject(doc.metadata) || doc.metadata.name !== name || !isPlainObject(doc.spec)) return undefined
  if (typeof doc.metadata.generation !== 'number') return undefined
  return doc as unknown as BerthDocument<unknown, unknown>
}

/** Parsed list caches by file, kept while the cache file is the same one (writers rename a new file into place). */
const parsedListCaches = new Map<string, {identity: FileIdentity; cache: ListCache}>()

/**
 * The document in `file` from its directory's list cache, when the cache has it for the file as
 * it is now. The cache is parsed once per process while it is unchanged, so many gets in one
 * process (a server, a deploy) do not each parse the whole directory's cache.
 */
function fromListCache(file: string, kind: Kind, name: string): BerthDocument<unknown, unknown> | undefined {
  const cacheFile = path.join(path.dirname(file), LIST_CACHE)
  let stat: FileIdentity
  let cache: ListCache
  try {
    stat = statSync(file)
    const identity = statSync(cacheFile)
    const known = parsedListCaches.get(cacheFile)
    if (known && known.identity.ino === identity.ino && known.identity.size === identity.size && known.identity.mtimeMs === identity.mtimeMs) {
      cache = known.cache
    } else {
      cache = parseListCache(readFileSync(cacheFile, 'utf8'))
      parsedListCaches.set(cacheFile, {identity: {ino: identity.ino, size: identity.size, mtimeMs: identity.mtimeMs}, cache})
    }
  } catch {
    return undefined
  }
  const doc = cachedDocument(cache.entries[path.basename(file)], stat, kind, name)
  // Callers own what they get: a copy, as a parse would give.
  return doc && structuredClone(doc)
}

/** Best effort: a cache that cannot be written only costs the next list its speed. */
function writeListCache(dir: string, cache: ListCache): void {
  const tmp = path.join(dir, `${LIST_CACHE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    writeFileSync(tmp, JSON.stringify(cache), {mode: 0o600})
    renameSync(tmp, path.join(dir, LIST_CACHE))
  } catch {
    rmSync(tmp, {force: true})
  }
}

/**
 * Keep the directory's parse cache current after a write (under the lock), so a list right
 * after a create, update or delete parses nothing. `doc` undefined: the file was removed.
 */
function updateListCache(dir: string, entry: string, doc: BerthDocument<unknown, unknown> | undefined): void {
  let text: string | undefined
  try {
    text = readFileSync(path.join(dir, LIST_CACHE), 'utf8')
  } catch {
    text = undefined
  }
  const cache = parseListCache(text)
  if (doc) {
    try {
      const stat = statSync(path.join(dir, entry))
      cache.entries[entry] = {ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, doc}
    } catch {
      delete cache.entries[entry]
    }
  } else {
    delete cache.entries[entry]
  }
  writeListCache(dir, cache)
}

/**
 * Every document in a directory, in name order, and the files that are damaged. Reading and
 * parsing a hundred YAML files is most of `endpoint list`'s time, so parsed documents are kept
 * in a cache file checked against each file's inode, size and mtime (every write renames a new
 * inode into place) and against the kind and name it must hold. The cache is only an
 * accelerator: a missing or damaged cache is rebuilt from the files.
 */
async function listDirectory(dir: string, kind: Kind, reads: Reads): Promise<ListResult<unknown, unknown>> {
  const result: ListResult<unknown, unknown> = {documents: [], damaged: []}
  let entries: string[]
  try {
    entries = await reads.readdir(dir)
  } catch (error) {
    if (isMissing(error)) return result
    throw error
  }
  let cacheText: string | undefined
  try {
    cacheText = await reads.readText(path.join(dir, LIST_CACHE))
  } catch {
    cacheText = undefined
  }
  const cache = parseListCache(cacheText)
  const fresh: ListCache = {version: 1, entries: {}}
  let changed = false
  const names = entries.sort().filter((entry) => !entry.startsWith('.') && entry.endsWith('.yaml'))
  // dir is normalised and an entry is one name: joined by hand, as path.join costs ~10 µs a file before V8 optimises it.
  const files = names.map((entry) => `${dir}${path.sep}${entry}`)
  const stats = await reads.statAll(files)
  for (const [i, entry] of names.entries()) {
    const file = files[i]!
    const name = entry.slice(0, -'.yaml'.length)
    const stat = stats[i]
    if (!stat) continue // deleted meanwhile
    let doc = cachedDocument(cache.entries[entry], stat, kind, name)
    if (doc) {
      fresh.entries[entry] = cache.entries[entry]!
    } else {
      let text: string
      try {
        text = await reads.readText(file)
      } catch (error) {
        if (isMissing(error)) continue
        throw error
      }
      try {
        doc = readDocument(file, text, kind, name)
      } catch (error) {
        if (!(error instanceof DamagedStateError)) throw error
        result.damaged.push({file, message: error.message})
        continue
      }
      changed = true
      fresh.entries[entry] = {ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, doc}
    }
    result.documents.push(doc)
  }
  if (changed || Object.keys(cache.entries).length !== Object.keys(fresh.entries).length) writeListCache(dir, fresh)
  // Every call parses afresh (the files or the cache's JSON), so callers own what they get.
  return result
}

const DAMAGED_HINT = 'Fix the file by hand or delete it; no other object is affected.'

function damagedError(damaged: DamagedFile): DamagedStateError {
  return new DamagedStateError(damaged.file, damaged.message, {hint: DAMAGED_HINT})
}

function readDocument<S, T>(file: string, text: string, kind: Kind, name: string): BerthDocument<S, T> {
  const damaged = (why: string) => damagedError({file, message: `The stored ${kind} "${name}" in ${file} is damaged: ${why}`})
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

/** A kind as a sentence says it: "Endpoint" → "endpoint", "DeploymentRuntime" → "deployment runtime". */
function kindInText(kind: string): string {
  return kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
}

export function validateNew(input: NewDocument<unknown, unknown>): void {
  if (!isKind(input.kind)) throw new ValidationError(`Unknown kind ${JSON.stringify(input.kind)}.`)
  assertDns1123Label(input.metadata.name, `${kindInText(input.kind)} name`)
  if (input.metadata.project !== undefined) assertDns1123Label(input.metadata.project, 'project name')
  for (const [key, value] of Object.entries(input.metadata.labels ?? {})) {
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) throw new ValidationError(`Invalid label key ${JSON.stringify(key)}.`)
    if (!/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(value)) throw new ValidationError(`Invalid value for label "${key}": ${JSON.stringify(value)}.`)
  }
  validateBodies(input.bodies ?? {})
}

export function projectSuffix(kind: Kind, project: string | undefined): string {
  return KINDS[kind].scope === 'project' ? ` in project "${project}"` : ''
}

export function defaultActor(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`
  } catch {
    return `uid-${process.getuid?.() ?? 'unknown'}@${os.hostname()}`
  }
}
