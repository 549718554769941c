import {AuthError, BerthError, ExternalError, NotFoundError, UsageError} from '../errors.js'
import {printable} from '../names.js'
import {RegistryAddress, parseRegistryAddress} from '../registry/address.js'
import {assertRepositoryName, assertTag, parseRepositoryTag, splitImageName} from '../registry/reference.js'
import {DockerEngine, dockerEngineError, engineMessage, engineStatus} from './engine.js'

/** A registry login: the address and credentials docker sends (`name` labels results and messages). */
export interface RegistryLogin {
  name: string
  address: string
  username: string
  password: string
}

/** One line of the engine's push/pull progress, as a progress display needs it. */
export interface DockerProgressEvent {
  /** The layer (short digest) the line is about; absent for overall status lines. */
  id?: string
  status: string
  /** The engine's bar text ("[==>   ] 1.2MB/5MB"), when it sends one. */
  progress?: string
  current?: number
  total?: number
}

export interface ImageDeps {
  engine: DockerEngine
  onProgress?: (event: DockerProgressEvent) => void
}

export interface PushImageOptions {
  /** A local image: "app:1", "team/app", an image id with `as`. */
  localImage: string
  endpoint: RegistryLogin
  /** REPO[:TAG] in the registry; default: the local image's path and tag. */
  as?: string
}

export interface PushImageResult {
  endpoint: string
  localImage: string
  /** The pushed reference, "127.0.0.1:5000/team/app:1". */
  reference: string
  repository: string
  tag: string
  digest: string | null
  size: number | null
}

export interface PullImageOptions {
  endpoint: RegistryLogin
  /** REPO[:TAG] in the registry (tag "latest" when absent). */
  ref: string
}

export interface PullImageResult {
  endpoint: string
  reference: string
  repository: string
  tag: string
  digest: string | null
  imageId: string | null
  /** The engine's last status: "Downloaded newer image for …" or "Image is up to date for …". */
  status: string | null
}

/**
 * Push a local image to a docker-registry endpoint through the Docker engine: tag it
 * into the registry's namespace (host/repo:tag, kept like `docker tag` would) and push
 * with the endpoint's credentials as the request's auth config, so nothing is written
 * to ~/.docker/config.json. Errors in the progress stream ("unauthorized") are thrown.
 */
export async function pushImage(options: PushImageOptions, deps: ImageDeps): Promise<PushImageResult> {
  const {engine} = deps
  const address = parseRegistryAddress(options.endpoint.address)
  const {repository, tag} = pushTarget(options.localImage, options.as)
  const repoRef = `${address.imagePrefix}/${repository}`
  const reference = `${repoRef}:${tag}`
  const image = engine.docker.getImage(options.localImage)
  try {
    await image.inspect()
  } catch (error) {
    if (engineStatus(error) === 404) {
      throw new NotFoundError(`No local image "${printable(options.localImage)}" in the Docker engine at ${engine.host}.`, {hint: 'List local images with: docker images'})
    }
    throw dockerEngineError(error, engine, `looking up "${printable(options.localImage)}"`)
  }
  // A tag berth adds only to push is removed again if the push fails; one that was there stays.
  const tagExisted = await engine.docker
    .getImage(reference)
    .inspect()
    .then(
      () => true,
      (error: unknown) => {
        if (engineStatus(error) === 404) return false
        throw dockerEngineError(error, engine, `looking up "${reference}"`)
      },
    )
  try {
    await image.tag({repo: repoRef, tag})
  } catch (error) {
    throw dockerEngineError(error, engine, `tagging "${printable(options.localImage)}" as ${reference}`)
  }
  const secrets = [options.endpoint.password]
  let events: RawEvent[]
  try {
    const stream = (await engine.docker.getImage(repoRef).push({tag, authconfig: authConfig(options.endpoint, address)})) as NodeJS.ReadableStream
    events = await followProgress(stream, deps.onProgress)
  } catch (error) {
    // noprune: only the tag goes, never the image or its layers.
    if (!tagExisted) await engine.docker.getImage(reference).remove({noprune: true}).catch(() => undefined)
    throw registryError(error, engine, address, `pushing ${reference}`, options.endpoint.name, secrets)
  }
  const aux = events.map((e) => e.aux).find((a): a is {Digest?: unknown; Size?: unknown} => Boolean(a && typeof a === 'object' && 'Digest' in a))
  const digest = typeof aux?.Digest === 'string' ? aux.Digest : (lastMatch(events, /digest: (sha256:[0-9a-f]{64})/) ?? null)
  return {endpoint: options.endpoint.name, localImage: options.localImage, reference, repository, tag, digest, size: typeof aux?.Size === 'number' ? aux.Size : null}
}

/** Pull REPO:TAG from a docker-registry endpoint into the Docker engine, with the endpoint's credentials. */
export async function pullImage(options: PullImageOptions, deps: ImageDeps): Promise<PullImageResult> {
  const {engine} = deps
  const address = parseRegistryAddress(options.endpoint.address)
  const {repository, tag} = parseRepositoryTag(options.ref, 'Image', {defaultTag: 'latest'})
  const repoRef = `${address.imagePrefix}/${repository}`
  const reference = `${repoRef}:${tag}`
  const secrets = [options.endpoint.password]
  let events: RawEvent[]
  try {
    const stream = (await engine.docker.createImage(authConfig(options.endpoint, address), {fromImage: repoRef, tag})) as NodeJS.ReadableStream
    events = await followProgress(stream, deps.onProgress)
  } catch (error) {
    throw registryError(error, engine, address, `pulling ${reference}`, options.endpoint.name, secrets)
  }
  let imageId: string | null = null
  try {
    imageId = ((await engine.docker.getImage(reference).inspect()) as {Id?: string}).Id ?? null
  } catch (error) {
    throw dockerEngineError(error, engine, `inspecting the pulled ${reference}`)
  }
  const status = [...events].reverse().find((e) => typeof e.status === 'string' && e.status.startsWith('Status: '))?.status?.slice('Status: '.length) ?? null
  return {endpoint: options.endpoint.name, reference, repository, tag, digest: lastMatch(events, /^Digest: (sha256:[0-9a-f]{64})/), imageId, status}
}

