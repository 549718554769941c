/**
 * Kubeconfig files for kubernetes endpoints: parse them defensively, pick a context,
 * check the --server URL against it, and cut it down to a self-contained copy
 * (one context, its cluster and user, file references inlined) that berth stores
 * as the endpoint's secret.
 */
import {open} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {ValidationError, messageOf} from '../errors.js'
import {parseYaml, toYaml} from '../yaml.js'

/** A cluster entry's settings (`clusters[].cluster`). Unknown fields are kept as they are. */
export interface KubeconfigCluster {
  server?: string
  'certificate-authority'?: string
  'certificate-authority-data'?: string
  'insecure-skip-tls-verify'?: boolean
  'tls-server-name'?: string
  'proxy-url'?: string
  'disable-compression'?: boolean
  [field: string]: unknown
}

/** A client-go credential plugin (`users[].user.exec`). */
export interface KubeconfigExec {
  command?: string
  apiVersion?: string
  args?: string[]
  [field: string]: unknown
}

/** A user entry's credentials (`users[].user`). */
export interface KubeconfigUser {
  token?: string
  tokenFile?: string
  /** client-node's spelling of tokenFile. */
  'token-file'?: string
  'client-certificate'?: string
  'client-certificate-data'?: string
  'client-key'?: string
  'client-key-data'?: string
  username?: string
  password?: string
  exec?: KubeconfigExec
  'auth-provider'?: {name?: string; config?: Record<string, unknown>; [field: string]: unknown}
  as?: string
  'as-groups'?: string[]
  [field: string]: unknown
}

export interface KubeconfigContext {
  cluster?: string
  user?: string
  namespace?: string
  [field: string]: unknown
}

export interface NamedCluster {
  name: string
  cluster: KubeconfigCluster
}

export interface NamedUser {
  name: string
  user: KubeconfigUser
}

export interface NamedContext {
  name: string
  context: KubeconfigContext
}

/** A parsed kubeconfig: the lists are always present (possibly empty) after parseKubeconfig. */
export interface Kubeconfig {
  apiVersion?: string
  kind?: string
  clusters: NamedCluster[]
  users: NamedUser[]
  contexts: NamedContext[]
  'current-context'?: string
  [field: string]: unknown
}

/** One context of a kubeconfig with the cluster and user it names. */
export interface SelectedContext {
  name: string
  context: KubeconfigContext
  cluster: NamedCluster
  user: NamedUser
}

const LISTS = [
  {key: 'clusters', item: 'cluster'},
  {key: 'contexts', item: 'context'},
  {key: 'users', item: 'user'},
] as const

const FIELD_TYPES: Record<'cluster' | 'context' | 'user', {strings: string[]; booleans?: string[]; maps?: string[]; stringLists?: string[]}> = {
  cluster: {
    strings: ['server', 'certificate-authority', 'certificate-authority-data', 'tls-server-name', 'proxy-url'],
    booleans: ['insecure-skip-tls-verify', 'disable-compression'],
  },
  context: {strings: ['cluster', 'user', 'namespace']},
  user: {
    strings: ['token', 'tokenFile', 'token-file', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'username', 'password', 'as', 'as-uid'],
    maps: ['exec', 'auth-provider'],
    stringLists: ['as-groups'],
  },
}

const BASE64_FIELDS = ['certificate-authority-data', 'client-certificate-data', 'client-key-data']

/** Largest file (the kubeconfig itself, or a file it references) berth reads. */
const MAX_FILE_BYTES = 4 * 1024 * 1024

/**
 * Parse a kubeconfig. `source` names it in messages ("--kubeconfig ./dev.yaml").
 * Rejects text that is not YAML (with parseYaml's line), YAML that is not a
 * kubeconfig (not a map, a kind other than Config, no clusters/contexts/users
 * lists), malformed entries, wrongly typed fields and duplicate names.
 */
