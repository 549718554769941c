import type {BerthDocument, Kind, NewDocument} from './document.js'

export interface ListOptions {
  /** Required for project-scoped kinds unless `allProjects`. */
  project?: string
  /** Every project's objects (project-scoped kinds only). */
  allProjects?: boolean
  /**
   * 'sync' (default) reads with synchronous calls where the backend can: for a hundred small
   * files several times faster, right for a CLI that does nothing else meanwhile. A server
   * passes 'async'. Backends that read over the network ignore it.
   */
  reads?: 'sync' | 'async'
}

/** A stored object that could not be read as its kind: a file, or a custom resource. */
export interface DamagedFile {
  /** Where it is: a file path, or e.g. `endpoints.berth.dev/default.hub in namespace berth-system`. */
  file: string
  message: string
}

export interface ListResult<S, T> {
  documents: Array<BerthDocument<S, T>>
  damaged: DamagedFile[]
}

export interface UpdateOptions {
  /** Compare-and-swap: fail with a ConflictError unless the object is still at this generation. */
  expectedGeneration?: number
  /** Bodies to store (a text) or remove (null), by key; the others are kept. */
  bodies?: Record<string, string | null>
}

/** What `delete(..., {allowDamaged: true})` removed: the document, or a damaged file. */
export type Removed<S, T> = {document: BerthDocument<S, T>; damaged?: undefined} | {document?: undefined; damaged: DamagedFile}

export type StateBackendName = 'file' | 'kubernetes'

export const STATE_BACKENDS: readonly StateBackendName[] = ['file', 'kubernetes']

/**
 * Where berth keeps its objects. Two implementations: `StateStore` (YAML files under
 * $BERTH_HOME, the default) and `KubeStateStore` (custom resources of berth.dev/v1alpha1 in
 * one namespace). Features use only this interface, so every command works on either.
 *
 * The contract both keep:
 * - `create` fails with a ConflictError when the object exists; `get` with a NotFoundError.
 * - `update` reads, changes and writes one object atomically, counting `metadata.generation`;
 *   a concurrent writer never loses a change (the file backend serialises under its lock,
 *   the Kubernetes backend retries on a resourceVersion conflict). `expectedGeneration`
 *   is a compare-and-swap: a different generation is a ConflictError.
 * - `updateStatus` changes only the status and leaves the generation alone.
 * - `withLock` serialises read-check-write sequences; on the file backend across processes,
 *   on the Kubernetes backend within this process only (writes are still safe across
 *   processes through resourceVersion). No slow I/O inside it.
 * - Project-scoped kinds always get a project; global kinds never do.
 */
export interface StateBackend {
  readonly backend: StateBackendName
  /** Where the state is, for messages: a directory, or a namespace on an API server. */
  readonly location: string
  /** Where one object is, for messages: its file, or its resource and namespace. */
  whereIs(kind: Kind, name: string, project: string | undefined): string
  get<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T>>
  tryGet<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T> | undefined>
  /** Every object of a kind, in name order; fails on the first damaged one. */
  list<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, options?: ListOptions): Promise<Array<BerthDocument<S, T>>>
  /** Every readable object of a kind, and the ones that could not be read. */
  listWithProblems<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, options?: ListOptions): Promise<ListResult<S, T>>
  /** The projects that hold any object. */
  projects(): Promise<string[]>
  create<S, T>(input: NewDocument<S, T>): Promise<BerthDocument<S, T>>
  update<S = Record<string, unknown>, T = Record<string, unknown>>(
    kind: Kind,
    name: string,
    project: string | undefined,
    change: (doc: BerthDocument<S, T>) => BerthDocument<S, T> | Promise<BerthDocument<S, T>>,
    options?: UpdateOptions,
  ): Promise<BerthDocument<S, T>>
  updateStatus<S = Record<string, unknown>, T = Record<string, unknown>>(
    kind: Kind,
    name: string,
    project: string | undefined,
    change: (doc: BerthDocument<S, T>) => T | Promise<T>,
    options?: {expectedGeneration?: number},
  ): Promise<BerthDocument<S, T>>
  readBody(kind: Kind, name: string, project: string | undefined, key: string): Promise<string | undefined>
  delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T>>
  delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project: string | undefined, options: {allowDamaged: true}): Promise<Removed<S, T>>
  withLock<R>(fn: () => Promise<R>): Promise<R>
}
