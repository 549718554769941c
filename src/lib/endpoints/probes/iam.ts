/**
 * `endpoint test` for an iam endpoint (an IAM user's AK/SK). Without the cloud's
 * IAM URL only the key's shape can be checked; with it, the key queries itself
 * through Huawei Cloud IAM's "Querying a Permanent Access Key" API, signed with
 * SDK-HMAC-SHA256, which proves the AK exists and the SK matches it.
 */
import type {EndpointCheck} from '../credentials.js'
import type {CredentialsOf} from '../types.js'
import {AuthError, BerthError, ExternalError, ValidationError} from '../../errors.js'
import {ConnectionError, classifyNetworkError, httpAuthError} from '../../net/errors.js'
import {HttpFetch, httpFetch} from '../../net/http.js'
import {signRequest} from '../../iam/signer.js'

export interface IamCheckOptions {
  /** Bound on the live request (default 15 s). */
  timeoutMs?: number
  /** The cloud's IAM endpoint, e.g. https://iam.ap-southeast-1.myhuaweicloud.com; without it, only the key's shape is checked. */
  iamUrl?: string
  /** Replaceable in tests. */
  fetch?: HttpFetch
  /** The clock the signature is dated by; replaceable in tests. */
  now?: () => Date
}

const DEFAULT_TIMEOUT_MS = 15_000
/** Huawei Cloud AKs are 20 characters, SKs 40. */
const USUAL_ACCESS_KEY_ID_LENGTH = 20
const USUAL_SECRET_LENGTH = 40
const IAM_URL_EXAMPLE = 'https://iam.<region>.myhuaweicloud.com'

/** What the shape check found: the masked AK and notes about anything unusual. */
interface KeyShape {
  maskedAccessKeyId: string
  notes: string[]
}

export async function testIamEndpoint(creds: CredentialsOf<'iam'>, options: IamCheckOptions = {}): Promise<EndpointCheck> {
  const shape = checkKeyShape(creds)
  if (options.iamUrl === undefined) {
    return {
      summary: `access key ${shape.maskedAccessKeyId} has a valid shape; not checked live: a live check needs the cloud's IAM URL (--iam-url ${IAM_URL_EXAMPLE})`,
      details: {accessKeyId: shape.maskedAccessKeyId, live: false, iamUrl: null, notes: shape.notes},
    }
  }
  const base = parseIamUrl(options.iamUrl)
  return checkLive(creds, shape, base, options)
}

