import {randomBytes} from 'node:crypto'

import {messageOf} from '../errors.js'
import {ActionResult, TriggerActionRunner, isTransient, runAction} from './actions.js'
import type {RunRecord} from './history.js'
import type {PushEvent} from './payloads.js'
import type {TriggerDocument} from './types.js'

/** A new run id: sortable by time, unique across processes. */
export function newRunId(now: Date): string {
  return `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`
}

/** The inputs a push gives an action, plus the trigger's fixed ones. */
export function inputsOf(trigger: TriggerDocument, push: Pick<PushEvent, 'owner' | 'namespace' | 'repositoryName' | 'repository' | 'image' | 'tag'> & Partial<PushEvent>): Record<string, string> {
  const inputs: Record<string, string> = {}
  const keys = ['owner', 'namespace', 'repositoryName', 'repository', 'registry', 'image', 'tag', 'digest', 'pusher', 'time'] as const
  for (const key of keys) {
    const value = push[key]
    if (typeof value === 'string') inputs[key] = value
  }
  return {...inputs, ...trigger.spec.inputs}
}

export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  attempts: number
  /** The wait before the second attempt; doubled for each further one, with jitter (default 1 s). */
  baseDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {attempts: 4, baseDelayMs: 1000}

/** Where a run's status changes go: a trigger's append-only log, or its run object on a cluster. */
export interface RunLog {
  append(record: RunRecord): Promise<void>
}

export interface RunDeps {
  runner: TriggerActionRunner
  log: RunLog
  now: () => Date
  retry?: RetryPolicy
  sleep?: (ms: number) => Promise<void>
}

/** A run waiting or about to start; `record` is its queued line. */
export interface PendingRun {
  trigger: TriggerDocument
  record: RunRecord
  /** Docker Hub's callback, when the push came with one. */
  callbackUrl?: string
}

/**
 * Run one action and record it: a running line, then succeeded or failed. Transient failures of
 * service and runtime actions (a Kubernetes API that is restarting, 429/5xx) are tried again with
 * exponential backoff; an exec action's exit status is its answer and is not retried.
 */
export async function performRun(pending: PendingRun, deps: RunDeps): Promise<RunRecord> {
  const {trigger, record} = pending
  const retry = deps.retry ?? DEFAULT_RETRY
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const startedAt = deps.now().toISOString()
  let attempts = 0
  const line = (status: RunRecord['status'], extra: Partial<RunRecord>): RunRecord => ({...record, status, at: deps.now().toISOString(), startedAt, attempts, ...extra})
  const action = trigger.spec.action
  for (;;) {
    attempts++
    await deps.log.append(line('running', {}))
    let result: ActionResult
    try {
      result = await runAction(deps.runner, action, {
        project: record.project,
        trigger: record.trigger,
        inputs: record.inputs,
        fixedInputs: Object.keys(trigger.spec.inputs ?? {}),
        dryRun: Boolean(record.dryRun),
      })
    } catch (error) {
      if (action.type !== 'exec' && attempts < retry.attempts && isTransient(error)) {
        const delay = retry.baseDelayMs * 2 ** (attempts - 1) * (0.75 + Math.random() / 2)
        await sleep(delay)
        continue
      }
      const failed = line('failed', {finishedAt: deps.now().toISOString(), error: oneLine(messageOf(error))})
      await deps.log.append(failed)
      return failed
    }
    const done = line('succeeded', {finishedAt: deps.now().toISOString(), summary: oneLine(result.summary)})
    await deps.log.append(done)
    return done
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' | ')
  return flat.length > 1000 ? `${flat.slice(0, 1000)}…` : flat
}