/** The repository and tag to push to: --as, else the local image's own path and tag. */
function pushTarget(localImage: string, as: string | undefined): {repository: string; tag: string} {
  const local = splitImageName(localImage)
  if (as !== undefined) return parseRepositoryTag(as, '--as', {defaultTag: local?.tag ?? 'latest'})
  if (!local) {
    throw new UsageError(`"${printable(localImage)}" is not a repository name (an image id?), so berth cannot tell where to push it.`, {hint: 'Say where with --as REPOSITORY:TAG.'})
  }
  if (local.digest && !local.tag) throw new UsageError(`"${printable(localImage)}" is a digest reference; say where to push it with --as REPOSITORY:TAG.`)
  assertRepositoryName(local.path)
  const tag = local.tag ?? 'latest'
  assertTag(tag)
  return {repository: local.path, tag}
}

/** The X-Registry-Auth config: credentials for this one request, nothing stored by docker. */
function authConfig(endpoint: RegistryLogin, address: RegistryAddress): {username: string; password: string; serveraddress: string} {
  return {username: endpoint.username, password: endpoint.password, serveraddress: address.host}
}

interface RawEvent {
  id?: string
  status?: string
  progress?: string
  progressDetail?: {current?: number; total?: number}
  error?: string
  errorDetail?: {message?: string; code?: number}
  aux?: unknown
}

/** An error the engine reported in the progress stream. */
class StreamError extends Error {}

/**
 * Read the engine's JSON-lines progress stream to its end, passing each status line on.
 * The engine reports failures inside the stream ({"error": …}) with HTTP 200; the first
 * one is thrown once the stream ends.
 */
function followProgress(stream: NodeJS.ReadableStream, onProgress?: (event: DockerProgressEvent) => void): Promise<RawEvent[]> {
  return new Promise((resolve, reject) => {
    const events: RawEvent[] = []
    let buffer = ''
    let failure: string | undefined
    let settled = false
    const handleLine = (line: string) => {
      const text = line.trim()
      if (!text) return
      let event: RawEvent
      try {
        event = JSON.parse(text) as RawEvent
      } catch {
        return // not a progress line; the engine only sends JSON here
      }
      events.push(event)
      const error = event.errorDetail?.message ?? event.error
      if (error) {
        failure ??= error
        return
      }
      if (onProgress && typeof event.status === 'string') {
        onProgress({
          ...(event.id ? {id: event.id} : {}),
          status: event.status,
          ...(event.progress ? {progress: event.progress} : {}),
          ...(typeof event.progressDetail?.current === 'number' ? {current: event.progressDetail.current} : {}),
          ...(typeof event.progressDetail?.total === 'number' ? {total: event.progressDetail.total} : {}),
        })
      }
    }
    const finish = (error?: Error) => {
      if (settled) return
      settled = true
      if (buffer) handleLine(buffer)
      buffer = ''
      if (error) reject(error)
      else if (failure !== undefined) reject(new StreamError(failure))
      else resolve(events)
    }
    stream.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString()
      let newline: number
      while ((newline = buffer.indexOf('\n')) >= 0) {
        handleLine(buffer.slice(0, newline))
        buffer = buffer.slice(newline + 1)
      }
    })
    stream.on('error', (error: Error) => finish(error))
    stream.on('end', () => finish())
    stream.on('close', () => finish())
  })
}

/** A push or pull failure: refused credentials, a missing image, or the engine's message. */
function registryError(error: unknown, engine: DockerEngine, address: RegistryAddress, doing: string, endpointName: string, secrets: string[]): BerthError {
  if (error instanceof BerthError) return error
  const inStream = error instanceof StreamError
  const status = engineStatus(error)
  if (!inStream && status === undefined) return dockerEngineError(error, engine, doing)
  const message = scrub(inStream ? error.message : engineMessage(error), secrets)
  const registry = `registry ${address.dockerHub ? 'docker.io' : address.host}`
  if (/unauthorized|authentication required|no basic auth credentials|denied|\b401\b|\b403\b/i.test(message)) {
    return new AuthError(`${registry} refused the credentials while ${doing}: ${message}`, {hint: `Check the endpoint's username and password: berth endpoint test ${endpointName}`})
  }
  if (status === 404 || /manifest unknown|not found/i.test(message)) {
    return new NotFoundError(`${registry} has no such image (${doing}): ${message}`, {hint: `List its tags with: berth image tags ${endpointName} REPOSITORY`})
  }
  return new ExternalError(`The Docker engine failed ${doing}: ${message}`, {cause: error})
}

/**
 * The engine's message as it is, unless it holds a secret as a whole word, in which case
 * none of it is shown: masking substrings garbles messages (a password "pass" turned
 * "username or password" into "username or ***word"). The engine builds its messages from
 * the registry's answer and never from the credentials it was given, so this is a last guard.
 */
export function scrub(message: string, secrets: readonly string[]): string {
  for (const secret of secrets) {
    if (!secret) continue
    const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    if (new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`).test(message)) return '(the message is not shown: it contains the password)'
  }
  return message
}

function lastMatch(events: RawEvent[], pattern: RegExp): string | null {
  for (const event of [...events].reverse()) {
    const m = typeof event.status === 'string' ? pattern.exec(event.status) : null
    if (m?.[1]) return m[1]
  }
  return null
}
