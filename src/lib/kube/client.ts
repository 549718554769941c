/**
 * A small Kubernetes API client for apply, wait, diff and prune: plain options in
 * (kubeconfig text, context), raw JSON requests out, over one keep-alive agent so
 * hundreds of requests share a few TLS connections. Authentication (tokens, client
 * certificates, exec plugins) comes from @kubernetes/client-node's KubeConfig,
 * imported lazily; the requests themselves are node:https, which measured about
 * twice as fast as client-node's generated API classes for 200 applies.
 */
import http from 'node:http'
import https from 'node:https'
import {createSecureContext} from 'node:tls'

import type {KubeConfig} from '@kubernetes/client-node'

import {AuthError, BerthError, ExternalError, ValidationError, messageOf} from '../errors.js'
import {ConnectionError, classifyNetworkError} from '../net/errors.js'
import {Kubeconfig, SelectedContext, parseKubeconfig, selectContext, serializeKubeconfig} from './kubeconfig.js'

export interface KubeConnectionOptions {
  /** The kubeconfig as YAML text (never a path: callers read files or secrets themselves). */
  kubeconfig: string
  /** The context to use; default the kubeconfig's current-context (or its only context). */
  context?: string
  /** What the kubeconfig is, for messages; default "the kubeconfig". */
  source?: string
  /** Added to errors about an unusable kubeconfig ("store a new one with …"). */
  hint?: string
  /** Bound on each request (not on watches); default 30 s. */
  timeoutMs?: number
  /** Requests in flight at once over the keep-alive agent; default 16. */
  maxSockets?: number
}

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig
  selected: SelectedContext
  /** The API server URL of the selected context. */
  server: string
}

/**
 * A client-node KubeConfig from kubeconfig text, its context current. An unusable
 * kubeconfig (not YAML, the context missing, client-node refusing it) is a ValidationError
 * naming `source`, with `hint`.
 */
export async function loadKubeConfig(options: KubeConnectionOptions): Promise<LoadedKubeConfig> {
  const source = options.source ?? 'the kubeconfig'
  let selected: SelectedContext
  let config: Kubeconfig
  try {
    config = parseKubeconfig(options.kubeconfig, source)
    selected = selectContext(config, {context: options.context, useCurrentContext: true, source})
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    throw new ValidationError(error.message, {hint: options.hint ?? error.hint, cause: error})
  }
  const k8s = await import('@kubernetes/client-node')
  const kubeConfig = new k8s.KubeConfig()
  try {
    kubeConfig.loadFromString(allowPlainHttp(config, selected))
  } catch (error) {
    throw new ValidationError(`${capitalize(source)} could not be loaded: ${messageOf(error)}`, {hint: options.hint, cause: error})
  }
  kubeConfig.setCurrentContext(selected.name)
  return {kubeConfig, selected, server: selected.cluster.cluster.server ?? ''}
}

/**
 * The kubeconfig text for client-node. client-node refuses an http:// server unless
 * insecure-skip-tls-verify is set; berth accepts http servers (the user chose one
 * explicitly, and there is no TLS to verify), so that flag is set for them, in memory only.
 */
function allowPlainHttp(config: Kubeconfig, selected: SelectedContext): string {
  const server = selected.cluster.cluster.server ?? ''
  if (!/^http:/i.test(server)) return serializeKubeconfig(config)
  return serializeKubeconfig({
    ...config,
    clusters: config.clusters.map((c) => (c.name === selected.cluster.name ? {name: c.name, cluster: {...c.cluster, 'insecure-skip-tls-verify': true}} : c)),
  })
}

/** One request to the API server. `path` starts with /api or /apis. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  query?: Record<string, string | number | boolean | undefined>
  /** Sent as JSON (objects) or as is (strings). */
  body?: unknown
  /** Default application/json. Server-side apply uses application/apply-patch+yaml. */
  contentType?: string
  accept?: string
  /** What the request is doing, for errors ("apply Deployment shop/web"). */
  action?: string
  signal?: AbortSignal
}

export interface KubeResponse<T> {
  status: number
  body: T
}

/** A Kubernetes Status answer (HTTP status ≥ 400). */
export class KubeApiError extends ExternalError {
  readonly status: number
  /** The Status reason: NotFound, AlreadyExists, Conflict, Forbidden, Invalid, … */
  readonly reason: string
  /** Worth retrying: 429, 500, 502, 503, 504, a server timeout. */
  readonly transient: boolean
  constructor(status: number, reason: string, message: string, options: {hint?: string; cause?: unknown} = {}) {
    super(message, options)
    this.status = status
    this.reason = reason
    this.transient = status === 429 || status >= 500 || reason === 'ServerTimeout' || reason === 'Timeout'
  }
}

