/**
 * Where `trigger serve` records events and how it runs their actions, one at a time per target.
 * Two implementations:
 * - LocalScheduler (file backend): one serve per project; events deduplicated in memory;
 *   runs recorded in the append-only logs (history.ts); the queue in this process.
 * - KubeScheduler (kubernetes backend, kube-scheduler.ts): any number of replicas; an event is
 *   taken by creating a run object named after its id (a conflict means another replica has
 *   it); the queue is the run objects themselves; a Lease per target lets one replica at a time
 *   run that target's actions.
 */
import {messageOf} from '../errors.js'
import type {TriggerActionRunner} from './actions.js'
import {HistoryLog, RunRecord, historyFile, unfinishedRuns} from './history.js'
import {PendingRun, RetryPolicy, performRun} from './runs.js'
import type {TriggerDocument} from './types.js'

/** What a scheduler needs from the server around it. */
export interface SchedulerHooks {
  runner: TriggerActionRunner
  now: () => Date
  retry?: RetryPolicy
  /** The trigger as currently loaded (undefined: deleted or unservable). */
  trigger: (name: string) => TriggerDocument | undefined
  /** Every trigger currently served. */
  triggers: () => TriggerDocument[]
  /** A run finished (succeeded or failed); `callbackUrl` when its push came with one. */
  finished: (final: RunRecord, callbackUrl: string | undefined) => Promise<void>
  /** A waiting run gave way to a newer push for its target. */
  superseded: () => void
  /** A run whose end could not be recorded. */
  unrecorded: () => void
  say: (line: string) => void
}

export type SubmitOutcome = 'recorded' | 'duplicate'

export interface RunScheduler {
  /** Settle what an earlier serve left and begin; the triggers are loaded. */
  start(): Promise<{restored: number; interrupted: number}>
  /**
   * Record a push's run: queued (and run in turn), or ignored with `ignoredReason`.
   * 'duplicate' when this trigger's event id was already recorded (by this serve or, on a
   * cluster, by any replica). Resolves once the record is durable.
   */
  submit(pending: PendingRun, ignoredReason?: string): Promise<SubmitOutcome>
  /** Start no more runs, let the running ones finish, leave the waiting ones queued; how many were kept. */
  stop(): Promise<{kept: number}>
  /** Runs under way now. */
  readonly active: number
}

interface Target {
  running: boolean
  pending?: PendingRun
}

/** What runs one at a time: a service in a place, a runtime, or one trigger's command. */
export function targetKey(doc: TriggerDocument): string {
  const project = doc.metadata.project ?? ''
  const action = doc.spec.action
  switch (action.type) {
    case 'service':
      return `service/${project}/${action.service}/${action.environment ? `env:${action.environment}` : `cluster:${action.clusterEndpoint ?? ''}`}/${action.namespace ?? ''}`
    case 'runtime':
      return `runtime/${project}/${action.runtime}`
    case 'exec':
      return `exec/${project}/${doc.metadata.name}`
  }
}

export interface LocalSchedulerOptions {
  home: string
  project: string
  /** Actions running at once, across targets. */
  concurrency: number
  /** Event ids remembered per trigger to drop redeliveries. */
  dedupSize: number
}

/** The file backend's scheduler: today's single-process queue over the append-only logs. */
export class LocalScheduler implements RunScheduler {
  private readonly options: LocalSchedulerOptions
  private readonly hooks: SchedulerHooks
  private readonly logs = new Map<string, HistoryLog>()
  private readonly seen = new Map<string, Map<string, true>>()
  private readonly targets = new Map<string, Target>()
  private readonly ready: string[] = []
  private readonly writes = new Set<Promise<unknown>>()
  private stopping = false
  private running = 0
  private idleWaiters: Array<() => void> = []

  constructor(options: LocalSchedulerOptions, hooks: SchedulerHooks) {
    this.options = options
    this.hooks = hooks
  }

  get active(): number {
    return this.running
  }

