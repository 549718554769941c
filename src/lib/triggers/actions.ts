import {spawn} from 'node:child_process'

import type {BerthContext} from '../context.js'
import {ExternalError} from '../errors.js'
import {ConnectionError} from '../net/errors.js'
import type {TriggerAction} from './types.js'

/** What every action gets: which trigger, the inputs (event and fixed), and whether to only say what it would do. */
export interface ActionRequest {
  project: string
  trigger: string
  inputs: Record<string, string>
  /** The keys of `inputs` that are the trigger's fixed --input values (passed under their own names). */
  fixedInputs: string[]
  dryRun: boolean
}

export interface ActionResult {
  /** One line for the history: what was done. */
  summary: string
}

/** Runs the three kinds of action. The service and runtime actions come from their features (see defaultActionRunner). */
export interface TriggerActionRunner {
  deployService(request: ActionRequest & {action: Extract<TriggerAction, {type: 'service'}>; image: string}): Promise<ActionResult>
  syncRuntime(request: ActionRequest & {action: Extract<TriggerAction, {type: 'runtime'}>}): Promise<ActionResult>
  exec(request: ActionRequest & {action: Extract<TriggerAction, {type: 'exec'}>}): Promise<ActionResult>
}

/** A failure worth another attempt (an API server restarting, a 429 or 5xx, a dropped connection). */
export class TransientActionError extends ExternalError {
  readonly transient = true
}

/** Whether a failed action may succeed if tried again: connection-level failures and 429/5xx answers. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientActionError) return true
  // The Kubernetes client marks 429, 5xx and server timeouts so (KubeApiError.transient).
  if ((error as {transient?: unknown} | null)?.transient === true) return true
  if (error instanceof ConnectionError) return error.step === 'connect' || error.step === 'timeout' || error.step === 'dns'
  const status = (error as {statusCode?: unknown; code?: unknown}).statusCode ?? (error as {code?: unknown}).code
  if (typeof status === 'number') return status === 429 || (status >= 500 && status <= 504)
  if (typeof status === 'string') return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'].includes(status)
  return false
}

/** Dispatch one action of a trigger. */
export function runAction(runner: TriggerActionRunner, action: TriggerAction, request: ActionRequest): Promise<ActionResult> {
  switch (action.type) {
    case 'service':
      return runner.deployService({...request, action, image: request.inputs.image ?? ''})
    case 'runtime':
      return runner.syncRuntime({...request, action})
    case 'exec':
      return runner.exec({...request, action})
  }
}

/** The environment variable an event input is given as: image → BERTH_IMAGE, repositoryName → BERTH_REPOSITORY_NAME. */
export function inputEnvName(key: string): string {
  return `BERTH_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`
}

// Secrets of berth itself never reach a command a webhook started.
const DROPPED_ENV = /^(BERTH_PASSPHRASE|BERTH_SECRET_.*)$/

export interface ExecOptions {
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  cwd?: string
}

const OUTPUT_TAIL = 2048

/**
 * Run an exec action: `sh -c COMMAND` in its own process group, event inputs as BERTH_* variables
 * and fixed inputs under their own names, killed with its children after the timeout.
 */
export async function execAction(request: ActionRequest & {action: {command: string}}, options: ExecOptions = {}): Promise<ActionResult> {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(options.env ?? process.env)) if (value !== undefined && !DROPPED_ENV.test(key)) env[key] = value
  for (const [key, value] of Object.entries(request.inputs)) env[request.fixedInputs.includes(key) ? key : inputEnvName(key)] = value
  env.BERTH_TRIGGER = request.trigger
  env.BERTH_PROJECT = request.project
  if (request.dryRun) {
    const shown = Object.keys(request.inputs).map((k) => (request.fixedInputs.includes(k) ? k : inputEnvName(k)))
    return {summary: `dry run: would run sh -c ${JSON.stringify(request.action.command)} with ${shown.join(', ')}`}
  }
  const timeoutMs = options.timeoutMs ?? 10 * 60_000
  const result = await new Promise<{code: number | null; signal: NodeJS.Signals | null; output: string; timedOut: boolean; error?: Error}>((resolve) => {
    const child = spawn('/bin/sh', ['-c', request.action.command], {env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true})
    let output = ''
    let timedOut = false
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const timer = setTimeout(() => {
      timedOut = true
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({code: null, signal: null, output, timedOut, error})
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, output, timedOut})
    })
  })
  const tail = result.output.trim().split('\n').slice(-3).join(' | ')
  if (result.error) throw new ExternalError(`Could not start the command: ${result.error.message}`)
  if (result.timedOut) throw new ExternalError(`The command was killed after ${Math.round(timeoutMs / 1000)} s.${tail ? ` Last output: ${tail}` : ''}`)
  if (result.code !== 0) throw new ExternalError(`The command exited with ${result.code ?? `signal ${result.signal}`}.${tail ? ` Last output: ${tail}` : ''}`)
  return {summary: `exit 0${tail ? `: ${tail}` : ''}`}
}

/**
 * The runner berth uses: service deploy (lib/services/deploy.ts, with the pushed image set in the
 * matching containers), runtime sync (lib/runtimes/sync.ts) and exec, each loaded when first used.
 */
export function defaultActionRunner(ctx: BerthContext): TriggerActionRunner {
  return {
    async deployService(request) {
      const {deployService} = await import('../services/deploy.js')
      const {action} = request
      const result = await deployService(ctx, {
        name: action.service,
        ...(action.environment ? {env: action.environment} : {}),
        ...(action.clusterEndpoint ? {endpoint: action.clusterEndpoint} : {}),
        ...(action.namespace ? {namespace: action.namespace} : {}),
        dryRun: request.dryRun,
        image: {image: request.image, ...(action.container ? {container: action.container} : {}), ...(request.inputs.repository ? {repository: request.inputs.repository} : {})},
      })
      const counts: Record<string, number> = {}
      for (const o of result.objects) counts[o.action] = (counts[o.action] ?? 0) + 1
      const where = `${result.endpoint}/${result.namespace}`
      const rollout = result.workloads.length > 0 ? `; ${result.workloads.map((w) => `${w.kind}/${w.name} ${w.state}`).join(', ')}` : ''
      return {summary: `${request.dryRun ? 'dry run: would deploy' : 'deployed'} service ${action.service} with ${request.image} to ${where}: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing'}${rollout}`}
    },
    async syncRuntime(request) {
      const {syncRuntime} = await import('../runtimes/sync.js')
      const result = await syncRuntime(ctx, {name: request.action.runtime, dryRun: request.dryRun})
      const changed = result.resources.filter((r) => r.action !== 'unchanged').length
      return {summary: `${request.dryRun ? 'dry run: ' : ''}synced runtime ${result.name} at ${result.commit.slice(0, 12)} (${result.revision}): ${result.resources.length} resources, ${changed} changed, ${result.pruned.length} pruned`}
    },
    exec(request) {
      return execAction(request, {env: ctx.env})
    },
  }
}
