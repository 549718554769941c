/**
 * The connection test of a kubernetes endpoint, and the loaded client other
 * features (exec, deploy) build on. @kubernetes/client-node is loaded lazily.
 */
import type {ConfigurationOptions, KubeConfig, ObservableMiddleware} from '@kubernetes/client-node'

import type {EndpointCheck} from '../credentials.js'
import type {CredentialsOf} from '../types.js'
import {BerthError, ExternalError} from '../../errors.js'
import {classifyNetworkError, httpAuthError} from '../../net/errors.js'
import {LoadedKubeConfig, loadKubeConfig} from '../../kube/client.js'

export interface KubernetesCheckOptions {
  /** Bound on each request to the API server; default 15 s. */
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 15_000

/**
 * A KubeConfig loaded from the endpoint's stored kubeconfig, its context current.
 * Throws a ValidationError when the stored kubeconfig is unusable (not YAML, the
 * endpoint's context missing), with a hint to store a new one.
 */
export async function kubeClientFor(creds: CredentialsOf<'kubernetes'>): Promise<KubeConfig> {
  return (await loadKubeClient(creds)).kubeConfig
}

type LoadedKubeClient = LoadedKubeConfig

async function loadKubeClient(creds: CredentialsOf<'kubernetes'>): Promise<LoadedKubeClient> {
  return loadKubeConfig({
    kubeconfig: creds.kubeconfig,
    context: creds.context,
    source: `the stored kubeconfig of endpoint "${creds.name}"`,
    hint: `Store a working kubeconfig with: berth endpoint update ${creds.name} --kubeconfig FILE`,
  })
}

/**
 * Really connect to the endpoint's API server: the server version (GET /version),
 * who the credentials are (SelfSubjectReview, where the server has it) and whether
 * they may list namespaces (SelfSubjectAccessReview, falling back to a list call).
 * A refused login is an AuthError (401); DNS, connect, TLS and timeout failures are
 * ConnectionErrors naming the step. RBAC denying the namespace list is not a failure.
 */
export async function testKubernetesEndpoint(creds: CredentialsOf<'kubernetes'>, options: KubernetesCheckOptions = {}): Promise<EndpointCheck> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const {kubeConfig, selected, server} = await loadKubeClient(creds)
  const k8s = await import('@kubernetes/client-node')
  const target = `Kubernetes API server ${server}`
  const authHint = `The kubeconfig's token or client certificate was refused; store a fresh kubeconfig with: berth endpoint update ${creds.name} --kubeconfig FILE`
  const attempt: Attempt = (send) => sendBounded(send, timeoutMs, target)
  const request = async <T>(send: (options: ConfigurationOptions) => Promise<T>): Promise<T> => {
    const outcome = await attempt(send)
    if (outcome.ok) return outcome.value
    throw kubeRequestError(outcome.error, {target, authHint})
  }

  const version = await request((o) => kubeConfig.makeApiClient(k8s.VersionApi).getCode({}, o))

