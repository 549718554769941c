/**
 * Server-side apply of a set of objects, the way `kubectl apply --server-side` does it,
 * but planned once and sent concurrently: discovery per group-version (cached), the
 * objects' prior resourceVersions read in one metadata-only list per kind and namespace,
 * then one PATCH per object in dependency order (namespaces and CRDs, then config, RBAC
 * and Services, then workloads, then the rest), each phase concurrent.
 */
import {isDeepStrictEqual} from 'node:util'

import {ValidationError} from '../errors.js'
import {KubeApiError, KubeClient, KubeForbiddenError} from './client.js'
import {ApiResource, KubeObject, ObjectRef, comparable, describeRef, forgetDiscovery, mapLimit, refKey, refOf, resolveResource, resourcePath, sameForManager} from './resources.js'

export type ApplyAction = 'created' | 'configured' | 'unchanged'

export interface PlanApplyOptions {
  objects: readonly KubeObject[]
  /** Namespace for namespaced objects that name none. Without it such an object is a ValidationError. */
  defaultNamespace?: string
  /** Added to every object's metadata.labels (overriding the manifest's value for the same key). */
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

export interface ApplyOptions extends Omit<PlanApplyOptions, 'objects'> {
  /** The objects (or `plan`). */
  objects?: readonly KubeObject[]
  /** The field manager (default "berth"). */
  fieldManager?: string
  /** Take over fields another manager owns instead of failing with a conflict. */
  forceConflicts?: boolean
  /** Ask the server to validate and default the objects without persisting them. */
  dryRun?: boolean
  /** Create namespaces the objects go to when they do not exist (default true). */
  createNamespaces?: boolean
  /** Requests in flight at once (default 16). */
  concurrency?: number
  /** Called as each object is applied (for progress). */
  onApplied?: (applied: AppliedObject) => void
  /** A plan from planApply, to skip planning again (the objects options are then ignored). */
  plan?: PlannedObject[]
  /**
   * The caller's knowledge that an object is already applied exactly as planned (e.g. the
   * same manifest as last time, and the live object's fields for this manager untouched
   * since): true skips its request and reports it unchanged.
   */
  unchanged?: (planned: PlannedObject, live: KubeObject) => boolean
}

/** An object ready to apply: namespace placed, labels added, its resource known. */
export interface PlannedObject {
  object: KubeObject
  ref: ObjectRef
  resource: ApiResource
}

export interface AppliedObject {
  ref: ObjectRef
  action: ApplyAction
  /** The object as the server answered (under dryRun, as it would be). */
  live: KubeObject
}

export interface ApplyResult {
  objects: AppliedObject[]
  /** Namespaces created because objects went to them (under dryRun: would be created). */
  createdNamespaces: string[]
}

/** Apply order: lower first. Kinds not listed go last (Ingress, HPA, custom resources…). */
const PHASE: Record<string, number> = {
  Namespace: 0,
  CustomResourceDefinition: 0,
  PriorityClass: 0,
  StorageClass: 0,
  ServiceAccount: 1,
  Secret: 1,
  ConfigMap: 1,
  ResourceQuota: 1,
  LimitRange: 1,
  PersistentVolume: 1,
  PersistentVolumeClaim: 1,
  ClusterRole: 1,
  ClusterRoleBinding: 1,
  Role: 1,
  RoleBinding: 1,
  NetworkPolicy: 1,
  Service: 1,
  Deployment: 2,
  StatefulSet: 2,
  DaemonSet: 2,
  ReplicaSet: 2,
  ReplicationController: 2,
  Job: 2,
  CronJob: 2,
  Pod: 2,
}
const LAST_PHASE = 3

export function applyPhaseOf(kind: string): number {
  return PHASE[kind] ?? LAST_PHASE
}

interface CrdObject extends KubeObject {
  spec?: {group?: string; scope?: string; names?: {kind?: string; plural?: string}; versions?: Array<{name?: string}>}
}

/**
 * Resolve every object's resource (kinds whose CRD is among the objects are taken from
 * that CRD), place namespaced objects without a namespace in `defaultNamespace`, drop a
 * namespace from cluster-scoped ones, add the labels and annotations, and refuse duplicates.
 * Sends only discovery requests; nothing is changed on the server.
 */
export async function planApply(client: KubeClient, options: PlanApplyOptions): Promise<PlannedObject[]> {
  const fromCrds = new Map<string, ApiResource>()
  for (const object of options.objects) {
    if (object.kind !== 'CustomResourceDefinition') continue
    const spec = (object as CrdObject).spec
    if (!spec?.group || !spec.names?.kind || !spec.names.plural) continue
    for (const version of spec.versions ?? []) {
      if (!version.name) continue
      fromCrds.set(`${spec.group}/${version.name}|${spec.names.kind}`, {
        plural: spec.names.plural,
        namespaced: spec.scope !== 'Cluster',
        kind: spec.names.kind,
        group: spec.group,
        version: version.name,
      })
    }
  }
  const distinct = new Map<string, Promise<ApiResource>>()
  const resourceFor = (object: KubeObject) => {
    const key = `${object.apiVersion}|${object.kind}`
    let pending = distinct.get(key)
    if (!pending) {
      const crd = fromCrds.get(key)
      pending = crd ? Promise.resolve(crd) : resolveResource(client, object)
      distinct.set(key, pending)
    }
    return pending
  }
  // Start every discovery request before awaiting any.
  for (const object of options.objects) resourceFor(object).catch(() => {})

  const seen = new Map<string, number>()
  const planned: PlannedObject[] = []
  for (const [index, source] of options.objects.entries()) {
    const resource = await resourceFor(source)
    const object = structuredClone(source)
    const metadata = object.metadata
    if (resource.namespaced) {
      if (!metadata.namespace) {
        if (!options.defaultNamespace) throw new ValidationError(`${describeRef(refOf(object))} names no namespace and no default namespace was given.`)
        metadata.namespace = options.defaultNamespace
      }
    } else {
      delete metadata.namespace
    }
    if (options.labels && Object.keys(options.labels).length > 0) metadata.labels = {...metadata.labels, ...options.labels}
    if (options.annotations && Object.keys(options.annotations).length > 0) metadata.annotations = {...metadata.annotations, ...options.annotations}
    const ref = refOf(object)
    const key = refKey(ref)
    const previous = seen.get(key)
    if (previous !== undefined) throw new ValidationError(`${describeRef(ref)} appears twice (objects ${previous + 1} and ${index + 1}).`)
    seen.set(key, index)
    planned.push({object, ref, resource})
  }
  return planned
}

/**
 * Apply objects with server-side apply and report each as created, configured or
 * unchanged (the resourceVersion before and after). Failures: KubeForbiddenError (403, in
 * plain words), KubeApiError (conflicts, invalid objects; `transient` for 429/5xx),
 * ConnectionError (the server unreachable). Objects already applied stay applied.
 */
export async function applyObjects(client: KubeClient, options: ApplyOptions): Promise<ApplyResult> {
  const plan = options.plan ?? (await planApply(client, {...options, objects: options.objects ?? []}))
  const concurrency = options.concurrency ?? 16
  const fieldManager = options.fieldManager ?? 'berth'
  const before = await priorVersions(client, plan, concurrency)

  const listed = new Set(plan.filter((p) => p.ref.kind === 'Namespace' && p.ref.apiVersion === 'v1').map((p) => p.ref.name))
  const wanted = [...new Set(plan.map((p) => p.ref.namespace).filter((ns): ns is string => ns !== undefined && !listed.has(ns)))]
  const createdNamespaces = options.createNamespaces === false ? [] : await ensureNamespaces(client, wanted, {fieldManager, forceConflicts: options.forceConflicts, dryRun: options.dryRun, labels: options.labels, concurrency})
  const missingNamespaces = new Set(createdNamespaces)

  const results = new Map<PlannedObject, AppliedObject>()
  const phases = new Map<number, PlannedObject[]>()
  for (const item of plan) {
    const phase = applyPhaseOf(item.ref.kind)
    phases.set(phase, [...(phases.get(phase) ?? []), item])
  }
  for (const phase of [...phases.keys()].sort((a, b) => a - b)) {
    const items = phases.get(phase) ?? []
    await mapLimit(items, concurrency, async (item) => {
      const previous = before.get(refKey(item.ref))
      const applied =
        previous && options.unchanged?.(item, previous)
          ? {ref: item.ref, action: 'unchanged' as const, live: previous}
          : await applyOne(client, item, {fieldManager, force: options.forceConflicts, dryRun: options.dryRun, skipServer: options.dryRun && item.ref.namespace !== undefined && missingNamespaces.has(item.ref.namespace)}, before)
      results.set(item, applied)
      options.onApplied?.(applied)
    })
    const crds = items.filter((i) => i.ref.kind === 'CustomResourceDefinition')
    if (crds.length > 0 && !options.dryRun) {
      await Promise.all(crds.map((crd) => waitEstablished(client, crd.ref.name)))
      for (const crd of crds) forgetDiscovery(client, (crd.object as CrdObject).spec?.group)
    }
  }
  return {objects: plan.map((p) => results.get(p) as AppliedObject), createdNamespaces}
}

/**
 * Create the namespaces that do not exist (server-side apply of a bare Namespace). Returns
 * those created; under dryRun, those that would be. A namespace the user may not read is
 * assumed to exist.
 */
export async function ensureNamespaces(
  client: KubeClient,
  namespaces: readonly string[],
  options: {fieldManager?: string; forceConflicts?: boolean; dryRun?: boolean; labels?: Record<string, string>; concurrency?: number} = {},
): Promise<string[]> {
  const created: string[] = []
  await mapLimit([...new Set(namespaces)], options.concurrency ?? 16, async (namespace) => {
    if (!(await namespaceMissing(client, namespace))) return
    created.push(namespace)
    if (options.dryRun) return
    await client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
      query: {fieldManager: options.fieldManager ?? 'berth', force: options.forceConflicts ? 'true' : undefined},
      contentType: 'application/apply-patch+yaml',
      body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace, ...(options.labels ? {labels: options.labels} : {})}},
      action: `create namespace "${namespace}"`,
    })
  })
  return created.sort()
}

