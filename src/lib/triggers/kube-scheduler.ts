/**
 * `trigger serve` replicas on the kubernetes backend, coordinated through the API server only:
 * - An event is recorded by creating its TriggerRun, named after the event id (kube-runs.ts):
 *   AlreadyExists means another replica (or this one) has it, and the push is a duplicate.
 * - The queue is the TriggerRun objects whose status is queued. A target (a service in a place,
 *   a runtime, a trigger's command) is worked on by the replica holding its Lease
 *   (coordination.k8s.io/v1, `berth-target-<hash>`): it lists the target's queued runs, runs the
 *   newest, records the older ones superseded, and repeats until none is left. The Lease keeps
 *   the last run started (an annotation), so a push older than one already run is superseded
 *   too, whichever replica received it: every target ends on its newest push.
 * - The holder renews the Lease while it works. A replica that dies stops renewing; once the
 *   Lease has expired, another replica takes the target: the dead replica's running run is
 *   recorded interrupted when a newer push is waiting, or run again when it was the newest.
 * - Every replica looks for queued runs with no live holder every `sweepMs`, so runs a dead
 *   replica had accepted, or that arrived while another replica held the target, are run.
 * Times compared across replicas (run ids start with their time) come from each replica's
 * clock; pushes to one target within the clocks' skew of each other may be ordered either way.
 */
import {randomBytes} from 'node:crypto'
import os from 'node:os'

import type {KubeClient} from '../kube/client.js'
import {HeldLease, tryAcquireLease} from '../kube/lease.js'
import {ConflictError, ValidationError, messageOf} from '../errors.js'
import type {StateBackend} from '../state/backend.js'
import {PROJECT_LABEL} from '../state/schemas.js'
import {DEFAULT_RUN_RETENTION, KubeRunLog, clusterOf, KubeRunStore, RunObject, RunSpec, STATUS_LABEL, TARGET_LABEL, recordOf, targetLabel} from './kube-runs.js'
import {performRun} from './runs.js'
import {RunScheduler, SchedulerHooks, SubmitOutcome, targetKey} from './scheduler.js'

export interface ClusterOptions {
  /** This replica's id, the Leases' holder identity (default: host name, pid and a random part). */
  replicaId?: string
  /** How long a target's Lease outlives its holder's last renewal (default 15 s). */
  leaseSeconds?: number
  /** How often queued runs without a live holder are looked for (default 2 s). */
  sweepMs?: number
  /** Finished runs kept per trigger (default 1,000). */
  retention?: number
  /** How often the retention is applied (default 60 s). */
  retentionEveryMs?: number
}

export interface KubeSchedulerOptions extends ClusterOptions {
  project: string
  concurrency: number
}

const LAST_RUN_ANNOTATION = 'berth.dev/last-run'
/** How long a queued run of a trigger this replica does not know waits before it is failed as deleted. */
const UNKNOWN_TRIGGER_GRACE_MS = 60_000

/** The Lease of a target (one per service in a place, runtime, or trigger command). */
export function targetLeaseName(target: string): string {
  return `berth-target-${targetLabel(target)}`
}

export interface TargetLeaseOptions {
  namespace: string
  target: string
  identity: string
  leaseSeconds: number
  /** How long to wait for a busy target before giving up (ConflictError). */
  waitMs: number
  /** Set as the last run started under the Lease (a replica then never runs an older push after it). */
  run: string
  project: string
}

/**
 * Run `fn` holding a target's Lease, as `trigger fire` does on the kubernetes backend so that a
 * manual run never overlaps a replica's: waits while a replica holds it (up to `waitMs`), renews
 * it meanwhile, and releases it after.
 */
