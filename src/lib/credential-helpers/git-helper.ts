/**
 * git's credential helper protocol (gitcredentials(7), git-credential(1)) over
 * berth's git and codearts-repo endpoints, for
 *
 *     git config --global credential.helper '!berth credential git'
 *
 * git runs `berth credential git get|store|erase` and writes `key=value` lines
 * (protocol, host, path, username, password, …) ended by a blank line to its stdin.
 *
 * get: the endpoint of the current project whose URL has the same protocol and
 * host (and port) and whose path is a prefix of the requested path wins, the
 * longest path first (a git endpoint's URL is the repository, a codearts-repo
 * endpoint's is its clone-URL prefix). git sends the path only with
 * credential.useHttpPath; without it, endpoints match by protocol and host alone
 * and, if several do, the first by name. A username in the request (a remote URL
 * such as https://alice@host/repo.git) keeps only the endpoints with that
 * username. Without a match nothing is printed, so git goes on to its other
 * helpers or prompts.
 * store / erase: berth endpoints are managed with `berth endpoint`, never through
 * git: nothing is saved or deleted. When the credentials concern a berth endpoint,
 * a notice on stderr says how to change it.
 */
import type {Readable} from 'node:stream'

import type {BerthContext} from '../context.js'
import {credentialsOf} from '../endpoints/credentials.js'
import type {CredentialsOf, EndpointDocument, EndpointSpec, EndpointStatus} from '../endpoints/types.js'
import {ValidationError} from '../errors.js'
import {printable} from '../names.js'
import {parseGitHttpUrl, repositoryPathSegments, repositorySegments} from '../git/url.js'

/** The parts of a git credential description that berth uses; other keys are ignored. */
export interface GitCredentialRequest {
  protocol?: string
  host?: string
  path?: string
  username?: string
  password?: string
}

/** A git or codearts-repo endpoint as the matcher sees it (no secrets). */
export interface GitEndpointCandidate {
  name: string
  type: 'git' | 'codearts-repo'
  /** The repository URL (git) or clone-URL prefix (codearts-repo). */
  url: string
  username: string
}

const MAX_INPUT_BYTES = 64 * 1024
const USAGE_HINT = "This command is run by git: git config credential.helper '!berth credential git'. Input is key=value lines ended by a blank line (see gitcredentials(7))."

/**
 * Parse git's credential description. Reading stops at the first blank line.
 * Throws a ValidationError (exit 2) for a line without "=", an empty key or a NUL
 * byte; the offending line is never echoed, as it may hold a password.
 */
export function parseCredentialRequest(text: string): GitCredentialRequest {
  const request: GitCredentialRequest = {}
  const lines = text.split('\n')
  // A final fragment without "\n" is a line too (input ended by EOF); an empty one is not.
  if (lines.at(-1) === '') lines.pop()
  for (const [index, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line === '') break
    const eq = line.indexOf('=')
    if (eq <= 0 || line.includes('\0')) {
      const problem = line.includes('\0') ? 'it contains a NUL byte' : eq === 0 ? 'the key is empty' : 'expected key=value'
      throw new ValidationError(`Malformed git credential input on line ${index + 1}: ${problem}.`, {hint: USAGE_HINT})
    }
    const key = line.slice(0, eq)
    const value = line.slice(eq + 1)
    switch (key) {
      case 'protocol':
      case 'host':
      case 'path':
      case 'username':
      case 'password':
        request[key] = value
        break
      case 'url':
        // git itself turns url=… into its parts (and clears the others), as `git credential fill` does.
        for (const k of ['protocol', 'host', 'path', 'username', 'password'] as const) delete request[k]
        Object.assign(request, requestFromUrl(value))
        break
      default:
        break // capability[], wwwauth[], authtype, state[], …: not used
    }
  }
  return request
}

