import {quote} from '../names.js'

/** True for hosts that can only be this machine: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/** Why a URL's port cannot be connected to, or undefined; protocol parsers put it after "Invalid <what> <value>: ". */
export function portProblem(url: URL): string | undefined {
  return url.port === '0' ? 'it has port 0, which nothing can listen on' : undefined
}

export interface UrlRules {
  /** The value's name in messages: "--address". */
  flag: string
  /** "a docker-registry endpoint" */
  what: string
  /** Allowed schemes. */
  schemes: ReadonlyArray<'http' | 'https'>
  /** Allow http:// for hosts that can only be this machine (local test servers) when only https is allowed. */
  httpOnLoopback?: boolean
  /** The URL must be only scheme://host[:port] (no path). */
  originOnly?: boolean
}

/**
 * Why an http(s) URL given by a user is not acceptable, or undefined: scheme, host,
 * no credentials, no control characters. The one syntax check every URL field uses;
 * the parser that reads the value at use (registry address, git URL) runs after it,
 * so that what is stored is what every use accepts.
 */
export function urlProblem(value: string, rules: UrlRules): string | undefined {
  const allowed = rules.schemes.map((s) => `${s}://`).join(' or ')
  if (value.trim() === '') return `${rules.flag} is empty; ${rules.what} needs an ${allowed} URL.`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(value)) return `${rules.flag} ${quote(value)} contains spaces or control characters.`
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase()
  if (!scheme || !value.slice(scheme.length + 1).startsWith('//')) {
    const bare = value.replace(/^[a-z][a-z0-9+.-]*:\/+/i, '')
    const example = rules.schemes.includes('https') ? `https://${bare}` : `http://${bare}`
    return `${rules.flag} ${quote(value)} has no scheme; write it as a URL, e.g. ${example}.`
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `${rules.flag} ${quote(value)} is not a valid URL.`
  }
  const okScheme = (rules.schemes as readonly string[]).includes(scheme) || (scheme === 'http' && rules.httpOnLoopback && isLoopbackHost(url.hostname))
  if (!okScheme) {
    const extra = rules.httpOnLoopback && scheme === 'http' ? ' (http:// is accepted only for this machine: localhost, 127.x.x.x, ::1)' : ''
    return `${rules.flag} ${quote(value)} uses ${scheme}://; ${rules.what} needs ${allowed}${extra}.`
  }
  if (!url.hostname) return `${rules.flag} ${quote(value)} has no host.`
  if (url.username || url.password) return `${rules.flag} must not contain a username or password; give them with --username and a password flag instead.`
  if (url.search || url.hash) return `${rules.flag} ${quote(value)} must not have a query or fragment.`
  if (rules.originOnly && url.pathname !== '/' && url.pathname !== '') return `${rules.flag} ${quote(value)} must be only scheme://host[:port], without a path.`
  return undefined
}

/**
 * A checked URL as berth stores it: scheme and host in lower case (as URL parsing
 * gives them), the scheme's default port dropped, no trailing "/".
 * "HTTPS://Registry.Example.com:443/" → "https://registry.example.com".
 */
export function normalizeHttpUrl(value: string): string {
  const url = new URL(value)
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}
