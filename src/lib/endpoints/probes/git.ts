import type {EndpointCheck} from '../credentials.js'
import type {CredentialsOf} from '../types.js'
import {ExternalError} from '../../errors.js'
import {HttpFetch, httpFetch} from '../../net/http.js'
import {classifyNetworkError} from '../../net/errors.js'
import {LsRemoteDeps, RemoteRefs, lsRemote} from '../../git/ls-remote.js'
import {parseGitHttpUrl, repositoryUrl} from '../../git/url.js'

export interface GitCheckOptions {
  /** codearts-repo: the repository to list, relative to the URL prefix (e.g. "group/repo.git"). */
  repository?: string
  /** Per network operation (default 30 s). */
  timeoutMs?: number
  /** Where the private credentials directory is made (default: the OS temp directory). */
  tmpDir?: string
}

export interface GitCheckDeps extends LsRemoteDeps {
  fetch?: HttpFetch
}

const SHOWN_BRANCHES = 10

/**
 * `berth endpoint test` for git and codearts-repo endpoints.
 * git: `git ls-remote` of the repository URL with the endpoint's credentials;
 * summary "2 branches (default main): main, release-1.0".
 * codearts-repo: the endpoint is a clone-URL prefix, so a repository to list is
 * needed (`repository`); without one, the check only verifies that the host
 * answers HTTPS at the prefix (credentials unchecked) and says so.
 * Failures throw berth errors naming the step (auth, dns, connect, tls, timeout, not found).
 */
export async function testGitEndpoint(
  creds: CredentialsOf<'git'> | CredentialsOf<'codearts-repo'>,
  options: GitCheckOptions = {},
  deps: GitCheckDeps = {},
): Promise<EndpointCheck> {
  const lsOptions = {timeoutMs: options.timeoutMs, tmpDir: options.tmpDir}
  if (creds.type === 'git') {
    const refs = await lsRemote({url: creds.url, username: creds.username, password: creds.password, name: creds.name}, lsOptions, deps)
    return {summary: describeRefs(refs), details: {url: creds.url, ...refDetails(refs)}}
  }

  const prefix = parseGitHttpUrl(creds.urlPrefix, 'URL prefix')
  if (options.repository !== undefined) {
    const url = repositoryUrl(creds.urlPrefix, options.repository)
    const refs = await lsRemote({url: url.href, username: creds.username, password: creds.password, name: creds.name}, lsOptions, deps)
    return {
      summary: `${options.repository}: ${describeRefs(refs)}`,
      details: {urlPrefix: creds.urlPrefix, repository: options.repository, url: url.href, ...refDetails(refs)},
    }
  }

  const status = await probeHost(prefix.href, options.timeoutMs ?? 30_000, deps.fetch ?? httpFetch)
  return {
    summary: `${prefix.origin} answers (HTTP ${status}); credentials not checked: listing branches needs --repository PATH (e.g. group/repo.git)`,
    details: {urlPrefix: creds.urlPrefix, status, credentialsChecked: false},
  }
}

/** "2 branches (default main): main, release-1.0", or "empty repository (no branches)". */
export function describeRefs(refs: RemoteRefs): string {
  const n = refs.branches.length
  if (n === 0) return 'empty repository (no branches)'
  const names = refs.branches.map((b) => b.name)
  // The default branch first, then the others in git's (sorted) order.
  const ordered = refs.head && names.includes(refs.head) ? [refs.head, ...names.filter((b) => b !== refs.head)] : names
  const shown = ordered.slice(0, SHOWN_BRANCHES).join(', ') + (n > SHOWN_BRANCHES ? `, … (${n - SHOWN_BRANCHES} more)` : '')
  const head = refs.head ? ` (default ${refs.head})` : ''
  return `${n} branch${n === 1 ? '' : 'es'}${head}: ${shown}`
}

function refDetails(refs: RemoteRefs): {defaultBranch: string | null; branches: string[]; tags: string[]} {
  return {defaultBranch: refs.head ?? null, branches: refs.branches.map((b) => b.name), tags: refs.tags.map((t) => t.name)}
}

/** Any HTTP answer from the prefix counts; no credentials are sent (the prefix is not a Git URL). */
async function probeHost(url: string, timeoutMs: number, fetchFn: HttpFetch): Promise<number> {
  const target = `the CodeArts Repo host ${new URL(url).origin}`
  let response: Response
  try {
    response = await fetchFn(url, {method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs)})
  } catch (error) {
    throw classifyNetworkError(error, target)
  }
  await response.body?.cancel().catch(() => {})
  if (response.status >= 500) throw new ExternalError(`${target} answered HTTP ${response.status}.`, {hint: 'The server has a problem; try again later.'})
  return response.status
}