function requestFromUrl(value: string): GitCredentialRequest {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#]*)(?:\/([^?#]*))?/i.exec(value)
  if (!m) return {}
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }
  const [, protocol, userinfo, host, path] = m
  const out: GitCredentialRequest = {protocol: protocol!.toLowerCase(), host: decode(host!)}
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':')
    out.username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon))
    if (colon >= 0) out.password = decode(userinfo.slice(colon + 1))
  }
  if (path !== undefined) out.path = decode(path)
  return out
}

/**
 * Read git's request from `stream`: up to a blank line or the end of the input,
 * whichever comes first (git closes stdin; a person typing ends with a blank line).
 */
export async function readCredentialRequest(stream: Readable, maxBytes = MAX_INPUT_BYTES): Promise<GitCredentialRequest> {
  const text = await new Promise<string>((resolve, reject) => {
    let buffer = ''
    let done = false
    const finish = (error?: Error) => {
      if (done) return
      done = true
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      stream.pause()
      if (error) reject(error)
      else resolve(buffer)
    }
    const onData = (chunk: Buffer | string) => {
      buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
      if (/(^|\n)\r?\n/.test(buffer)) finish()
      else if (buffer.length > maxBytes) finish(new ValidationError(`The git credential input is longer than ${maxBytes / 1024} KiB.`, {hint: USAGE_HINT}))
    }
    const onEnd = () => finish()
    const onError = (error: Error) => finish(error)
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
  })
  return parseCredentialRequest(text)
}

/** git's answer to `get`: username and password lines. */
export function formatCredentialResponse(credential: {username: string; password: string}, endpoint: string): string {
  for (const [field, value] of [['username', credential.username], ['password', credential.password]] as const) {
    if (/[\r\n\0]/.test(value)) {
      throw new ValidationError(`The ${field} of endpoint "${endpoint}" contains a line break or NUL character, which git's credential protocol cannot carry.`, {
        hint: `Store it again without one: berth endpoint update ${endpoint}`,
      })
    }
  }
  return `username=${credential.username}\npassword=${credential.password}\n`
}

/** "https://host[:port]" of the request, normalised like endpoint URLs; undefined if it is not http(s). */
function requestOrigin(request: GitCredentialRequest): string | undefined {
  const protocol = request.protocol?.toLowerCase()
  if ((protocol !== 'https' && protocol !== 'http') || !request.host) return undefined
  try {
    const url = new URL(`${protocol}://${request.host}`)
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || !url.hostname) return undefined
    return `${url.protocol}//${url.host}`
  } catch {
    return undefined
  }
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((segment, i) => of[i] === segment)
}

/**
 * The endpoint that answers a request (rules in the module comment), or undefined.
 * Candidates whose URL does not parse are skipped.
 */
export function matchGitEndpoint<C extends GitEndpointCandidate>(request: GitCredentialRequest, candidates: readonly C[]): C | undefined {
  const origin = requestOrigin(request)
  if (!origin) return undefined
  const parsed: Array<{candidate: C; segments: string[]}> = []
  for (const candidate of candidates) {
    let url
    try {
      url = parseGitHttpUrl(candidate.url)
    } catch {
      continue
    }
    if (url.origin !== origin) continue
    if (request.username && candidate.username !== request.username) continue
    parsed.push({candidate, segments: repositoryPathSegments(url.pathname)})
  }
  const byName = (a: {candidate: C}, b: {candidate: C}) => (a.candidate.name < b.candidate.name ? -1 : a.candidate.name > b.candidate.name ? 1 : 0)
  if (request.path === undefined) return parsed.sort(byName)[0]?.candidate
  const wanted = repositorySegments(request.path.split('/'))
  return parsed
    .filter((p) => isPrefix(p.segments, wanted))
    .sort((a, b) => b.segments.length - a.segments.length || byName(a, b))[0]?.candidate
}

type GitEndpointDocument = EndpointDocument & {spec: EndpointSpec & {type: 'git' | 'codearts-repo'}}

