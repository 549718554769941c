import {spawn as nodeSpawn} from 'node:child_process'

import {AuthError, BerthError, ExternalError, NotFoundError} from '../errors.js'
import {printable} from '../names.js'
import {ConnectionError, httpAuthError} from '../net/errors.js'
import {runBounded} from '../process/bounded.js'
import {withGitCredentials} from './askpass.js'
import {GitHttpUrl, parseGitHttpUrl} from './url.js'

export interface LsRemoteTarget {
  /** The repository URL: https, or http for this machine (see parseGitHttpUrl). */
  url: string
  username: string
  password: string
  /** The endpoint these come from, named in hints ("berth endpoint update NAME"). */
  name?: string
}

export interface LsRemoteOptions {
  /** Kill git and fail with a timeout error after this long (default 30 s). */
  timeoutMs?: number
  /** Where the private credentials directory is made (default: the OS temp directory). */
  tmpDir?: string
}

export interface LsRemoteDeps {
  /** Replaced in tests to see the command line and environment git is started with. */
  spawn?: typeof nodeSpawn
  /** The environment git starts from (default process.env). */
  env?: NodeJS.ProcessEnv
  /** The git program (default "git" on PATH). */
  git?: string
}

export interface RemoteRef {
  name: string
  /** The commit: for annotated tags, the commit the tag points to. */
  commit: string
}

export interface RemoteRefs {
  /** The branch HEAD points to (the default branch); absent for an empty repository. */
  head?: string
  branches: RemoteRef[]
  tags: RemoteRef[]
}

const MAX_STDOUT = 64 * 1024 * 1024
const MAX_STDERR = 64 * 1024

// Variables that would make git log HTTP traffic (Authorization headers included)
// or point it at another repository or config.
export const DROPPED_ENV = /^(GIT_TRACE.*|GIT_CURL_VERBOSE|GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|GIT_COMMON_DIR|GIT_ASKPASS|SSH_ASKPASS|GIT_CONFIG_COUNT|GIT_CONFIG_KEY_\d+|GIT_CONFIG_VALUE_\d+|GIT_CONFIG_PARAMETERS|GIT_REDACT_COOKIES)$/

/**
 * The arguments git is run with: no credentials, the URL after "--". The credential
 * configuration comes through the environment (prepareGitCredentials with
 * onlyTheseCredentials): git uses exactly the credentials berth gives it and no helper
 * of the user's config is asked or told.
 */
export function lsRemoteArgs(url: GitHttpUrl): string[] {
  return ['ls-remote', '--symref', '--', url.href]
}

/**
 * List a remote repository's branches, tags and default branch with
 * `git ls-remote --symref`, the credentials handed over through a credential helper
 * for the URL's origin (see askpass.ts), never the URL or argv. Only http(s) transports are allowed
 * (GIT_ALLOW_PROTOCOL), prompts are off, and git is killed after `timeoutMs`.
 * Failures become berth errors naming the step: AuthError (credentials refused),
 * ConnectionError dns/connect/tls/timeout, NotFoundError (no such repository).
 */
export async function lsRemote(target: LsRemoteTarget, options: LsRemoteOptions = {}, deps: LsRemoteDeps = {}): Promise<RemoteRefs> {
  const url = parseGitHttpUrl(target.url)
  const timeoutMs = options.timeoutMs ?? 30_000
  const spawn = deps.spawn ?? nodeSpawn
  const baseEnv: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(deps.env ?? process.env)) if (value !== undefined && !DROPPED_ENV.test(key)) baseEnv[key] = value

  const result = await withGitCredentials(
    {url: url.href, username: target.username, password: target.password, name: target.name},
    ({env, dir}) =>
      runBounded(
        deps.git ?? 'git',
        lsRemoteArgs(url),
        {
          cwd: dir,
          env: {
            ...baseEnv,
            ...env,
            GIT_ALLOW_PROTOCOL: 'http:https',
            // English messages: failures are recognised from git's stderr.
            LC_ALL: 'C',
            LANGUAGE: 'C',
          },
          timeoutMs,
          maxStdout: MAX_STDOUT,
          maxStderr: MAX_STDERR,
        },
        spawn,
      ),
    {parentDir: options.tmpDir, baseEnv, onlyTheseCredentials: true},
  )

  if (result.spawnError) {
    if ((result.spawnError as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ExternalError('Cannot run git: it is not installed or not on PATH.', {hint: 'Install git (https://git-scm.com/downloads) and try again.'})
    }
    throw new ExternalError(`Cannot run git: ${result.spawnError.message}`)
  }
  if (result.timedOut) {
    throw new ConnectionError('timeout', `git ls-remote ${url.href} did not finish within ${formatSeconds(timeoutMs)}; it was stopped.`, {
      hint: 'Check the address and the network path to the Git server (proxy settings: https_proxy, http.proxy).',
    })
  }
  if (result.stdoutTooLarge) throw new ExternalError(`git ls-remote ${url.href} printed more than ${MAX_STDOUT / 1024 / 1024} MiB of refs; stopped.`)
  if (result.code !== 0) throw classifyGitFailure(result.stderr, {url, name: target.name, exitCode: result.code})
  return parseLsRemote(result.stdout.toString('utf8'))
}