  /** Runs left running are recorded interrupted; runs left queued are queued again. */
  async start(): Promise<{restored: number; interrupted: number}> {
    let restored = 0
    let interrupted = 0
    for (const doc of this.hooks.triggers()) {
      const name = doc.metadata.name
      for (const record of await unfinishedRuns(historyFile(this.options.home, this.options.project, name))) {
        if (record.status === 'running') {
          interrupted++
          await this.logFor(name).append({...record, status: 'interrupted', at: this.now(), finishedAt: this.now(), error: 'serve stopped while this run was running; it did not finish (run it again with: berth trigger fire)'})
        } else {
          restored++
          this.enqueue({trigger: doc, record})
        }
      }
    }
    return {restored, interrupted}
  }

  submit(pending: PendingRun, ignoredReason?: string): Promise<SubmitOutcome> {
    const {record} = pending
    const name = record.trigger
    if (record.eventId !== undefined) {
      let seen = this.seen.get(name)
      if (!seen) this.seen.set(name, (seen = new Map()))
      if (seen.has(record.eventId)) return Promise.resolve('duplicate')
      seen.set(record.eventId, true)
      if (seen.size > this.options.dedupSize) seen.delete(seen.keys().next().value as string)
    }
    const log = this.logFor(name)
    if (ignoredReason) return log.append({...record, status: 'ignored', reason: ignoredReason, finishedAt: record.at}).then(() => 'recorded')
    return log.append(record).then(() => {
      this.enqueue(pending)
      return 'recorded'
    })
  }

  async stop(): Promise<{kept: number}> {
    this.stopping = true
    while (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    await Promise.all(this.writes)
    let kept = 0
    for (const target of this.targets.values()) {
      if (!target.pending) continue
      kept++
      const {record} = target.pending
      await this.logFor(record.trigger).append({...record, at: this.now(), reason: 'serve stopped before this run started; the next serve runs it'})
    }
    for (const log of this.logs.values()) await log.close()
    return {kept}
  }

  /** Queue a recorded run behind its target; a run still waiting there gives way to it. */
  private enqueue(pending: PendingRun): void {
    const key = targetKey(pending.trigger)
    let target = this.targets.get(key)
    if (!target) {
      target = {running: false}
      this.targets.set(key, target)
    }
    const superseded = target.pending
    target.pending = pending
    if (!target.running && !this.ready.includes(key)) this.ready.push(key)
    this.pump()
    if (superseded) {
      this.hooks.superseded()
      const {record} = superseded
      // Not awaited by the request: its own push is already on disk; stop() waits for the log.
      const write = this.logFor(record.trigger)
        .append({...record, status: 'ignored', at: this.now(), finishedAt: this.now(), reason: `superseded by a newer push (tag ${pending.record.inputs.tag ?? '?'}) while an earlier run was still going`})
        .catch((error) => this.hooks.say(`run ${record.run}: could not record it as superseded: ${messageOf(error)}`))
      this.writes.add(write)
      void write.finally(() => this.writes.delete(write))
    }
  }

  private pump(): void {
    while (!this.stopping && this.running < this.options.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string
      const target = this.targets.get(key)
      if (!target?.pending || target.running) continue
      const job = target.pending
      target.pending = undefined
      target.running = true
      this.running++
      void this.execute(key, target, job)
    }
  }

  private async execute(key: string, target: Target, job: PendingRun): Promise<void> {
    const {record} = job
    try {
      this.hooks.say(`run ${record.run} ${record.trigger} ${record.inputs.image ?? ''}: running`)
      const final = await performRun(job, {runner: this.hooks.runner, log: this.logFor(record.trigger), now: this.hooks.now, ...(this.hooks.retry ? {retry: this.hooks.retry} : {})})
      await this.hooks.finished(final, job.callbackUrl)
    } catch (error) {
      this.hooks.unrecorded()
      this.hooks.say(`run ${record.run} ${record.trigger} could not be recorded: ${messageOf(error)}`)
    } finally {
      target.running = false
      this.running--
      if (target.pending) this.ready.push(key)
      else this.targets.delete(key)
      this.pump()
      if (this.running === 0) {
        const waiters = this.idleWaiters
        this.idleWaiters = []
        for (const w of waiters) w()
      }
    }
  }

  private logFor(trigger: string): HistoryLog {
    let log = this.logs.get(trigger)
    if (!log) {
      log = new HistoryLog(historyFile(this.options.home, this.options.project, trigger))
      this.logs.set(trigger, log)
    }
    return log
  }

  private now(): string {
    return this.hooks.now().toISOString()
  }
}
