/**
 * What an apply would change: each object server-side applied with dryRun=All and
 * compared with the live object, both without the fields the server owns
 * (managedFields, status, resourceVersion, generation, uid, creationTimestamp), as a
 * unified diff per object, like `kubectl diff --server-side`.
 */
import {toYaml} from '../yaml.js'
import {KubeApiError, KubeClient} from './client.js'
import {PlanApplyOptions, PlannedObject, planApply} from './apply.js'
import {KubeObject, ObjectRef, comparable, mapLimit, resourcePath} from './resources.js'
import {unifiedDiff} from './text-diff.js'

export interface DiffOptions extends Omit<PlanApplyOptions, 'objects'> {
  /** The objects (or `plan`). */
  objects?: readonly KubeObject[]
  fieldManager?: string
  /** Diff as if conflicts with other field managers were forced (default true: show the result, not the conflict). */
  forceConflicts?: boolean
  concurrency?: number
  plan?: PlannedObject[]
}

export type DiffChange = 'create' | 'update' | 'none'

export interface ObjectDiff {
  ref: ObjectRef
  change: DiffChange
  /** The unified diff, "" when nothing changes. Labels: live/… and merged/…. */
  diff: string
}

export interface DiffResult {
  objects: ObjectDiff[]
  /** Any object would be created or changed. */
  changed: boolean
}

/** The label of an object in diff headers: apps/v1/Deployment/shop/web. */
function diffPath(ref: ObjectRef): string {
  return [ref.apiVersion, ref.kind, ref.namespace, ref.name].filter(Boolean).join('/')
}

/**
 * Diff objects against the cluster. A missing live object is a whole-object addition; a
 * namespace that does not exist yet makes its objects additions too (the dry run cannot
 * run there). Errors as for applyObjects.
 */
export async function diffObjects(client: KubeClient, options: DiffOptions): Promise<DiffResult> {
  const plan = options.plan ?? (await planApply(client, {...options, objects: options.objects ?? []}))
  const fieldManager = options.fieldManager ?? 'berth'
  const objects = await mapLimit(plan, options.concurrency ?? 16, async (item): Promise<ObjectDiff> => {
    const path = resourcePath(item.resource, item.ref.namespace, item.ref.name)
    const [live, merged] = await Promise.all([
      client.get<KubeObject>(path),
      client
        .request<KubeObject>({
          method: 'PATCH',
          path,
          query: {fieldManager, force: options.forceConflicts === false ? undefined : 'true', dryRun: 'All'},
          contentType: 'application/apply-patch+yaml',
          body: item.object,
          action: `dry-run apply ${item.ref.kind} ${item.ref.name}`,
        })
        .then((r) => r.body)
        .catch((error: unknown) => {
          // The namespace is missing: the object would be created as written.
          if (error instanceof KubeApiError && error.status === 404) return item.object
          throw error
        }),
    ])
    const label = diffPath(item.ref)
    const before = live ? toYaml(comparable(live)) : ''
    const after = toYaml(comparable(merged))
    const diff = unifiedDiff(before, after, {oldLabel: live ? `live/${label}` : '/dev/null', newLabel: `merged/${label}`})
    return {ref: item.ref, change: !live ? 'create' : diff ? 'update' : 'none', diff}
  })
  return {objects, changed: objects.some((o) => o.change !== 'none')}
}
