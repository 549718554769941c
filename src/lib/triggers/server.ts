import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import {promises as fs} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'

import type {BerthContext} from '../context.js'
import {ConflictError, messageOf} from '../errors.js'
import {processAlive} from '../fs/atomic.js'
import type {TriggerActionRunner} from './actions.js'
import type {RunRecord} from './history.js'
import {matchPush} from './match.js'
import {PushEvent, UnknownPayloadError, parseWebhook} from './payloads.js'
import {PendingRun, RetryPolicy, inputsOf, newRunId} from './runs.js'
import type {ClusterOptions} from './kube-scheduler.js'
import {LocalScheduler, RunScheduler, SchedulerHooks} from './scheduler.js'
import {readToken} from './service.js'
import type {TriggerDocument, TriggerSpec, TriggerStatus} from './types.js'

export {targetKey} from './scheduler.js'

export interface TriggerServerOptions {
  /** The project whose triggers are served. */
  project: string
  host?: string
  port?: number
  /** Larger bodies get 413 without being read (default 1 MiB). */
  maxBodyBytes?: number
  /** Hosts (host or host:port) besides Docker Hub's that a callback_url may point at. */
  callbackHosts?: string[]
  /** Actions running at once, across targets (default 4). */
  concurrency?: number
  retry?: RetryPolicy
  /** How often the trigger list is checked for changes (default 1 s). */
  reloadMs?: number
  /** Event ids remembered per trigger to drop redeliveries (default 10,000). */
  dedupSize?: number
  /**
   * Keep the young generation at its first size and, after a burst (over 1,000 requests)
   * followed by 2 s without any, run a full garbage collection: V8 otherwise keeps the heap
   * it grew for the burst for the life of the process (default true).
   */
  reclaimAfterBurst?: boolean
  /** On the kubernetes backend: this replica's id, the target Lease's duration, how often it looks for runs to take over. */
  cluster?: ClusterOptions
}

export interface TriggerServerDeps {
  ctx: BerthContext
  runner: TriggerActionRunner
  /** A line for the operator (stderr): runs started and finished, reloads. Never a token. */
  log?: (line: string) => void
  fetch?: typeof fetch
  /**
   * How events are recorded and runs scheduled (default: LocalScheduler on the file backend,
   * KubeScheduler on the kubernetes backend).
   */
  scheduler?: (hooks: SchedulerHooks) => RunScheduler | Promise<RunScheduler>
}

/** Counts since start, for the operator and the bench. */
export interface ServerCounters {
  requests: number
  unauthorized: number
  tooLarge: number
  malformed: number
  /** Pushes recorded as queued. */
  accepted: number
  /** Pushes recorded as ignored (disabled trigger, no match, superseded). */
  ignored: number
  duplicates: number
  succeeded: number
  failed: number
}

/** Docker Hub's own hosts: the only callback targets allowed without the user's say-so. */
export const DOCKER_HUB_CALLBACK_HOSTS = ['registry.hub.docker.com', 'hub.docker.com']

/**
 * Whether berth may call a callback_url from a payload: https to Docker Hub's hosts, or a host
 * (host or host:port) the user allowed. Anything else would let a payload make berth call any URL.
 */
export function callbackAllowed(text: string, userHosts: readonly string[]): boolean {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return false
  }
  if (url.username || url.password) return false
  if (url.protocol === 'https:' && DOCKER_HUB_CALLBACK_HOSTS.includes(url.hostname) && (url.port === '' || url.port === '443')) return true
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false
  return userHosts.some((h) => h === url.host || (!h.includes(':') && h === url.hostname))
}

interface Loaded {
  doc: TriggerDocument
  digest: Buffer
  generation: number
}

const sha256 = (text: string) => createHash('sha256').update(text).digest()
const JSON_HEADERS = {'content-type': 'application/json', 'cache-control': 'no-store'}
const SMALL_BODY = 64 * 1024

/**
 * `berth trigger serve`: receives registry webhooks for a project's triggers, answers 202 once
 * each push is recorded, and runs the actions from a queue: one at a time per target (a service
 * in a namespace, a runtime, a trigger's command), the newest push replacing one still waiting.
 * Recording and scheduling are the RunScheduler's (scheduler.ts): in this process on the file
 * backend, across replicas through the API server on the kubernetes backend.
 */
