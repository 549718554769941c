import {readFileSync} from 'node:fs'
import path from 'node:path'

import type Docker from 'dockerode'

import {BerthError, ExternalError, UsageError, messageOf} from '../errors.js'
import {ConnectionError} from '../net/errors.js'

/** The local Docker engine: a dockerode client and where it talks to, for messages. */
export interface DockerEngine {
  docker: Docker
  /** "unix:///var/run/docker.sock", "tcp://host:2376". */
  host: string
}

const DEFAULT_SOCKET = process.platform === 'win32' ? '//./pipe/docker_engine' : '/var/run/docker.sock'

/**
 * Where dockerode should connect, from DOCKER_HOST (unix://, npipe://, tcp:// with
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, ssh://) or the default socket.
 */
export function dockerConnection(env: NodeJS.ProcessEnv): {options: Docker.DockerOptions; host: string} {
  const value = env.DOCKER_HOST?.trim()
  if (!value) return {options: {socketPath: DEFAULT_SOCKET}, host: `unix://${DEFAULT_SOCKET}`}
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`DOCKER_HOST is not a URL: ${JSON.stringify(value)}.`, {hint: 'Use unix:///path/to/docker.sock or tcp://host:2376.'})
  }
  switch (url.protocol) {
    case 'unix:':
      return {options: {socketPath: decodeURIComponent(url.pathname)}, host: value}
    case 'npipe:':
      return {options: {socketPath: `//./${decodeURIComponent(url.pathname).replace(/^\/+\.?\/?/, '')}`}, host: value}
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = url.protocol === 'https:' || (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0')
      const options: Docker.DockerOptions = {host: url.hostname, port: url.port || (tls ? 2376 : 2375), protocol: tls ? 'https' : 'http'}
      if (tls && env.DOCKER_CERT_PATH) {
        const read = (file: string) => readFileSync(path.join(env.DOCKER_CERT_PATH as string, file))
        try {
          Object.assign(options, {ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem')})
        } catch (error) {
          throw new UsageError(`Could not read the Docker TLS files in DOCKER_CERT_PATH (${env.DOCKER_CERT_PATH}): ${messageOf(error)}`)
        }
      }
      return {options, host: value}
    }
    case 'ssh:':
      return {options: {protocol: 'ssh', host: url.hostname, port: url.port || 22, username: url.username || undefined} as Docker.DockerOptions, host: value}
    default:
      throw new UsageError(`DOCKER_HOST has an unsupported scheme: ${JSON.stringify(value)}.`, {hint: 'Use unix://, tcp:// or ssh://.'})
  }
}

/** A client for the local Docker engine. dockerode is loaded here, on first use. */
export async function openDockerEngine(env: NodeJS.ProcessEnv = process.env): Promise<DockerEngine> {
  const {options, host} = dockerConnection(env)
  const {default: DockerClass} = await import('dockerode')
  return {docker: new DockerClass(options), host}
}

/**
 * An engine call's failure as a berth error: cannot reach the engine (connect step,
 * with what to do), or the engine's own message. `doing` says what was asked ("pushing x").
 */
export function dockerEngineError(error: unknown, engine: Pick<DockerEngine, 'host'>, doing: string): BerthError {
  if (error instanceof BerthError) return error
  const code = (error as {code?: unknown}).code
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') {
    const hint =
      code === 'EACCES'
        ? 'This user may not use the Docker socket; add it to the "docker" group or use a socket it can reach (DOCKER_HOST).'
        : 'Start Docker, or point DOCKER_HOST at a running engine.'
    return new ConnectionError('connect', `Could not connect to the Docker engine at ${engine.host} (${String(code)}) while ${doing}.`, {hint, cause: error})
  }
  return new ExternalError(`The Docker engine failed while ${doing}: ${engineMessage(error)}`, {cause: error})
}

/** The engine's message from a dockerode error ({json: {message}}), or the error's own. */
export function engineMessage(error: unknown): string {
  const json = (error as {json?: unknown}).json
  if (json && typeof json === 'object' && typeof (json as {message?: unknown}).message === 'string') return (json as {message: string}).message
  if (typeof json === 'string' && json.trim()) return json.trim()
  return messageOf(error).replace(/^\(HTTP code \d+\) [a-z ]+- /, '')
}

/** The HTTP status of a dockerode error, when it came from the engine. */
export function engineStatus(error: unknown): number | undefined {
  const status = (error as {statusCode?: unknown}).statusCode
  return typeof status === 'number' ? status : undefined
}
