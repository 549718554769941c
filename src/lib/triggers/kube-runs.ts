/**
 * Trigger history on the kubernetes backend: one Execution object (berth.dev/v1alpha1, the
 * Execution kind of the state store, so `kubectl get executions.berth.dev` and `state export`
 * see them) per run, in berth's namespace, instead of the file backend's append-only logs. A status change rewrites
 * the object (on its resourceVersion); the current status is also a label, so the queue of a
 * target is one list with a label selector. An event's run is named after the event id, so
 * creating it is the dedup across replicas: AlreadyExists means another replica took it.
 * Retention is by count: the oldest finished runs of a trigger past a limit are deleted.
 */
import {createHash} from 'node:crypto'

import {KubeApiError, KubeClient} from '../kube/client.js'
import {isStatus} from '../kube/lease.js'
import type {StateBackend} from '../state/backend.js'
import {API_VERSION} from '../state/document.js'
import type {KubeStateStore} from '../state/kube-store.js'
import {GROUP, NAME_LABEL, PROJECT_LABEL, VERSION, crdPlural} from '../state/schemas.js'
import type {HistoryQuery, RunRecord, RunStatus} from './history.js'
import type {RunLog} from './runs.js'

export const RUN_KIND = 'Execution'
export const RUN_PLURAL = crdPlural(RUN_KIND)
export const TRIGGER_LABEL = `${GROUP}/trigger`
export const TARGET_LABEL = `${GROUP}/target`
export const STATUS_LABEL = `${GROUP}/run-status`
const GENERATION_ANNOTATION = `${GROUP}/generation`

/** Finished runs kept per trigger on a cluster (default). */
export const DEFAULT_RUN_RETENTION = 1000

/** What an Execution holds: the run's latest record, and what another replica needs to take it over. */
export interface RunSpec extends RunRecord {
  /** The target the run belongs to (one at a time per target). */
  target: string
  /** The replica that last changed the run. */
  replica?: string
  /** Docker Hub's callback_url from the push, called back when the run ends. */
  callbackUrl?: string
}

export interface RunObject {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string}
  spec: RunSpec
}

const hex = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length)

/**
 * The API connection and namespace of the kubernetes state backend; undefined on another backend.
 * By shape, not instanceof (the store's module may be loaded twice under a test loader).
 */
export function clusterOf(state: StateBackend): {client: () => Promise<KubeClient>; namespace: string} | undefined {
  if (state.backend !== 'kubernetes') return undefined
  const kube = state as Partial<Pick<KubeStateStore, 'client' | 'namespace'>>
  if (typeof kube.client !== 'function' || typeof kube.namespace !== 'string') return undefined
  return {client: () => (state as KubeStateStore).client(), namespace: kube.namespace}
}

/** The label value of a target (a label value is at most 63 characters). */
export function targetLabel(target: string): string {
  return hex(target, 40)
}

/**
 * The berth name of a run (a DNS-1123 label): an event's from its trigger and id, so a second
 * create of the same event conflicts; a manual run's from its run id.
 */
export function runName(record: Pick<RunRecord, 'trigger' | 'eventId' | 'run'>): string {
  return record.eventId !== undefined ? `e-${hex(`${record.trigger}\0${record.eventId}`, 40)}` : `m-${record.run}`
}

/** The resource name, as the state store names project objects: <project>.<name>. */
export function runObjectName(record: Pick<RunRecord, 'project' | 'trigger' | 'eventId' | 'run'>): string {
  return `${record.project}.${runName(record)}`
}

/** The runs of one namespace on one API server. */
export class KubeRunStore {
  readonly client: KubeClient
  readonly namespace: string

  constructor(client: KubeClient, namespace: string) {
    this.client = client
    this.namespace = namespace
  }

