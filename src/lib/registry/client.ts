import {AuthError, BerthError, ExternalError, NotFoundError} from '../errors.js'
import {ConnectionError, classifyNetworkError, httpAuthError} from '../net/errors.js'
import {HttpFetch, httpFetch} from '../net/http.js'
import {RegistryAddress, parseRegistryAddress} from './address.js'
import {AuthChallenge, checkTokenRealm, findChallenge, parseAuthChallenges} from './challenge.js'
import {nextLinkUrl} from './link.js'
import {assertRepositoryName} from './reference.js'

export type AuthScheme = 'none' | 'basic' | 'bearer'

export interface RegistryClientOptions {
  /** The endpoint address, e.g. "http://127.0.0.1:5000". */
  address: string
  username?: string
  password?: string
  /** Per request, headers and body (default 15 s). */
  timeoutMs?: number
  /** Replaceable in tests; httpFetch (fetch without the bad-port list) by default. */
  fetch?: HttpFetch
}

export interface PingResult {
  /** The Docker-Distribution-API-Version header ("registry/2.0"); null when the registry does not send it. */
  apiVersion: string | null
  authScheme: AuthScheme
  /** True when credentials were sent and accepted; false when the registry asks for none (nothing was checked). */
  credentialsAccepted: boolean
  /** Bearer only: the token server that issued the token (origin and path, no query). */
  tokenServer?: string
}

export interface ListTagsOptions {
  /** Tags per request (the `n` parameter); the registry's default when absent. */
  pageSize?: number
  /** Stop after this many tags. */
  limit?: number
}

export interface TagList {
  repository: string
  tags: string[]
  /** Requests made. */
  pages: number
  /** True when `limit` cut the list short. */
  truncated: boolean
}

const DEFAULT_TIMEOUT_MS = 15_000
const MAX_PAGES = 10_000

/**
 * A client for the registry HTTP API v2 (the distribution spec) over fetch. It answers
 * an authentication challenge the way docker does: Basic credentials, or a token from
 * the Bearer challenge's realm (Basic auth to the token server, `service` and `scope`
 * parameters). Credentials go only into Authorization headers, never into URLs or errors.
 */
export class RegistryClient {
  readonly address: RegistryAddress
  private readonly username: string
  private readonly password: string
  private readonly timeoutMs: number
  private readonly fetchFn: HttpFetch
  private readonly target: string
  private scheme?: AuthScheme
  private basicHeader?: string
  /** Bearer tokens by the scope they were issued for ("" for none). */
  private readonly tokens = new Map<string, string>()
  private tokenServer?: string

  constructor(options: RegistryClientOptions) {
    this.address = parseRegistryAddress(options.address)
    this.username = options.username ?? ''
    this.password = options.password ?? ''
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.fetchFn = options.fetch ?? httpFetch
    this.target = `registry ${new URL(this.address.baseUrl).host}`
  }

  /**
   * GET /v2/: is this a registry, which auth does it ask for, are the credentials accepted.
   * A registry is recognised as the distribution spec defines it: a
   * `Docker-Distribution-API-Version: registry/2.0` header, or a 401 with a Bearer token
   * challenge. Any other server answering /v2/ (a web page, a Basic-auth proxy without the
   * header) is refused with a ConnectionError (step "protocol").
   */
  async ping(): Promise<PingResult> {
    const url = new URL('/v2/', this.address.baseUrl)
    let res = await this.send(url, {})
    let apiVersion = res.headers.get('docker-distribution-api-version')
    let tokenChallenge = false
    if (res.status === 401) {
      tokenChallenge = findChallenge(parseAuthChallenges(res.headers.get('www-authenticate') ?? ''), 'bearer') !== undefined
      await this.authenticate(res, undefined)
      res = await this.send(url, this.authHeaders(undefined))
      apiVersion = res.headers.get('docker-distribution-api-version') ?? apiVersion
    }
    await discard(res)
    if (res.status !== 200) throw this.statusError(res.status, 'GET /v2/')
    if (!isRegistryApiVersion(apiVersion) && !tokenChallenge) {
      const sent = apiVersion === null ? 'no Docker-Distribution-API-Version header' : `Docker-Distribution-API-Version ${JSON.stringify(apiVersion)}`
      throw new ConnectionError('protocol', `${this.target} answered GET /v2/, but this does not look like a registry API (${sent}, and no registry token challenge).`, {
        hint: 'The address must be the root of a Docker registry (distribution API v2), e.g. https://registry.example.com or http://127.0.0.1:5000.',
      })
    }
    const authScheme = this.scheme ?? 'none'
    return {apiVersion, authScheme, credentialsAccepted: authScheme !== 'none', ...(this.tokenServer ? {tokenServer: this.tokenServer} : {})}
  }