  let user: string | null = null
  let groups: string[] | null = null
  try {
    const review = await request((o) =>
      kubeConfig.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({body: {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'}}, o),
    )
    user = review.status?.userInfo?.username ?? null
    groups = review.status?.userInfo?.groups ?? null
  } catch {
    // Optional: servers before 1.28 lack SelfSubjectReview; the rest of the check stands without it.
  }

  const access = await canListNamespaces(kubeConfig, k8s, attempt, (error) => kubeRequestError(error, {target, authHint}))
  const summary =
    `Kubernetes ${version.gitVersion} at ${server}${user ? ` as ${user}` : ''}; ` +
    (access.allowed ? 'can list namespaces' : `cannot list namespaces (${access.reason})`)
  return {
    summary,
    details: {
      server,
      context: selected.name,
      cluster: selected.cluster.name,
      version: version.gitVersion,
      platform: version.platform ?? null,
      user,
      groups,
      canListNamespaces: access.allowed,
      canListNamespacesReason: access.reason || null,
    },
  }
}

type ClientNode = typeof import('@kubernetes/client-node')

/** A request's result: its value, or the HTTP error status the server answered with. */
type Outcome<T> = {ok: true; value: T} | {ok: false; status: number; error: unknown}
type Attempt = <T>(send: (options: ConfigurationOptions) => Promise<T>) => Promise<Outcome<T>>

async function canListNamespaces(
  kubeConfig: KubeConfig,
  k8s: ClientNode,
  attempt: Attempt,
  fail: (error: unknown) => BerthError,
): Promise<{allowed: boolean; reason: string}> {
  const review = await attempt((o) =>
    kubeConfig.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview(
      {body: {apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {resourceAttributes: {verb: 'list', resource: 'namespaces'}}}},
      o,
    ),
  )
  if (review.ok) {
    const status = review.value.status
    if (status?.allowed) return {allowed: true, reason: ''}
    return {allowed: false, reason: status?.reason?.trim() || status?.evaluationError?.trim() || 'RBAC denies list on namespaces'}
  }
  // A server that will not answer the review (no permission to create it, or no such API): try the list itself.
  if (review.status !== 403 && review.status !== 404) throw fail(review.error)
  const list = await attempt((o) => kubeConfig.makeApiClient(k8s.CoreV1Api).listNamespace({limit: 1}, o))
  if (list.ok) return {allowed: true, reason: ''}
  if (list.status === 403) return {allowed: false, reason: `the server refused list on namespaces: ${apiMessageOf(list.error) ?? 'HTTP 403 Forbidden'}`}
  throw fail(list.error)
}

/**
 * Send one request with an abort signal bounding it. HTTP error statuses (client-node's
 * ApiException) come back as outcomes; network failures (node-fetch's FetchError, whose
 * `code` is the system error's) and timeouts are thrown as ConnectionErrors naming the step.
 */
async function sendBounded<T>(send: (options: ConfigurationOptions) => Promise<T>, timeoutMs: number, target: string): Promise<Outcome<T>> {
  const signal = AbortSignal.timeout(timeoutMs)
  const {Observable} = await import('@kubernetes/client-node')
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal)
      return new Observable(Promise.resolve(context))
    },
    post: (context) => new Observable(Promise.resolve(context)),
  }
  const options: ConfigurationOptions = {middleware: [middleware], middlewareMergeStrategy: 'append'}
  try {
    return {ok: true, value: await send(options)}
  } catch (error) {
    if (signal.aborted) throw classifyNetworkError(signal.reason, target)
    const status = apiStatusOf(error)
    if (status !== undefined) return {ok: false, status, error}
    throw kubeRequestError(error, {target})
  }
}

/** The berth error for a failed client-node request. Exported for tests. */
export function kubeRequestError(error: unknown, context: {target: string; authHint?: string}): BerthError {
  if (error instanceof BerthError) return error
  const status = apiStatusOf(error)
  if (status === undefined) return classifyNetworkError(withoutFetchPrefix(error), context.target)
  if (status === 401) return httpAuthError(status, context.target, context.authHint)
  if (status === 403) return httpAuthError(status, context.target)
  const message = apiMessageOf(error)
  return new ExternalError(`${context.target} answered HTTP ${status}${message ? `: ${message}` : ''}.`, {cause: error})
}

/**
 * node-fetch (under client-node) words a system error as "request to URL failed, reason: WHY"
 * and copies its `code`; keep just WHY so messages do not repeat the URL.
 */
function withoutFetchPrefix(error: unknown): unknown {
  if (!(error instanceof Error)) return error
  const match = /^request to \S+ failed, reason: (.+)$/s.exec(error.message)
  if (!match) return error
  // Not `cause`: classifyNetworkError reports the innermost cause's message.
  return Object.assign(new Error(match[1]), {code: (error as {code?: unknown}).code, fetchError: error})
}

/** The HTTP status of client-node's ApiException (a numeric `code` with a `body`). */
function apiStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const {code} = error as {code?: unknown}
  return typeof code === 'number' && 'body' in error ? code : undefined
}

/** The message of the Kubernetes Status object in an ApiException's body, if any. */
function apiMessageOf(error: unknown): string | undefined {
  let body = (error as {body?: unknown}).body
  if (typeof body === 'string') {
    const text = body
    try {
      body = JSON.parse(text) as unknown
    } catch {
      return text.trim().slice(0, 200) || undefined
    }
  }
  const message = (body as {message?: unknown} | null)?.message
  return typeof message === 'string' && message ? message : undefined
}
