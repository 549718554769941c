import {ValidationError} from '../errors.js'
import {printable} from '../names.js'
import {portProblem} from '../net/url.js'

/** The key docker keeps Docker Hub credentials under, in config.json auths and with credential helpers. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/'
/** Where Docker Hub's registry v2 API lives. */
export const DOCKER_HUB_API = 'https://registry-1.docker.io'
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'])

/** A docker-registry endpoint address, normalised for the registry API and for docker. */
export interface RegistryAddress {
  /** The registry root for the v2 API, no trailing slash: "http://127.0.0.1:5000". */
  baseUrl: string
  /** The key docker uses for this registry in `auths` and with credential helpers: "127.0.0.1:5000", "https://index.docker.io/v1/". */
  host: string
  /** The registry part of image references: "127.0.0.1:5000", "registry.example.com", "docker.io". */
  imagePrefix: string
  dockerHub: boolean
}

/**
 * Normalise a registry address: `http://host:port`, `https://host`, with an optional
 * `/`, `/v1/` or `/v2/` path (what people copy from docker). A bare host is read as
 * https, as docker does; the endpoint layer decides whether to accept one. docker.io,
 * index.docker.io and registry-1.docker.io all mean Docker Hub. The default port of
 * the scheme is dropped (https://host:443 is "host"), as URL parsing does.
 */
export function parseRegistryAddress(address: string): RegistryAddress {
  const raw = address.trim()
  const shown = JSON.stringify(printable(raw))
  if (raw === '') throw new ValidationError('The registry address is empty.', {hint: 'Give one like https://registry.example.com or http://127.0.0.1:5000.'})
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)
  // Checked before anything echoes the address: credentials in it must not be printed.
  const authority = raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/?#]/)[0] ?? ''
  if (authority.includes('@')) {
    throw new ValidationError('The registry address must not contain a username or password.', {hint: 'Give the username and password separately; berth keeps the password in the secret store.'})
  }
  let url: URL
  try {
    url = new URL(hasScheme ? raw : `https://${raw}`)
  } catch {
    throw new ValidationError(`Invalid registry address ${shown}: it is not a URL.`, {hint: 'Give one like https://registry.example.com or http://127.0.0.1:5000.'})
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`Invalid registry address ${shown}: the scheme must be http or https, not ${url.protocol.slice(0, -1)}.`)
  }
  if (url.search || url.hash) throw new ValidationError(`Invalid registry address ${shown}: it must not have a query or fragment.`)
  const badPort = portProblem(url)
  if (badPort) throw new ValidationError(`Invalid registry address ${shown}: ${badPort}.`, {hint: 'Give the registry\'s real port, e.g. http://127.0.0.1:5000.'})
  const path = url.pathname.replace(/\/+$/, '')
  if (path !== '' && path !== '/v1' && path !== '/v2') {
    throw new ValidationError(`Invalid registry address ${shown}: a registry is addressed by its host and port only, not a path (${printable(url.pathname)}).`, {
      hint: 'Docker image references cannot carry a path prefix; use the registry root, e.g. https://registry.example.com.',
    })
  }
  const hostname = url.hostname.toLowerCase()
  if (DOCKER_HUB_HOSTS.has(hostname) && !url.port) {
    return {baseUrl: DOCKER_HUB_API, host: DOCKER_HUB_AUTH_KEY, imagePrefix: 'docker.io', dockerHub: true}
  }
  const host = url.host.toLowerCase()
  return {baseUrl: `${url.protocol}//${host}`, host, imagePrefix: host, dockerHub: false}
}

/**
 * What a server address is compared by, so that the forms docker uses for one registry
 * match: scheme and path dropped ("https://r.example.com/v2/" → "r.example.com"),
 * lower case, ":443" dropped (docker talks https by default), and every Docker Hub
 * alias (docker.io, index.docker.io, https://index.docker.io/v1/) → "docker.io".
 * Undefined for something that is not a host.
 */
export function registryMatchKey(serverAddress: string): string | undefined {
  let rest = serverAddress.trim().toLowerCase()
  rest = rest.replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
  const slash = rest.indexOf('/')
  if (slash >= 0) rest = rest.slice(0, slash)
  if (rest.includes('@')) return undefined
  if (rest.endsWith(':443')) rest = rest.slice(0, -4)
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(rest)) return undefined
  if (DOCKER_HUB_HOSTS.has(rest)) return 'docker.io'
  return rest
}