export function parseKubeconfig(text: string, source: string): Kubeconfig {
  const value = parseYaml(text, {source, maxBytes: MAX_FILE_BYTES})
  const notKubeconfig = (why: string) => new ValidationError(`${source} is not a kubeconfig: ${why}.`, {hint: 'Give the file kubectl uses, e.g. ~/.kube/config, or one written by `kubectl config view --minify --flatten`.'})
  if (value === null || value === undefined) throw notKubeconfig('it is empty')
  if (!isMap(value)) throw notKubeconfig(`it is ${describe(value)}, not a map with clusters, contexts and users`)
  if (value.kind !== undefined && value.kind !== 'Config') {
    throw notKubeconfig(`its kind is ${typeof value.kind === 'string' ? `"${value.kind}"` : describe(value.kind)}, not "Config"`)
  }
  if (value.apiVersion !== undefined && value.apiVersion !== 'v1') {
    throw notKubeconfig(`its apiVersion is ${typeof value.apiVersion === 'string' ? `"${value.apiVersion}"` : describe(value.apiVersion)}, not "v1"`)
  }
  const missing = LISTS.filter(({key}) => !(key in value)).map(({key}) => `"${key}"`)
  if (missing.length > 0) throw notKubeconfig(`it has no ${orList(missing)} list`)

  const invalid = (why: string) => new ValidationError(`${source} is not a valid kubeconfig: ${why}.`)
  const config: Kubeconfig = {...value, clusters: [], users: [], contexts: []}
  for (const {key, item} of LISTS) {
    const list = value[key]
    // kubectl writes `clusters: null` for an empty list.
    if (list === null) continue
    if (!Array.isArray(list)) throw invalid(`"${key}" is ${describe(list)}, not a list`)
    const seen = new Set<string>()
    list.forEach((entry: unknown, index: number) => {
      if (!isMap(entry)) throw invalid(`${key}[${index}] is ${describe(entry)}, not a map`)
      const name = entry.name
      if (typeof name !== 'string' || name === '') throw invalid(`${key}[${index}] has no name`)
      if (seen.has(name)) throw invalid(`it has two ${key} named "${name}"`)
      seen.add(name)
      const body = entry[item]
      if (!isMap(body)) throw invalid(`${item} "${name}" has no "${item}" map${body === undefined ? '' : ` (found ${describe(body)})`}`)
      checkFieldTypes(body, FIELD_TYPES[item], `${item} "${name}"`, invalid)
      ;(config[key] as unknown[]).push({...entry, name, [item]: {...body}})
    })
  }
  const current = value['current-context']
  if (current !== undefined && current !== null && typeof current !== 'string') throw invalid(`"current-context" is ${describe(current)}, not a string`)
  if (typeof current === 'string' && current !== '') config['current-context'] = current
  else delete config['current-context']
  return config
}

export interface SelectContextOptions {
  /** The context to use (--context). */
  context?: string
  /**
   * Without `context`: true uses the kubeconfig's current-context (--from-current-context,
   * or --kubeconfig without --context); false requires the kubeconfig to hold exactly one context.
   */
  useCurrentContext: boolean
  /** What to call the kubeconfig in messages; default "the kubeconfig". */
  source?: string
}

/**
 * The context to use, with its cluster and user. Errors (ValidationError, exit 2):
 * no contexts at all, an unknown context (listing the available ones), no
 * current-context, a context whose cluster or user entry is missing or that has
 * no server URL.
 */
export function selectContext(config: Kubeconfig, options: SelectContextOptions): SelectedContext {
  const source = options.source ?? 'the kubeconfig'
  const names = config.contexts.map((c) => c.name)
  const available = `its contexts: ${names.join(', ')}`
  const chooseHint = 'Choose one with --context NAME.'
  if (names.length === 0) {
    throw new ValidationError(`${capitalize(source)} has no contexts.`, {
      hint: 'A context names a cluster and a user; add one with: kubectl config set-context NAME --cluster=CLUSTER --user=USER',
    })
  }
  let name = options.context
  if (name === undefined) {
    if (options.useCurrentContext) {
      name = config['current-context']
      if (name === undefined) throw new ValidationError(`${capitalize(source)} has no current-context (${available}).`, {hint: chooseHint})
      if (!names.includes(name)) {
        throw new ValidationError(`The current-context "${name}" of ${source} is not one of its contexts (${available}).`, {hint: chooseHint})
      }
    } else if (names.length === 1) {
      name = names[0]
    } else {
      throw new ValidationError(`${capitalize(source)} has ${names.length} contexts; say which one to use (${available}).`, {hint: chooseHint})
    }
  }
  const entry = config.contexts.find((c) => c.name === name)
  if (!entry) throw new ValidationError(`${capitalize(source)} has no context "${name}" (${available}).`, {hint: chooseHint})

  const clusterName = entry.context.cluster
  if (!clusterName) throw new ValidationError(`Context "${entry.name}" in ${source} names no cluster.`)
  const cluster = config.clusters.find((c) => c.name === clusterName)
  if (!cluster) {
    throw new ValidationError(`Context "${entry.name}" in ${source} names cluster "${clusterName}", which is not in it (${listOf('clusters', config.clusters)}).`)
  }
  const userName = entry.context.user
  if (!userName) {
    throw new ValidationError(`Context "${entry.name}" in ${source} names no user; berth needs the credentials to reach the cluster.`)
  }
  const user = config.users.find((u) => u.name === userName)
  if (!user) throw new ValidationError(`Context "${entry.name}" in ${source} names user "${userName}", which is not in it (${listOf('users', config.users)}).`)
  if (!cluster.cluster.server) throw new ValidationError(`Cluster "${cluster.name}" in ${source} has no server URL.`)
  return {name: entry.name, context: entry.context, cluster, user}
}