export class TriggerServer {
  readonly counters: ServerCounters = {requests: 0, unauthorized: 0, tooLarge: 0, malformed: 0, accepted: 0, ignored: 0, duplicates: 0, succeeded: 0, failed: 0}
  private readonly options: Required<Omit<TriggerServerOptions, 'retry' | 'cluster'>> & {retry?: RetryPolicy; cluster?: ClusterOptions}
  private readonly deps: TriggerServerDeps
  private readonly triggers = new Map<string, Loaded>()
  private scheduler?: RunScheduler
  private readonly dummyDigest = sha256(randomBytes(32).toString('hex'))
  private server?: http.Server
  private reloadTimer?: NodeJS.Timeout
  private reloading?: Promise<void>
  private inflight = 0
  private stopping = false
  private idleWaiters: Array<() => void> = []
  private pidFile?: string
  private burst = 0
  private lastBurstCount = 0
  private burstTimer?: NodeJS.Timeout

  constructor(options: TriggerServerOptions, deps: TriggerServerDeps) {
    this.options = {
      host: '127.0.0.1',
      port: 8080,
      maxBodyBytes: 1024 * 1024,
      callbackHosts: [],
      concurrency: 4,
      reloadMs: 1000,
      dedupSize: 10_000,
      reclaimAfterBurst: true,
      ...options,
    }
    this.deps = deps
  }

