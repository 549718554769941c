import {ValidationError} from '../errors.js'
import {quote} from '../names.js'
import {isLoopbackHost, portProblem} from '../net/url.js'

/** A repository URL (or URL prefix) that berth is willing to hand to git. */
export interface GitHttpUrl {
  /** The normalised URL (WHATWG form: lower-case host, no default port); what git is given. */
  href: string
  /** "https:" or "http:". */
  protocol: 'https:' | 'http:'
  /** host[:port], lower case, default port dropped; "[::1]:8080" for IPv6. */
  host: string
  /** protocol//host, e.g. "https://git.example.com". */
  origin: string
  /** The path, percent-encoded as in the URL, starting with "/". */
  pathname: string
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i
const WHITESPACE = /\s/
// Scheme, then exactly "//" and a host that starts right away: WHATWG URL would
// otherwise accept "https:host" and "https:///host".
const SHAPE = /^https?:\/\/[^/\\?#\s]/i

export {isLoopbackHost}

/**
 * Check a Git repository URL (or a URL prefix) before it reaches git, and return
 * it normalised. Only https is accepted, and http for loopback hosts (local test
 * servers): git's other transports (ext::, file:, ssh, git://, "host:path") can run
 * commands or read local files. URLs with credentials in them are refused (they
 * would land in logs and argv), as are control characters and whitespace, which
 * could forge extra lines in git's credential protocol.
 * `what` names the value in errors, e.g. "repository URL" or "--url-prefix".
 */
export function parseGitHttpUrl(value: string, what = 'repository URL'): GitHttpUrl {
  const fail = (problem: string, hint?: string, shown: string = quote(value)) =>
    new ValidationError(`Invalid ${what} ${shown}: ${problem}.`, {hint: hint ?? 'Give an HTTPS URL such as https://git.example.com/group/repo.git.'})
  if (typeof value !== 'string' || value.length === 0) throw fail('it is empty')
  if (CONTROL.test(value) || ENCODED_CONTROL.test(value)) throw fail('it contains control characters')
  if (WHITESPACE.test(value)) throw fail('it contains whitespace', 'Remove the spaces; percent-encode them (%20) if they are really part of the path.')
  if (value.includes('\\')) throw fail('it contains a backslash')
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase()
  if (scheme !== 'https' && scheme !== 'http') {
    const shown = scheme ? `"${scheme}:"` : 'none'
    throw fail(`the scheme is ${shown}; only https (and http for this machine) are allowed`)
  }
  if (!SHAPE.test(value)) throw fail('expected "//" and a host after the scheme')
  const authority = value.slice(value.indexOf('//') + 2).split(/[/?#]/, 1)[0] ?? ''
  if (authority.includes('@')) {
    // Never echo the value: it holds a password or token.
    const masked = quote(`${scheme}://***@${authority.slice(authority.lastIndexOf('@') + 1)}`)
    throw fail('it contains credentials', 'Give the username with --username and the password with --password-stdin or --password-env; berth passes them to git without putting them in the URL.', masked)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw fail('it is not a valid URL')
  }
  if (!url.hostname) throw fail('it has no host')
  const badPort = portProblem(url)
  if (badPort) throw fail(badPort)
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw fail('http is allowed only for this machine (localhost, 127.0.0.1, ::1)', `Use https://${url.host}${url.pathname === '/' ? '' : url.pathname}.`)
  }
  return {href: url.href, protocol: url.protocol as 'https:' | 'http:', host: url.host, origin: `${url.protocol}//${url.host}`, pathname: url.pathname}
}

/**
 * The URL of a repository under a CodeArts-style clone-URL prefix:
 * ("https://host", "group/repo.git") → "https://host/group/repo.git".
 * The path must be relative and may not climb out of the prefix.
 */
export function repositoryUrl(prefix: string, repository: string, what = '--repository'): GitHttpUrl {
  const base = parseGitHttpUrl(prefix, 'URL prefix')
  if (/[?#]/.test(prefix)) throw new ValidationError(`Invalid URL prefix ${quote(prefix)}: it may not have a query or fragment.`, {hint: 'Give the clone-URL prefix only, e.g. https://codehub.example.com.'})
  const fail = (problem: string) => new ValidationError(`Invalid ${what} ${quote(repository)}: ${problem}.`, {hint: 'Give the repository path under the URL prefix, e.g. group/repo.git.'})
  if (CONTROL.test(repository) || ENCODED_CONTROL.test(repository) || WHITESPACE.test(repository)) throw fail('it contains control characters or whitespace')
  if (/[\\?#@]/.test(repository)) throw fail('it may not contain "\\", "?", "#" or "@"')
  if (/^[a-z][a-z0-9+.-]*:/i.test(repository)) throw fail('give a path, not a URL')
  const segments = repository.split('/').filter((s) => s !== '')
  if (segments.length === 0) throw fail('it is empty')
  if (segments.some((s) => /^(\.|%2e){1,2}$/i.test(s))) throw fail('"." and ".." are not allowed')
  const joined = `${base.href.replace(/\/+$/, '')}/${segments.join('/')}`
  return parseGitHttpUrl(joined, 'repository URL')
}

/** The path segments of a URL path (percent-encoded, as in URL.pathname), decoded; see repositorySegments. */
export function repositoryPathSegments(pathname: string): string[] {
  return repositorySegments(
    pathname.split('/').map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    }),
  )
}

/**
 * Decoded path segments normalised for comparing repository paths: empty segments
 * dropped and a final ".git" removed, so "group/repo.git/" and "group/repo" are equal.
 */
export function repositorySegments(segments: readonly string[]): string[] {
  const out = segments.filter((s) => s !== '')
  const last = out.length - 1
  if (last >= 0 && out[last]!.endsWith('.git')) {
    out[last] = out[last]!.slice(0, -'.git'.length)
    if (out[last] === '') out.pop()
  }
  return out
}
