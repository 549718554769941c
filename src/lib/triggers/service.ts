import {randomBytes} from 'node:crypto'

import type {BerthContext} from '../context.js'
import {ConflictError, NotFoundError, UsageError, ValidationError} from '../errors.js'
import {assertDns1123Label, quote} from '../names.js'
import {SecretRef, StoredSecretRef, parseRefKey, refKey} from '../secrets/store.js'
import {TriggerActionRunner, defaultActionRunner} from './actions.js'
import {HistoryLog, RUN_STATUSES, RunRecord, RunStatus, historyFile, readHistory, removeHistory} from './history.js'
import {checkImage, globToRegExp, tagRegExp} from './match.js'
import {inputsOf, newRunId, performRun} from './runs.js'
import {DEFAULT_PUBLIC_URL, TriggerAction, TriggerDocument, TriggerSpec, TriggerStatus} from './types.js'

/** The flags that choose a trigger's action, as the command got them. */
export interface ActionFlags {
  service?: string
  env?: string
  cluster?: string
  namespace?: string
  container?: string
  runtime?: string
  exec?: string
}

/** Exactly one action, with the flags that belong to it and no others. */
export function actionFromFlags(flags: ActionFlags): TriggerAction {
  const chosen = (['service', 'runtime', 'exec'] as const).filter((k) => flags[k] !== undefined)
  if (chosen.length === 0) throw new UsageError('Choose what the trigger does: --service S (with --env E or --cluster K8S), --runtime R, or --exec "CMD".')
  if (chosen.length > 1) throw new UsageError(`Give one action only: ${chosen.map((k) => `--${k}`).join(' and ')} were both given.`)
  if (!flags.service) {
    const serviceOnly = (['env', 'cluster', 'namespace', 'container'] as const).filter((k) => flags[k] !== undefined)
    if (serviceOnly.length > 0) throw new UsageError(`${serviceOnly.map((k) => `--${k}`).join(', ')} ${serviceOnly.length === 1 ? 'applies' : 'apply'} only to a --service action.`)
  }
  if (flags.service !== undefined) {
    assertDns1123Label(flags.service, 'service name')
    if (flags.env !== undefined && flags.cluster !== undefined) throw new UsageError('Give --env or --cluster, not both: an environment already names its cluster.')
    if (flags.env === undefined && flags.cluster === undefined) throw new UsageError('A --service action needs --env ENVIRONMENT or --cluster KUBERNETES-ENDPOINT.')
    if (flags.env !== undefined) assertDns1123Label(flags.env, 'environment name')
    if (flags.cluster !== undefined) assertDns1123Label(flags.cluster, 'endpoint name')
    if (flags.namespace !== undefined) assertDns1123Label(flags.namespace, 'namespace')
    if (flags.container !== undefined) assertDns1123Label(flags.container, 'container name')
    return {
      type: 'service',
      service: flags.service,
      ...(flags.env === undefined ? {} : {environment: flags.env}),
      ...(flags.cluster === undefined ? {} : {clusterEndpoint: flags.cluster}),
      ...(flags.namespace === undefined ? {} : {namespace: flags.namespace}),
      ...(flags.container === undefined ? {} : {container: flags.container}),
    }
  }
  if (flags.runtime !== undefined) {
    assertDns1123Label(flags.runtime, 'runtime name')
    return {type: 'runtime', runtime: flags.runtime}
  }
  const command = flags.exec ?? ''
  if (command.trim() === '') throw new ValidationError('--exec needs a command, e.g. --exec "./deploy.sh".')
  if (command.includes('\u0000')) throw new ValidationError('--exec contains a NUL character.')
  if (command.length > 8192) throw new ValidationError('--exec is longer than 8192 characters; put the commands in a script and run that.')
  return {type: 'exec', command}
}

const EVENT_INPUTS = new Set(['owner', 'namespace', 'repositoryName', 'repository', 'registry', 'image', 'tag', 'digest', 'pusher', 'time'])