/** The AK with all but its first and last 4 characters hidden: HPUA…WXYZ. */
export function maskAccessKeyId(accessKeyId: string): string {
  if (accessKeyId.length >= 12) return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`
  return `${accessKeyId.slice(0, 2)}…`
}

/**
 * Errors for a key that cannot be right (empty, characters no Huawei Cloud key has,
 * spaces around the secret), notes for one that is merely unusual. Messages never
 * quote the secret or say how long it is.
 */
function checkKeyShape(creds: CredentialsOf<'iam'>): KeyShape {
  const ak = creds.accessKeyId
  const sk = creds.secretAccessKey
  const fix = `Store the right key with: berth endpoint update ${creds.name} --access-key-id AK --secret-access-key-env VAR`
  if (ak === '') throw new ValidationError(`The access key id of endpoint "${creds.name}" is empty.`, {hint: fix})
  if (!/^[A-Za-z0-9]+$/.test(ak)) {
    throw new ValidationError(`The access key id ${JSON.stringify(ak)} of endpoint "${creds.name}" is not valid: an access key id has only letters and digits.`, {hint: fix})
  }
  if (sk === '') throw new ValidationError(`The secret access key of endpoint "${creds.name}" is empty.`, {hint: fix})
  if (/^\s|\s$/.test(sk)) {
    throw new ValidationError(`The secret access key of endpoint "${creds.name}" has spaces or a line break around it.`, {hint: `${fix} (without the spaces)`})
  }
  if (!/^[\x21-\x7e]+$/.test(sk)) {
    throw new ValidationError(`The secret access key of endpoint "${creds.name}" contains spaces, control characters or non-ASCII characters, which no secret access key has.`, {hint: fix})
  }

  const notes: string[] = []
  if (ak.length !== USUAL_ACCESS_KEY_ID_LENGTH) notes.push(`the access key id is ${ak.length} characters long; Huawei Cloud access key ids are usually ${USUAL_ACCESS_KEY_ID_LENGTH}`)
  if (/[a-z]/.test(ak)) notes.push('the access key id has lower-case letters; Huawei Cloud access key ids are usually upper-case letters and digits')
  if (sk.length !== USUAL_SECRET_LENGTH) notes.push(`the secret access key is not ${USUAL_SECRET_LENGTH} characters long, as Huawei Cloud secret access keys usually are`)
  else if (!/^[A-Za-z0-9]+$/.test(sk)) notes.push('the secret access key has characters other than letters and digits, unlike Huawei Cloud secret access keys')
  if (ak.length === USUAL_SECRET_LENGTH && sk.length === USUAL_ACCESS_KEY_ID_LENGTH) notes.push('the access key id and the secret access key may be swapped')
  return {maskedAccessKeyId: maskAccessKeyId(ak), notes}
}

/** --iam-url: https, or http for a loopback host only; no credentials, query or fragment. ValidationError otherwise. */
export function parseIamUrl(value: string): URL {
  const hint = `Give the IAM endpoint of the key's cloud, e.g. --iam-url ${IAM_URL_EXAMPLE}`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ValidationError(`The IAM URL ${JSON.stringify(value)} is not a URL.`, {hint})
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(`The IAM URL ${JSON.stringify(value)} must start with https://.`, {hint})
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new ValidationError(`The IAM URL ${JSON.stringify(value)} uses plain http, which is allowed only for a loopback address (127.0.0.1, ::1, localhost); the signed request must not cross a network unencrypted.`, {hint})
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ValidationError(`The IAM URL ${JSON.stringify(value)} must be just the endpoint's address, with no user, query or fragment.`, {hint})
  }
  return url
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

interface CredentialBody {
  credential?: {access?: unknown; status?: unknown; user_id?: unknown; create_time?: unknown; last_use_time?: unknown}
}

interface HuaweiErrorBody {
  error_msg?: unknown
  error_code?: unknown
  request_id?: unknown
  error?: {message?: unknown; code?: unknown}
}