/**
 * Parse a Kubernetes API server URL: http or https, a host, no credentials,
 * query or fragment. `label` starts the error message, e.g. "The --server URL".
 */
export function parseServerUrl(value: string, label: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ValidationError(`${label} "${redactUserinfo(value)}" is not a valid URL; expected https://HOST[:PORT].`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(`${label} ${redactUserinfo(value)} must use http or https, not ${url.protocol.replace(/:$/, '')}.`)
  }
  if (url.username || url.password) {
    throw new ValidationError(`${label} must not contain a username or password; the credentials belong in the kubeconfig.`)
  }
  if (!url.hostname) throw new ValidationError(`${label} ${value} has no host.`)
  if (url.search || url.hash) throw new ValidationError(`${label} ${value} must not have a query or fragment.`)
  return url
}

/**
 * Check the --server URL against the selected cluster's server and return the URL
 * to store (the given one, else the kubeconfig's). Both must be http(s) and, when
 * both are given, agree after normalisation (scheme and host case, default ports
 * 443/80, trailing slash); otherwise a ValidationError says which parts differ.
 */
export function checkServerAgreement(cluster: NamedCluster, givenServer: string | undefined): string {
  const kubeconfigServer = cluster.cluster.server
  const kubeconfigLabel = `The kubeconfig's cluster "${cluster.name}" server`
  if (!kubeconfigServer) throw new ValidationError(`The kubeconfig's cluster "${cluster.name}" has no server URL.`)
  const fromKubeconfig = parseServerUrl(kubeconfigServer, kubeconfigLabel)
  if (givenServer === undefined) return kubeconfigServer
  const given = parseServerUrl(givenServer, 'The --server URL')
  const a = serverParts(given)
  const b = serverParts(fromKubeconfig)
  const differences: string[] = []
  if (a.scheme !== b.scheme) differences.push(`the scheme differs (${a.scheme} vs ${b.scheme})`)
  if (a.host !== b.host) differences.push(`the host differs (${a.host} vs ${b.host})`)
  if (a.port !== b.port) differences.push(`the port differs (${a.port} vs ${b.port})`)
  if (a.path !== b.path) differences.push(`the path differs (${a.path} vs ${b.path})`)
  if (differences.length === 0) return givenServer
  throw new ValidationError(
    `The --server URL ${givenServer} does not match the kubeconfig's cluster "${cluster.name}" server ${kubeconfigServer}: ${andList(differences)}.`,
    {hint: 'Leave out --server to use the kubeconfig\'s server, or choose the context for that server with --context.'},
  )
}

/** A file the minified kubeconfig now holds inline. */
export interface InlinedFile {
  /** The field that named the file, e.g. "certificate-authority" or "tokenFile". */
  field: string
  /** The absolute path that was read. */
  file: string
}

export interface MinifyOptions {
  /** The directory relative file references are resolved against: the kubeconfig's own. */
  baseDir: string
  /** What to call the kubeconfig in messages; default "the kubeconfig". */
  source?: string
}