async function applyOne(
  client: KubeClient,
  item: PlannedObject,
  options: {fieldManager: string; force?: boolean; dryRun?: boolean; skipServer?: boolean},
  before: Map<string, KubeObject | null>,
): Promise<AppliedObject> {
  if (options.skipServer) return {ref: item.ref, action: 'created', live: item.object}
  const action = `apply ${describeRef(item.ref)}`
  let response
  try {
    response = await client.request<KubeObject>({
      method: 'PATCH',
      path: resourcePath(item.resource, item.ref.namespace, item.ref.name),
      query: {fieldManager: options.fieldManager, force: options.force ? 'true' : undefined, dryRun: options.dryRun ? 'All' : undefined},
      contentType: 'application/apply-patch+yaml',
      body: item.object,
      action,
    })
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 409) {
      throw new KubeApiError(409, error.reason, error.message, {hint: 'Another field manager owns these fields (kubectl, a controller, another tool). Apply with force-conflicts to take them over.', cause: error})
    }
    throw error
  }
  const previous = before.get(refKey(item.ref))
  let result: ApplyAction
  if (response.status === 201 || previous === null) result = 'created'
  else if (previous === undefined) result = 'configured'
  // The same resourceVersion; or a controller wrote meanwhile (status, or an annotation such as
  // deployment.kubernetes.io/revision) while berth's own fields stayed as they were.
  else if (
    previous.metadata.resourceVersion === response.body.metadata.resourceVersion ||
    isDeepStrictEqual(comparable(previous), comparable(response.body)) ||
    sameForManager(previous, response.body, item.object, options.fieldManager)
  )
    result = 'unchanged'
  else result = 'configured'
  return {ref: item.ref, action: result, live: response.body}
}