export async function withTargetLease<R>(client: KubeClient, options: TargetLeaseOptions, fn: () => Promise<R>): Promise<R> {
  const end = Date.now() + options.waitMs
  for (;;) {
    const taken = await tryAcquireLease(client, {
      namespace: options.namespace,
      name: targetLeaseName(options.target),
      identity: options.identity,
      durationSeconds: options.leaseSeconds,
      labels: {'app.kubernetes.io/part-of': 'berth', [PROJECT_LABEL]: options.project},
    })
    if (taken) {
      const {lease} = taken
      const last = lease.annotations[LAST_RUN_ANNOTATION]
      await lease.renew(last === undefined || options.run > last ? {[LAST_RUN_ANNOTATION]: options.run} : undefined)
      const renewer = setInterval(() => void lease.renew().catch(() => undefined), Math.max(200, (options.leaseSeconds * 1000) / 3))
      try {
        return await fn()
      } finally {
        clearInterval(renewer)
        await lease.release().catch(() => undefined)
      }
    }
    if (Date.now() >= end) {
      throw new ConflictError(`Another run of this target is under way (its Lease ${targetLeaseName(options.target)} in namespace "${options.namespace}" is held), and it did not finish within ${options.waitMs >= 1000 ? `${Math.round(options.waitMs / 1000)} s` : `${options.waitMs} ms`}.`, {
        hint: 'Try again when it has finished (see the trigger\'s history).',
      })
    }
    await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 250))
  }
}

/** Thrown by a run log whose first write found the run changed by someone else: not ours to run. */
class RunTakenError extends Error {}

export class KubeScheduler implements RunScheduler {
  readonly replicaId: string
  private readonly options: Required<KubeSchedulerOptions>
  private readonly hooks: SchedulerHooks
  private readonly client: KubeClient
  private readonly namespace: string
  private readonly runs: KubeRunStore
  private readonly driving = new Set<string>()
  private readonly again = new Set<string>()
  private readonly waiting: string[] = []
  private running = 0
  private stopping = false
  private sweepTimer?: NodeJS.Timeout
  private sweeping?: Promise<void>
  private lastRetention = 0
  private idleWaiters: Array<() => void> = []

  constructor(client: KubeClient, namespace: string, options: KubeSchedulerOptions, hooks: SchedulerHooks) {
    this.client = client
    this.namespace = namespace
    this.runs = new KubeRunStore(client, namespace)
    this.hooks = hooks
    this.replicaId = options.replicaId ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
    this.options = {replicaId: this.replicaId, leaseSeconds: 15, sweepMs: 2000, retention: DEFAULT_RUN_RETENTION, retentionEveryMs: 60_000, ...options}
    if (!Number.isInteger(this.options.leaseSeconds) || this.options.leaseSeconds < 1) throw new ValidationError('The lease duration must be a whole number of seconds, at least 1.')
  }

  /** The scheduler on the kubernetes state backend's connection and namespace. */
  static async forState(state: StateBackend, options: KubeSchedulerOptions, hooks: SchedulerHooks): Promise<KubeScheduler> {
    const cluster = clusterOf(state)
    if (!cluster) throw new Error('KubeScheduler needs the kubernetes state backend (a bug in the caller).')
    return new KubeScheduler(await cluster.client(), cluster.namespace, options, hooks)
  }

  get active(): number {
    return this.running
  }

