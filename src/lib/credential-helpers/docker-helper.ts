/**
 * docker's credential-helper protocol (github.com/docker/docker-credential-helpers) over
 * berth's docker-registry endpoints, for a docker config.json saying
 *
 *     {"credsStore": "berth"}            (every registry), or
 *     {"credHelpers": {"registry.example.com": "berth"}}
 *
 * docker runs `docker-credential-berth ACTION` (= `berth credential docker ACTION`):
 *   get    stdin: a server URL;  stdout: {"ServerURL","Username","Secret"}
 *   store  stdin: that JSON;     creates or updates an endpoint
 *   erase  stdin: a server URL;  deletes an endpoint that `store` created
 *   list   stdout: {"<server URL>": "<username>", …}
 * A failure prints its message on stdout and exits 1; "credentials not found in native
 * keychain" is the message docker reads as "no credentials here".
 *
 * Matching: the docker-registry endpoints of the current project (BERTH_PROJECT, then the
 * "project" setting) whose address has the server's host and port, compared the way
 * docker names registries: scheme and case ignored, ":443" the same as no port, every
 * Docker Hub alias the same. Several matches: the one whose address path is the longest
 * prefix of the server's path, then the one labelled berth.dev/default-for-host=true
 * (endpoint create/update --default-for-host); otherwise the action fails naming them.
 *
 * store: updates the username and password of the matching endpoint; with none, creates
 * one named after the host (DNS-1123: "127.0.0.1:5000" → "127-0-0-1-5000", Docker Hub →
 * "docker-hub"; "-2", "-3"… when taken), at http:// for a loopback host without a scheme
 * and https:// otherwise, labelled berth.dev/managed-by=docker-credential-berth.
 * erase: deletes only endpoints with that label (those `docker login` created, and only
 * while nothing references them); endpoints made with `berth endpoint create` are kept.
 */
import type {Readable} from 'node:stream'

import type {BerthContext} from '../context.js'
import {readEndpointSecret} from '../endpoints/credentials.js'
import {createEndpoint, deleteEndpoint, updateEndpoint} from '../endpoints/manage.js'
import type {EndpointDocument, EndpointSpec, EndpointStatus} from '../endpoints/types.js'
import {BerthError, ConflictError, NotFoundError, ValidationError, messageOf} from '../errors.js'
import {assertSecretValue} from '../input/secret-input.js'
import {dns1123LabelProblem, printable} from '../names.js'
import {parseRegistryAddress, registryMatchKey} from '../registry/address.js'

export const DOCKER_HELPER_ACTIONS = ['get', 'store', 'erase', 'list'] as const
export type DockerHelperAction = (typeof DOCKER_HELPER_ACTIONS)[number]

/** The protocol's messages (docker-credential-helpers credentials/error.go); docker compares the first one. */
export const CREDENTIALS_NOT_FOUND = 'credentials not found in native keychain'
export const MISSING_SERVER_URL = 'no credentials server URL'
export const MISSING_USERNAME = 'no credentials username'

export const MANAGED_BY_LABEL = 'berth.dev/managed-by'
/** Set (to "true") on the endpoint docker gets when several serve one registry host (endpoint create/update --default-for-host). */
export const DEFAULT_FOR_HOST_LABEL = 'berth.dev/default-for-host'
export const MANAGED_BY_HELPER = 'docker-credential-berth'

const MAX_INPUT_BYTES = 64 * 1024

export interface DockerCredential {
  ServerURL: string
  Username: string
  Secret: string
}

/** What the helper prints and its exit status. */
export interface DockerHelperOutput {
  stdout: string
  /** A hint for people, on stderr (docker shows only stdout). */
  stderr: string
  exitCode: number
}

/** The credentials for a server URL, from the matching endpoint and the secret store. */
export async function getDockerCredential(ctx: BerthContext, serverUrl: string): Promise<DockerCredential> {
  const server = serverUrl.trim()
  if (!server) throw new ValidationError(MISSING_SERVER_URL)
  const doc = await findRegistryEndpoint(ctx, server)
  if (!doc) throw new NotFoundError(CREDENTIALS_NOT_FOUND)
  return {ServerURL: server, Username: doc.spec.username ?? '', Secret: await readEndpointSecret(ctx, doc, 'password')}
}

