/**
 * A coordination.k8s.io/v1 Lease used as a lock between processes: taken with a create (or an
 * update on the resourceVersion read, when the lease is free or its holder stopped renewing),
 * renewed by its holder while it works, and released by clearing the holder. Plain options in;
 * what the lock guards is the caller's business.
 */
import type {KubeClient} from './client.js'

export interface LeaseOptions {
  namespace: string
  /** The Lease's name (a DNS-1123 subdomain). */
  name: string
  /** Who holds it: one id per process. */
  identity: string
  /** How long a holder that stops renewing keeps the lease. */
  durationSeconds: number
  /** Labels set on a Lease this creates. */
  labels?: Record<string, string>
  now?: () => Date
}

interface LeaseObject {
  apiVersion: 'coordination.k8s.io/v1'
  kind: 'Lease'
  metadata: {name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec: {holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number}
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

/** A lease this process holds. `annotations` are the caller's (e.g. what ran last under it). */
export class HeldLease {
  private object: LeaseObject
  private readonly client: KubeClient
  private readonly options: LeaseOptions
  private lost = false

  constructor(client: KubeClient, options: LeaseOptions, object: LeaseObject) {
    this.client = client
    this.options = options
    this.object = object
  }

  get annotations(): Record<string, string> {
    return {...this.object.metadata.annotations}
  }

  /** False once a renewal found another holder (or the lease gone): stop doing what it guards. */
  get held(): boolean {
    return !this.lost
  }

  /** Renew (and set annotations); false when the lease was lost meanwhile. */
  async renew(annotations?: Record<string, string>): Promise<boolean> {
    if (this.lost) return false
    const now = (this.options.now ?? (() => new Date()))()
    const next: LeaseObject = {
      ...this.object,
      metadata: {...this.object.metadata, annotations: {...this.object.metadata.annotations, ...annotations}},
      spec: {...this.object.spec, renewTime: microTime(now)},
    }
    try {
      this.object = (await this.client.request<LeaseObject>({method: 'PUT', path: leasePath(this.options), body: next, action: `renew Lease ${this.options.name}`})).body
      return true
    } catch (error) {
      if (isStatus(error, 409, 404)) {
        this.lost = true
        return false
      }
      throw error
    }
  }

  /** Give the lease up: the holder cleared, so the next taker need not wait for it to expire. */
  async release(): Promise<void> {
    if (this.lost) return
    this.lost = true
    const next: LeaseObject = {...this.object, spec: {...this.object.spec, holderIdentity: undefined, acquireTime: undefined, renewTime: undefined}}
    try {
      await this.client.request({method: 'PUT', path: leasePath(this.options), body: next, action: `release Lease ${this.options.name}`})
    } catch (error) {
      if (!(isStatus(error, 409, 404))) throw error
    }
  }
}

function leasePath(options: Pick<LeaseOptions, 'namespace' | 'name'>, named = true): string {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/leases`
  return named ? `${base}/${encodeURIComponent(options.name)}` : base
}

/** Whether a lease is held by someone who renewed it within its duration. */
export function leaseLive(spec: LeaseObject['spec'], now: Date): boolean {
  if (!spec.holderIdentity || !spec.renewTime) return false
  const renewed = Date.parse(spec.renewTime)
  return Number.isFinite(renewed) && renewed + (spec.leaseDurationSeconds ?? 0) * 1000 > now.getTime()
}

/**
 * Take the lease if it is free, released, expired, or already ours; undefined when another
 * holder has it (or won the race to it). `expired` says whether a previous holder's lease ran
 * out without a release (it stopped mid-work).
 */
export async function tryAcquireLease(client: KubeClient, options: LeaseOptions): Promise<{lease: HeldLease; expiredHolder?: string} | undefined> {
  const now = (options.now ?? (() => new Date()))()
  const current = await client.get<LeaseObject>(leasePath(options))
  const spec = {holderIdentity: options.identity, leaseDurationSeconds: options.durationSeconds, acquireTime: microTime(now), renewTime: microTime(now)}
  try {
    if (!current) {
      const body: LeaseObject = {apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: {name: options.name, namespace: options.namespace, ...(options.labels ? {labels: options.labels} : {})}, spec: {...spec, leaseTransitions: 0}}
      const created = await client.request<LeaseObject>({method: 'POST', path: leasePath(options, false), body, action: `create Lease ${options.name}`})
      return {lease: new HeldLease(client, options, created.body)}
    }
    const holder = current.spec.holderIdentity
    if (holder && holder !== options.identity && leaseLive(current.spec, now)) return undefined
    const expiredHolder = holder && holder !== options.identity ? holder : undefined
    const body: LeaseObject = {...current, spec: {...current.spec, ...spec, leaseTransitions: (current.spec.leaseTransitions ?? 0) + (holder === options.identity ? 0 : 1)}}
    const updated = await client.request<LeaseObject>({method: 'PUT', path: leasePath(options), body, action: `take Lease ${options.name}`})
    return {lease: new HeldLease(client, options, updated.body), ...(expiredHolder ? {expiredHolder} : {})}
  } catch (error) {
    if (isStatus(error, 409)) return undefined
    throw error
  }
}

/**
 * Whether an API error has one of these HTTP statuses. By the `status` field, not instanceof:
 * the client module may be loaded twice (a dynamic and a static import under a test loader).
 */
export function isStatus(error: unknown, ...statuses: number[]): boolean {
  const status = (error as {status?: unknown} | null | undefined)?.status
  return typeof status === 'number' && statuses.includes(status)
}