/** 403 from the API server, in plain words. Exit 1 like any refused access. */
export class KubeForbiddenError extends AuthError {
  readonly status = 403
  readonly transient = false
}

/**
 * True for failures a caller may retry: the API server unreachable (connect, timeout),
 * or answering 429/5xx. Not for 4xx answers, validation or auth failures.
 */
export function isTransientKubeError(error: unknown): boolean {
  if (error instanceof KubeApiError) return error.transient
  if (error instanceof ConnectionError) return error.step === 'connect' || error.step === 'timeout'
  return false
}

interface StatusBody {
  kind?: string
  message?: string
  reason?: string
  details?: {name?: string; kind?: string; group?: string; causes?: Array<{message?: string; field?: string}>}
}

/** The API server connection apply, wait, diff and prune share. Create with connectKube. */
export class KubeClient {
  readonly server: string
  readonly context: string
  private readonly url: URL
  private readonly agent: http.Agent
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number
  private readonly target: string

  constructor(init: {server: string; context: string; agent: http.Agent; headers: Record<string, string>; timeoutMs: number}) {
    this.server = init.server
    this.context = init.context
    this.url = new URL(init.server)
    this.agent = init.agent
    this.headers = init.headers
    this.timeoutMs = init.timeoutMs
    this.target = `Kubernetes API server ${init.server}`
  }

  /** Close idle keep-alive connections (the process can then exit at once). */
  close(): void {
    this.agent.destroy()
  }

  /** Send a request; a status ≥ 400 throws (KubeApiError, KubeForbiddenError, AuthError), as do network failures (ConnectionError). */
  async request<T = unknown>(req: KubeRequest): Promise<KubeResponse<T>> {
    const {status, text} = await this.send(req)
    if (status >= 400) throw this.statusError(status, text, req)
    return {status, body: (text ? JSON.parse(text) : undefined) as T}
  }

  /**
   * Like request, but a 404 is `undefined` instead of an error.
   */
  async get<T = unknown>(path: string, options: {accept?: string; query?: KubeRequest['query']; signal?: AbortSignal} = {}): Promise<T | undefined> {
    try {
      return (await this.request<T>({method: 'GET', path, ...options})).body
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined
      throw error
    }
  }