  /**
   * Every tag of a repository, sorted, following `Link: <…>; rel="next"` pages. With
   * Bearer auth the token is asked for the scope `repository:REPO:pull`. Registries that
   * page return tags in lexical order; those that do not (distribution 2.8 ignores `n` for
   * tags) return one page in any order, so each page is sorted.
   */
  async listTags(repository: string, options: ListTagsOptions = {}): Promise<TagList> {
    assertRepositoryName(repository)
    const repo = this.address.dockerHub && !repository.includes('/') ? `library/${repository}` : repository
    const result = await this.paginate({
      path: `/v2/${repo}/tags/list`,
      scope: `repository:${repo}:pull`,
      field: 'tags',
      what: `the tags of "${repository}"`,
      notFound: () => new NotFoundError(`Repository "${repository}" not found in ${this.target}.`, {hint: 'Check the repository name; it exists once an image has been pushed to it.'}),
      ...options,
    })
    return {repository, tags: result.items, pages: result.pages, truncated: result.truncated}
  }

  /** The repositories of the registry (GET /v2/_catalog, scope registry:catalog:*), paged like tags. */
  async listRepositories(options: ListTagsOptions = {}): Promise<{repositories: string[]; pages: number; truncated: boolean}> {
    const result = await this.paginate({path: '/v2/_catalog', scope: 'registry:catalog:*', field: 'repositories', what: 'the repository catalog', ...options})
    return {repositories: result.items, pages: result.pages, truncated: result.truncated}
  }

  /** GET a paged list: `field` of each JSON page, following rel="next" links on the same server. */
  private async paginate(request: {path: string; scope: string; field: string; what: string; notFound?: () => BerthError} & ListTagsOptions): Promise<{items: string[]; pages: number; truncated: boolean}> {
    let url: URL | undefined = new URL(request.path, this.address.baseUrl)
    if (request.pageSize !== undefined) url.searchParams.set('n', String(request.pageSize))
    const limit = request.limit ?? Number.POSITIVE_INFINITY
    const items: string[] = []
    const seen = new Set<string>()
    let pages = 0
    let truncated = false
    while (url) {
      if (seen.has(url.href) || pages >= MAX_PAGES) {
        throw new ConnectionError('protocol', `${this.target} returned a page link that loops (${url.pathname}${url.search}).`)
      }
      seen.add(url.href)
      const res = await this.authorizedGet(url, request.scope)
      pages++
      if (res.status === 404 && request.notFound) {
        const code = await errorCode(res)
        if (code === 'NAME_UNKNOWN' || code === undefined) throw request.notFound()
        throw new ExternalError(`${this.target} answered HTTP 404 (${code}) listing ${request.what}.`)
      }
      if (res.status !== 200) {
        await discard(res)
        throw this.statusError(res.status, `listing ${request.what}`)
      }
      const page = (await readPage(res, this.target, request.field)).sort(byCodePoint)
      const next = nextLinkUrl(res.headers.get('link'), url, this.target)
      for (const item of page) {
        if (items.length >= limit) {
          truncated = true
          break
        }
        items.push(item)
      }
      if (items.length >= limit) {
        truncated ||= next !== undefined
        break
      }
      if (next && next.origin !== url.origin) {
        throw new ConnectionError('protocol', `${this.target} linked the next page to another server (${next.origin}); berth does not send the credentials there.`)
      }
      url = next
    }
    return {items, pages, truncated}
  }

  /** GET with the credentials, answering one authentication challenge. */
  private async authorizedGet(url: URL, scope: string | undefined): Promise<Response> {
    const res = await this.send(url, this.authHeaders(scope))
    if (res.status !== 401) return res
    if (this.scheme === 'basic') {
      // Basic credentials were already sent: they were refused.
      await discard(res)
      throw httpAuthError(401, this.target)
    }
    await this.authenticate(res, scope)
    const retry = await this.send(url, this.authHeaders(scope))
    if (retry.status === 401) {
      const challenge = findChallenge(parseAuthChallenges(retry.headers.get('www-authenticate') ?? ''), 'bearer')
      await discard(retry)
      // A token was issued but without the access asked for: the account lacks the permission.
      if (challenge?.params.error === 'insufficient_scope') {
        throw new AuthError(`${this.target} accepted the credentials but refused access to ${scope ?? 'the API'} (insufficient_scope).`, {hint: 'The account lacks the permission needed; grant it on the registry or use another account.'})
      }
      throw httpAuthError(401, this.target)
    }
    return retry
  }

  /** Answer a 401: set up Basic credentials, or fetch a Bearer token for `scope`. */
  private async authenticate(res: Response, scope: string | undefined): Promise<void> {
    const header = res.headers.get('www-authenticate') ?? ''
    await discard(res)
    const challenges = parseAuthChallenges(header)
    const bearer = findChallenge(challenges, 'bearer')
    const basic = findChallenge(challenges, 'basic')
    if (bearer) {
      this.scheme = 'bearer'
      this.tokens.set(scope ?? '', await this.fetchToken(bearer, scope))
      return
    }
    if (basic) {
      if (!this.username) throw new AuthError(`${this.target} requires a username and password (Basic auth); none are set.`, {hint: 'Set them with: berth endpoint update NAME'})
      this.scheme = 'basic'
      this.basicHeader = basicAuth(this.username, this.password)
      return
    }
    const got = challenges.map((c) => c.scheme).join(', ') || 'none'
    throw new ConnectionError('protocol', `${this.target} asked for authentication without a Basic or Bearer challenge (WWW-Authenticate schemes: ${got}).`)
  }

