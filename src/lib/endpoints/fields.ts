import {quote} from '../names.js'
import type {EndpointType} from './types.js'

/** Why a value is not acceptable, or undefined. The same text is shown by a prompt and by a flag error. */
export type Check = (value: string) => string | undefined

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

export interface UrlRules {
  /** The flag, for messages: "--address". */
  flag: string
  /** "a docker-registry endpoint" */
  what: string
  /** Allowed schemes. */
  schemes: ReadonlyArray<'http' | 'https'>
  /** Allow http:// for loopback hosts even when only https is allowed (local test servers). */
  httpOnLoopback?: boolean
  /** The URL must be only scheme://host[:port] (no path). */
  originOnly?: boolean
}

/** Checks a URL flag value: scheme, host, no credentials, no control characters. */
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
  const okScheme = (rules.schemes as readonly string[]).includes(scheme) || (scheme === 'http' && rules.httpOnLoopback && LOOPBACK.has(url.hostname))
  if (!okScheme) {
    const extra = rules.httpOnLoopback && scheme === 'http' ? ' (http:// is accepted only for 127.0.0.1 and localhost)' : ''
    return `${rules.flag} ${quote(value)} uses ${scheme}://; ${rules.what} needs ${allowed}${extra}.`
  }
  if (!url.hostname) return `${rules.flag} ${quote(value)} has no host.`
  if (url.username || url.password) return `${rules.flag} must not contain a username or password; give them with --username and a password flag instead.`
  if (url.search || url.hash) return `${rules.flag} ${quote(value)} must not have a query or fragment.`
  if (rules.originOnly && url.pathname !== '/' && url.pathname !== '') return `${rules.flag} ${quote(value)} must be only scheme://host[:port], without a path.`
  return undefined
}

/** The username of a CodeArts Repo endpoint: tenant/iam-user, nothing around it. */
export function codeartsUsernameProblem(value: string): string | undefined {
  if (value === '') return 'The username is empty; CodeArts Repo usernames have the form tenant/iam-user.'
  if (/^\s/.test(value)) return `The username ${quote(value)} starts with a space; CodeArts Repo usernames have the form tenant/iam-user with no spaces around them (berth does not trim them for you).`
  if (/\s$/.test(value)) return `The username ${quote(value)} ends with a space; CodeArts Repo usernames have the form tenant/iam-user with no spaces around them (berth does not trim them for you).`
  if (!/^[^/\s]+\/[^/\s]+$/.test(value)) return `The username ${quote(value)} is not of the form tenant/iam-user (one "/" between the tenant and the IAM user name, no spaces).`
  return undefined
}

export function usernameProblem(value: string): string | undefined {
  if (value === '') return 'The username is empty.'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `The username ${quote(value)} contains control characters.`
  if (/^\s|\s$/.test(value)) return `The username ${quote(value)} has spaces around it.`
  if (value.length > 256) return 'The username is longer than 256 characters.'
  return undefined
}

export function accessKeyIdProblem(value: string): string | undefined {
  if (!/^[A-Za-z0-9]{8,128}$/.test(value)) return `The access key id ${quote(value)} is not valid: it must be 8 to 128 letters and digits (e.g. a 20-character AK such as HPUAXXXXXXXXXXXXXXXX).`
  return undefined
}

export function secretProblem(label: string, value: string): string | undefined {
  if (value === '') return `The ${label} is empty.`
  return undefined
}

/** A field of an endpoint type, as a flag and as a prompt. */
export interface FieldDefinition {
  key: 'address' | 'username' | 'server' | 'url' | 'urlPrefix' | 'accessKeyId'
  flag: string
  prompt: string
  check: Check
}

export interface SecretDefinition {
  key: 'password' | 'secretAccessKey'
  label: string
  stdinFlag: string
  envFlag: string
  prompt: string
}

const PASSWORD: SecretDefinition = {key: 'password', label: 'password', stdinFlag: '--password-stdin', envFlag: '--password-env', prompt: 'Password'}

/** The plain fields and the secret of each endpoint type (kubernetes is special: its secret is a kubeconfig). */
export const TYPE_FIELDS: Record<EndpointType, {title: string; fields: FieldDefinition[]; secret?: SecretDefinition}> = {
  'docker-registry': {
    title: 'Docker registry (address, username, password)',
    fields: [
      {key: 'address', flag: '--address', prompt: 'Registry address (http:// or https://)', check: (v) => urlProblem(v, {flag: '--address', what: 'a docker-registry endpoint', schemes: ['http', 'https']})},
      {key: 'username', flag: '--username', prompt: 'Username', check: usernameProblem},
    ],
    secret: PASSWORD,
  },
  kubernetes: {
    title: 'Kubernetes cluster (API server URL and kubeconfig)',
    fields: [{key: 'server', flag: '--server', prompt: 'Kubernetes API server URL', check: (v) => urlProblem(v, {flag: '--server', what: 'a kubernetes endpoint', schemes: ['http', 'https']})}],
  },
  git: {
    title: 'Git repository over HTTPS (URL, username, password or token)',
    fields: [
      {key: 'url', flag: '--url', prompt: 'Repository URL (https://…)', check: (v) => urlProblem(v, {flag: '--url', what: 'a git endpoint', schemes: ['https'], httpOnLoopback: true})},
      {key: 'username', flag: '--username', prompt: 'Username', check: usernameProblem},
    ],
    secret: {...PASSWORD, label: 'password or access token', prompt: 'Password or access token'},
  },
  iam: {
    title: 'Cloud IAM access key (AK/SK)',
    fields: [{key: 'accessKeyId', flag: '--access-key-id', prompt: 'Access key id (AK)', check: accessKeyIdProblem}],
    secret: {key: 'secretAccessKey', label: 'secret access key', stdinFlag: '--secret-access-key-stdin', envFlag: '--secret-access-key-env', prompt: 'Secret access key (SK)'},
  },
  'codearts-repo': {
    title: 'CodeArts Repo over HTTPS (clone-URL prefix, tenant/iam-user, password)',
    fields: [
      {key: 'urlPrefix', flag: '--url-prefix', prompt: 'HTTPS clone-URL prefix (e.g. https://codehub.example.com)', check: (v) => urlProblem(v, {flag: '--url-prefix', what: 'a codearts-repo endpoint', schemes: ['https'], httpOnLoopback: true})},
      {key: 'username', flag: '--username', prompt: 'Username (tenant/iam-user)', check: codeartsUsernameProblem},
    ],
    secret: PASSWORD,
  },
}