  path(name?: string): string {
    const base = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(this.namespace)}/${RUN_PLURAL}`
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`
  }

  /** The object, in the form the state store reads (labels, annotations), plus the labels the queue selects on. */
  object(spec: RunSpec, current?: RunObject): RunObject {
    const name = runObjectName(spec)
    const generation = Number(current?.metadata.annotations?.[GENERATION_ANNOTATION] ?? '0') + 1
    return {
      apiVersion: API_VERSION,
      kind: RUN_KIND,
      metadata: {
        name,
        namespace: this.namespace,
        ...(current?.metadata.resourceVersion ? {resourceVersion: current.metadata.resourceVersion} : {}),
        labels: {[NAME_LABEL]: runName(spec), [PROJECT_LABEL]: spec.project, [TRIGGER_LABEL]: spec.trigger, [TARGET_LABEL]: targetLabel(spec.target), [STATUS_LABEL]: spec.status},
        annotations: {
          [`${GROUP}/created-by`]: current?.metadata.annotations?.[`${GROUP}/created-by`] ?? `berth trigger (${spec.replica ?? 'serve'})`,
          [`${GROUP}/created-at`]: current?.metadata.annotations?.[`${GROUP}/created-at`] ?? spec.queuedAt ?? spec.at,
          ...(current ? {[`${GROUP}/updated-at`]: spec.at} : {}),
          [GENERATION_ANNOTATION]: String(generation),
        },
      },
      spec: JSON.parse(JSON.stringify(spec)) as RunSpec,
    }
  }

  /** Create a run; undefined when one by that name (the same event) exists. */
  async create(spec: RunSpec): Promise<RunObject | undefined> {
    try {
      return (await this.client.request<RunObject>({method: 'POST', path: this.path(), body: this.object(spec), action: `record run ${spec.run} of trigger ${spec.trigger}`})).body
    } catch (error) {
      if (isStatus(error, 409)) return undefined
      throw error
    }
  }

  /** Replace a run on the resourceVersion read; undefined on a conflict (someone else changed it) or when it is gone. */
  async replace(current: RunObject, spec: RunSpec): Promise<RunObject | undefined> {
    try {
      return (await this.client.request<RunObject>({method: 'PUT', path: this.path(current.metadata.name), body: this.object(spec, current), action: `record run ${spec.run} as ${spec.status}`})).body
    } catch (error) {
      if (isStatus(error, 409, 404)) return undefined
      throw error
    }
  }

  /** Write a run's new state whatever it was: created, or replaced (re-read on a conflict). */
  async put(spec: RunSpec): Promise<RunObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.client.get<RunObject>(this.path(runObjectName(spec)))
      const written = current ? await this.replace(current, spec) : await this.create(spec)
      if (written) return written
      if (attempt >= 20) throw new KubeApiError(409, 'Conflict', `Could not record run ${spec.run}: it kept changing under this write.`)
    }
  }

  async list(selector: Record<string, string | string[]>): Promise<RunObject[]> {
    const labelSelector = Object.entries(selector)
      .map(([key, value]) => (Array.isArray(value) ? `${key} in (${value.join(',')})` : `${key}=${value}`))
      .join(',')
    const body = (await this.client.request<{items: RunObject[]}>({method: 'GET', path: this.path(), query: {labelSelector}, action: 'list trigger runs'})).body
    return body.items
  }

  async remove(name: string): Promise<void> {
    try {
      await this.client.request({method: 'DELETE', path: this.path(name), action: `delete trigger run ${name}`})
    } catch (error) {
      if (!(isStatus(error, 404))) throw error
    }
  }

  /** A trigger's runs, newest first (by run id, which starts with its time), filtered as `history` asks. */
  async history(project: string, trigger: string, query: HistoryQuery = {}): Promise<RunRecord[]> {
    const items = await this.list({[PROJECT_LABEL]: project, [TRIGGER_LABEL]: trigger, ...(query.status ? {[STATUS_LABEL]: query.status} : {})})
    const since = query.since?.getTime()
    return items
      .map((item) => recordOf(item.spec))
      .filter((r) => since === undefined || Date.parse(r.at) >= since)
      .sort((a, b) => (a.run < b.run ? 1 : a.run > b.run ? -1 : 0))
      .slice(0, query.limit ?? 20)
  }

  /** Delete every run of a trigger. */
  async removeTrigger(project: string, trigger: string): Promise<number> {
    const items = await this.list({[PROJECT_LABEL]: project, [TRIGGER_LABEL]: trigger})
    for (const item of items) await this.remove(item.metadata.name)
    return items.length
  }

  /** Keep at most `keep` finished runs of each trigger of the project; the oldest go. How many were deleted. */
  async prune(project: string, keep: number): Promise<number> {
    const finished: RunStatus[] = ['succeeded', 'failed', 'ignored', 'interrupted']
    const items = await this.list({[PROJECT_LABEL]: project, [STATUS_LABEL]: finished})
    const byTrigger = new Map<string, RunObject[]>()
    for (const item of items) {
      const list = byTrigger.get(item.spec.trigger) ?? []
      list.push(item)
      byTrigger.set(item.spec.trigger, list)
    }
    let deleted = 0
    for (const list of byTrigger.values()) {
      if (list.length <= keep) continue
      list.sort((a, b) => (a.spec.run < b.spec.run ? -1 : 1))
      for (const item of list.slice(0, list.length - keep)) {
        await this.remove(item.metadata.name)
        deleted++
      }
    }
    return deleted
  }
}

/** The RunRecord part of a run object (what `history` shows). */
export function recordOf(spec: RunSpec): RunRecord {
  const {target: _target, replica: _replica, callbackUrl: _callback, ...record} = spec
  return record
}

/** A RunLog writing one run object (performRun's status changes), for `trigger fire` and the replicas. */
export class KubeRunLog implements RunLog {
  private readonly store: KubeRunStore
  private readonly extra: Pick<RunSpec, 'target' | 'replica' | 'callbackUrl'>
  private current?: RunObject

  constructor(store: KubeRunStore, extra: Pick<RunSpec, 'target' | 'replica' | 'callbackUrl'>, current?: RunObject) {
    this.store = store
    this.extra = extra
    this.current = current
  }

  /** Write over the object as last read or written; false when someone else changed it meanwhile. */
  async appendIfUnchanged(record: RunRecord): Promise<boolean> {
    if (!this.current) return false
    const replaced = await this.store.replace(this.current, {...record, ...this.extra})
    if (replaced) this.current = replaced
    return replaced !== undefined
  }

  async append(record: RunRecord): Promise<void> {
    const spec: RunSpec = {...record, ...this.extra}
    if (this.current) {
      const replaced = await this.store.replace(this.current, spec)
      if (replaced) {
        this.current = replaced
        return
      }
    }
    this.current = await this.store.put(spec)
  }
}