/** `docker login`: update the matching endpoint's username and password, or create an endpoint for the host. */
export async function storeDockerCredential(ctx: BerthContext, credential: DockerCredential): Promise<{endpoint: string; created: boolean}> {
  const server = credential.ServerURL.trim()
  if (!server) throw new ValidationError(MISSING_SERVER_URL)
  if (!credential.Username) throw new ValidationError(MISSING_USERNAME)
  assertSecretValue('The secret docker gave', credential.Secret)
  const key = registryMatchKey(server)
  if (!key) throw new ValidationError(`${JSON.stringify(printable(server))} is not a registry host.`)
  const existing = await findRegistryEndpoint(ctx, server)
  if (existing) {
    const name = existing.metadata.name
    await updateEndpoint(ctx, {type: 'docker-registry', name, address: existing.spec.address ?? '', username: credential.Username, password: credential.Secret}, {secretsChanged: true})
    return {endpoint: name, created: false}
  }
  const project = await ctx.project()
  const base = endpointNameForHost(key)
  for (let i = 1; i <= 20; i++) {
    const name = i === 1 ? base : `${base.slice(0, 60 - String(i).length)}-${i}`
    if (await ctx.state().tryGet('Endpoint', name, project)) continue
    try {
      await createEndpoint(ctx, {
        type: 'docker-registry',
        name,
        address: addressForServer(server, key),
        username: credential.Username,
        password: credential.Secret,
        description: 'Saved by docker login (docker-credential-berth).',
        labels: {[MANAGED_BY_LABEL]: MANAGED_BY_HELPER},
      })
    } catch (error) {
      if (error instanceof ConflictError) continue // created meanwhile by a parallel login
      throw error
    }
    return {endpoint: name, created: true}
  }
  throw new ConflictError(`No free endpoint name for ${key}: "${base}" and its numbered variants are taken.`, {hint: 'Create it yourself with: berth endpoint create docker-registry NAME'})
}

/** `docker logout`: delete the matching endpoint if `docker login` created it. */
export async function eraseDockerCredential(ctx: BerthContext, serverUrl: string): Promise<{endpoint: string}> {
  const server = serverUrl.trim()
  if (!server) throw new ValidationError(MISSING_SERVER_URL)
  const doc = await findRegistryEndpoint(ctx, server)
  if (!doc) throw new NotFoundError(CREDENTIALS_NOT_FOUND)
  const name = doc.metadata.name
  if (doc.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_HELPER) {
    throw new ConflictError(`Endpoint "${name}" was created with berth, not by docker login, so docker logout keeps it.`, {hint: `Delete it with: berth endpoint delete ${name}`})
  }
  await deleteEndpoint(ctx, name)
  return {endpoint: name}
}

/** The other docker-registry endpoints of the project that serve the registry host of `address`, by name. */
export async function endpointsServingRegistry(ctx: BerthContext, address: string, except?: string): Promise<string[]> {
  const key = registryMatchKey(address)
  if (!key) return []
  return (await registryEndpoints(ctx))
    .filter((doc) => doc.metadata.name !== except && doc.spec.address !== undefined && registryMatchKey(doc.spec.address) === key)
    .map((doc) => doc.metadata.name)
    .sort()
}

/**
 * Make endpoint `name` the one docker gets for its registry host (label
 * berth.dev/default-for-host=true) and take the mark from the others serving that host.
 * Returns the endpoints unmarked.
 */
export async function markDefaultForHost(ctx: BerthContext, name: string): Promise<{unmarked: string[]}> {
  const project = await ctx.project()
  const state = ctx.state()
  return state.withLock(async () => {
    const doc = await state.get<EndpointSpec, EndpointStatus>('Endpoint', name, project)
    if (doc.spec.type !== 'docker-registry' || doc.spec.address === undefined) throw new ValidationError(`--default-for-host applies to docker-registry endpoints; "${name}" is not one.`)
    const unmarked: string[] = []
    for (const other of await endpointsServingRegistry(ctx, doc.spec.address, name)) {
      const current = await state.get<EndpointSpec, EndpointStatus>('Endpoint', other, project)
      if (current.metadata.labels?.[DEFAULT_FOR_HOST_LABEL] === undefined) continue
      await state.update<EndpointSpec, EndpointStatus>('Endpoint', other, project, (d) => {
        const labels = {...d.metadata.labels}
        delete labels[DEFAULT_FOR_HOST_LABEL]
        return {...d, metadata: {...d.metadata, labels}}
      })
      unmarked.push(other)
    }
    if (doc.metadata.labels?.[DEFAULT_FOR_HOST_LABEL] !== 'true') {
      await state.update<EndpointSpec, EndpointStatus>('Endpoint', name, project, (d) => ({...d, metadata: {...d.metadata, labels: {...d.metadata.labels, [DEFAULT_FOR_HOST_LABEL]: 'true'}}}))
    }
    return {unmarked}
  })
}

/** Every docker-registry endpoint of the project as {server: username}, keyed the way docker names registries. */
export async function listDockerCredentials(ctx: BerthContext): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const doc of await registryEndpoints(ctx)) {
    const host = hostKey(doc.spec.address)
    if (host && !Object.hasOwn(out, host)) out[host] = doc.spec.username ?? ''
  }
  return out
}

/** Run one protocol action, reading its stdin; never throws: failures are output and an exit code. */
export async function runDockerCredentialAction(ctx: BerthContext, action: DockerHelperAction, stdin: Readable): Promise<DockerHelperOutput> {
  try {
    const input = action === 'list' ? '' : await readHelperInput(stdin)
    switch (action) {
      case 'get':
        return ok(`${JSON.stringify(await getDockerCredential(ctx, input))}\n`)
      case 'store':
        await storeDockerCredential(ctx, parseStoreInput(input))
        return ok('')
      case 'erase':
        await eraseDockerCredential(ctx, input)
        return ok('')
      case 'list':
        return ok(`${JSON.stringify(await listDockerCredentials(ctx))}\n`)
    }
  } catch (error) {
    const hint = error instanceof BerthError && error.hint ? `Hint: ${error.hint}\n` : ''
    return {stdout: `${messageOf(error)}\n`, stderr: hint, exitCode: 1}
  }
}