  /**
   * A watch: calls `onEvent` for each event line until the server ends the stream, `signal`
   * aborts, or onEvent returns true (done). Resolves with why it ended.
   */
  watch(path: string, query: KubeRequest['query'], onEvent: (event: {type: string; object: Record<string, unknown>}) => boolean | void, signal?: AbortSignal): Promise<'done' | 'ended' | 'aborted'> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return resolve('aborted')
      const request = this.open({method: 'GET', path, query: {...query, watch: 'true', allowWatchBookmarks: 'true'}}, (response) => {
        if ((response.statusCode ?? 0) >= 400) {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => (text += chunk))
          response.on('end', () => reject(this.statusError(response.statusCode ?? 0, text, {method: 'GET', path, action: `watch ${path}`})))
          return
        }
        let buffer = ''
        let finished = false
        const finish = (why: 'done' | 'ended' | 'aborted') => {
          if (finished) return
          finished = true
          signal?.removeEventListener('abort', onAbort)
          request.destroy()
          resolve(why)
        }
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          buffer += chunk
          let newline: number
          while (!finished && (newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline)
            buffer = buffer.slice(newline + 1)
            if (!line.trim()) continue
            let event: {type: string; object: Record<string, unknown>}
            try {
              event = JSON.parse(line) as typeof event
            } catch {
              continue
            }
            try {
              if (onEvent(event) === true) finish('done')
            } catch (error) {
              finished = true
              request.destroy()
              reject(error)
            }
          }
        })
        response.on('end', () => finish('ended'))
        response.on('error', () => finish('ended'))
      })
      const onAbort = () => {
        request.destroy()
        resolve('aborted')
      }
      signal?.addEventListener('abort', onAbort, {once: true})
      request.on('error', (error) => {
        if (signal?.aborted) return
        reject(classifyNetworkError(error, this.target))
      })
      request.end()
    })
  }

  private send(req: KubeRequest): Promise<{status: number; text: string}> {
    return new Promise((resolve, reject) => {
      const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body)
      let timedOut = false
      const request = this.open(
        req,
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () => resolve({status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')}))
          response.on('error', (error) => reject(classifyNetworkError(error, this.target)))
        },
        body,
      )
      request.setTimeout(this.timeoutMs, () => {
        timedOut = true
        request.destroy(Object.assign(new Error('request timed out'), {code: 'ETIMEDOUT'}))
      })
      const onAbort = () => request.destroy(Object.assign(new Error('aborted'), {code: 'ABORT_ERR'}))
      req.signal?.addEventListener('abort', onAbort, {once: true})
      request.on('close', () => req.signal?.removeEventListener('abort', onAbort))
      request.on('error', (error) => {
        reject(timedOut ? new ConnectionError('timeout', `${this.target} did not answer within ${Math.round(this.timeoutMs / 1000)} s${req.action ? ` (${req.action})` : ''}.`, {cause: error}) : classifyNetworkError(error, this.target))
      })
      request.end(body)
    })
  }

  private open(req: KubeRequest, onResponse: (response: http.IncomingMessage) => void, body?: string): http.ClientRequest {
    const query = new URLSearchParams()
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) query.set(key, String(value))
    const base = this.url.pathname.replace(/\/+$/, '')
    const path = `${base}${req.path}${query.size ? `?${query}` : ''}`
    const headers: Record<string, string | number> = {...this.headers, Accept: req.accept ?? 'application/json'}
    if (body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json'
      headers['Content-Length'] = Buffer.byteLength(body)
    }
    // TLS settings live in the agent (one secure context for all its sockets).
    const options: https.RequestOptions = {
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || undefined,
      method: req.method,
      path,
      headers,
      agent: this.agent,
    }
    return this.url.protocol === 'http:' ? http.request(options, onResponse) : https.request(options, onResponse)
  }

  /** The berth error for an HTTP status ≥ 400, in plain words where the status has them. */
  private statusError(status: number, text: string, req: KubeRequest): BerthError {
    let body: StatusBody = {}
    try {
      body = JSON.parse(text) as StatusBody
    } catch {
      body = {message: text.trim().slice(0, 300)}
    }
    const message = body.message ?? `HTTP ${status}`
    const doing = req.action ? `Could not ${req.action}` : `${req.method} ${req.path} failed`
    if (status === 401) {
      return new AuthError(`${this.target} rejected the credentials (HTTP 401 Unauthorized).`, {hint: 'The kubeconfig\'s token or client certificate was refused; store a fresh kubeconfig for this cluster.'})
    }
    if (status === 403) return new KubeForbiddenError(forbiddenInPlainWords(message, req), {hint: 'Ask a cluster admin for an RBAC role granting this, or use a kubeconfig whose user has it.'})
    if (status === 404 && req.action) return new KubeApiError(status, body.reason ?? 'NotFound', `${doing}: ${message}.`)
    const causes = (body.details?.causes ?? []).map((c) => c.message).filter(Boolean)
    const detail = body.reason === 'Invalid' && causes.length > 0 && !message.includes(causes[0] ?? '') ? `${message} (${causes.join('; ')})` : message
    return new KubeApiError(status, body.reason ?? '', `${doing}: ${detail}${/[.!?]$/.test(detail) ? '' : '.'}`)
  }
}

/**
 * Turn the API server's 403 message (`deployments.apps "web" is forbidden: User "dev"
 * cannot patch resource "deployments" in API group "apps" in the namespace "shop"`) into
 * `User "dev" is not allowed to patch deployments in namespace "shop"` plus what was being done.
 */
export function forbiddenInPlainWords(message: string, req: Pick<KubeRequest, 'action' | 'method' | 'path'>): string {
  const match = /User "([^"]*)" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)"| at the cluster scope)?/.exec(message)
  const doing = req.action ? ` (${req.action})` : ''
  if (!match) return `The Kubernetes API server refused ${req.action ?? `${req.method} ${req.path}`}: ${message}`
  const [, user, verb, resource, group, namespace] = match
  const verbWords = verb === 'patch' ? 'create or update' : verb
  const where = namespace ? ` in namespace "${namespace}"` : ' at cluster scope'
  return `User "${user}" is not allowed to ${verbWords} ${resource}${group ? ` (API group ${group})` : ''}${where}${doing}.`
}

/**
 * Connect to the API server of a kubeconfig: load it (client-node resolves tokens,
 * certificates and exec plugins once) and set up the keep-alive agent. Does not send a request.
 */
