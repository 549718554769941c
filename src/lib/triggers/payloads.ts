import {createHash} from 'node:crypto'

/** The webhook formats berth understands. */
export type PayloadFormat = 'docker-hub' | 'distribution' | 'harbor'

/** One image push, whatever format announced it: the inputs a trigger's action gets. */
export interface PushEvent {
  format: PayloadFormat
  /** The event's own id (distribution), or a digest of what identifies the push (Docker Hub, Harbor). */
  eventId: string
  /** The first path segment of the repository (Docker Hub's owner). */
  owner: string
  /** The repository path without its last segment ("team/sub" in team/sub/app). */
  namespace: string
  /** The last segment of the repository path. */
  repositoryName: string
  /** namespace/name, as a trigger's --image names it. */
  repository: string
  /** The registry host as the event names it (absent for Docker Hub). */
  registry?: string
  /** The pushed image, [registry/]repository:tag. */
  image: string
  tag: string
  digest?: string
  pusher?: string
  /** When it was pushed, ISO 8601. */
  time?: string
  /** Docker Hub only: where to report the result (used only for allowed hosts). */
  callbackUrl?: string
}

/** What a request body held: the pushes, and how many events it carried in all. */
export interface ParsedWebhook {
  format: PayloadFormat
  pushes: PushEvent[]
  /** Events in the body, pushes or not (a distribution envelope also carries pulls and blob pushes). */
  events: number
  /** Events skipped because an earlier event in the same body had the same id. */
  duplicates: number
}

/** The media types registries send envelopes with; plain JSON is accepted as well. */
export const DISTRIBUTION_MEDIA_TYPES = ['application/vnd.docker.distribution.events.v1+json', 'application/vnd.docker.distribution.events.v2+json'] as const

/** A body berth does not recognise as any of the three formats. */
export class UnknownPayloadError extends Error {}

// A tag as the distribution spec defines it.
const TAG = /^\w[\w.-]{0,127}$/
// A repository path: lower-case components separated by "/".
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/
const MAX_FIELD = 512

/** Tell a parsed JSON body's format from its shape, and map it to pushes. */
export function parseWebhook(body: unknown): ParsedWebhook {
  if (!isObject(body)) throw new UnknownPayloadError('The body is not a JSON object.')
  if (Array.isArray(body.events)) return parseDistribution(body.events)
  if (isObject(body.push_data) && isObject(body.repository)) return parseDockerHub(body)
  if (typeof body.type === 'string' && isObject(body.event_data)) return parseHarbor(body)
  throw new UnknownPayloadError('The body is not a Docker Hub webhook, a registry notification envelope or a Harbor event.')
}

/** Docker Hub: one push per request. */
function parseDockerHub(body: Record<string, unknown>): ParsedWebhook {
  const repo = body.repository as Record<string, unknown>
  const push = body.push_data as Record<string, unknown>
  const tag = str(push.tag)
  const repoName = str(repo.repo_name) ?? joinPath(str(repo.namespace), str(repo.name))
  const pushes: PushEvent[] = []
  if (tag && TAG.test(tag) && repoName && REPOSITORY.test(repoName)) {
    const parts = splitRepository(repoName)
    const pushedAt = typeof push.pushed_at === 'number' && Number.isFinite(push.pushed_at) ? push.pushed_at : undefined
    const callbackUrl = str(body.callback_url)
    pushes.push({
      format: 'docker-hub',
      eventId: digestOf(['docker-hub', callbackUrl ?? '', repoName, tag, String(pushedAt ?? '')]),
      owner: str(repo.owner) ?? parts.owner,
      namespace: str(repo.namespace) ?? parts.namespace,
      repositoryName: str(repo.name) ?? parts.repositoryName,
      repository: repoName,
      image: `${repoName}:${tag}`,
      tag,
      ...optional('pusher', str(push.pusher)),
      ...optional('time', pushedAt === undefined ? undefined : isoTime(pushedAt * 1000)),
      ...optional('callbackUrl', callbackUrl),
    })
  }
  return {format: 'docker-hub', pushes, events: 1, duplicates: 0}
}

/**
 * A distribution notification envelope: every event is looked at; only manifest pushes that
 * name a tag are pushes (blob pushes and pulls are not); an id seen earlier in the envelope is skipped.
 */