async function findEndpoint(ctx: BerthContext, request: GitCredentialRequest): Promise<GitEndpointDocument | undefined> {
  const project = await ctx.project()
  const docs = await ctx.state().list<EndpointSpec, EndpointStatus>('Endpoint', {project})
  const candidates: Array<GitEndpointCandidate & {doc: GitEndpointDocument}> = []
  for (const doc of docs) {
    const spec = doc.spec
    if (spec.type === 'git' && spec.url) candidates.push({name: doc.metadata.name, type: 'git', url: spec.url, username: spec.username ?? '', doc: doc as GitEndpointDocument})
    if (spec.type === 'codearts-repo' && spec.urlPrefix) candidates.push({name: doc.metadata.name, type: 'codearts-repo', url: spec.urlPrefix, username: spec.username ?? '', doc: doc as GitEndpointDocument})
  }
  return matchGitEndpoint(request, candidates)?.doc
}

async function secretsOf(ctx: BerthContext, doc: GitEndpointDocument): Promise<{username: string; password: string}> {
  const creds = (await credentialsOf(ctx, doc)) as CredentialsOf<'git' | 'codearts-repo'>
  return {username: creds.username, password: creds.password}
}

export interface GitCredentialResult {
  /** What to print on stdout (for get: the username and password lines; empty without a match). */
  output: string
  /** The endpoint that matched, if any. */
  endpoint?: string
  /** A line for stderr, for people (git shows a helper's stderr). */
  notice?: string
}

/** `get`: the matching endpoint's username and password, or nothing. */
export async function getGitCredential(options: {request: GitCredentialRequest}, ctx: BerthContext): Promise<GitCredentialResult> {
  const doc = await findEndpoint(ctx, options.request)
  if (!doc) return {output: ''}
  const secrets = await secretsOf(ctx, doc)
  return {output: formatCredentialResponse(secrets, doc.metadata.name), endpoint: doc.metadata.name}
}

/** `store`: saves nothing; says so when git used credentials other than the matching endpoint's. */
export async function storeGitCredential(options: {request: GitCredentialRequest}, ctx: BerthContext): Promise<GitCredentialResult> {
  const {request} = options
  const doc = await findEndpoint(ctx, request)
  if (!doc || request.password === undefined) return {output: ''}
  const name = doc.metadata.name
  const same = await secretsOf(ctx, doc)
    .then((s) => s.password === request.password && (request.username === undefined || s.username === request.username))
    .catch(() => true) // advisory only: an unreadable secret is reported by get, not here
  if (same) return {output: '', endpoint: name}
  return {
    output: '',
    endpoint: name,
    notice: `berth: git used credentials for ${describe(request)} that differ from endpoint "${name}"; berth did not save them. To change the endpoint: berth endpoint update ${name}`,
  }
}

/** `erase`: deletes nothing (endpoints are removed with `berth endpoint delete`); says so when the rejected credentials are an endpoint's. */
export async function eraseGitCredential(options: {request: GitCredentialRequest}, ctx: BerthContext): Promise<GitCredentialResult> {
  const {request} = options
  const doc = await findEndpoint(ctx, request)
  if (!doc) return {output: ''}
  const name = doc.metadata.name
  const ours =
    request.password === undefined ||
    (await secretsOf(ctx, doc)
      .then((s) => s.password === request.password)
      .catch(() => false))
  if (!ours) return {output: '', endpoint: name}
  return {
    output: '',
    endpoint: name,
    notice: `berth: ${describe(request)} rejected the credentials of endpoint "${name}"; berth keeps them. Check them with: berth endpoint test ${name}; change them with: berth endpoint update ${name}`,
  }
}

function describe(request: GitCredentialRequest): string {
  return printable(`${request.protocol ?? '?'}://${request.host ?? '?'}${request.path === undefined ? '' : `/${request.path}`}`, 200)
}
