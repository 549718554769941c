/**
 * Wait for workloads to roll out, with watches: one list and then one watch per kind and
 * namespace, evaluating each object as the controllers update it (the rules of
 * `kubectl rollout status`). A workload already healthy costs one list; a failure
 * (ProgressDeadlineExceeded, a failed Job) ends the wait at once, naming it.
 */
import {ExternalError} from '../errors.js'
import {KubeClient} from './client.js'
import {KubeObject, ObjectRef, describeRef, resolveResource, resourcePath} from './resources.js'

export type RolloutState = 'ready' | 'progressing' | 'failed'

export interface RolloutStatus {
  state: RolloutState
  /** What the workload is doing, in words: "2 of 3 updated replicas are available". */
  message: string
}

export interface WorkloadProgress extends RolloutStatus {
  ref: ObjectRef
}

export interface WaitOptions {
  /** The objects applied; kinds that do not roll out (ConfigMap, Service…) are ignored. */
  objects: readonly ObjectRef[]
  /** Give up after this long (default 5 minutes) with a RolloutTimeoutError. */
  timeoutMs?: number
  /** Called with each workload's status when it changes (for a live line per workload). */
  onProgress?: (progress: WorkloadProgress) => void
  signal?: AbortSignal
}

export interface WaitResult {
  workloads: WorkloadProgress[]
}

/** A workload that cannot roll out (exit 1): names it and the reason. */
export class RolloutFailedError extends ExternalError {
  readonly workload: ObjectRef
  constructor(workload: ObjectRef, reason: string) {
    super(`${describeRef(workload)} failed to roll out: ${reason}`, {hint: `Look at its events: kubectl describe ${workload.kind.toLowerCase()} ${workload.name}${workload.namespace ? ` -n ${workload.namespace}` : ''}`})
    this.workload = workload
  }
}