/** --input KEY=VALUE: an environment variable name (not BERTH_*, not an event input) and a value without NUL. */
export function parseInputs(values: string[]): Record<string, string> {
  const inputs: Record<string, string> = {}
  for (const value of values) {
    const eq = value.indexOf('=')
    if (eq <= 0) throw new ValidationError(`--input ${quote(value)} is not of the form KEY=VALUE.`)
    const key = value.slice(0, eq)
    const text = value.slice(eq + 1)
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key)) throw new ValidationError(`--input key ${quote(key)} is not a valid environment variable name (letters, digits and "_", not starting with a digit).`)
    if (key.startsWith('BERTH_') || EVENT_INPUTS.has(key)) throw new ValidationError(`--input key ${quote(key)} is reserved: berth sets it from the event.`)
    if (text.includes('\u0000') || text.length > 4096) throw new ValidationError(`--input ${key} has a NUL character or is longer than 4096 characters.`)
    if (Object.hasOwn(inputs, key)) throw new ValidationError(`--input ${key} is given twice.`)
    inputs[key] = text
  }
  return inputs
}

/** --public-url: where serve is reached (http or https, no path beyond "/", no credentials, no query). */
export function checkPublicUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ValidationError(`--public-url ${quote(text)} is not a URL; write it like https://ci.example.com:8443.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError(`--public-url ${quote(text)} uses ${url.protocol}//; it needs http:// or https://.`)
  if (url.username || url.password) throw new ValidationError('--public-url must not contain a username or password.')
  if (url.search || url.hash) throw new ValidationError('--public-url must not have a query or fragment: berth adds the path and the token.')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

export interface CreateTriggerInput {
  name: string
  endpoint: string
  image: string
  tagPattern?: string
  tagRegex?: string
  action: TriggerAction
  inputs?: Record<string, string>
  disabled?: boolean
  dryRun?: boolean
  publicUrl?: string
  /** Create the webhook at Docker Hub too, through this API (the endpoint's credentials log in). */
  register?: {apiUrl: string}
}

export interface TriggerWithToken {
  trigger: TriggerDocument
  token: string
  hookUrl: string
}

/** The secure token: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** The URL to give a registry: serve's /hooks/NAME with the token. */
export function hookUrl(spec: Pick<TriggerSpec, 'publicUrl'>, name: string, token: string): string {
  return `${spec.publicUrl}/hooks/${name}?secureToken=${encodeURIComponent(token)}`
}

/** The source's form, for Docker Hub: /pipelines/api/docker-hub-webhooks?secureToken=TOKEN. */
export function dockerHubHookUrl(spec: Pick<TriggerSpec, 'publicUrl'>, token: string): string {
  return `${spec.publicUrl}/pipelines/api/docker-hub-webhooks?secureToken=${encodeURIComponent(token)}`
}

/** Check the plain fields and the objects the trigger names; returns the spec without its token reference. */
async function validateCreate(ctx: BerthContext, project: string, input: CreateTriggerInput): Promise<Omit<TriggerSpec, 'token' | 'tokenVersion'>> {
  assertDns1123Label(input.name, 'trigger name')
  assertDns1123Label(input.endpoint, 'endpoint name')
  checkImage(input.image)
  if (input.tagPattern !== undefined && input.tagRegex !== undefined) throw new UsageError('Give --tag-pattern or --tag-regex, not both.')
  if (input.tagPattern !== undefined) globToRegExp(input.tagPattern)
  if (input.tagRegex !== undefined) tagRegExp(input.tagRegex)
  const publicUrl = input.publicUrl === undefined ? DEFAULT_PUBLIC_URL : checkPublicUrl(input.publicUrl)
  const state = ctx.state()
  if (await state.tryGet('Trigger', input.name, project)) throw new ConflictError(`Trigger "${input.name}" already exists in project "${project}".`, {hint: `Delete it first with: berth trigger delete ${input.name}`})
  await requireEndpoint(ctx, project, input.endpoint, 'docker-registry', '--endpoint')
  const action = input.action
  if (action.type === 'service') {
    await requireObject(ctx, project, 'Service', action.service, 'service', 'berth service list')
    if (action.clusterEndpoint) await requireEndpoint(ctx, project, action.clusterEndpoint, 'kubernetes', '--cluster')
    if (action.environment) await requireObject(ctx, project, 'Environment', action.environment, 'environment', 'berth environment list')
  } else if (action.type === 'runtime') {
    await requireObject(ctx, project, 'DeploymentRuntime', action.runtime, 'runtime', 'berth runtime list')
  }
  return {
    endpoint: input.endpoint,
    image: input.image,
    ...(input.tagPattern === undefined ? {} : {tagPattern: input.tagPattern}),
    ...(input.tagRegex === undefined ? {} : {tagRegex: input.tagRegex}),
    action,
    ...(input.inputs && Object.keys(input.inputs).length > 0 ? {inputs: input.inputs} : {}),
    enabled: !input.disabled,
    ...(input.dryRun ? {dryRun: true} : {}),
    publicUrl,
  }
}

async function requireEndpoint(ctx: BerthContext, project: string, name: string, type: string, flag: string): Promise<void> {
  const doc = await ctx.state().tryGet<{type: string}>('Endpoint', name, project)
  if (!doc) throw new NotFoundError(`${flag} names endpoint "${name}", which does not exist in project "${project}".`, {hint: `Create it with: berth endpoint create ${type} ${name}`})
  if (doc.spec.type !== type) throw new UsageError(`${flag} needs a ${type} endpoint; "${name}" is a ${doc.spec.type} endpoint.`)
}

async function requireObject(ctx: BerthContext, project: string, kind: 'Service' | 'Environment' | 'DeploymentRuntime', name: string, what: string, list: string): Promise<void> {
  if (!(await ctx.state().tryGet(kind, name, project))) throw new NotFoundError(`The ${what} "${name}" does not exist in project "${project}".`, {hint: `List them with: ${list}`})
}

function tokenRef(project: string, name: string): SecretRef {
  return {project, kind: 'Trigger', name, field: 'token'}
}

/** Create a trigger: token to the secret store, the rest to a document. Nothing is kept if a step fails. */
export async function createTrigger(ctx: BerthContext, input: CreateTriggerInput): Promise<TriggerWithToken> {
  const project = await ctx.project()
  const spec = await validateCreate(ctx, project, input)
  const hubRepo = input.register ? hubRepository(spec.image) : undefined
  const token = newToken()
  const secrets = await ctx.secrets()
  const ref = tokenRef(project, input.name)
  await secrets.set(ref, token)
  let trigger: TriggerDocument
  try {
    trigger = await ctx.state().create<TriggerSpec, TriggerStatus>({
      kind: 'Trigger',
      metadata: {name: input.name, project},
      spec: {...spec, token: {backend: secrets.backend, key: refKey(ref)}, tokenVersion: 1},
    })
  } catch (error) {
    await secrets.delete(ref).catch(() => undefined)
    throw error
  }
  if (input.register && hubRepo) {
    // As the source has it: creating the trigger creates the webhook at Docker Hub; if that fails, neither exists.
    try {
      const {namespace, repository} = hubRepo
      const webhookName = `berth-${input.name}`
      const hub = await dockerHubClient(ctx, trigger, input.register.apiUrl)
      const made = await hub.createWebhook(namespace, repository, {name: webhookName, hookUrl: dockerHubHookUrl(trigger.spec, token)})
      trigger = await ctx.state().update<TriggerSpec, TriggerStatus>('Trigger', input.name, project, (d) => ({...d, spec: {...d.spec, dockerHub: {apiUrl: input.register!.apiUrl, namespace, repository, webhookName, ...(made.slug ? {slug: made.slug} : {})}}}))
    } catch (error) {
      await ctx.state().delete('Trigger', input.name, project).catch(() => undefined)
      await secrets.delete(ref).catch(() => undefined)
      throw error
    }
  }
  return {trigger, token, hookUrl: hookUrl(trigger.spec, input.name, token)}
}

/** A Docker Hub repository is NAMESPACE/NAME. */
function hubRepository(image: string): {namespace: string; repository: string} {
  const parts = image.split('/')
  if (parts.length !== 2) throw new ValidationError(`--register needs a Docker Hub repository of the form NAMESPACE/NAME; ${quote(image)} has ${parts.length - 1} "/".`)
  return {namespace: parts[0] as string, repository: parts[1] as string}
}

/** A Docker Hub client logged in with the trigger's docker-registry endpoint's credentials. */
async function dockerHubClient(ctx: BerthContext, trigger: TriggerDocument, apiUrl: string) {
  const {loadEndpointCredentials} = await import('../endpoints/credentials.js')
  const {DockerHubClient} = await import('../registry/docker-hub.js')
  const creds = await loadEndpointCredentials(ctx, trigger.spec.endpoint, ['docker-registry'])
  return new DockerHubClient({apiUrl, username: creds.username, password: creds.password})
}

/** --hub-api-url or BERTH_DOCKER_HUB_API_URL: http(s), no credentials, no query. */
export function checkHubApiUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ValidationError(`--hub-api-url ${quote(text)} is not a URL; the default is https://hub.docker.com.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError(`--hub-api-url ${quote(text)} uses ${url.protocol}//; it needs https://.`)
  if (url.username || url.password || url.search || url.hash) throw new ValidationError('--hub-api-url must be a plain base URL (no credentials, query or fragment).')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

export async function getTrigger(ctx: BerthContext, name: string): Promise<TriggerDocument> {
  assertDns1123Label(name, 'trigger name')
  const project = await ctx.project()
  const doc = await ctx.state().tryGet<TriggerSpec, TriggerStatus>('Trigger', name, project)
  if (!doc) throw new NotFoundError(`Trigger "${name}" not found in project "${project}".`, {hint: 'List them with: berth trigger list'})
  return doc
}

export async function listTriggers(ctx: BerthContext): Promise<TriggerDocument[]> {
  return ctx.state().list<TriggerSpec, TriggerStatus>('Trigger', {project: await ctx.project()})
}

/** Read a trigger's token from the secret store that holds it. */
export async function readToken(ctx: BerthContext, doc: TriggerDocument): Promise<string> {
  const ref = parseStoredRef(doc.spec.token, doc.metadata.name)
  const store = await storeFor(ctx, doc.spec.token)
  const token = await store.get(ref)
  if (!token) throw new NotFoundError(`The token of trigger "${doc.metadata.name}" is missing from the secret store (${store.backend} store).`, {hint: `Make a new one with: berth trigger token ${doc.metadata.name} --rotate`})
  return token
}

function parseStoredRef(stored: StoredSecretRef, name: string): SecretRef {
  const ref = parseRefKey(stored.key)
  if (!ref) throw new NotFoundError(`Trigger "${name}" has a malformed token reference.`, {hint: `Make a new token with: berth trigger token ${name} --rotate`})
  return ref
}

async function storeFor(ctx: BerthContext, stored: StoredSecretRef) {
  const current = await ctx.secrets()
  if (current.backend === 'env' || current.backend === stored.backend) return current
  const {openSecretStore} = await import('../secrets/index.js')
  return openSecretStore({backend: stored.backend, home: ctx.home, env: ctx.env})
}

export interface TokenResult {
  token: string
  hookUrl: string
  rotated: boolean
}

/** A trigger's token and hook URL; with `rotate`, a new token replaces it (the old one stops working at once). */
export async function triggerToken(ctx: BerthContext, name: string, options: {rotate?: boolean} = {}): Promise<TokenResult & {trigger: TriggerDocument}> {
  const doc = await getTrigger(ctx, name)
  if (!options.rotate) {
    const token = await readToken(ctx, doc)
    return {token, hookUrl: hookUrl(doc.spec, name, token), rotated: false, trigger: doc}
  }
  const token = newToken()
  const hub = doc.spec.dockerHub
  if (hub) {
    // Docker Hub's webhook carries the token in its URL: point it at the new one first.
    const client = await dockerHubClient(ctx, doc, hub.apiUrl)
    const hook = {name: hub.webhookName, hookUrl: dockerHubHookUrl(doc.spec, token)}
    if (hub.slug) await client.updateWebhook(hub.namespace, hub.repository, hub.slug, hook)
    else await client.createWebhook(hub.namespace, hub.repository, hook)
  }
  const store = await storeFor(ctx, doc.spec.token)
  await store.set(parseStoredRef(doc.spec.token, name), token)
  // The new version tells a running serve to reload the token.
  const updated = await ctx.state().update<TriggerSpec, TriggerStatus>('Trigger', name, doc.metadata.project, (d) => ({...d, spec: {...d.spec, tokenVersion: (d.spec.tokenVersion ?? 1) + 1}}))
  return {token, hookUrl: hookUrl(updated.spec, name, token), rotated: true, trigger: updated}
}

/** Enable or disable; `changed` is false when it already was. */
export async function setTriggerEnabled(ctx: BerthContext, name: string, enabled: boolean): Promise<{trigger: TriggerDocument; changed: boolean}> {
  const doc = await getTrigger(ctx, name)
  if (doc.spec.enabled === enabled) return {trigger: doc, changed: false}
  const trigger = await ctx.state().update<TriggerSpec, TriggerStatus>('Trigger', name, doc.metadata.project, (d) => ({...d, spec: {...d.spec, enabled}}), {expectedGeneration: doc.metadata.generation})
  return {trigger, changed: true}
}

/** Delete the trigger, its token and its history. */
export async function deleteTrigger(ctx: BerthContext, name: string, options: {keepHistory?: boolean; keepDockerHubWebhook?: boolean} = {}): Promise<{trigger: TriggerDocument; tokenRemoved: boolean; historyRemoved: boolean; dockerHubWebhookDeleted: boolean}> {
  const doc = await getTrigger(ctx, name)
  const project = doc.metadata.project ?? ''
  let dockerHubWebhookDeleted = false
  const hub = doc.spec.dockerHub
  if (hub?.slug && !options.keepDockerHubWebhook) {
    // Deleting the trigger deletes its Docker Hub webhook; if that fails, nothing is deleted.
    const client = await dockerHubClient(ctx, doc, hub.apiUrl)
    dockerHubWebhookDeleted = await client.deleteWebhook(hub.namespace, hub.repository, hub.slug)
  }
  const removed = await ctx.state().delete<TriggerSpec, TriggerStatus>('Trigger', name, project)
  let tokenRemoved = false
  const ref = parseRefKey(removed.spec.token?.key ?? '')
  if (ref) tokenRemoved = await (await storeFor(ctx, removed.spec.token)).delete(ref).catch(() => false)
  if (!options.keepHistory) {
    const runs = await clusterRuns(ctx)
    if (runs) await runs.removeTrigger(project, name)
    else await removeHistory(historyFile(ctx.home, project, name))
  }
  return {trigger: removed, tokenRemoved, historyRemoved: !options.keepHistory, dockerHubWebhookDeleted}
}

/**
 * The `notifications:` block of a distribution registry's config.yml that sends its events to
 * this trigger, the token as a Bearer header. Without a token, a placeholder stands in its place.
 */
export function registryConfig(doc: TriggerDocument, token?: string): string {
  const name = doc.metadata.name
  return [
    'notifications:',
    '  events:',
    '    includereferences: true',
    '  endpoints:',
    `    - name: berth-${name}`,
    `      url: ${doc.spec.publicUrl}/hooks/${name}`,
    '      headers:',
    `        Authorization: [Bearer ${token ?? `<the token: berth trigger token ${name}>`}]`,
    '      timeout: 5s',
    '      threshold: 5',
    '      backoff: 10s',
    '      ignoredmediatypes:',
    '        - application/octet-stream',
    '',
  ].join('\n')
}

export interface FireOptions {
  tag: string
  dryRun?: boolean
  /** Kubernetes backend: how long to wait for a run of the same target under way elsewhere (default 2 min). */
  waitMs?: number
}

/** The registry host of the trigger's endpoint, as images from it are named (host[:port]). */
async function registryHostOf(ctx: BerthContext, doc: TriggerDocument): Promise<string | undefined> {
  const endpoint = await ctx.state().tryGet<{address?: string}>('Endpoint', doc.spec.endpoint, doc.metadata.project)
  if (!endpoint?.spec.address) return undefined
  try {
    return new URL(endpoint.spec.address).host
  } catch {
    return undefined
  }
}

/** Run a trigger's action by hand for one tag, recorded in its history like any run. */
export async function fireTrigger(ctx: BerthContext, name: string, options: FireOptions, deps: {runner?: TriggerActionRunner} = {}): Promise<RunRecord> {
  const doc = await getTrigger(ctx, name)
  if (!/^\w[\w.-]{0,127}$/.test(options.tag)) throw new ValidationError(`--tag ${quote(options.tag)} is not a valid image tag (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-").`)
  const project = doc.metadata.project ?? ''
  const registry = await registryHostOf(ctx, doc)
  const parts = doc.spec.image.split('/')
  const push = {
    owner: parts[0] ?? '',
    namespace: parts.slice(0, -1).join('/'),
    repositoryName: parts.at(-1) ?? '',
    repository: doc.spec.image,
    ...(registry ? {registry} : {}),
    image: `${registry ? `${registry}/` : ''}${doc.spec.image}:${options.tag}`,
    tag: options.tag,
    time: ctx.now().toISOString(),
  }
  const now = ctx.now().toISOString()
  const record: RunRecord = {run: newRunId(ctx.now()), trigger: name, project, status: 'queued', at: now, queuedAt: now, source: 'manual', inputs: inputsOf(doc, push), ...(options.dryRun || doc.spec.dryRun ? {dryRun: true} : {})}
  const runner = deps.runner ?? defaultActionRunner(ctx)
  const runs = await clusterRuns(ctx)
  if (runs) {
    // On a cluster, a manual run takes the target's Lease like a serve replica, so they never overlap.
    const [{KubeRunLog}, {targetKey}, {withTargetLease}] = await Promise.all([import('./kube-runs.js'), import('./scheduler.js'), import('./kube-scheduler.js')])
    const target = targetKey(doc)
    const log = new KubeRunLog(runs, {target, replica: 'berth trigger fire'})
    const identity = `berth-trigger-fire-${record.run}`
    // Recorded only once the Lease is held: a queued run of the target would be a replica's to run.
    return withTargetLease(runs.client, {namespace: runs.namespace, target, identity, leaseSeconds: 15, waitMs: options.waitMs ?? 120_000, run: record.run, project}, async () => {
      await log.append(record)
      return performRun({trigger: doc, record}, {runner, log, now: ctx.now})
    })
  }
  const log = new HistoryLog(historyFile(ctx.home, project, name))
  try {
    await log.append(record)
    return await performRun({trigger: doc, record}, {runner, log, now: ctx.now})
  } finally {
    await log.close()
  }
}

/** The run objects of the kubernetes backend; undefined on the file backend (history in logs). */
async function clusterRuns(ctx: BerthContext): Promise<import('./kube-runs.js').KubeRunStore | undefined> {
  const state = ctx.state()
  if (state.backend !== 'kubernetes') return undefined
  const {KubeRunStore, clusterOf} = await import('./kube-runs.js')
  const cluster = clusterOf(state)
  return cluster ? new KubeRunStore(await cluster.client(), cluster.namespace) : undefined
}

/** What list and show print: everything but where the token is kept. */
export interface TriggerView {
  name: string
  project: string
  endpoint: string
  image: string
  tagPattern?: string
  tagRegex?: string
  action: TriggerAction
  /** One line: "deploy service checkout (env dev, container api)", "sync runtime r", "exec: ./deploy.sh". */
  does: string
  inputs: Record<string, string>
  enabled: boolean
  dryRun: boolean
  /** The hook URL without its token. */
  hookPath: string
  dockerHub?: TriggerSpec['dockerHub']
  createdAt: string
  updatedAt?: string
}

export function describeAction(action: TriggerAction): string {
  switch (action.type) {
    case 'service': {
      const where = [action.environment ? `env ${action.environment}` : `cluster ${action.clusterEndpoint ?? ''}`, action.namespace ? `namespace ${action.namespace}` : '', action.container ? `container ${action.container}` : ''].filter(Boolean)
      return `deploy service ${action.service} (${where.join(', ')})`
    }
    case 'runtime':
      return `sync runtime ${action.runtime}`
    case 'exec':
      return `exec: ${action.command}`
  }
}

export function triggerView(doc: TriggerDocument): TriggerView {
  const s = doc.spec
  return {
    name: doc.metadata.name,
    project: doc.metadata.project ?? '',
    endpoint: s.endpoint,
    image: s.image,
    ...(s.tagPattern === undefined ? {} : {tagPattern: s.tagPattern}),
    ...(s.tagRegex === undefined ? {} : {tagRegex: s.tagRegex}),
    action: s.action,
    does: describeAction(s.action),
    inputs: s.inputs ?? {},
    enabled: s.enabled,
    dryRun: Boolean(s.dryRun),
    hookPath: `${s.publicUrl}/hooks/${doc.metadata.name}`,
    ...(s.dockerHub ? {dockerHub: s.dockerHub} : {}),
    createdAt: doc.metadata.createdAt,
    ...(doc.metadata.updatedAt ? {updatedAt: doc.metadata.updatedAt} : {}),
  }
}

/** --since: an ISO time, or a duration back from now (30m, 12h, 7d). */
export function parseSince(text: string, now: Date): Date {
  const duration = /^(\d{1,6})([smhd])$/.exec(text)
  if (duration) {
    const unit = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}[duration[2] as 's' | 'm' | 'h' | 'd']
    return new Date(now.getTime() - Number(duration[1]) * unit)
  }
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(ms)) throw new ValidationError(`--since ${quote(text)} is neither a time (2026-11-24T09:30:00Z) nor a duration (30m, 12h, 7d).`)
  return new Date(ms)
}

/** A trigger's runs, newest first, read from the tail of its history. */
export async function triggerHistory(ctx: BerthContext, name: string, query: {limit?: number; status?: string; since?: string}): Promise<RunRecord[]> {
  const doc = await getTrigger(ctx, name)
  const limit = query.limit ?? 20
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new ValidationError(`--limit must be a whole number from 1 to 100000.`)
  if (query.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(query.status)) throw new ValidationError(`--status ${quote(query.status)} is not one of: ${RUN_STATUSES.join(', ')}.`)
  const since = query.since === undefined ? undefined : parseSince(query.since, ctx.now())
  const historyQuery = {limit, ...(query.status ? {status: query.status as RunStatus} : {}), ...(since ? {since} : {})}
  const runs = await clusterRuns(ctx)
  if (runs) return runs.history(doc.metadata.project ?? '', name, historyQuery)
  const page = await readHistory(historyFile(ctx.home, doc.metadata.project ?? '', name), historyQuery)
  return page.records
}