  /** A token from the Bearer challenge's realm, for the challenge's scope and ours. */
  private async fetchToken(challenge: AuthChallenge, scope: string | undefined): Promise<string> {
    const realm = checkTokenRealm(challenge.params.realm, new URL(this.address.baseUrl))
    if ('problem' in realm) {
      throw new ConnectionError('protocol', `${this.target} sent ${realm.problem}.`, {
        hint: 'Have the registry\'s token realm served over https. Only a registry that is itself configured as http:// may use an http realm.',
      })
    }
    const {url} = realm
    const tokenServer = `${url.origin}${url.pathname}`
    const target = `token server ${tokenServer} for ${this.target}`
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
    const scopes = new Set<string>()
    for (const s of [challenge.params.scope, scope]) for (const part of (s ?? '').split(' ')) if (part) scopes.add(part)
    for (const s of scopes) url.searchParams.append('scope', s)
    const headers: Record<string, string> = {}
    if (this.username) {
      url.searchParams.set('account', this.username)
      headers.authorization = basicAuth(this.username, this.password)
    }
    const res = await this.send(url, headers, target)
    if (res.status === 401 || res.status === 403) {
      await discard(res)
      throw httpAuthError(res.status, target)
    }
    if (res.status !== 200) {
      await discard(res)
      throw new ConnectionError('http', `${target} answered HTTP ${res.status}.`)
    }
    let body: unknown
    try {
      body = await res.json()
    } catch (error) {
      throw classifyBodyError(error, target, 'a token response')
    }
    const token = (body as {token?: unknown; access_token?: unknown} | null)?.token ?? (body as {access_token?: unknown} | null)?.access_token
    if (typeof token !== 'string' || token === '') throw new ConnectionError('protocol', `${target} answered without a token.`)
    this.tokenServer = tokenServer
    return token
  }

  private authHeaders(scope: string | undefined): Record<string, string> {
    if (this.scheme === 'basic' && this.basicHeader) return {authorization: this.basicHeader}
    if (this.scheme === 'bearer') {
      const token = this.tokens.get(scope ?? '')
      if (token) return {authorization: `Bearer ${token}`}
    }
    return {}
  }

  private async send(url: URL, headers: Record<string, string>, target = this.target): Promise<Response> {
    try {
      return await this.fetchFn(url, {headers: {accept: 'application/json', ...headers}, signal: AbortSignal.timeout(this.timeoutMs)})
    } catch (error) {
      throw classifyNetworkError(error, target)
    }
  }

  private statusError(status: number, doing: string): BerthError {
    if (status === 401 || status === 403) return httpAuthError(status, this.target)
    if (status === 404) {
      return new ConnectionError('protocol', `${this.target} answered HTTP 404 to ${doing}: ${this.address.baseUrl} does not serve the registry v2 API.`, {
        hint: 'The address must be the registry root, e.g. https://registry.example.com or http://127.0.0.1:5000.',
      })
    }
    return new ConnectionError('http', `${this.target} answered HTTP ${status} to ${doing}.`)
  }
}

/** "registry/2.0", and later minor versions of the v2 API. */
function isRegistryApiVersion(value: string | null): boolean {
  return value !== null && value.split(/[\s,]+/).some((v) => /^registry\/2\.\d+$/i.test(v))
}

function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel()
  } catch {
    // the body is not needed
  }
}

/** The first error code of a registry error body ({"errors":[{"code":…}]}). */
async function errorCode(res: Response): Promise<string | undefined> {
  try {
    const body = (await res.json()) as {errors?: Array<{code?: unknown}>}
    const code = body?.errors?.[0]?.code
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}

async function readPage(res: Response, target: string, field: string): Promise<string[]> {
  let body: unknown
  try {
    body = await res.json()
  } catch (error) {
    throw classifyBodyError(error, target, 'a list')
  }
  const items = (body as Record<string, unknown> | null)?.[field]
  if (items === null || items === undefined) return []
  if (!Array.isArray(items) || !items.every((t) => typeof t === 'string')) throw new ConnectionError('protocol', `${target} answered a list whose "${field}" is not a list of strings.`)
  return items as string[]
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function classifyBodyError(error: unknown, target: string, what: string): BerthError {
  if (error instanceof SyntaxError) return new ConnectionError('protocol', `${target} answered ${what} that is not JSON.`, {cause: error})
  return classifyNetworkError(error, target)
}