/** Parse `git ls-remote --symref` output. Refs other than branches, tags and HEAD are ignored. */
export function parseLsRemote(output: string): RemoteRefs {
  let head: string | undefined
  const branches: RemoteRef[] = []
  const tags = new Map<string, string>()
  const peeled = new Map<string, string>()
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t')
    if (tab < 0) continue
    const left = line.slice(0, tab)
    const ref = line.slice(tab + 1).trimEnd()
    if (left.startsWith('ref: ')) {
      if (ref === 'HEAD') head = stripPrefix(left.slice('ref: '.length), 'refs/heads/')
      continue
    }
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(left)) continue
    if (ref.startsWith('refs/heads/')) branches.push({name: ref.slice('refs/heads/'.length), commit: left})
    else if (ref.startsWith('refs/tags/')) {
      const name = ref.slice('refs/tags/'.length)
      if (name.endsWith('^{}')) peeled.set(name.slice(0, -3), left)
      else tags.set(name, left)
    }
  }
  return {
    ...(head === undefined ? {} : {head}),
    branches,
    tags: [...tags].map(([name, commit]) => ({name, commit: peeled.get(name) ?? commit})),
  }
}

function stripPrefix(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value
}

function formatSeconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}

export interface GitFailureContext {
  url: GitHttpUrl
  name?: string
  exitCode?: number | null
}

/**
 * Turn git's stderr into a berth error naming the failed step.
 * Secrets stay out of the message by construction, not by masking: only git's own
 * "fatal:"/"error:" lines are quoted, and git never holds the credentials in a URL or
 * argument (they reach it through the credential helper) nor prints them; what the server
 * wrote ("remote:" lines) is never quoted.
 */
export function classifyGitFailure(stderr: string, context: GitFailureContext): BerthError {
  const {url} = context
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
  const fatal = lines.filter((l) => /^(fatal|error):/.test(l)).map((l) => l.replace(/^(fatal|error):\s*/, ''))
  const rawDetail = fatal.at(-1) ?? `git exited with ${context.exitCode ?? 'a signal'}`
  // curl's own message after "unable to access '<url>': ".
  const rawReason = /unable to access '[^']*':\s*(.*)$/.exec(rawDetail)?.[1] ?? rawDetail
  // Quoted lines can still carry bytes from the server (curl's reason, "bad line length character: …"): no terminal escapes, bounded length.
  const safe = (text: string) => printable(text, 400)
  const detail = safe(rawDetail)
  const reason = safe(rawReason)
  const all = stderr
  const server = `the Git server at ${url.origin}`
  const update = `berth endpoint update ${context.name ?? 'NAME'}`

  if (/Authentication failed/i.test(all)) {
    return httpAuthError(401, `Listing ${url.href}: ${server}`, `Check the username and password (or access token), then: ${update}`)
  }
  if (/could not read (Username|Password) for '([^']*)'/i.test(all)) {
    const asked = safe(/could not read (?:Username|Password) for '([^']*)'/i.exec(all)?.[1] ?? '')
    return new AuthError(`Listing ${url.href}: git asked for credentials for ${asked}, which berth gives only to ${url.origin}.`, {
      hint: 'The server probably redirected to another address; use that address as the endpoint URL.',
    })
  }
  if (/returned error: 403|\b403 Forbidden/i.test(all)) {
    return httpAuthError(403, `Listing ${url.href}: ${server}`, `The account lacks read access to this repository; grant it, or use another account: ${update}`)
  }
  if (/returned error: 401/i.test(all)) return httpAuthError(401, `Listing ${url.href}: ${server}`, `Check the username and password (or access token), then: ${update}`)
  if (/Could not resolve (host|proxy)/i.test(all)) {
    return new ConnectionError('dns', `Could not resolve the host of ${server} (DNS): ${reason}`, {hint: 'Check the host name in the repository URL.'})
  }
  if (/timed out|Operation too slow/i.test(rawReason)) {
    return new ConnectionError('timeout', `${server} did not answer in time: ${reason}`, {hint: 'Check the address and the network path to it (proxy settings: https_proxy, http.proxy).'})
  }
  if (/Failed to connect|Couldn't connect|Connection refused|No route to host|Network is unreachable/i.test(rawReason)) {
    return new ConnectionError('connect', `Could not connect to ${server}: ${reason}`, {hint: 'Check the port and that the Git server is running.'})
  }
  if (/SSL certificate problem|server certificate verification failed|certificate|SSL[_: ]|SSL routines|gnutls|TLS (handshake|alert|connection)|wrong version number|handshake/i.test(rawReason)) {
    const untrusted = /certificate/i.test(rawReason)
    return new ConnectionError('tls', `TLS failed talking to ${server}: ${reason}`, {
      hint: untrusted
        ? 'The server\'s certificate is not trusted for this address. Use the right address, or make its CA trusted for git (GIT_SSL_CAINFO=ca.pem or git config --global http.sslCAInfo ca.pem).'
        : 'Check that the server speaks HTTPS on this port (an http:// server addressed as https:// fails like this).',
    })
  }
  if (/Connection reset|Empty reply from server|Recv failure|Send failure/i.test(rawReason)) {
    return new ConnectionError('connect', `The connection to ${server} broke: ${reason}`, {hint: 'Check the address (an http URL for an https server?) and any proxy in between.'})
  }
  if (/repository '[^']*' not found|Repository not found|returned error: 404/i.test(all)) {
    return new NotFoundError(`Repository ${url.href} not found on ${server} (HTTP 404).`, {
      hint: 'Check the repository path (for a codearts-repo endpoint: --repository, relative to the URL prefix); some servers also answer 404 when the account may not see the repository.',
    })
  }
  return new ExternalError(`git ls-remote ${url.href} failed: ${detail}`)
}