/** The wait ran out of time (exit 1): names every workload still progressing. */
export class RolloutTimeoutError extends ExternalError {
  readonly pending: WorkloadProgress[]
  constructor(pending: WorkloadProgress[], timeoutMs: number) {
    super(`Rollout did not finish within ${formatDuration(timeoutMs)}: ${pending.map((p) => `${describeRef(p.ref)} (${p.message})`).join('; ')}.`, {
      hint: 'Wait longer (a larger timeout) or look at the pods: kubectl get pods -n NAMESPACE',
    })
    this.pending = pending
  }
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job'])

/** True for the kinds waitForRollout waits for. */
export function isWorkload(ref: Pick<ObjectRef, 'kind' | 'apiVersion'>): boolean {
  return WORKLOAD_KINDS.has(ref.kind) && (ref.apiVersion === 'apps/v1' || ref.apiVersion === 'batch/v1')
}

interface Condition {
  type?: string
  status?: string
  reason?: string
  message?: string
}

interface WorkloadShape {
  metadata?: {generation?: number}
  spec?: {
    replicas?: number
    updateStrategy?: {type?: string; rollingUpdate?: {partition?: number}}
  }
  status?: {
    observedGeneration?: number
    replicas?: number
    updatedReplicas?: number
    readyReplicas?: number
    availableReplicas?: number
    currentRevision?: string
    updateRevision?: string
    desiredNumberScheduled?: number
    updatedNumberScheduled?: number
    numberAvailable?: number
    active?: number
    succeeded?: number
    failed?: number
    conditions?: Condition[]
  }
}

/** How a workload's rollout stands, from its live object (kubectl rollout status's rules; Jobs by their conditions). */
export function rolloutStatusOf(object: KubeObject): RolloutStatus {
  const {metadata, spec, status = {}} = object as unknown as WorkloadShape
  const observed = (status.observedGeneration ?? 0) >= (metadata?.generation ?? 0)
  const waitingObserved = {state: 'progressing' as const, message: 'waiting for the controller to observe the new spec'}
  switch (object.kind) {
    case 'Deployment': {
      if (!observed) return waitingObserved
      const progressing = status.conditions?.find((c) => c.type === 'Progressing')
      if (progressing?.reason === 'ProgressDeadlineExceeded') return {state: 'failed', message: `ProgressDeadlineExceeded: ${progressing.message ?? 'the deployment exceeded its progress deadline'}`}
      const want = spec?.replicas ?? 1
      const updated = status.updatedReplicas ?? 0
      if (updated < want) return {state: 'progressing', message: `${updated} of ${want} new replicas updated`}
      if ((status.replicas ?? 0) > updated) return {state: 'progressing', message: `${(status.replicas ?? 0) - updated} old replicas pending termination`}
      if ((status.availableReplicas ?? 0) < updated) return {state: 'progressing', message: `${status.availableReplicas ?? 0} of ${updated} updated replicas available`}
      return {state: 'ready', message: `${want} of ${want} replicas available`}
    }
    case 'StatefulSet': {
      if (spec?.updateStrategy?.type === 'OnDelete') return {state: 'ready', message: 'OnDelete update strategy: not waited for'}
      if (!observed || status.observedGeneration === undefined) return waitingObserved
      const want = spec?.replicas ?? 1
      if ((status.readyReplicas ?? 0) < want) return {state: 'progressing', message: `${status.readyReplicas ?? 0} of ${want} pods ready`}
      const partition = spec?.updateStrategy?.rollingUpdate?.partition ?? 0
      if (partition > 0) {
        const target = want - partition
        if ((status.updatedReplicas ?? 0) < target) return {state: 'progressing', message: `${status.updatedReplicas ?? 0} of ${target} pods updated (partition ${partition})`}
        return {state: 'ready', message: `partitioned roll out complete: ${target} pods updated`}
      }
      if (status.updateRevision && status.updateRevision !== status.currentRevision) return {state: 'progressing', message: `${status.updatedReplicas ?? 0} of ${want} pods at revision ${status.updateRevision}`}
      return {state: 'ready', message: `${want} of ${want} pods ready`}
    }
    case 'DaemonSet': {
      if (spec?.updateStrategy?.type === 'OnDelete') return {state: 'ready', message: 'OnDelete update strategy: not waited for'}
      if (!observed) return waitingObserved
      const want = status.desiredNumberScheduled ?? 0
      if ((status.updatedNumberScheduled ?? 0) < want) return {state: 'progressing', message: `${status.updatedNumberScheduled ?? 0} of ${want} updated pods scheduled`}
      if ((status.numberAvailable ?? 0) < want) return {state: 'progressing', message: `${status.numberAvailable ?? 0} of ${want} updated pods available`}
      return {state: 'ready', message: `${want} of ${want} pods available`}
    }
    case 'Job': {
      const failed = status.conditions?.find((c) => c.type === 'Failed' && c.status === 'True')
      if (failed) return {state: 'failed', message: `${failed.reason ?? 'Failed'}: ${failed.message ?? 'the job failed'}`}
      const complete = status.conditions?.find((c) => c.type === 'Complete' && c.status === 'True')
      if (complete) return {state: 'ready', message: `complete (${status.succeeded ?? 0} succeeded)`}
      return {state: 'progressing', message: `${status.active ?? 0} active, ${status.succeeded ?? 0} succeeded, ${status.failed ?? 0} failed`}
    }
    default:
      return {state: 'ready', message: 'exists'}
  }
}

/**
 * Wait until every workload among `objects` is ready. Resolves with each workload's final
 * status; rejects with RolloutFailedError as soon as one fails, RolloutTimeoutError after
 * `timeoutMs`, or the client's errors (ConnectionError, KubeForbiddenError).
 */
export async function waitForRollout(client: KubeClient, options: WaitOptions): Promise<WaitResult> {
  const timeoutMs = options.timeoutMs ?? 5 * 60_000
  const workloads = options.objects.filter(isWorkload)
  const latest = new Map<string, WorkloadProgress>()
  const keyOf = (ref: ObjectRef) => `${ref.kind}|${ref.namespace ?? ''}|${ref.name}`
  for (const ref of workloads) latest.set(keyOf(ref), {ref, state: 'progressing', message: 'waiting for status'})
  if (workloads.length === 0) return {workloads: []}

  const stop = new AbortController()
  const timer = setTimeout(() => stop.abort(), timeoutMs)
  const onOuterAbort = () => stop.abort()
  options.signal?.addEventListener('abort', onOuterAbort, {once: true})
  let failure: unknown

  const groups = new Map<string, ObjectRef[]>()
  for (const ref of workloads) {
    const key = `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}`
    groups.set(key, [...(groups.get(key) ?? []), ref])
  }

  /** Record an object's status; true when every tracked object of its group is ready. */
  const observe = (object: KubeObject, names: Set<string>, group: ObjectRef[]): boolean => {
    if (names.has(object.metadata.name)) {
      const ref = group.find((r) => r.name === object.metadata.name) as ObjectRef
      const status = rolloutStatusOf(object)
      const previous = latest.get(keyOf(ref))
      const progress = {ref, ...status}
      latest.set(keyOf(ref), progress)
      if (!previous || previous.state !== status.state || previous.message !== status.message) options.onProgress?.(progress)
      if (status.state === 'failed') throw new RolloutFailedError(ref, status.message)
    }
    return group.every((r) => latest.get(keyOf(r))?.state === 'ready')
  }

  const watchGroup = async (group: ObjectRef[]) => {
    const first = group[0] as ObjectRef
    const resource = await resolveResource(client, first)
    const names = new Set(group.map((r) => r.name))
    const path = resourcePath(resource, first.namespace)
    const fieldSelector = group.length === 1 ? `metadata.name=${first.name}` : undefined
    while (!stop.signal.aborted) {
      const list = await client.request<{metadata?: {resourceVersion?: string}; items?: KubeObject[]}>({method: 'GET', path, query: {fieldSelector}, signal: stop.signal, action: `list ${resource.plural}`})
      let done = false
      for (const item of list.body.items ?? []) done = observe({...item, kind: first.kind, apiVersion: first.apiVersion}, names, group)
      const present = new Set((list.body.items ?? []).map((i) => i.metadata.name))
      for (const ref of group) if (!present.has(ref.name)) latest.set(keyOf(ref), {ref, state: 'progressing', message: 'not found yet'})
      if (group.every((r) => latest.get(keyOf(r))?.state === 'ready')) done = true
      if (done) return
      let expired = false
      await client.watch(
        path,
        {fieldSelector, resourceVersion: list.body.metadata?.resourceVersion, timeoutSeconds: Math.ceil(timeoutMs / 1000)},
        (event) => {
          if (event.type === 'ERROR') {
            expired = true
            return true
          }
          if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return false
          return observe({...(event.object as KubeObject), kind: first.kind, apiVersion: first.apiVersion}, names, group)
        },
        stop.signal,
      )
      if (!expired && group.every((r) => latest.get(keyOf(r))?.state === 'ready')) return
      // The watch ended (server timeout, expired resourceVersion): list again and carry on.
    }
  }

  try {
    await Promise.all(
      [...groups.values()].map((group) =>
        watchGroup(group).catch((error: unknown) => {
          // Failures after the stop (a timeout, another group failing) are its echoes.
          if (stop.signal.aborted) return
          failure = error
          stop.abort()
        }),
      ),
    )
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onOuterAbort)
  }
  if (failure !== undefined) throw failure
  const all = workloads.map((ref) => latest.get(keyOf(ref)) as WorkloadProgress)
  const pending = all.filter((p) => p.state !== 'ready')
  if (pending.length > 0) {
    if (options.signal?.aborted) throw new ExternalError('The wait for the rollout was cancelled.')
    throw new RolloutTimeoutError(pending, timeoutMs)
  }
  return {workloads: all}
}

function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`
  return `${Math.round(ms / 1000)} s`
}