export interface MinifiedKubeconfig {
  /** Holds only the context, its cluster and user; current-context set; no file references. */
  config: Kubeconfig
  context: SelectedContext
  /** The files whose contents were copied in. */
  inlined: InlinedFile[]
}

/**
 * A self-contained kubeconfig holding only `contextName`, its cluster and user:
 * certificate-authority, client-certificate, client-key and tokenFile references
 * are read (relative to options.baseDir) and stored as *-data / token. Users with
 * an exec plugin or auth-provider are rejected: their credentials live outside
 * the file (a command and the machine's own login), which a stored copy cannot hold.
 */
export async function minifyKubeconfig(config: Kubeconfig, contextName: string, options: MinifyOptions): Promise<MinifiedKubeconfig> {
  const source = options.source ?? 'the kubeconfig'
  const selected = selectContext(config, {context: contextName, useCurrentContext: false, source})
  const inlined: InlinedFile[] = []
  const userLabel = `User "${selected.user.name}" of context "${selected.name}" in ${source}`
  const plugin = pluginOf(selected.user.user)
  if (plugin) {
    throw new ValidationError(
      `${userLabel} gets its credentials from ${plugin}; berth stores a self-contained kubeconfig and cannot store a plugin-based user.`,
      {
        hint:
          'Use credentials that live in the kubeconfig: a token (e.g. a service account\'s, from `kubectl create token NAME`, ' +
          'set with `kubectl config set-credentials USER --token=...`) or a client certificate.',
      },
    )
  }

  const readInto = async (owner: string, fields: Record<string, unknown>, fileField: string, dataField: string, encode: 'base64' | 'token') => {
    const ref = fields[fileField]
    if (typeof ref !== 'string' || ref === '') {
      delete fields[fileField]
      return
    }
    // Inline data already present wins, as in client-go; the file reference is dropped.
    if (encode === 'base64' && typeof fields[dataField] === 'string' && fields[dataField] !== '') {
      delete fields[fileField]
      return
    }
    const file = path.resolve(options.baseDir, ref)
    const {content} = await readBoundedFile(file, `the ${fileField} file ${file} named by ${owner} in ${source}`)
    if (encode === 'base64') {
      fields[dataField] = content.toString('base64')
    } else {
      const token = content.toString('utf8').trim()
      if (token === '') throw new ValidationError(`The ${fileField} file ${file} named by ${owner} in ${source} is empty.`)
      fields[dataField] = token
    }
    delete fields[fileField]
    inlined.push({field: fileField, file})
  }

  const cluster: KubeconfigCluster = {...selected.cluster.cluster}
  const clusterOwner = `cluster "${selected.cluster.name}"`
  await readInto(clusterOwner, cluster, 'certificate-authority', 'certificate-authority-data', 'base64')
  const user: KubeconfigUser = {...selected.user.user}
  const userOwner = `user "${selected.user.name}"`
  await readInto(userOwner, user, 'client-certificate', 'client-certificate-data', 'base64')
  await readInto(userOwner, user, 'client-key', 'client-key-data', 'base64')
  // client-go reads tokenFile over token when both are set; keep that meaning.
  await readInto(userOwner, user, 'tokenFile', 'token', 'token')
  await readInto(userOwner, user, 'token-file', 'token', 'token')
  for (const [owner, fields] of [[clusterOwner, cluster], [userOwner, user]] as const) {
    for (const field of BASE64_FIELDS) {
      const data = fields[field]
      if (typeof data === 'string' && !/^[A-Za-z0-9+/=\s]*$/.test(data)) {
        throw new ValidationError(`The ${field} of ${owner} in ${source} is not base64.`)
      }
    }
  }
  if (Boolean(user['client-certificate-data']) !== Boolean(user['client-key-data'])) {
    const has = user['client-certificate-data'] ? 'a client certificate but no client key' : 'a client key but no client certificate'
    throw new ValidationError(`${userLabel} has ${has}.`)
  }

  const minified: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: selected.cluster.name, cluster}],
    users: [{name: selected.user.name, user}],
    contexts: [{name: selected.name, context: {...selected.context}}],
    'current-context': selected.name,
  }
  return {
    config: minified,
    context: {name: selected.name, context: {...selected.context}, cluster: minified.clusters[0], user: minified.users[0]},
    inlined,
  }
}