async function checkLive(creds: CredentialsOf<'iam'>, shape: KeyShape, base: URL, options: IamCheckOptions): Promise<EndpointCheck> {
  const doFetch = options.fetch ?? httpFetch
  const now = options.now ?? (() => new Date())
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/v3.0/OS-CREDENTIAL/credentials/${encodeURIComponent(creds.accessKeyId)}`, base)
  const target = `IAM endpoint ${base.origin}`
  const signed = signRequest({method: 'GET', url, accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, date: now()})
  let response: Response
  let text: string
  try {
    response = await doFetch(url, {
      method: 'GET',
      // IAM's API asks for this Content-Type; it is not signed, as in Huawei's SDKs.
      headers: {'Content-Type': 'application/json;charset=utf8', Accept: 'application/json', ...signed},
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    })
    text = await response.text()
  } catch (error) {
    throw classifyNetworkError(error, target)
  }

  if (response.status === 401 || response.status === 403) throw authFailure(creds, response.status, target, parseJson<HuaweiErrorBody>(text))
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location')
    throw new ExternalError(`${target} answered with a redirect (HTTP ${response.status})${location ? ` to ${location}` : ''}.`, {
      hint: location ? `If that is the IAM endpoint, use it: --iam-url ${new URL(location, url).origin}` : `Check --iam-url; it should be like ${IAM_URL_EXAMPLE}`,
    })
  }
  if (response.status !== 200) {
    const said = serverSaid(parseJson<HuaweiErrorBody>(text))
    throw new ExternalError(`${target} answered HTTP ${response.status} to GET ${url.pathname}${said ? `: ${said}` : ''}.`, {
      hint: response.status === 404 ? `Check --iam-url: it should be the IAM endpoint of the key's region, like ${IAM_URL_EXAMPLE}` : undefined,
    })
  }

  const credential = parseJson<CredentialBody>(text)?.credential
  if (!credential || typeof credential.status !== 'string') {
    throw new ConnectionError('protocol', `${target} did not answer like Huawei Cloud IAM: GET ${url.pathname} returned no credential.`, {
      hint: `Check --iam-url; it should be like ${IAM_URL_EXAMPLE}`,
    })
  }
  if (typeof credential.access === 'string' && credential.access !== creds.accessKeyId) {
    throw new ConnectionError('protocol', `${target} answered about another access key (${maskAccessKeyId(credential.access)}) than the one asked for (${shape.maskedAccessKeyId}).`)
  }
  if (credential.status !== 'active') {
    throw new AuthError(`The access key ${shape.maskedAccessKeyId} is ${credential.status} (checked live at ${base.origin}).`, {
      hint: 'Enable the key in the IAM console (My Credentials > Access Keys), or create a new one and store it with: ' + `berth endpoint update ${creds.name} --access-key-id AK --secret-access-key-env VAR`,
    })
  }
  return {
    summary: `access key ${shape.maskedAccessKeyId} is active (checked live at ${base.origin})`,
    details: {
      accessKeyId: shape.maskedAccessKeyId,
      live: true,
      iamUrl: base.origin,
      status: credential.status,
      userId: stringOrNull(credential.user_id),
      createdAt: stringOrNull(credential.create_time),
      lastUsedAt: stringOrNull(credential.last_use_time),
      notes: shape.notes,
    },
  }
}

/** httpAuthError's message with what the server said, and a hint fitting the reason. */
function authFailure(creds: CredentialsOf<'iam'>, status: number, target: string, body: HuaweiErrorBody | undefined): BerthError {
  const said = serverSaid(body)
  const reason = typeof body?.error_msg === 'string' ? body.error_msg : ''
  let hint: string
  if (/signature expired|x-sdk-date/i.test(reason)) {
    hint = 'The request\'s X-Sdk-Date differs from the server\'s time by more than 15 minutes: correct this machine\'s clock (e.g. enable NTP).'
  } else if (/ak not exist|secretKey/i.test(reason)) {
    hint = `This IAM endpoint does not know the access key id: check it, and that --iam-url is of the key's cloud. Store the right one with: berth endpoint update ${creds.name} --access-key-id AK --secret-access-key-env VAR`
  } else if (status === 403) {
    hint = 'The key was accepted but may not query itself here (an IAM policy denies it, or the account is frozen).'
  } else {
    hint = `The secret access key does not match the access key id. Store the right one with: berth endpoint update ${creds.name} --secret-access-key-env VAR (after 5 failures in a row Huawei Cloud locks the key for 5 minutes).`
  }
  const base = httpAuthError(status, target, hint)
  if (!said) return base
  return new AuthError(`${base.message.replace(/\.$/, '')}: ${said}.`, {hint: base.hint})
}

/** "message (CODE, request ID)" from Huawei's error bodies, or undefined. */
function serverSaid(body: HuaweiErrorBody | undefined): string | undefined {
  if (!body) return undefined
  const message = typeof body.error_msg === 'string' ? body.error_msg : typeof body.error?.message === 'string' ? body.error.message : undefined
  if (!message) return undefined
  const code = typeof body.error_code === 'string' ? body.error_code : typeof body.error?.code === 'string' || typeof body.error?.code === 'number' ? String(body.error.code) : undefined
  const requestId = typeof body.request_id === 'string' ? body.request_id : undefined
  const extra = [code, requestId ? `request ${requestId}` : undefined].filter(Boolean).join(', ')
  return `${message.trim().replace(/\.$/, '')}${extra ? ` (${extra})` : ''}`
}

function parseJson<T>(text: string): T | undefined {
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null ? (value as T) : undefined
  } catch {
    return undefined
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}