/**
 * Each planned object as it is now: the object, null when it does not exist, or absent
 * when unknown (the user may not read it). One list per kind and namespace with several
 * objects, a get otherwise.
 */
async function priorVersions(client: KubeClient, plan: readonly PlannedObject[], concurrency: number): Promise<Map<string, KubeObject | null>> {
  const versions = new Map<string, KubeObject | null>()
  const groups = new Map<string, PlannedObject[]>()
  for (const item of plan) {
    const key = `${item.resource.group}|${item.resource.plural}|${item.ref.namespace ?? ''}`
    groups.set(key, [...(groups.get(key) ?? []), item])
  }
  const tasks: Array<() => Promise<void>> = []
  for (const items of groups.values()) {
    const first = items[0] as PlannedObject
    if (items.length >= 4) {
      tasks.push(async () => {
        const list = await readable(client.get<{items?: KubeObject[]}>(resourcePath(first.resource, first.ref.namespace)))
        if (list === 'unknown') return
        const live = new Map((list?.items ?? []).map((o) => [o.metadata.name, {...o, apiVersion: first.ref.apiVersion, kind: first.ref.kind}]))
        for (const item of items) versions.set(refKey(item.ref), live.get(item.ref.name) ?? null)
      })
    } else {
      for (const item of items) {
        tasks.push(async () => {
          const live = await readable(client.get<KubeObject>(resourcePath(item.resource, item.ref.namespace, item.ref.name)))
          if (live === 'unknown') return
          versions.set(refKey(item.ref), live ?? null)
        })
      }
    }
  }
  await mapLimit(tasks, concurrency, (task) => task())
  return versions
}

/** A read the user may not be allowed: 403 means "unknown", the apply itself will say more. */
async function readable<T>(pending: Promise<T>): Promise<T | 'unknown'> {
  try {
    return await pending
  } catch (error) {
    if (error instanceof KubeForbiddenError) return 'unknown'
    throw error
  }
}

async function namespaceMissing(client: KubeClient, namespace: string): Promise<boolean> {
  const live = await readable(client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}`, {accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json'}))
  return live === undefined
}

/** Wait (by watch) until a CRD reports Established, so its kind can be applied. */
async function waitEstablished(client: KubeClient, name: string, timeoutMs = 60_000): Promise<void> {
  const established = (crd: Record<string, unknown> | undefined) =>
    ((crd?.status as {conditions?: Array<{type?: string; status?: string}>} | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True')
  const path = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'
  const signal = AbortSignal.timeout(timeoutMs)
  while (!signal.aborted) {
    const crd = await client.get<KubeObject>(`${path}/${encodeURIComponent(name)}`)
    if (established(crd)) return
    const ended = await client.watch(path, {fieldSelector: `metadata.name=${name}`, resourceVersion: crd?.metadata.resourceVersion}, (event) => established(event.object), signal)
    if (ended === 'done') return
  }
  throw new KubeApiError(504, 'Timeout', `CustomResourceDefinition ${name} was not established within ${timeoutMs / 1000} s.`)
}