  async start(): Promise<{restored: number; interrupted: number}> {
    const open = await this.runs.list({[PROJECT_LABEL]: this.options.project, [STATUS_LABEL]: ['queued', 'running']})
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepMs)
    this.sweepTimer.unref()
    void this.sweep()
    // Other replicas may be working on these; they are counted, not claimed.
    return {restored: open.filter((o) => o.spec.status === 'queued').length, interrupted: 0}
  }

  async submit(pending: PendingRunLike, ignoredReason?: string): Promise<SubmitOutcome> {
    const {record} = pending
    const target = targetKey(pending.trigger)
    const base: RunSpec = {...record, target, replica: this.replicaId, ...(pending.callbackUrl ? {callbackUrl: pending.callbackUrl} : {})}
    const spec: RunSpec = ignoredReason ? {...base, status: 'ignored', reason: ignoredReason, finishedAt: record.at} : base
    const created = await this.runs.create(spec)
    if (!created) return 'duplicate'
    if (!ignoredReason) this.kick(target)
    return 'recorded'
  }

  async stop(): Promise<{kept: number}> {
    this.stopping = true
    clearInterval(this.sweepTimer)
    this.waiting.length = 0
    while (this.driving.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    await this.sweeping
    const queued = await this.runs.list({[PROJECT_LABEL]: this.options.project, [STATUS_LABEL]: 'queued'}).catch(() => [])
    return {kept: queued.length}
  }

  /** Work on a target now, or as soon as a slot is free; again after the current pass if already under way. */
  private kick(target: string): void {
    if (this.stopping) return
    if (this.driving.has(target)) {
      this.again.add(target)
      return
    }
    if (this.driving.size >= this.options.concurrency) {
      if (!this.waiting.includes(target)) this.waiting.push(target)
      return
    }
    this.driving.add(target)
    void this.drive(target)
  }

  private async drive(target: string): Promise<void> {
    try {
      do {
        this.again.delete(target)
        const taken = await tryAcquireLease(this.client, {
          namespace: this.namespace,
          name: targetLeaseName(target),
          identity: this.replicaId,
          durationSeconds: this.options.leaseSeconds,
          labels: {'app.kubernetes.io/part-of': 'berth', [PROJECT_LABEL]: this.options.project},
          now: this.hooks.now,
        })
        // Another replica works on it: it lists the queue again after each run, and the sweep catches the rest.
        if (!taken) break
        if (taken.expiredHolder) this.hooks.say(`target ${target}: taken over from replica ${taken.expiredHolder}, whose lease expired`)
        const {lease} = taken
        const renewer = setInterval(() => void lease.renew().catch((error) => this.hooks.say(`target ${target}: could not renew its lease: ${messageOf(error)}`)), Math.max(200, (this.options.leaseSeconds * 1000) / 3))
        try {
          await this.work(target, lease)
        } finally {
          clearInterval(renewer)
          await lease.release().catch((error) => this.hooks.say(`target ${target}: could not release its lease: ${messageOf(error)}`))
        }
      } while (this.again.has(target) && !this.stopping)
    } catch (error) {
      this.hooks.say(`target ${target}: ${messageOf(error)}`)
    } finally {
      this.driving.delete(target)
      const next = this.waiting.shift()
      if (next !== undefined) this.kick(next)
      if (this.driving.size === 0) {
        const waiters = this.idleWaiters
        this.idleWaiters = []
        for (const w of waiters) w()
      }
    }
  }

  /** Holding the target's lease: run its newest waiting push until none is left. */
  private async work(target: string, lease: HeldLease): Promise<void> {
    for (;;) {
      if (this.stopping || !lease.held) return
      const open = (await this.runs.list({[TARGET_LABEL]: targetLabel(target), [STATUS_LABEL]: ['queued', 'running']}))
        .filter((o) => o.spec.target === target)
        .sort((a, b) => (a.spec.run < b.spec.run ? -1 : a.spec.run > b.spec.run ? 1 : 0))
      const newest = open.at(-1)
      if (!newest) return
      const tag = newest.spec.inputs.tag ?? '?'
      for (const older of open.slice(0, -1)) await this.settle(older, `a newer push (tag ${tag}) was waiting`)
      const lastRun = lease.annotations[LAST_RUN_ANNOTATION] ?? ''
      const takeover = newest.spec.status === 'running'
      if (!takeover && newest.spec.run <= lastRun) {
        await this.settle(newest, 'a newer push had already been run')
        continue
      }
      const doc = this.hooks.trigger(newest.spec.trigger)
      if (!doc) {
        // A trigger this replica has not loaded yet (created a moment ago) is left for the next
        // pass; one that is still unknown a minute later was deleted.
        if (Date.now() - Date.parse(newest.spec.queuedAt ?? newest.spec.at) < UNKNOWN_TRIGGER_GRACE_MS) return
        const now = this.hooks.now().toISOString()
        await this.runs.replace(newest, {...newest.spec, status: 'failed', at: now, finishedAt: now, replica: this.replicaId, error: `trigger "${newest.spec.trigger}" no longer exists`})
        continue
      }
      if (!(await lease.renew({[LAST_RUN_ANNOTATION]: newest.spec.run}))) return
      await this.execute(newest, doc, takeover)
    }
  }

  /** A run that will not run: superseded while queued, or interrupted when its replica died mid-run. */
  private async settle(item: RunObject, why: string): Promise<void> {
    const now = this.hooks.now().toISOString()
    const spec: RunSpec =
      item.spec.status === 'running'
        ? {...item.spec, status: 'interrupted', at: now, finishedAt: now, replica: this.replicaId, error: `replica ${item.spec.replica ?? '?'} stopped while this run was running (its lease expired), and ${why}`}
        : {...item.spec, status: 'ignored', at: now, finishedAt: now, replica: this.replicaId, reason: `superseded: ${why}`}
    if (await this.runs.replace(item, spec)) {
      if (spec.status === 'ignored') this.hooks.superseded()
    }
  }

  private async execute(item: RunObject, doc: NonNullable<ReturnType<SchedulerHooks['trigger']>>, takeover: boolean): Promise<void> {
    const record = recordOf(item.spec)
    const startRecord = takeover ? {...record, reason: `taken over by replica ${this.replicaId}: replica ${item.spec.replica ?? '?'} stopped while running it`} : record
    const log = new StrictFirstLog(new KubeRunLog(this.runs, {target: item.spec.target, replica: this.replicaId, ...(item.spec.callbackUrl ? {callbackUrl: item.spec.callbackUrl} : {})}, item))
    this.running++
    try {
      this.hooks.say(`run ${record.run} ${record.trigger} ${record.inputs.image ?? ''}: ${takeover ? 'taken over' : 'running'}`)
      const final = await performRun({trigger: doc, record: startRecord}, {runner: this.hooks.runner, log, now: this.hooks.now, ...(this.hooks.retry ? {retry: this.hooks.retry} : {})})
      await this.hooks.finished(final, item.spec.callbackUrl)
    } catch (error) {
      if (error instanceof RunTakenError) return
      this.hooks.unrecorded()
      this.hooks.say(`run ${record.run} ${record.trigger} could not be recorded: ${messageOf(error)}`)
    } finally {
      this.running--
    }
  }

  /** Queued runs with nobody on them (their replica died, or they came while another held the target); and retention. */
  private sweep(): Promise<void> {
    if (this.stopping || this.sweeping) return this.sweeping ?? Promise.resolve()
    this.sweeping = (async () => {
      try {
        const open = await this.runs.list({[PROJECT_LABEL]: this.options.project, [STATUS_LABEL]: ['queued', 'running']})
        const targets = new Set(open.map((o) => o.spec.target))
        for (const target of targets) if (!this.driving.has(target)) this.kick(target)
        const now = Date.now()
        if (now - this.lastRetention >= this.options.retentionEveryMs) {
          this.lastRetention = now
          const deleted = await this.runs.prune(this.options.project, this.options.retention)
          if (deleted > 0) this.hooks.say(`retention: deleted ${deleted} old run(s) (keeping ${this.options.retention} per trigger)`)
        }
      } catch (error) {
        this.hooks.say(`could not look for waiting runs: ${messageOf(error)}`)
      } finally {
        this.sweeping = undefined
      }
    })()
    return this.sweeping
  }
}

type PendingRunLike = Parameters<RunScheduler['submit']>[0]

/** The first write (running) must win against the object as read: otherwise the run is someone else's. */
class StrictFirstLog {
  private first = true
  private readonly inner: KubeRunLog

  constructor(inner: KubeRunLog) {
    this.inner = inner
  }

  async append(record: Parameters<KubeRunLog['append']>[0]): Promise<void> {
    if (this.first) {
      this.first = false
      if (!(await this.inner.appendIfUnchanged(record))) throw new RunTakenError(`run ${record.run} was changed by another replica`)
      return
    }
    await this.inner.append(record)
  }
}
