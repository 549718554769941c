/**
 * Huawei Cloud's AK/SK request signing, "SDK-HMAC-SHA256" (the API Gateway
 * signature its SDKs send, e.g. huaweicloud-sdk-go-v3 core/auth/signer):
 *
 *   canonical request = METHOD \n canonical URI (ends in "/") \n canonical query \n
 *                       canonical headers ("name:value\n" each, lowercased, sorted, trimmed) \n
 *                       signed header names (";"-joined) \n hex(SHA256(body))
 *   string to sign    = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA256(canonical request))
 *   signature         = hex(HMAC-SHA256(SK, string to sign))
 *   Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=…
 *
 * Pure: the date is an input, nothing is sent.
 */
import {createHash, createHmac} from 'node:crypto'

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256'
export const DATE_HEADER = 'X-Sdk-Date'

export interface SignRequestInput {
  method: string
  url: string | URL
  /** Further headers to sign besides host and X-Sdk-Date (sent unchanged by the caller). */
  headers?: Record<string, string>
  body?: string | Uint8Array
  accessKeyId: string
  secretAccessKey: string
  date: Date
  /** Sign the Host header (taken from the URL, as fetch sends it); default true. */
  signHost?: boolean
}

export interface SignedRequestHeaders {
  'X-Sdk-Date': string
  Authorization: string
}

/** The X-Sdk-Date form of a date: YYYYMMDDTHHMMSSZ, UTC. */
export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(/[-:]/g, '')
}

/** The headers that sign a request: X-Sdk-Date and Authorization. */
export function signRequest(input: SignRequestInput): SignedRequestHeaders {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url
  const sdkDate = formatSdkDate(input.date)
  const headers = new Map<string, string>()
  for (const [name, value] of Object.entries(input.headers ?? {})) headers.set(name.toLowerCase(), value.trim())
  if (input.signHost !== false) headers.set('host', url.host)
  headers.set('x-sdk-date', sdkDate)
  const names = [...headers.keys()].sort()
  const canonical = canonicalRequest({
    method: input.method.toUpperCase(),
    uri: canonicalUri(url.pathname),
    query: canonicalQueryString(url.search),
    headers: names.map((name) => `${name}:${headers.get(name)}\n`).join(''),
    signedHeaders: names.join(';'),
    payloadHash: sha256Hex(input.body ?? ''),
  })
  const stringToSign = `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`
  const signature = createHmac('sha256', input.secretAccessKey).update(stringToSign).digest('hex')
  return {
    'X-Sdk-Date': sdkDate,
    Authorization: `${SIGNING_ALGORITHM} Access=${input.accessKeyId}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  }
}

function canonicalRequest(parts: {method: string; uri: string; query: string; headers: string; signedHeaders: string; payloadHash: string}): string {
  return [parts.method, parts.uri, parts.query, parts.headers, parts.signedHeaders, parts.payloadHash].join('\n')
}

/** Each path segment decoded, then escaped as the signer does; a trailing "/" always. */
export function canonicalUri(pathname: string): string {
  const path = pathname
    .split('/')
    .map((segment) => escape(decodeURIComponent(segment)))
    .join('/')
  return path.endsWith('/') ? path : `${path}/`
}

/** Query parameters sorted by name, then value (before escaping, as the SDK signers sort), each escaped: "a=1&b=x%20y". */
export function canonicalQueryString(search: string): string {
  const pairs = [...new URLSearchParams(search)]
  pairs.sort(([ka, va], [kb, vb]) => compare(ka, kb) || compare(va, vb))
  return pairs.map(([key, value]) => `${escape(key)}=${escape(value)}`).join('&')
}

/** Percent-encode everything but the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), in UTF-8. */
export function escape(value: string): string {
  return encodeURIComponent(value).replaceAll(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function compare(a: string, b: string): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