/** A kubeconfig as YAML text, in kubectl's layout. */
export function serializeKubeconfig(config: Kubeconfig): string {
  const {apiVersion, kind, clusters, contexts, users, 'current-context': current, ...rest} = config
  return toYaml({
    apiVersion: apiVersion ?? 'v1',
    kind: kind ?? 'Config',
    clusters,
    contexts,
    ...(current === undefined ? {} : {'current-context': current}),
    users,
    ...rest,
  })
}

/**
 * The kubeconfig kubectl uses, for --from-current-context: the first path of
 * $KUBECONFIG, else ~/.kube/config. (kubectl merges every $KUBECONFIG path;
 * berth reads only the first.)
 */
export function currentContextKubeconfigPath(env: NodeJS.ProcessEnv, homeDir: string = env.HOME || os.homedir()): string {
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p.trim() !== '')
  return first ? path.resolve(first) : path.join(homeDir, '.kube', 'config')
}

/** Read and parse a kubeconfig file. `source` names it in messages; default the path. */
export async function readKubeconfigFile(file: string, source: string = file): Promise<{config: Kubeconfig; baseDir: string}> {
  const absolute = path.resolve(file)
  const {content, regular} = await readBoundedFile(absolute, `the kubeconfig file ${absolute}`, {pipes: true})
  // Relative paths in a kubeconfig from a pipe (/dev/stdin, <(…)) are relative to the working directory.
  return {config: parseKubeconfig(content.toString('utf8'), source), baseDir: regular ? path.dirname(absolute) : process.cwd()}
}

export interface PrepareKubeconfigOptions {
  /** The kubeconfig file: --kubeconfig FILE, or currentContextKubeconfigPath(env) for --from-current-context. */
  file: string
  /** What to call it in messages; default the path. */
  source?: string
  /** --context. */
  context?: string
  /** Without `context`, use the current-context (see SelectContextOptions). */
  useCurrentContext: boolean
  /** --server; when given it must agree with the context's cluster. */
  server?: string
}

/** What a kubernetes endpoint stores. */
export interface PreparedKubeconfig {
  /** spec.server: the --server URL as given, else the cluster's server. */
  server: string
  /** spec.context. */
  context: string
  cluster: string
  user: string
  /** The secret: the minified, self-contained kubeconfig as YAML. */
  kubeconfig: string
  inlined: InlinedFile[]
}

/**
 * Everything `endpoint create|update kubernetes` needs from a kubeconfig file:
 * read, parse, select the context, check --server, minify and serialize.
 * Every failure is a ValidationError (exit 2) that names the file.
 */
export async function prepareKubeconfig(options: PrepareKubeconfigOptions): Promise<PreparedKubeconfig> {
  const source = options.source ?? options.file
  const {config, baseDir} = await readKubeconfigFile(options.file, source)
  const selected = selectContext(config, {context: options.context, useCurrentContext: options.useCurrentContext, source})
  const server = checkServerAgreement(selected.cluster, options.server)
  const minified = await minifyKubeconfig(config, selected.name, {baseDir, source})
  return {
    server,
    context: selected.name,
    cluster: selected.cluster.name,
    user: selected.user.name,
    kubeconfig: serializeKubeconfig(minified.config),
    inlined: minified.inlined,
  }
}

// ---- helpers

function pluginOf(user: KubeconfigUser): string | undefined {
  if (user.exec !== undefined) {
    const command = typeof user.exec.command === 'string' ? ` ("${user.exec.command}")` : ''
    return `an exec plugin${command}`
  }
  if (user['auth-provider'] !== undefined) {
    const name = typeof user['auth-provider'].name === 'string' ? ` ("${user['auth-provider'].name}")` : ''
    return `an auth-provider plugin${name}`
  }
  return undefined
}

/** Read a regular file of at most MAX_FILE_BYTES; `what` describes it for errors. */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0'])

/** What was read from pipes (/dev/stdin, <(…)) in this process: a pipe can be read only once, and a command may need the file twice. */
const readFromPipes = new Map<string, Buffer>()

/**
 * A file's content, at most MAX_FILE_BYTES: a regular file, or with `pipes` (the kubeconfig
 * itself, not the files it names) a pipe or character device such as /dev/stdin or a
 * shell's <(…), read once to its end.
 */
