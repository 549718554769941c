/**
 * berth's state as custom resources of berth.dev/v1alpha1 in one namespace (default
 * berth-system), for teams that share endpoints, services and triggers through the
 * Kubernetes cluster they already run. Same contract as the file backend (see StateBackend).
 *
 * Decisions, and why:
 * - Projects are a label (`berth.dev/project`), not namespaces. berth's access model is one
 *   set of Roles (viewer, editor, admin) over berth's objects, installed once; a namespace per
 *   project would need cluster-scoped rights to create namespaces and a RoleBinding per
 *   project before anyone could use a new one, and `--all-projects` would become a cluster-wide
 *   list. A team that wants projects fenced from each other runs one berth namespace per team
 *   (BERTH_KUBE_NAMESPACE), which RBAC guards per namespace.
 * - The resource name is `<project>.<name>` (global kinds: `<name>`): both parts are DNS-1123
 *   labels (≤ 63), so the result is a valid DNS-1123 subdomain (≤ 127 of 253) that cannot
 *   collide across projects, and a get is one GET by name. The berth name is also kept in the
 *   `berth.dev/name` label, for selectors and printer columns.
 * - metadata berth keeps that Kubernetes has no field for (createdBy, createdAt, updatedAt,
 *   berth's generation, the body digests) lives in `berth.dev/*` annotations. berth's generation
 *   counts every change as on the file backend; the server's metadata.generation counts spec
 *   changes only, so it is not used.
 * - Bodies (a service's manifests, up to 8 MiB on disk) do not fit an etcd object (~1.5 MiB
 *   with everything else on it), so each body is a ConfigMap of its own, named by the object
 *   and the body's digest, written before the object names it and never rewritten (as the
 *   file backend does with its body files). A body is at most ~1 MiB here (a ConfigMap's limit).
 * - Concurrency is the API server's: every write carries the resourceVersion it read; a
 *   conflict re-reads and runs `update`'s change again (a compare-and-swap on the generation is
 *   checked each time, so a concurrent change of the generation is reported, never lost).
 *   `withLock` is an in-process mutex only: there is no lock across processes to take.
 * - Secrets never go here: documents hold references; `KubeSecretStore` keeps the values
 *   in Kubernetes Secrets, which RBAC guards separately from the objects.
 */
import {createHash} from 'node:crypto'
import {isDeepStrictEqual} from 'node:util'

import type {KubeClient} from '../kube/client.js'
import {AuthError, ConflictError, DamagedStateError, ExternalError, NotFoundError, ValidationError, isBerthError, messageOf} from '../errors.js'
import {assertDns1123Label} from '../names.js'
import {isPlainObject} from '../yaml.js'
import type {DamagedFile, ListOptions, ListResult, Removed, StateBackend, UpdateOptions} from './backend.js'
import {API_VERSION, BerthDocument, BodyRef, KINDS, Kind, NewDocument, assertSameIdentity, newDocumentOf, stampUpdate} from './document.js'
import {GROUP, NAME_LABEL, PROJECT_LABEL, VERSION, crdPlural, validateDocument} from './schemas.js'
import {assertBodyKey, checkGeneration, defaultActor, projectSuffix, sha256, validateBodies, validateNew} from './store.js'
import {ProcessMutex} from './lock.js'

export const DEFAULT_NAMESPACE = 'berth-system'

/** The largest body this backend stores: a ConfigMap holds at most 1 MiB. */
export const MAX_KUBE_BODY_BYTES = 1024 * 1024 - 8 * 1024

const ANNOTATION = {
  createdBy: `${GROUP}/created-by`,
  createdAt: `${GROUP}/created-at`,
  updatedAt: `${GROUP}/updated-at`,
  generation: `${GROUP}/generation`,
  bodies: `${GROUP}/bodies`,
} as const
const RESERVED_ANNOTATIONS = new Set<string>(Object.values(ANNOTATION))
const RESERVED_LABELS = new Set([NAME_LABEL, PROJECT_LABEL])
const BODY_OF_LABEL = `${GROUP}/body-of`
const BODY_KEY_ANNOTATION = `${GROUP}/body-key`
/** An unreferenced body younger than this may belong to a write in flight: pruning leaves it. */
const BODY_PRUNE_AGE_MS = 120_000