/** Read a helper's stdin, bounded. */
export async function readHelperInput(stdin: Readable): Promise<string> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of stdin) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buf.length
    if (size > MAX_INPUT_BYTES) throw new ValidationError(`The credential helper input is larger than ${MAX_INPUT_BYTES} bytes.`)
    chunks.push(buf)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The store action's JSON. The message never echoes the input: it holds a secret. */
export function parseStoreInput(text: string): DockerCredential {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ValidationError('The store input is not JSON; expected {"ServerURL": …, "Username": …, "Secret": …}.')
  }
  const value = (parsed ?? {}) as Record<string, unknown>
  const str = (key: string) => (typeof value[key] === 'string' ? (value[key] as string) : '')
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('The store input must be a JSON object with ServerURL, Username and Secret.')
  return {ServerURL: str('ServerURL'), Username: str('Username'), Secret: str('Secret')}
}

/** A DNS-1123 endpoint name for a registry host: "127.0.0.1:5000" → "127-0-0-1-5000", Docker Hub → "docker-hub". */
export function endpointNameForHost(matchKey: string): string {
  if (matchKey === 'docker.io') return 'docker-hub'
  const name = matchKey.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, 63).replace(/-+$/, '')
  return name && !dns1123LabelProblem(name) ? name : 'registry'
}

/** The address to save for a server docker named: its scheme if given, http for loopback hosts, else https. */
export function addressForServer(server: string, matchKey: string): string {
  if (matchKey === 'docker.io') return 'https://index.docker.io'
  const scheme = /^(https?):\/\//i.exec(server)?.[1]?.toLowerCase()
  if (scheme) return `${scheme}://${matchKey}`
  const hostname = matchKey.replace(/:\d+$/, '')
  const loopback = hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]'
  return `${loopback ? 'http' : 'https'}://${matchKey}`
}

async function registryEndpoints(ctx: BerthContext): Promise<EndpointDocument[]> {
  const project = await ctx.project()
  const docs = await ctx.state().list<EndpointSpec, EndpointStatus>('Endpoint', {project})
  return docs.filter((d) => d.spec.type === 'docker-registry')
}

/**
 * The endpoint that answers for a server docker names, by one documented rule: among the
 * docker-registry endpoints with the server's host (and port), the one whose address path is
 * the longest prefix of the server's path; then the one labelled berth.dev/default-for-host;
 * a choice left between several is refused (ConflictError) rather than made silently.
 */
export function pickRegistryEndpoint<D extends EndpointDocument>(server: string, docs: readonly D[]): D | undefined {
  const key = registryMatchKey(server)
  if (!key) return undefined
  const wanted = pathSegments(server)
  let best: Array<{doc: D; depth: number}> = []
  for (const doc of docs) {
    if (doc.spec.address === undefined || registryMatchKey(doc.spec.address) !== key) continue
    const own = pathSegments(doc.spec.address)
    if (!own.every((segment, i) => wanted[i] === segment)) continue
    if (best.length === 0 || own.length > best[0]!.depth) best = [{doc, depth: own.length}]
    else if (own.length === best[0]!.depth) best.push({doc, depth: own.length})
  }
  if (best.length <= 1) return best[0]?.doc
  const marked = best.filter((b) => b.doc.metadata.labels?.[DEFAULT_FOR_HOST_LABEL] === 'true')
  if (marked.length === 1) return marked[0]!.doc
  const names = best.map((b) => `"${b.doc.metadata.name}"`)
  throw new ConflictError(`Endpoints ${names.slice(0, -1).join(', ')} and ${names.at(-1)} all serve the registry ${key}${marked.length > 1 ? ' and are all marked as its default' : ''}; berth does not pick one silently.`, {
    hint: `Mark the one docker should use: berth endpoint update ${best[0]!.doc.metadata.name} --default-for-host`,
  })
}

/** The path of a registry address or server URL, as segments ("https://h/v1/" → ["v1"]). */
function pathSegments(address: string): string[] {
  const rest = address.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
  const slash = rest.indexOf('/')
  return slash < 0 ? [] : rest.slice(slash + 1).split('/').filter((s) => s !== '')
}

async function findRegistryEndpoint(ctx: BerthContext, server: string): Promise<EndpointDocument | undefined> {
  return pickRegistryEndpoint(server, await registryEndpoints(ctx))
}

function hostKey(address: string | undefined): string | undefined {
  if (!address) return undefined
  try {
    return parseRegistryAddress(address).host
  } catch {
    return undefined
  }
}

function ok(stdout: string): DockerHelperOutput {
  return {stdout, stderr: '', exitCode: 0}
}