  /** Load the triggers, settle what a previous serve left unfinished, and listen. */
  async start(): Promise<{url: string; restored: number; interrupted: number}> {
    this.scheduler = await this.makeScheduler()
    if (this.scheduler instanceof LocalScheduler) await this.claim()
    await this.reload()
    const {restored, interrupted} = await this.scheduler.start()
    const server = http.createServer({keepAliveTimeout: 5000, requestTimeout: 30_000, headersTimeout: 10_000}, (req, res) => void this.handle(req, res))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.reloadTimer = setInterval(() => void this.reload().catch((error) => this.say(`could not reload the triggers: ${messageOf(error)}`)), this.options.reloadMs)
    this.reloadTimer.unref()
    if (this.options.reclaimAfterBurst) {
      v8.setFlagsFromString('--semi-space-growth-factor=1')
      this.burstTimer = setInterval(() => this.reclaimAfterBurst(), 2000)
      this.burstTimer.unref()
    }
    const address = server.address() as AddressInfo
    return {url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`, restored, interrupted}
  }

  /**
   * Stop accepting, let the running actions finish, and leave the waiting ones queued in the
   * history (a line saying so), for the next serve to run.
   */
  async stop(): Promise<{finished: number; kept: number}> {
    this.stopping = true
    clearInterval(this.reloadTimer)
    clearInterval(this.burstTimer)
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server?.closeIdleConnections()
    while (this.inflight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    const {kept} = (await this.scheduler?.stop()) ?? {kept: 0}
    this.server?.closeAllConnections()
    await closed
    if (this.pidFile) await fs.rm(this.pidFile, {force: true})
    return {finished: this.counters.succeeded + this.counters.failed, kept}
  }

  private get active(): number {
    return this.scheduler?.active ?? 0
  }

  private async makeScheduler(): Promise<RunScheduler> {
    const hooks: SchedulerHooks = {
      runner: this.deps.runner,
      now: this.deps.ctx.now,
      ...(this.options.retry ? {retry: this.options.retry} : {}),
      trigger: (name) => this.triggers.get(name)?.doc,
      triggers: () => [...this.triggers.values()].map((t) => t.doc),
      finished: (final, callbackUrl) => this.finished(final, callbackUrl),
      superseded: () => void this.counters.ignored++,
      unrecorded: () => void this.counters.failed++,
      say: (line) => this.say(line),
    }
    if (this.deps.scheduler) return this.deps.scheduler(hooks)
    const state = this.deps.ctx.state()
    if (state.backend === 'kubernetes') {
      const {KubeScheduler} = await import('./kube-scheduler.js')
      return KubeScheduler.forState(state, {project: this.options.project, concurrency: this.options.concurrency, ...this.options.cluster}, hooks)
    }
    return new LocalScheduler({home: this.deps.ctx.home, project: this.options.project, concurrency: this.options.concurrency, dedupSize: this.options.dedupSize}, hooks)
  }

  /** One serve per project and state directory: two would both run the queued events. */
  private async claim(): Promise<void> {
    const file = path.join(this.deps.ctx.home, 'projects', this.options.project, 'trigger-history', 'serve.pid')
    await fs.mkdir(path.dirname(file), {recursive: true, mode: 0o700})
    try {
      const pid = Number.parseInt(await fs.readFile(file, 'utf8'), 10)
      if (pid && processAlive(pid)) {
        throw new ConflictError(`Another berth trigger serve (pid ${pid}) is serving project "${this.options.project}".`, {hint: 'Stop it first; two would both run the queued events.'})
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    await fs.writeFile(file, String(process.pid), {mode: 0o600})
    this.pidFile = file
  }

  /** Read the trigger list; tokens are read again only for new or changed triggers. */
  reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        const docs = await this.deps.ctx.state().list<TriggerSpec, TriggerStatus>('Trigger', {project: this.options.project, reads: 'async'})
        const names = new Set<string>()
        for (const doc of docs) {
          const name = doc.metadata.name
          names.add(name)
          const current = this.triggers.get(name)
          if (current && current.generation === doc.metadata.generation) continue
          try {
            const token = await readToken(this.deps.ctx, doc)
            this.triggers.set(name, {doc, digest: sha256(token), generation: doc.metadata.generation})
            if (current) this.say(`trigger ${name} changed; reloaded`)
          } catch (error) {
            this.triggers.delete(name)
            this.say(`trigger ${name} cannot be served: ${messageOf(error)}`)
          }
        }
        for (const name of this.triggers.keys()) if (!names.has(name)) this.triggers.delete(name)
      } finally {
        this.reloading = undefined
      }
    })()
    return this.reloading
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.counters.requests++
    this.burst++
    this.inflight++
    try {
      await this.route(req, res)
    } catch (error) {
      this.say(`request failed: ${messageOf(error)}`)
      if (!res.headersSent) this.send(req, res, 500, {error: 'internal error'}, true)
    } finally {
      this.inflight--
      this.wake()
    }
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://berth.invalid')
    if (url.pathname === '/healthz' && req.method === 'GET') return this.send(req, res, 200, {ok: true})
    const hookName = /^\/hooks\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/.exec(url.pathname)?.[1]
    const isHub = url.pathname === '/pipelines/api/docker-hub-webhooks'
    if (!hookName && !isHub) return this.send(req, res, 404, {error: 'not found'})
    if (req.method !== 'POST') return this.send(req, res, 405, {error: 'method not allowed'}, false, {allow: 'POST'})
    if (this.stopping) return this.send(req, res, 503, {error: 'stopping'}, true)

    const bearer = /^Bearer ([^\s]+)$/i.exec(req.headers.authorization ?? '')?.[1]
    const token = url.searchParams.get('secureToken') ?? bearer
    const candidates = hookName ? [this.triggers.get(hookName)] : [...this.triggers.values()]
    const trigger = this.authenticate(token ?? undefined, candidates)
    if (!trigger) {
      this.counters.unauthorized++
      return this.send(req, res, 401, {error: 'unauthorized'}, !smallBody(req))
    }

    const declared = Number(req.headers['content-length'] ?? Number.NaN)
    if (declared > this.options.maxBodyBytes) {
      this.counters.tooLarge++
      return this.send(req, res, 413, {error: `body larger than ${this.options.maxBodyBytes} bytes`}, true)
    }
    const body = await readBody(req, this.options.maxBodyBytes)
    if (body === 'too-large') {
      this.counters.tooLarge++
      return this.send(req, res, 413, {error: `body larger than ${this.options.maxBodyBytes} bytes`}, true)
    }
    if (body === 'aborted') return
    let parsed
    try {
      parsed = parseWebhook(JSON.parse(body.toString('utf8')))
    } catch (error) {
      this.counters.malformed++
      const message = error instanceof UnknownPayloadError ? error.message : 'The body is not valid JSON.'
      return this.send(req, res, 400, {error: message})
    }
    const outcome = await this.accept(trigger, parsed.format, parsed.pushes)
    this.counters.duplicates += parsed.duplicates
    return this.send(req, res, 202, {events: parsed.events, accepted: outcome.accepted, ignored: outcome.ignored, duplicates: parsed.duplicates + outcome.duplicates, runs: outcome.runs})
  }

  /** Compare the token with every candidate's in constant time; an unknown trigger costs the same. */
  private authenticate(token: string | undefined, candidates: Array<Loaded | undefined>): Loaded | undefined {
    const given = sha256(token ?? '')
    let found: Loaded | undefined
    for (const candidate of candidates.length > 0 ? candidates : [undefined]) {
      const equal = timingSafeEqual(given, candidate?.digest ?? this.dummyDigest)
      if (equal && candidate && token) found ??= candidate
    }
    return found
  }

  /** Record each push (queued or ignored) and queue the matching ones. */
  private async accept(loaded: Loaded, format: PushEvent['format'], pushes: PushEvent[]): Promise<{accepted: number; ignored: number; duplicates: number; runs: string[]}> {
    const doc = loaded.doc
    const name = doc.metadata.name
    const scheduler = this.scheduler as RunScheduler
    const outcomes: Array<Promise<{kind: 'accepted' | 'ignored' | 'duplicate'; run: string}>> = []
    for (const push of pushes) {
      const now = this.now()
      const record: RunRecord = {
        run: newRunId(this.deps.ctx.now()),
        trigger: name,
        project: this.options.project,
        status: 'queued',
        at: now,
        queuedAt: now,
        source: format,
        eventId: push.eventId,
        inputs: inputsOf(doc, push),
        ...(doc.spec.dryRun ? {dryRun: true} : {}),
      }
      const match = matchPush(doc.spec, push)
      const reason = !doc.spec.enabled ? 'the trigger is disabled' : match.matches ? undefined : match.reason
      const pending: PendingRun = {trigger: doc, record, ...(push.callbackUrl ? {callbackUrl: push.callbackUrl} : {})}
      outcomes.push(scheduler.submit(pending, reason).then((outcome) => ({kind: outcome === 'duplicate' ? 'duplicate' : reason ? 'ignored' : 'accepted', run: record.run})))
    }
    const results = await Promise.all(outcomes)
    const count = (kind: string) => results.filter((r) => r.kind === kind).length
    const accepted = count('accepted')
    const ignored = count('ignored')
    const duplicates = count('duplicate')
    this.counters.accepted += accepted
    this.counters.ignored += ignored
    this.counters.duplicates += duplicates
    return {accepted, ignored, duplicates, runs: results.filter((r) => r.kind === 'accepted').map((r) => r.run)}
  }

  /** A run finished: count it, say so, and call back if the push asked for it. */
  private async finished(final: RunRecord, callbackUrl: string | undefined): Promise<void> {
    if (final.status === 'succeeded') this.counters.succeeded++
    else this.counters.failed++
    this.say(`run ${final.run} ${final.trigger}: ${final.status}${final.error ? ` (${final.error})` : ''}`)
    if (callbackUrl) await this.callback(callbackUrl, final)
  }

  /** Tell Docker Hub how the run went, if the callback goes to a host berth may call. */
  private async callback(url: string, final: RunRecord): Promise<void> {
    if (!callbackAllowed(url, this.options.callbackHosts)) {
      this.say(`run ${final.run}: not calling back ${new URL(url).host || 'an invalid URL'}: not Docker Hub and not allowed with --callback-host`)
      return
    }
    const fetchImpl = this.deps.fetch ?? fetch
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({state: final.status === 'succeeded' ? 'success' : 'failure', description: (final.summary ?? final.error ?? final.status).slice(0, 255), context: 'berth trigger'}),
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      })
      await response.arrayBuffer()
    } catch (error) {
      this.say(`run ${final.run}: callback failed: ${messageOf(error)}`)
    }
  }

  /** Every 2 s: once a burst has ended, give its memory back. */
  private reclaimAfterBurst(): void {
    const quiet = this.burst === this.lastBurstCount
    this.lastBurstCount = this.burst
    if (!quiet || this.burst < 1000 || this.active > 0 || this.inflight > 0) return
    this.burst = 0
    this.lastBurstCount = 0
    fullGc()?.()
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, close = false, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body)
    res.writeHead(status, {...JSON_HEADERS, ...headers, 'content-length': Buffer.byteLength(text), ...(close ? {connection: 'close'} : {})})
    res.end(text)
    if (close) {
      // Whatever of the body is still coming is not read.
      res.once('finish', () => req.destroy())
    } else if (!req.complete) {
      req.resume()
    }
  }

  private wake(): void {
    if (this.inflight > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  private now(): string {
    return this.deps.ctx.now().toISOString()
  }

  private say(line: string): void {
    this.deps.log?.(line)
  }
}

let gcFunction: (() => void) | undefined | null = null

/** V8's gc(), exposed at run time (serve is not started with --expose-gc); undefined if V8 refuses. */
function fullGc(): (() => void) | undefined {
  if (gcFunction !== null) return gcFunction
  try {
    v8.setFlagsFromString('--expose-gc')
    gcFunction = vm.runInNewContext('gc') as () => void
  } catch {
    gcFunction = undefined
  }
  return gcFunction
}

function smallBody(req: http.IncomingMessage): boolean {
  const length = Number(req.headers['content-length'] ?? Number.NaN)
  return Number.isFinite(length) && length <= SMALL_BODY
}

/** The body, counting bytes as they come: past the limit, reading stops at once. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const settle = (value: Buffer | 'too-large' | 'aborted') => {
      if (settled) return
      settled = true
      req.off('data', onData)
      resolve(value)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.pause()
        settle('too-large')
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => settle(Buffer.concat(chunks, size)))
    req.once('error', () => settle('aborted'))
    req.once('close', () => settle(req.complete ? Buffer.concat(chunks, size) : 'aborted'))
  })
}
