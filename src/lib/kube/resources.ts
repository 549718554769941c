import {isDeepStrictEqual} from 'node:util'
/**
 * Kubernetes objects as plain JSON, their identities, and API discovery (which
 * resource serves a kind, and whether it is namespaced), cached per API server for
 * the life of the process so an apply of hundreds of objects asks once per group-version.
 */
import {createHash} from 'node:crypto'

import {ValidationError} from '../errors.js'
import {KubeApiError, KubeClient} from './client.js'

/** A Kubernetes object as parsed from YAML or returned by the API. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    resourceVersion?: string
    generation?: number
    uid?: string
    [field: string]: unknown
  }
  [field: string]: unknown
}

/** Who an object is: enough to find it again. */
export interface ObjectRef {
  apiVersion: string
  kind: string
  /** Absent for cluster-scoped objects. */
  namespace?: string
  name: string
}

/** What discovery says about a kind. */
export interface ApiResource {
  /** The URL segment: deployments. */
  plural: string
  namespaced: boolean
  kind: string
  group: string
  version: string
}

/** "apps" for apps/v1, "" for v1. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? '' : apiVersion.slice(0, slash)
}

/** "Deployment.apps", "Service": kubectl's GroupKind spelling, used by ApplySets. */
export function groupKindOf(ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): string {
  const group = groupOf(ref.apiVersion)
  return group ? `${ref.kind}.${group}` : ref.kind
}

export function refOf(object: KubeObject): ObjectRef {
  const ref: ObjectRef = {apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name}
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace
  return ref
}

/** "Deployment shop/web", "Namespace shop": how objects are named in messages and progress. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`
}

/** A stable key for maps of objects: group, kind, namespace and name (not the version). */
export function refKey(ref: ObjectRef): string {
  return `${groupKindOf(ref)}|${ref.namespace ?? ''}|${ref.name}`
}

/**
 * Check that a parsed value is a Kubernetes object (apiVersion, kind, metadata.name
 * as strings). `where` names it in the error ("manifests/app.yaml document 2").
 */
export function assertKubeObject(value: unknown, where: string): asserts value is KubeObject {
  const problem = (why: string) => new ValidationError(`${where} is not a Kubernetes object: ${why}.`)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw problem('it is not a map')
  const object = value as Record<string, unknown>
  if (typeof object.apiVersion !== 'string' || !object.apiVersion) throw problem('apiVersion is missing')
  if (typeof object.kind !== 'string' || !object.kind) throw problem('kind is missing')
  const metadata = object.metadata as Record<string, unknown> | undefined
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw problem('metadata is missing')
  if (typeof metadata.name !== 'string' || !metadata.name) throw problem('metadata.name is missing')
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') throw problem('metadata.namespace is not a string')
}

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink']

/** An object without what the server writes itself, for comparing. */
export function comparable(object: KubeObject): KubeObject {
  const copy = structuredClone(object)
  delete copy.status
  for (const field of SERVER_METADATA) delete copy.metadata[field]
  return copy
}

interface ApiResourceList {
  resources?: Array<{name: string; kind: string; namespaced: boolean; verbs?: string[]}>
}

const discoveryCache = new Map<string, Map<string, Promise<ApiResource[] | undefined>>>()

function versionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`
}

async function resourcesOf(client: KubeClient, apiVersion: string): Promise<ApiResource[] | undefined> {
  let perServer = discoveryCache.get(client.server)
  if (!perServer) discoveryCache.set(client.server, (perServer = new Map()))
  let pending = perServer.get(apiVersion)
  if (!pending) {
    const group = groupOf(apiVersion)
    const version = apiVersion.slice(apiVersion.indexOf('/') + 1)
    pending = client.get<ApiResourceList>(versionPath(apiVersion), {}).then((list) =>
      list?.resources?.filter((r) => !r.name.includes('/')).map((r) => ({plural: r.name, namespaced: r.namespaced, kind: r.kind, group, version})),
    )
    perServer.set(apiVersion, pending)
    pending.catch(() => perServer.delete(apiVersion))
  }
  return pending
}

/**
 * The resource serving `kind` in `apiVersion`. An unknown group-version or kind is a
 * KubeApiError 404 naming both (a CRD not installed yet, a typo in apiVersion).
 */
export async function resolveResource(client: KubeClient, ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): Promise<ApiResource> {
  const list = await resourcesOf(client, ref.apiVersion)
  const resource = list?.find((r) => r.kind === ref.kind)
  if (!resource) {
    const why = list ? `the API group-version ${ref.apiVersion} has no kind ${ref.kind}` : `the API server does not serve ${ref.apiVersion}`
    throw new KubeApiError(404, 'NotFound', `Cannot handle ${ref.kind} (${ref.apiVersion}): ${why}.`, {
      hint: 'Check apiVersion and kind; a custom resource needs its CustomResourceDefinition installed first.',
    })
  }
  return resource
}

/** Forget what discovery said about `group` (after a CRD for it was applied). */
export function forgetDiscovery(client: KubeClient, group?: string): void {
  const perServer = discoveryCache.get(client.server)
  if (!perServer) return
  if (group === undefined) return perServer.clear()
  for (const key of perServer.keys()) if (groupOf(key) === group) perServer.delete(key)
}

/** The collection URL (`name` absent) or the object URL. */
export function resourcePath(resource: ApiResource, namespace: string | undefined, name?: string): string {
  const base = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`
  const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''
  return `${base}${ns}/${resource.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. The first failure rejects. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed: unknown
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const index = next++
      try {
        results[index] = await fn(items[index] as T, index)
      } catch (error) {
        failed ??= error
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  if (failed !== undefined) throw failed
  return results
}

/**
 * A hash of the fields `manager` owns through apply on a live object (its managedFields
 * entry): unchanged while nobody else takes or changes those fields, so together with the
 * manifest's own digest it tells that re-applying would change nothing.
 */
export function managedFieldsHash(live: KubeObject, manager: string): string | undefined {
  const entries = (live.metadata.managedFields ?? []) as Array<{manager?: string; operation?: string; fieldsV1?: unknown}>
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply')
  return mine ? createHash('sha256').update(JSON.stringify(mine.fieldsV1 ?? {})).digest('hex').slice(0, 32) : undefined
}

/**
 * The parts of a live object at the paths a manifest sets: maps are followed key by key,
 * anything else (a scalar, a list) is taken whole. Fields a controller adds beside the
 * manifest's (an annotation such as deployment.kubernetes.io/revision) are left out.
 */
export function projectOnto(live: unknown, shape: unknown): unknown {
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape)) return live
  if (typeof live !== 'object' || live === null || Array.isArray(live)) return live
  const projected: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(shape)) {
    if (key in live) projected[key] = projectOnto((live as Record<string, unknown>)[key], inner)
  }
  return projected
}

/**
 * Whether an apply of `manifest` by `manager` changed nothing between `before` and
 * `after`, even when another writer changed the object meanwhile: the manager owns the
 * same fields (nothing added or dropped) and every field the manifest sets reads the same.
 */
export function sameForManager(before: KubeObject, after: KubeObject, manifest: KubeObject, manager: string): boolean {
  const ownedBefore = managedFieldsHash(before, manager)
  if (ownedBefore === undefined || ownedBefore !== managedFieldsHash(after, manager)) return false
  const shape = {...manifest, metadata: {...manifest.metadata}} as KubeObject
  delete shape.status
  for (const field of SERVER_METADATA) delete shape.metadata[field]
  return isDeepStrictEqual(projectOnto(before, shape), projectOnto(after, shape))
}

/** A digest of an object as it will be sent (for "same manifest as last time"). */
export function objectDigest(object: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 32)
}