function parseDistribution(events: unknown[]): ParsedWebhook {
  const pushes: PushEvent[] = []
  const seen = new Set<string>()
  let duplicates = 0
  for (const event of events) {
    if (!isObject(event)) continue
    const id = str(event.id)
    if (id !== undefined) {
      if (seen.has(id)) {
        duplicates++
        continue
      }
      seen.add(id)
    }
    if (event.action !== 'push' || !isObject(event.target)) continue
    const target = event.target
    const tag = str(target.tag)
    const repository = str(target.repository)
    if (!tag || !TAG.test(tag) || !repository || !REPOSITORY.test(repository)) continue
    const request = isObject(event.request) ? event.request : {}
    const actor = isObject(event.actor) ? event.actor : {}
    const host = str(request.host)
    const registry = host && /^[A-Za-z0-9.-]+(?::\d{1,5})?$/.test(host) ? host : undefined
    const digest = str(target.digest)
    const time = str(event.timestamp)
    pushes.push({
      format: 'distribution',
      eventId: id ?? digestOf(['distribution', repository, tag, digest ?? '', time ?? '']),
      ...splitRepository(repository),
      repository,
      ...optional('registry', registry),
      image: `${registry ? `${registry}/` : ''}${repository}:${tag}`,
      tag,
      ...optional('digest', digest),
      ...optional('pusher', str(actor.name)),
      ...optional('time', time === undefined ? undefined : rfc3339(time)),
    })
  }
  return {format: 'distribution', pushes, events: events.length, duplicates}
}

/** Harbor: PUSH_ARTIFACT (Harbor 2) and pushImage (Harbor 1.x); one push per tagged resource. */
function parseHarbor(body: Record<string, unknown>): ParsedWebhook {
  const data = body.event_data as Record<string, unknown>
  const resources = Array.isArray(data.resources) ? data.resources : []
  if (body.type !== 'PUSH_ARTIFACT' && body.type !== 'pushImage') return {format: 'harbor', pushes: [], events: Math.max(resources.length, 1), duplicates: 0}
  const repo = isObject(data.repository) ? data.repository : {}
  const repository = str(repo.repo_full_name) ?? joinPath(str(repo.namespace), str(repo.name))
  const occurAt = typeof body.occur_at === 'number' && Number.isFinite(body.occur_at) ? body.occur_at : undefined
  const pushes: PushEvent[] = []
  const seen = new Set<string>()
  let duplicates = 0
  for (const resource of resources) {
    if (!isObject(resource)) continue
    const tag = str(resource.tag)
    if (!tag || !TAG.test(tag) || !repository || !REPOSITORY.test(repository)) continue
    const digest = str(resource.digest)
    const eventId = digestOf(['harbor', String(body.type), repository, tag, digest ?? '', String(occurAt ?? '')])
    if (seen.has(eventId)) {
      duplicates++
      continue
    }
    seen.add(eventId)
    const url = str(resource.resource_url)
    const registry = url?.split('/')[0]
    pushes.push({
      format: 'harbor',
      eventId,
      ...splitRepository(repository),
      namespace: str(repo.namespace) ?? splitRepository(repository).namespace,
      repository,
      ...optional('registry', registry && /^[A-Za-z0-9.-]+(?::\d{1,5})?$/.test(registry) ? registry : undefined),
      image: url && url.length <= MAX_FIELD && !/\s/.test(url) ? url : `${repository}:${tag}`,
      tag,
      ...optional('digest', digest),
      ...optional('pusher', str(body.operator)),
      ...optional('time', occurAt === undefined ? undefined : isoTime(occurAt * 1000)),
    })
  }
  return {format: 'harbor', pushes, events: Math.max(resources.length, 1), duplicates}
}

/** owner (first segment), namespace (all but the last), name (the last) of a repository path. */
export function splitRepository(repository: string): {owner: string; namespace: string; repositoryName: string} {
  const parts = repository.split('/')
  const repositoryName = parts.at(-1) ?? repository
  return {owner: parts[0] ?? '', namespace: parts.slice(0, -1).join('/'), repositoryName}
}

function joinPath(namespace: string | undefined, name: string | undefined): string | undefined {
  if (!name) return undefined
  return namespace ? `${namespace}/${name}` : name
}

function str(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FIELD) return undefined
  // Control characters never reach a record, an environment variable or a terminal.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined
  return value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function optional<K extends string, V>(key: K, value: V | undefined): {[P in K]?: V} {
  return (value === undefined ? {} : {[key]: value}) as {[P in K]?: V}
}

function isoTime(ms: number): string | undefined {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** Registries send nanoseconds ("…26.402973972-08:00"), which Date.parse refuses: keep milliseconds. */
function rfc3339(text: string): string | undefined {
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'))
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString()
}

function digestOf(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)
}
