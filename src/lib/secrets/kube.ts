import type {KubeClient} from '../kube/client.js'
import {AuthError, ValidationError, messageOf} from '../errors.js'
import {backoff, explainMissing} from '../state/kube-store.js'
import {SecretRef, SecretStore} from './store.js'

export interface KubeSecretStoreOptions {
  /** Opens the API server connection; called once, on first use. */
  connect: () => Promise<KubeClient>
  namespace: string
  /** How many times a write that met a resourceVersion conflict is tried again (default 10). */
  conflictRetries?: number
}

interface SecretResource {
  metadata: {name: string; resourceVersion?: string; uid?: string; labels?: Record<string, string>}
  data?: Record<string, string>
  type?: string
}

const LABELS = {project: 'berth.dev/project', kind: 'berth.dev/kind', name: 'berth.dev/name'}

/**
 * Secrets in Kubernetes Secrets, for the Kubernetes state backend: one Secret per berth
 * object (`berth-secret.<project>.<kind>.<name>`, labelled with project, kind and name), one
 * data key per secret field. RBAC guards them apart from berth's custom resources: the
 * berth-viewer role reads objects but no Secret. Writes carry the resourceVersion they read.
 */
export class KubeSecretStore implements SecretStore {
  readonly backend = 'kubernetes'
  readonly namespace: string
  private readonly connectFn: () => Promise<KubeClient>
  private clientPromise?: Promise<KubeClient>
  private readonly conflictRetries: number

  constructor(options: KubeSecretStoreOptions) {
    this.connectFn = options.connect
    this.namespace = options.namespace
    this.conflictRetries = options.conflictRetries ?? 20
  }

  private client(): Promise<KubeClient> {
    this.clientPromise ??= this.connectFn()
    return this.clientPromise
  }

  /** The Secret that holds an object's secret fields. */
  static secretName(ref: Pick<SecretRef, 'project' | 'kind' | 'name'>): string {
    return `berth-secret.${ref.project}.${ref.kind.toLowerCase()}.${ref.name}`
  }

  private path(name?: string): string {
    const base = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/secrets`
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`
  }

  async get(ref: SecretRef): Promise<string | undefined> {
    checkRef(ref)
    const secret = await this.call('read', ref, async (client) => client.get<SecretResource>(this.path(KubeSecretStore.secretName(ref))))
    const value = secret?.data?.[ref.field]
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8')
  }

  async set(ref: SecretRef, value: string): Promise<void> {
    checkRef(ref)
    const name = KubeSecretStore.secretName(ref)
    const encoded = Buffer.from(value, 'utf8').toString('base64')
    await this.call('write', ref, async (client) => {
      for (let attempt = 1; ; attempt++) {
        const current = await client.get<SecretResource>(this.path(name))
        try {
          if (current) {
            const next: SecretResource = {...current, data: {...current.data, [ref.field]: encoded}}
            await client.request({method: 'PUT', path: this.path(name), body: next, action: `update Secret ${name}`})
          } else {
            const labels = {[LABELS.project]: ref.project, [LABELS.kind]: ref.kind, [LABELS.name]: ref.name, 'app.kubernetes.io/managed-by': 'berth'}
            await client.request({method: 'POST', path: this.path(), body: {apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: {name, labels}, data: {[ref.field]: encoded}}, action: `create Secret ${name}`})
          }
          return
        } catch (error) {
          if (statusOf(error) === 409 && attempt <= this.conflictRetries) {
            await backoff(attempt)
            continue
          }
          throw error
        }
      }
    })
  }

  async delete(ref: SecretRef): Promise<boolean> {
    checkRef(ref)
    const name = KubeSecretStore.secretName(ref)
    return this.call('delete', ref, async (client) => {
      for (let attempt = 1; ; attempt++) {
        const current = await client.get<SecretResource>(this.path(name))
        if (!current?.data || !Object.hasOwn(current.data, ref.field)) return false
        const data = {...current.data}
        delete data[ref.field]
        try {
          if (Object.keys(data).length === 0) {
            await client.request({method: 'DELETE', path: this.path(name), body: {kind: 'DeleteOptions', apiVersion: 'v1', preconditions: {resourceVersion: current.metadata.resourceVersion}}})
          } else {
            await client.request({method: 'PUT', path: this.path(name), body: {...current, data}})
          }
          return true
        } catch (error) {
          if (statusOf(error) === 409 && attempt <= this.conflictRetries) {
            await backoff(attempt)
            continue
          }
          if (statusOf(error) === 404) return false
          throw error
        }
      }
    })
  }

  /** Every secret reference stored in this namespace (for export and import). */
  async list(): Promise<SecretRef[]> {
    const client = await this.client()
    const {body} = await client.request<{items?: SecretResource[]}>({method: 'GET', path: this.path(), query: {labelSelector: `${LABELS.project},${LABELS.kind},${LABELS.name}`}})
    const refs: SecretRef[] = []
    for (const item of body.items ?? []) {
      const labels = item.metadata.labels ?? {}
      for (const field of Object.keys(item.data ?? {})) refs.push({project: labels[LABELS.project] ?? '', kind: labels[LABELS.kind] ?? '', name: labels[LABELS.name] ?? '', field})
    }
    return refs
  }

  private async call<R>(what: 'read' | 'write' | 'delete', ref: SecretRef, fn: (client: KubeClient) => Promise<R>): Promise<R> {
    const client = await this.client()
    try {
      return await fn(client)
    } catch (error) {
      if (statusOf(error) === 403) {
        throw new AuthError(`Your Kubernetes user may not ${what} berth's secrets in namespace "${this.namespace}" (the ${ref.field} of ${ref.kind} "${ref.name}"): ${messageOf(error)}`, {
          hint: `Secrets need the role berth-editor (berth-viewer reads objects, never secrets); ask a cluster admin to bind it to your user in namespace ${this.namespace}.`,
          cause: error,
        })
      }
      throw explainMissing(error, `${what} berth's secrets`, this.namespace)
    }
  }
}

function checkRef(ref: SecretRef): void {
  if (!/^[-._a-zA-Z0-9]+$/.test(ref.field)) throw new ValidationError(`Invalid secret field name ${JSON.stringify(ref.field)} for a Kubernetes Secret key.`)
}

function statusOf(error: unknown): number | undefined {
  const status = (error as {status?: unknown} | undefined)?.status
  return typeof status === 'number' ? status : undefined
}