export interface KubeStateStoreOptions {
  /** Opens the API server connection; called once, on first use. */
  connect: () => Promise<KubeClient>
  namespace?: string
  /** Who writes: recorded as metadata.createdBy. */
  actor?: string
  now?: () => Date
  /** How many times a write that met a resourceVersion conflict is tried again, after a growing random pause (default 20). */
  conflictRetries?: number
}

interface KubeResource {
  apiVersion?: string
  kind?: string
  metadata: {
    name: string
    namespace?: string
    uid?: string
    resourceVersion?: string
    creationTimestamp?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  spec?: unknown
  status?: unknown
}

interface ReadObject<S, T> {
  doc: BerthDocument<S, T>
  resource: KubeResource
}

export class KubeStateStore implements StateBackend {
  readonly backend = 'kubernetes'
  readonly namespace: string
  private readonly connectFn: () => Promise<KubeClient>
  private clientPromise?: Promise<KubeClient>
  private readonly actor: string
  private readonly now: () => Date
  private readonly conflictRetries: number
  private readonly mutex = new ProcessMutex()

  constructor(options: KubeStateStoreOptions) {
    this.connectFn = options.connect
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE
    assertDns1123Label(this.namespace, 'Kubernetes namespace')
    this.actor = options.actor ?? defaultActor()
    this.now = options.now ?? (() => new Date())
    this.conflictRetries = options.conflictRetries ?? 20
  }

  get location(): string {
    return `namespace "${this.namespace}"`
  }

  /** The API connection (opened on first use). */
  client(): Promise<KubeClient> {
    this.clientPromise ??= this.connectFn()
    return this.clientPromise
  }

  /** The resource name of an object: `<project>.<name>`, or `<name>` for global kinds. */
  resourceName(kind: Kind, name: string, project: string | undefined): string {
    assertDns1123Label(name, `${kind} name`)
    if (KINDS[kind].scope === 'global') return name
    if (project === undefined) throw new Error(`KubeStateStore: ${kind} objects belong to a project, and no project was given (a bug in the caller).`)
    assertDns1123Label(project, 'project name')
    return `${project}.${name}`
  }

