/**
 * Apply sets, after kubectl's ApplySet (KEP-3659): the objects a tool applied carry the
 * label `applyset.kubernetes.io/part-of: <id>`; a parent object (here a ConfigMap) carries
 * `applyset.kubernetes.io/id: <id>` and annotations naming the tooling, the group-kinds
 * and the namespaces the set spans, so pruning lists only those kinds, and `kubectl` sees
 * the same set. Pruning deletes the set's members that the latest apply no longer has.
 */
import {createHash} from 'node:crypto'

import {KubeApiError, KubeClient} from './client.js'
import {KubeObject, ObjectRef, groupKindOf, mapLimit, refKey, resolveResource, resourcePath} from './resources.js'

export const APPLYSET_PART_OF = 'applyset.kubernetes.io/part-of'
export const APPLYSET_ID = 'applyset.kubernetes.io/id'
export const APPLYSET_TOOLING = 'applyset.kubernetes.io/tooling'
export const APPLYSET_GROUP_KINDS = 'applyset.kubernetes.io/contains-group-kinds'
export const APPLYSET_NAMESPACES = 'applyset.kubernetes.io/additional-namespaces'

/** Where a set's parent lives: a ConfigMap (namespaced, in the set's first namespace). */
export interface ApplySetParent {
  name: string
  namespace: string
}

/**
 * The set's id, as kubectl computes it: "applyset-" + base64url(sha256("<name>.<namespace>.<kind>.<group>")) + "-v1".
 */
export function applySetId(parent: ApplySetParent, kind = 'ConfigMap', group = ''): string {
  const hash = createHash('sha256').update([parent.name, parent.namespace, kind, group].join('.')).digest('base64url')
  return `applyset-${hash}-v1`
}

/** A kind the set holds in a namespace (namespace absent: cluster-scoped). */
export interface SetKind {
  apiVersion: string
  kind: string
  namespace?: string
}

/** The distinct (namespace, apiVersion, kind) of refs, sorted: what a set's status records. */
export function setKindsOf(refs: readonly ObjectRef[]): SetKind[] {
  const seen = new Map<string, SetKind>()
  for (const ref of refs) {
    const kind: SetKind = {apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? {namespace: ref.namespace} : {})}
    seen.set(`${ref.namespace ?? ''}|${ref.apiVersion}|${ref.kind}`, kind)
  }
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, kind]) => kind)
}

export interface WriteParentOptions {
  parent: ApplySetParent
  id: string
  /** Every kind and namespace the set now holds, plus those it held (until pruned). */
  kinds: readonly SetKind[]
  /** "berth/0.1.0". */
  tooling: string
  fieldManager?: string
  labels?: Record<string, string>
  dryRun?: boolean
}

/** Create or update the set's parent ConfigMap with server-side apply. */
export async function writeApplySetParent(client: KubeClient, options: WriteParentOptions): Promise<void> {
  const groupKinds = [...new Set(options.kinds.map(groupKindOf))].sort()
  const namespaces = [...new Set(options.kinds.map((k) => k.namespace).filter((n): n is string => Boolean(n) && n !== options.parent.namespace))].sort()
  await client.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${encodeURIComponent(options.parent.namespace)}/configmaps/${encodeURIComponent(options.parent.name)}`,
    query: {fieldManager: options.fieldManager ?? 'berth', force: 'true', dryRun: options.dryRun ? 'All' : undefined},
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: options.parent.name,
        namespace: options.parent.namespace,
        labels: {...options.labels, [APPLYSET_ID]: options.id},
        annotations: {
          [APPLYSET_TOOLING]: options.tooling,
          [APPLYSET_GROUP_KINDS]: groupKinds.join(','),
          ...(namespaces.length > 0 ? {[APPLYSET_NAMESPACES]: namespaces.join(',')} : {}),
        },
      },
    },
    action: `record the apply set in ConfigMap ${options.parent.namespace}/${options.parent.name}`,
  })
}

/** Delete the set's parent (after its members were deleted). Missing is fine. */
export async function deleteApplySetParent(client: KubeClient, parent: ApplySetParent): Promise<void> {
  await deleteObjects(client, [{apiVersion: 'v1', kind: 'ConfigMap', namespace: parent.namespace, name: parent.name}])
}

export interface PruneOptions {
  id: string
  /** The kinds to look in (from the set's recorded status): only these are listed. */
  kinds: readonly SetKind[]
  /** What the latest apply has: everything else in the set is deleted. */
  keep: readonly ObjectRef[]
  dryRun?: boolean
  concurrency?: number
}

/**
 * Delete the set's members (objects labelled part-of `id`, in the recorded kinds and
 * namespaces) that are not in `keep`. Returns what was (under dryRun: would be) deleted.
 * A kind the server no longer serves is skipped.
 */
export async function pruneApplySet(client: KubeClient, options: PruneOptions): Promise<ObjectRef[]> {
  const keep = new Set(options.keep.map(refKey))
  const found = await mapLimit(options.kinds, options.concurrency ?? 16, async (kind) => {
    let resource
    try {
      resource = await resolveResource(client, kind)
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return []
      throw error
    }
    const list = await client.request<{items?: KubeObject[]}>({
      method: 'GET',
      path: resourcePath(resource, kind.namespace),
      query: {labelSelector: `${APPLYSET_PART_OF}=${options.id}`},
      accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
      action: `list ${resource.plural}${kind.namespace ? ` in namespace "${kind.namespace}"` : ''}`,
    })
    return (list.body.items ?? []).map((item): ObjectRef => ({apiVersion: kind.apiVersion, kind: kind.kind, name: item.metadata.name, ...(item.metadata.namespace ? {namespace: item.metadata.namespace} : {})}))
  })
  const stale = found.flat().filter((ref) => !keep.has(refKey(ref)))
  await deleteObjects(client, stale, {dryRun: options.dryRun, concurrency: options.concurrency})
  return stale
}

/** Delete objects (background propagation); an object already gone is fine. */
export async function deleteObjects(client: KubeClient, refs: readonly ObjectRef[], options: {dryRun?: boolean; concurrency?: number} = {}): Promise<void> {
  await mapLimit(refs, options.concurrency ?? 16, async (ref) => {
    let resource
    try {
      resource = await resolveResource(client, ref)
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return
      throw error
    }
    try {
      await client.request({
        method: 'DELETE',
        path: resourcePath(resource, ref.namespace, ref.name),
        // With a body, the API server reads the options only from it (query parameters are ignored).
        body: {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', ...(options.dryRun ? {dryRun: ['All']} : {})},
        action: `delete ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`,
      })
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return
      throw error
    }
  })
}