async function readBoundedFile(file: string, what: string, options: {pipes?: boolean} = {}): Promise<{content: Buffer; regular: boolean}> {
  const piped = options.pipes ? readFromPipes.get(file) : undefined
  if (piped) return {content: piped, regular: false}
  const tooLarge = () => new ValidationError(`Could not read ${what}: it is larger than ${MAX_FILE_BYTES} bytes.`)
  let handle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    // Linux cannot reopen a socket through /dev/stdin (ENXIO): read standard input itself.
    if (options.pipes && (error as NodeJS.ErrnoException).code === 'ENXIO' && STDIN_PATHS.has(file)) {
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of process.stdin) {
        size += (chunk as Buffer).length
        if (size > MAX_FILE_BYTES) throw tooLarge()
        chunks.push(chunk as Buffer)
      }
      const content = Buffer.concat(chunks)
      readFromPipes.set(file, content)
      return {content, regular: false}
    }
    throw new ValidationError(`Could not read ${what}: ${describeFsError(error)}.`, {cause: error})
  }
  try {
    const stat = await handle.stat()
    if (stat.isFile()) {
      if (stat.size > MAX_FILE_BYTES) throw tooLarge()
      return {content: await handle.readFile(), regular: true}
    }
    if (stat.isDirectory()) throw new ValidationError(`Could not read ${what}: it is a directory.`)
    if (!options.pipes || (!stat.isFIFO() && !stat.isCharacterDevice() && !stat.isSocket())) {
      throw new ValidationError(`Could not read ${what}: it is not a regular file${options.pipes ? ' or a pipe' : ''}.`)
    }
    const chunks: Buffer[] = []
    let size = 0
    for (;;) {
      const {bytesRead, buffer} = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, null)
      if (bytesRead === 0) break
      size += bytesRead
      if (size > MAX_FILE_BYTES) throw tooLarge()
      chunks.push(buffer.subarray(0, bytesRead))
    }
    const content = Buffer.concat(chunks)
    readFromPipes.set(file, content)
    return {content, regular: false}
  } catch (error) {
    if (error instanceof ValidationError) throw error
    throw new ValidationError(`Could not read ${what}: ${describeFsError(error)}.`, {cause: error})
  } finally {
    await handle.close()
  }
}

function describeFsError(error: unknown): string {
  const code = (error as {code?: unknown}).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return typeof code === 'string' ? code : messageOf(error)
}

function checkFieldTypes(
  body: Record<string, unknown>,
  types: {strings: string[]; booleans?: string[]; maps?: string[]; stringLists?: string[]},
  owner: string,
  invalid: (why: string) => Error,
): void {
  const check = (fields: string[] | undefined, ok: (v: unknown) => boolean, expected: string) => {
    for (const field of fields ?? []) {
      const v = body[field]
      if (v !== undefined && !ok(v)) throw invalid(`${owner} field "${field}" is ${describe(v)}, not ${expected}`)
    }
  }
  check(types.strings, (v) => typeof v === 'string', 'a string')
  check(types.booleans, (v) => typeof v === 'boolean', 'a boolean')
  check(types.maps, isMap, 'a map')
  check(types.stringLists, (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'a list of strings')
}

/** A plain YAML map (not a list, Buffer from !!binary, Date...). */
function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'missing'
  if (Array.isArray(value)) return 'a list'
  if (isMap(value)) return 'a map'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number'
  if (typeof value === 'boolean') return 'a boolean'
  return 'binary data'
}

interface SerializedServer {
  scheme: string
  host: string
  port: string
  path: string
}

function serverParts(url: URL): SerializedServer {
  const scheme = url.protocol.replace(/:$/, '')
  return {
    scheme,
    host: url.hostname.toLowerCase(),
    port: url.port || (scheme === 'https' ? '443' : '80'),
    path: url.pathname.replace(/\/+$/, '') || '/',
  }
}

function redactUserinfo(value: string): string {
  return value.replace(/\/\/[^/@]*@/, '//***@')
}

function listOf(what: string, entries: {name: string}[]): string {
  return entries.length === 0 ? `it has no ${what}` : `its ${what}: ${entries.map((e) => e.name).join(', ')}`
}

function orList(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`
}

function andList(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