  private path(kind: Kind, resourceName?: string, sub?: 'status'): string {
    const base = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(this.namespace)}/${crdPlural(kind)}`
    return resourceName === undefined ? base : `${base}/${encodeURIComponent(resourceName)}${sub ? `/${sub}` : ''}`
  }

  whereIs(kind: Kind, name: string, project: string | undefined): string {
    return this.where(kind, this.resourceName(kind, name, project))
  }

  /** Where an object is, for messages: `endpoints.berth.dev/default.hub in namespace berth-system`. */
  private where(kind: Kind, resourceName: string): string {
    return `${crdPlural(kind)}.${GROUP}/${resourceName} in namespace ${this.namespace}`
  }

  async get<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T>> {
    const doc = await this.tryGet<S, T>(kind, name, project)
    if (!doc) throw new NotFoundError(`${kind} "${name}" not found${projectSuffix(kind, project)}.`, {kind})
    return doc
  }

  async tryGet<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T> | undefined> {
    return (await this.read<S, T>(kind, name, project))?.doc
  }

  private async read<S, T>(kind: Kind, name: string, project: string | undefined): Promise<ReadObject<S, T> | undefined> {
    const resourceName = this.resourceName(kind, name, project)
    const resource = await this.call(`read ${kind} "${name}"`, async (client) => client.get<KubeResource>(this.path(kind, resourceName)))
    if (!resource) return undefined
    return {doc: this.toDocument<S, T>(kind, resource), resource}
  }

  async list<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, options: ListOptions = {}): Promise<Array<BerthDocument<S, T>>> {
    const result = await this.listWithProblems<S, T>(kind, options)
    const first = result.damaged[0]
    if (first) throw new DamagedStateError(first.file, first.message, {hint: DAMAGED_HINT})
    return result.documents
  }

  async listWithProblems<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, options: ListOptions = {}): Promise<ListResult<S, T>> {
    let selector: string | undefined
    if (KINDS[kind].scope === 'project') {
      if (options.allProjects) selector = PROJECT_LABEL
      else {
        if (options.project === undefined) throw new Error(`KubeStateStore: ${kind} objects belong to a project, and no project was given (a bug in the caller).`)
        assertDns1123Label(options.project, 'project name')
        selector = `${PROJECT_LABEL}=${options.project}`
      }
    }
    const items = await this.listResources(kind, selector)
    const result: ListResult<S, T> = {documents: [], damaged: []}
    for (const resource of items) {
      try {
        result.documents.push(this.toDocument<S, T>(kind, resource))
      } catch (error) {
        if (!(error instanceof DamagedStateError)) throw error
        result.damaged.push({file: error.file, message: error.message})
      }
    }
    result.documents.sort((a, b) => compare(a.metadata.project ?? '', b.metadata.project ?? '') || compare(a.metadata.name, b.metadata.name))
    return result
  }

  private async listResources(kind: Kind, labelSelector: string | undefined): Promise<KubeResource[]> {
    const items: KubeResource[] = []
    let cont: string | undefined
    do {
      const page = await this.call(`list ${crdPlural(kind)}.${GROUP}`, async (client) => {
        const {body} = await client.request<{items?: KubeResource[]; metadata?: {continue?: string}}>({
          method: 'GET',
          path: this.path(kind),
          query: {labelSelector, limit: 500, continue: cont},
          action: `list ${crdPlural(kind)}.${GROUP} in namespace ${this.namespace}`,
        })
        return body
      })
      items.push(...(page.items ?? []))
      cont = page.metadata?.continue || undefined
    } while (cont)
    return items
  }

  async projects(): Promise<string[]> {
    const found = new Set<string>()
    for (const kind of Object.keys(KINDS) as Kind[]) {
      if (KINDS[kind].scope !== 'project') continue
      for (const item of await this.listResources(kind, PROJECT_LABEL)) {
        const project = item.metadata.labels?.[PROJECT_LABEL]
        if (project) found.add(project)
      }
    }
    return [...found].sort()
  }

  async create<S, T>(input: NewDocument<S, T>): Promise<BerthDocument<S, T>> {
    validateNew(input)
    validateDocument(input.kind, input.metadata.name, input)
    validateKubeBodies(input.bodies ?? {})
    const {kind, metadata} = input
    const project = KINDS[kind].scope === 'project' ? metadata.project : undefined
    const resourceName = this.resourceName(kind, metadata.name, project)
    return this.withLock(async () => {
      const bodies = await this.writeBodies(kind, resourceName, {}, input.bodies ?? {})
      const doc = newDocumentOf(input, project, bodies, {by: this.actor, at: this.now()})
      const created = await this.call(`create ${kind} "${metadata.name}"`, async (client) => {
        try {
          return (await client.request<KubeResource>({method: 'POST', path: this.path(kind), body: this.toResource(doc), action: `create ${this.where(kind, resourceName)}`})).body
        } catch (error) {
          if (statusOf(error) === 409) throw new ConflictError(`${kind} "${metadata.name}" already exists${projectSuffix(kind, project)}.`)
          throw error
        }
      })
      // The status subresource ignores status in a create: it is written on its own.
      if (input.status !== undefined) await this.putStatus(kind, resourceName, {...created, status: input.status})
      return doc
    })
  }

  async update<S = Record<string, unknown>, T = Record<string, unknown>>(
    kind: Kind,
    name: string,
    project: string | undefined,
    change: (doc: BerthDocument<S, T>) => BerthDocument<S, T> | Promise<BerthDocument<S, T>>,
    options: UpdateOptions = {},
  ): Promise<BerthDocument<S, T>> {
    const bodyChanges = options.bodies ?? {}
    validateBodies(bodyChanges)
    validateKubeBodies(bodyChanges)
    const resourceName = this.resourceName(kind, name, project)
    return this.withLock(async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.read<S, T>(kind, name, project)
        if (!current) throw new NotFoundError(`${kind} "${name}" not found${projectSuffix(kind, project)}.`, {kind})
        checkGeneration(current.doc, options.expectedGeneration)
        const next = await change(structuredClone(current.doc))
        assertSameIdentity(kind, name, current.doc, next)
        validateDocument(kind, name, next)
        const bodies = await this.writeBodies(kind, resourceName, current.doc.metadata.bodies ?? {}, bodyChanges)
        stampUpdate(current.doc, next, bodies, this.now())
        const resource = {...this.toResource(next), metadata: {...this.toResource(next).metadata, resourceVersion: current.resource.metadata.resourceVersion}}
        let written: KubeResource
        try {
          written = await this.call(`update ${kind} "${name}"`, async (client) => (await client.request<KubeResource>({method: 'PUT', path: this.path(kind, resourceName), body: resource, action: `update ${this.where(kind, resourceName)}`})).body)
        } catch (error) {
          if (this.isConflict(error) && attempt <= this.conflictRetries) {
            await backoff(attempt)
            continue
          }
          throw this.conflictOrError(error, kind, name, project)
        }
        if (!isDeepStrictEqual(next.status, current.doc.status)) await this.putStatus(kind, resourceName, {...written, status: next.status})
        if (Object.keys(bodyChanges).length > 0) await this.pruneBodies(kind, resourceName, bodies)
        return next
      }
    })
  }

  async updateStatus<S = Record<string, unknown>, T = Record<string, unknown>>(
    kind: Kind,
    name: string,
    project: string | undefined,
    change: (doc: BerthDocument<S, T>) => T | Promise<T>,
    options: {expectedGeneration?: number} = {},
  ): Promise<BerthDocument<S, T>> {
    const resourceName = this.resourceName(kind, name, project)
    return this.withLock(async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.read<S, T>(kind, name, project)
        if (!current) throw new NotFoundError(`${kind} "${name}" not found${projectSuffix(kind, project)}.`, {kind})
        checkGeneration(current.doc, options.expectedGeneration)
        const status = await change(structuredClone(current.doc))
        validateDocument(kind, name, {spec: current.doc.spec, status})
        try {
          await this.putStatus(kind, resourceName, {...current.resource, status}, false)
        } catch (error) {
          if (this.isConflict(error) && attempt <= this.conflictRetries) {
            await backoff(attempt)
            continue
          }
          throw this.conflictOrError(error, kind, name, project)
        }
        return {...current.doc, status}
      }
    })
  }

  /** Write the status subresource; with `retry`, a conflict is retried on a fresh read (the object itself was just written by us). */
  private async putStatus(kind: Kind, resourceName: string, resource: KubeResource, retry = true): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call(`record the status of ${kind} "${resourceName}"`, async (client) =>
          client.request({method: 'PUT', path: this.path(kind, resourceName, 'status'), body: resource, action: `update the status of ${this.where(kind, resourceName)}`}),
        )
        return
      } catch (error) {
        if (!(retry && this.isConflict(error) && attempt <= this.conflictRetries)) throw error
        await backoff(attempt)
        const fresh = await this.call('read', async (client) => client.get<KubeResource>(this.path(kind, resourceName)))
        if (!fresh) return
        resource = {...fresh, status: resource.status}
      }
    }
  }

  async readBody(kind: Kind, name: string, project: string | undefined, key: string): Promise<string | undefined> {
    assertBodyKey(key)
    const resourceName = this.resourceName(kind, name, project)
    for (let attempt = 1; ; attempt++) {
      const doc = await this.get(kind, name, project)
      const ref = doc.metadata.bodies?.[key]
      if (!ref) return undefined
      const configMap = bodyConfigMapName(kind, resourceName, key, ref)
      const where = `configmaps/${configMap} in namespace ${this.namespace}`
      const damaged = (why: string) => new DamagedStateError(where, `The body "${key}" of ${kind} "${name}" in ${where} is damaged: ${why}`, {hint: DAMAGED_HINT})
      const found = await this.call(`read the body "${key}" of ${kind} "${name}"`, async (client) => client.get<{data?: Record<string, string>}>(`/api/v1/namespaces/${encodeURIComponent(this.namespace)}/configmaps/${configMap}`))
      if (!found) {
        if (attempt < 3) continue // replaced by an update since the document was read
        throw damaged('the ConfigMap is missing.')
      }
      const text = found.data?.body
      if (typeof text !== 'string') throw damaged('it holds no body.')
      const data = Buffer.from(text, 'utf8')
      if (data.length !== ref.bytes || sha256(data) !== ref.sha256) throw damaged('its content does not match the digest recorded in the object.')
      return text
    }
  }

  async delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string): Promise<BerthDocument<S, T>>
  async delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project: string | undefined, options: {allowDamaged: true}): Promise<Removed<S, T>>
  async delete<S = Record<string, unknown>, T = Record<string, unknown>>(kind: Kind, name: string, project?: string, options: {allowDamaged?: boolean} = {}): Promise<BerthDocument<S, T> | Removed<S, T>> {
    const resourceName = this.resourceName(kind, name, project)
    return this.withLock(async () => {
      const resource = await this.call(`read ${kind} "${name}"`, async (client) => client.get<KubeResource>(this.path(kind, resourceName)))
      if (!resource) throw new NotFoundError(`${kind} "${name}" not found${projectSuffix(kind, project)}.`, {kind})
      let removed: Removed<S, T>
      try {
        removed = {document: this.toDocument<S, T>(kind, resource)}
      } catch (error) {
        if (!(options.allowDamaged && error instanceof DamagedStateError)) throw error
        removed = {damaged: {file: error.file, message: error.message}}
      }
      await this.call(`delete ${kind} "${name}"`, async (client) => {
        try {
          // The uid precondition: never delete an object of the same name created meanwhile.
          await client.request({method: 'DELETE', path: this.path(kind, resourceName), body: {kind: 'DeleteOptions', apiVersion: 'v1', preconditions: {uid: resource.metadata.uid}}, action: `delete ${this.where(kind, resourceName)}`})
        } catch (error) {
          if (statusOf(error) === 404) throw new NotFoundError(`${kind} "${name}" not found${projectSuffix(kind, project)}.`, {kind})
          if (this.isConflict(error)) throw new ConflictError(`${kind} "${name}"${projectSuffix(kind, project)} was replaced meanwhile; nothing was deleted.`)
          throw error
        }
      })
      await this.pruneBodies(kind, resourceName, {}, 0)
      return options.allowDamaged ? removed : (removed.document as BerthDocument<S, T>)
    })
  }

  withLock<R>(fn: () => Promise<R>): Promise<R> {
    return this.mutex.run(fn)
  }

  /** The custom resource for a document (without resourceVersion). */
  private toResource(doc: BerthDocument<unknown, unknown>): KubeResource {
    const {kind, metadata} = doc
    const resourceName = this.resourceName(kind, metadata.name, metadata.project)
    const annotations: Record<string, string> = {...metadata.annotations}
    annotations[ANNOTATION.createdBy] = metadata.createdBy
    annotations[ANNOTATION.createdAt] = metadata.createdAt
    if (metadata.updatedAt) annotations[ANNOTATION.updatedAt] = metadata.updatedAt
    annotations[ANNOTATION.generation] = String(metadata.generation)
    if (metadata.bodies && Object.keys(metadata.bodies).length > 0) annotations[ANNOTATION.bodies] = JSON.stringify(metadata.bodies)
    return {
      apiVersion: API_VERSION,
      kind,
      metadata: {
        name: resourceName,
        namespace: this.namespace,
        labels: {...metadata.labels, [NAME_LABEL]: metadata.name, ...(metadata.project === undefined ? {} : {[PROJECT_LABEL]: metadata.project})},
        annotations,
      },
      spec: doc.spec,
      ...(doc.status === undefined ? {} : {status: doc.status}),
    }
  }

  /** The berth document a custom resource holds; a DamagedStateError naming the resource if it holds none. */
  private toDocument<S, T>(kind: Kind, resource: KubeResource): BerthDocument<S, T> {
    const resourceName = resource.metadata?.name ?? '?'
    const where = this.where(kind, resourceName)
    const damaged = (why: string) => new DamagedStateError(where, `The stored ${kind} ${where} is damaged: ${why}`, {hint: DAMAGED_HINT})
    const labels = resource.metadata.labels ?? {}
    const annotations = resource.metadata.annotations ?? {}
    const name = labels[NAME_LABEL]
    const project = KINDS[kind].scope === 'project' ? labels[PROJECT_LABEL] : undefined
    if (!name) throw damaged(`the label ${NAME_LABEL} is missing.`)
    if (KINDS[kind].scope === 'project' && !project) throw damaged(`the label ${PROJECT_LABEL} is missing.`)
    if (resourceName !== (project === undefined ? name : `${project}.${name}`)) throw damaged(`its name does not match its labels ${NAME_LABEL}=${name}${project ? `, ${PROJECT_LABEL}=${project}` : ''}.`)
    if (!isPlainObject(resource.spec)) throw damaged('spec is missing or not a mapping.')
    const generation = Number(annotations[ANNOTATION.generation] ?? '0')
    let bodies: Record<string, BodyRef> | undefined
    if (annotations[ANNOTATION.bodies]) {
      try {
        bodies = JSON.parse(annotations[ANNOTATION.bodies]) as Record<string, BodyRef>
      } catch {
        throw damaged(`the annotation ${ANNOTATION.bodies} is not JSON.`)
      }
      if (!isPlainObject(bodies) || !Object.values(bodies).every((b) => isPlainObject(b) && typeof b.sha256 === 'string' && typeof b.bytes === 'number')) throw damaged(`the annotation ${ANNOTATION.bodies} is not a map of body digests.`)
    }
    const userLabels = Object.fromEntries(Object.entries(labels).filter(([key]) => !RESERVED_LABELS.has(key)))
    const userAnnotations = Object.fromEntries(Object.entries(annotations).filter(([key]) => !RESERVED_ANNOTATIONS.has(key)))
    const doc: BerthDocument<S, T> = {
      apiVersion: API_VERSION,
      kind,
      metadata: {
        name,
        ...(project === undefined ? {} : {project}),
        ...(Object.keys(userLabels).length > 0 ? {labels: userLabels} : {}),
        ...(Object.keys(userAnnotations).length > 0 ? {annotations: userAnnotations} : {}),
        createdBy: annotations[ANNOTATION.createdBy] ?? '',
        createdAt: annotations[ANNOTATION.createdAt] ?? resource.metadata.creationTimestamp ?? '',
        ...(annotations[ANNOTATION.updatedAt] ? {updatedAt: annotations[ANNOTATION.updatedAt]} : {}),
        generation: Number.isFinite(generation) ? generation : 0,
        ...(bodies && Object.keys(bodies).length > 0 ? {bodies} : {}),
      },
      spec: resource.spec as S,
      ...(resource.status === undefined || resource.status === null ? {} : {status: resource.status as T}),
    }
    return doc
  }

  /** Store the bodies given as ConfigMaps (an existing one of the same digest is the same text); returns the refs to record. */
  private async writeBodies(kind: Kind, resourceName: string, current: Record<string, BodyRef>, changes: Record<string, string | null>): Promise<Record<string, BodyRef>> {
    const refs = {...current}
    for (const [key, text] of Object.entries(changes)) {
      if (text === null) {
        delete refs[key]
        continue
      }
      const data = Buffer.from(text, 'utf8')
      const ref: BodyRef = {sha256: sha256(data), bytes: data.length}
      refs[key] = ref
      const configMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: bodyConfigMapName(kind, resourceName, key, ref),
          labels: {[BODY_OF_LABEL]: ownerHash(kind, resourceName)},
          annotations: {[BODY_KEY_ANNOTATION]: key, [`${GROUP}/owner`]: `${crdPlural(kind)}.${GROUP}/${resourceName}`},
        },
        data: {body: text},
      }
      await this.call(`store the body "${key}" of ${kind} "${resourceName}"`, async (client) => {
        try {
          await client.request({method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/configmaps`, body: configMap, action: `store body "${key}" of ${this.where(kind, resourceName)}`})
        } catch (error) {
          if (statusOf(error) !== 409) throw error // 409: the same digest is stored already
        }
      })
    }
    return refs
  }

  /** Remove the body ConfigMaps of an object that `refs` does not name and that are older than `minAgeMs`. */
  private async pruneBodies(kind: Kind, resourceName: string, refs: Record<string, BodyRef>, minAgeMs = BODY_PRUNE_AGE_MS): Promise<void> {
    const keep = new Set(Object.entries(refs).map(([key, ref]) => bodyConfigMapName(kind, resourceName, key, ref)))
    const base = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/configmaps`
    await this.call(`remove old bodies of ${kind} "${resourceName}"`, async (client) => {
      const {body} = await client.request<{items?: KubeResource[]}>({method: 'GET', path: base, query: {labelSelector: `${BODY_OF_LABEL}=${ownerHash(kind, resourceName)}`}})
      const now = Date.now()
      for (const item of body.items ?? []) {
        if (keep.has(item.metadata.name)) continue
        const age = now - Date.parse(item.metadata.creationTimestamp ?? '')
        if (minAgeMs > 0 && !(age > minAgeMs)) continue
        try {
          await client.request({method: 'DELETE', path: `${base}/${item.metadata.name}`})
        } catch (error) {
          if (statusOf(error) !== 404) throw error
        }
      }
    })
  }

  private isConflict(error: unknown): boolean {
    return statusOf(error) === 409
  }

  private conflictOrError(error: unknown, kind: Kind, name: string, project: string | undefined): unknown {
    if (this.isConflict(error)) {
      return new ConflictError(`${kind} "${name}"${projectSuffix(kind, project)} kept changing while berth wrote it (${this.conflictRetries + 1} attempts).`, {hint: 'Try again.'})
    }
    if (statusOf(error) === 404) return new NotFoundError(`${kind} "${name}" not found${projectSuffix(kind, project)}.`, {kind})
    return error
  }

  /** Run one API call with the connection, turning refusals into plain words about berth's roles. */
  private async call<R>(what: string, fn: (client: KubeClient) => Promise<R>): Promise<R> {
    const client = await this.client()
    try {
      return await fn(client)
    } catch (error) {
      throw this.explain(error, what)
    }
  }

  private explain(error: unknown, what: string): unknown {
    const status = statusOf(error)
    if (status === 403) {
      return new AuthError(`Your Kubernetes user may not ${what} in berth's namespace "${this.namespace}": ${messageOf(error)}`, {
        hint: `Reading berth's objects needs the role berth-viewer, changing them berth-editor (see berth install --print); ask a cluster admin to bind one to your user in namespace ${this.namespace}.`,
        cause: error,
      })
    }
    return explainMissing(error, what, this.namespace)
  }
}

