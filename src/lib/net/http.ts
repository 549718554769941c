/**
 * HTTP for registries, IAM and other plain HTTP APIs, with fetch's signature.
 *
 * Node's global fetch refuses the WHATWG "bad ports" (5061, 6000, 6665-6669, …) with
 * "bad port", while docker, kubectl and git reach them; a registry on 127.0.0.1:5061
 * is an ordinary set-up. undici's `request` has no such list, so it is used here and
 * its answer wrapped in a standard Response. undici is loaded on first use, keeping
 * it out of start-up.
 */
import {Readable} from 'node:stream'

export type HttpFetch = (input: string | URL, init?: HttpRequestInit) => Promise<Response>

/** The part of fetch's RequestInit that berth uses. */
export interface HttpRequestInit {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** 'follow' (default) or 'manual': as in fetch. */
  redirect?: 'follow' | 'manual'
  signal?: AbortSignal
}

const MAX_REDIRECTS = 20
const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304])

/**
 * fetch without the bad-port list. Redirects are followed like fetch does (at most 20;
 * 303, and 301/302 of a POST, become GET; credentials are dropped when the origin
 * changes). Network failures are thrown as fetch throws them: a TypeError whose cause is
 * the system error, so classifyNetworkError names the step the same way.
 */
export const httpFetch: HttpFetch = async (input, init = {}) => {
  const {request} = await import('undici')
  let url = new URL(String(input))
  let method = (init.method ?? 'GET').toUpperCase()
  let body = init.body
  let headers: Record<string, string> = {...init.headers}
  for (let hop = 0; ; hop++) {
    let answer: Awaited<ReturnType<typeof request>>
    try {
      answer = await request(url, {method: method as 'GET', headers, body, signal: init.signal})
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error
      throw new TypeError('fetch failed', {cause: error})
    }
    const location = header(answer.headers, 'location')
    if (init.redirect !== 'manual' && REDIRECTS.has(answer.statusCode) && location !== undefined) {
      void answer.body.dump().catch(() => {})
      if (hop >= MAX_REDIRECTS) throw new TypeError('fetch failed', {cause: new Error(`more than ${MAX_REDIRECTS} redirects`)})
      const next = new URL(location, url)
      if (next.origin !== url.origin) headers = withoutCredentials(headers)
      if (answer.statusCode === 303 || ((answer.statusCode === 301 || answer.statusCode === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET'
        body = undefined
      }
      url = next
      continue
    }
    return toResponse(answer, url)
  }
}

function toResponse(answer: {statusCode: number; headers: Record<string, string | string[] | undefined>; body: Readable & {dump: () => Promise<void>}}, url: URL): Response {
  const headers = new Headers()
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  const nullBody = NULL_BODY.has(answer.statusCode)
  if (nullBody) void answer.body.dump().catch(() => {})
  // Response only accepts 200-599; an informational status cannot reach here (undici handles those itself).
  const response = new Response(nullBody ? null : webStream(answer.body), {status: answer.statusCode, headers})
  Object.defineProperty(response, 'url', {value: url.href})
  return response
}

/** The body as a web stream; cancelling it (as callers do to discard a body) destroys the socket's stream. */
function webStream(body: Readable & {dump: () => Promise<void>}): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const {value, done} = await chunks.next()
        if (done) controller.close()
        else controller.enqueue(new Uint8Array(value as Buffer))
      },
      cancel() {
        // undici's own discard: reads a little to keep the connection, else closes it, without an unhandled error.
        body.on('error', () => {})
        void body.dump().catch(() => {})
      },
    },
    {highWaterMark: 0},
  )
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !['authorization', 'cookie', 'proxy-authorization'].includes(name.toLowerCase())))
}
