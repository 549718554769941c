import {AuthError, BerthError, ExternalError, messageOf} from '../errors.js'

/** The step of a connection that failed, named in every connection error. */
export type FailedStep = 'dns' | 'connect' | 'tls' | 'timeout' | 'auth' | 'forbidden' | 'http' | 'protocol'

/** A connection failed at `step`; --json shows {"code": "connection", "step": …}. Exit 1. */
export class ConnectionError extends BerthError {
  override readonly step: FailedStep
  constructor(step: FailedStep, message: string, options: {hint?: string; cause?: unknown} = {}) {
    super('connection', 1, message, options)
    this.step = step
  }
}

/** A server refused the credentials (HTTP 401) or the access (403): code "auth", step "auth" or "forbidden". Exit 1. */
export class CredentialsRefusedError extends AuthError {
  override readonly step: 'auth' | 'forbidden'
  constructor(step: 'auth' | 'forbidden', message: string, options: {hint?: string; cause?: unknown} = {}) {
    super(message, options)
    this.step = step
  }
}

/** The failed step of an error, when it names one (ConnectionError, CredentialsRefusedError). */
export function failedStep(err: unknown): FailedStep | undefined {
  return err instanceof ConnectionError || err instanceof CredentialsRefusedError ? err.step : undefined
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
])

function errorCode(err: unknown): string | undefined {
  let current: unknown = err
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as {code?: unknown}).code
    if (typeof code === 'string') return code
    current = (current as {cause?: unknown}).cause
  }
  return undefined
}

function innermostMessage(err: unknown): string {
  let current: unknown = err
  let message = messageOf(err)
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof Error && current.message) message = current.message
    current = (current as {cause?: unknown}).cause
  }
  return message
}

/**
 * Turn a low-level failure (fetch, net, tls) into a ConnectionError naming the step:
 * DNS, connect, TLS or timeout. `target` is what was being reached, e.g. "registry 127.0.0.1:5000".
 */
export function classifyNetworkError(err: unknown, target: string): BerthError {
  if (err instanceof BerthError) return err
  const code = errorCode(err)
  const detail = innermostMessage(err)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ConnectionError('dns', `Could not resolve the host of ${target} (DNS: ${code}).`, {hint: 'Check the host name in the endpoint address.', cause: err})
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new ConnectionError('connect', `Could not connect to ${target}: ${code}.`, {hint: 'Check the port and that the service is running.', cause: err})
  }
  if ((code && TLS_CODES.has(code)) || /certificate|SSL|TLS/i.test(detail)) {
    return new ConnectionError('tls', `TLS failed talking to ${target}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}.`, {
      hint: 'The server\'s certificate is not trusted for this address. Use the right address, or make its CA trusted (NODE_EXTRA_CA_CERTS=ca.pem).',
      cause: err,
    })
  }
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'ABORT_ERR' || code === 'TimeoutError' || (err instanceof Error && err.name === 'TimeoutError')) {
    return new ConnectionError('timeout', `${target} did not answer in time.`, {hint: 'Check the address and the network path to it.', cause: err})
  }
  return new ConnectionError('connect', `Could not reach ${target}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}.`, {cause: err})
}

/** The error for an HTTP status that means the credentials were refused. */
export function httpAuthError(status: number, target: string, hint?: string): BerthError {
  if (status === 401) return new CredentialsRefusedError('auth', `${target} rejected the credentials (HTTP 401 Unauthorized).`, {hint: hint ?? 'Check the username and password, then: berth endpoint update NAME'})
  if (status === 403) return new CredentialsRefusedError('forbidden', `${target} accepted the credentials but refused access (HTTP 403 Forbidden).`, {hint: hint ?? 'The account lacks the permission needed; grant it or use another account.'})
  return new ExternalError(`${target} answered HTTP ${status}.`)
}