/** A 404 that means berth is not installed (no CRD) or its namespace is missing, in plain words; any other error as it is. */
export function explainMissing(error: unknown, what: string, namespace: string): unknown {
  if (statusOf(error) !== 404 || !isBerthError(error)) return error
  if (/could not find the requested resource|the server could not find/i.test(error.message)) {
    return new ExternalError(`berth's custom resources are not installed on this cluster (could not ${what}).`, {
      hint: 'Install them: berth install --print | kubectl apply --server-side -f -',
      cause: error,
    })
  }
  if (/namespaces? "[^"]+" not found/.test(error.message)) {
    return new ExternalError(`berth's namespace "${namespace}" does not exist on this cluster (could not ${what}).`, {
      hint: `Create it with berth's resources: berth install --print --namespace ${namespace} | kubectl apply --server-side -f -`,
      cause: error,
    })
  }
  return error
}

const DAMAGED_HINT = 'Fix the object with kubectl edit or delete it; no other object is affected.'

/** A random pause growing with the attempt (5 ms … 250 ms), so writers that collided do not collide again in step. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(250, 5 * 2 ** attempt)
  return new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)))
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function statusOf(error: unknown): number | undefined {
  const status = (error as {status?: unknown} | undefined)?.status
  return typeof status === 'number' ? status : undefined
}

function validateKubeBodies(bodies: Record<string, string | null | undefined>): void {
  for (const [key, text] of Object.entries(bodies)) {
    if (typeof text !== 'string') continue
    const bytes = Buffer.byteLength(text)
    if (bytes > MAX_KUBE_BODY_BYTES) throw new ValidationError(`The body "${key}" is ${bytes} bytes; the Kubernetes backend stores at most ${MAX_KUBE_BODY_BYTES} bytes per body (one ConfigMap).`)
  }
}

/** A label-sized digest of the object a body belongs to. */
function ownerHash(kind: Kind, resourceName: string): string {
  return createHash('sha256').update(`${crdPlural(kind)}/${resourceName}`).digest('hex').slice(0, 40)
}

/** The ConfigMap of one body: named by its object, key and digest, so it is never rewritten. */
function bodyConfigMapName(kind: Kind, resourceName: string, key: string, ref: BodyRef): string {
  const id = createHash('sha256').update(`${crdPlural(kind)}/${resourceName}/${key}/${ref.sha256}`).digest('hex').slice(0, 32)
  return `berth-body-${id}`
}

export type {DamagedFile}