export async function connectKube(options: KubeConnectionOptions): Promise<KubeClient> {
  const direct = directConnection(options)
  if (direct) return direct
  const loaded = await loadKubeConfig(options)
  const requestOptions: https.RequestOptions = {}
  try {
    await loaded.kubeConfig.applyToHTTPSOptions(requestOptions)
  } catch (error) {
    throw new ValidationError(`The credentials of ${options.source ?? 'the kubeconfig'} could not be used: ${messageOf(error)}`, {hint: options.hint, cause: error})
  }
  if (!loaded.server) throw new ValidationError(`${capitalize(options.source ?? 'the kubeconfig')} names no server for context "${loaded.selected.name}".`, {hint: options.hint})
  const headers: Record<string, string> = {}
  for (const [key, value] of Object.entries(requestOptions.headers ?? {})) if (value !== undefined) headers[key] = String(value)
  if (requestOptions.auth) headers.Authorization = `Basic ${Buffer.from(requestOptions.auth).toString('base64')}`
  headers['User-Agent'] = 'berth'
  const tls: https.RequestOptions = {}
  for (const key of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const) {
    if (requestOptions[key] !== undefined) (tls as Record<string, unknown>)[key] = requestOptions[key]
  }
  const cluster = loaded.selected.cluster.cluster
  if (cluster['insecure-skip-tls-verify'] === true) tls.rejectUnauthorized = false
  if (typeof cluster['tls-server-name'] === 'string') tls.servername = cluster['tls-server-name']
  return new KubeClient({server: loaded.server, context: loaded.selected.name, agent: keepAliveAgent(loaded.server, tls, options.maxSockets ?? 16), headers, timeoutMs: options.timeoutMs ?? 30_000})
}

/**
 * The connection for a self-contained kubeconfig whose user is a token or inline client
 * certificate (what berth stores): built without loading @kubernetes/client-node, which
 * costs about half a second of start-up. Undefined for anything else (exec and
 * auth-provider plugins, file references, basic auth), which goes through client-node.
 */
function directConnection(options: KubeConnectionOptions): KubeClient | undefined {
  let selected: SelectedContext
  try {
    const source = options.source ?? 'the kubeconfig'
    selected = selectContext(parseKubeconfig(options.kubeconfig, source), {context: options.context, useCurrentContext: true, source})
  } catch {
    return undefined
  }
  const {cluster} = selected.cluster
  const {user} = selected.user
  const server = cluster.server ?? ''
  if (!/^https?:\/\//i.test(server)) return undefined
  const fileRefs = [cluster['certificate-authority'], user.tokenFile, user['token-file'], user['client-certificate'], user['client-key']]
  if (user.exec || user['auth-provider'] || user.username || user.password || user.as || fileRefs.some((f) => f !== undefined) || cluster['proxy-url']) return undefined
  const decode = (value: string | undefined) => (value ? Buffer.from(value, 'base64') : undefined)
  const tls: https.RequestOptions = {}
  const ca = decode(cluster['certificate-authority-data'])
  if (ca) tls.ca = ca
  const cert = decode(user['client-certificate-data'])
  const key = decode(user['client-key-data'])
  if (cert) tls.cert = cert
  if (key) tls.key = key
  if (cluster['insecure-skip-tls-verify'] === true) tls.rejectUnauthorized = false
  if (typeof cluster['tls-server-name'] === 'string') tls.servername = cluster['tls-server-name']
  const headers: Record<string, string> = {'User-Agent': 'berth'}
  if (user.token) headers.Authorization = `Bearer ${user.token}`
  return new KubeClient({server, context: selected.name, agent: keepAliveAgent(server, tls, options.maxSockets ?? 16), headers, timeoutMs: options.timeoutMs ?? 30_000})
}

/** One keep-alive agent per client; one TLS context shared by its sockets (not one per connection). */
function keepAliveAgent(server: string, tls: https.RequestOptions, maxSockets: number): http.Agent {
  if (/^http:/i.test(server)) return new http.Agent({keepAlive: true, maxSockets})
  const {ca, cert, key, pfx, passphrase, rejectUnauthorized, servername} = tls
  const secureContext = pfx ? undefined : createSecureContext({ca, cert, key, passphrase})
  return new https.Agent({keepAlive: true, maxSockets, ...(secureContext ? {secureContext} : {ca, cert, key, pfx, passphrase}), rejectUnauthorized, servername})
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
