/**
 * Copy every object, its bodies and its secrets from one state backend to another (file →
 * Kubernetes with `state export`, back with `state import`). Idempotent: an object already
 * equal in the target is left alone, a different one is updated, a missing one created;
 * nothing in the target is deleted. Secrets are read from the store each reference names
 * and written to the target's store, and the copied objects name the target's store.
 */
import {NotFoundError} from '../errors.js'
import {SecretBackendName, SecretStore, StoredSecretRef, parseRefKey} from '../secrets/store.js'
import {isPlainObject} from '../yaml.js'
import type {DamagedFile, StateBackend} from './backend.js'
import {BerthDocument, KINDS, Kind} from './document.js'
import {isDeepStrictEqual} from 'node:util'

export type ObjectAction = 'created' | 'updated' | 'unchanged'
export type SecretAction = 'copied' | 'unchanged' | 'missing'

export interface TransferOptions {
  from: StateBackend
  to: StateBackend
  /** The store holding secrets of a backend named in a source reference. */
  sourceSecrets: (backend: SecretBackendName) => Promise<SecretStore>
  /** Where the copied secrets go. */
  targetSecrets: SecretStore
}

export interface TransferResult {
  from: string
  to: string
  objects: Array<{kind: Kind; project?: string; name: string; action: ObjectAction}>
  secrets: Array<{kind: Kind; project?: string; name: string; field: string; action: SecretAction}>
  /** Source objects that could not be read: skipped, everything else is copied. */
  damaged: DamagedFile[]
}

const STORE_NAMES = new Set<string>(['keychain', 'file', 'env', 'kubernetes'])

/** Whether a value is a stored secret reference ({backend, key}). */
function isSecretRef(value: unknown): value is StoredSecretRef {
  return isPlainObject(value) && Object.keys(value).length === 2 && typeof value.backend === 'string' && STORE_NAMES.has(value.backend) && typeof value.key === 'string' && parseRefKey(value.key) !== undefined
}

/** A copy of `value` with every secret reference replaced by `replace(ref)`. */
async function mapSecretRefs(value: unknown, replace: (ref: StoredSecretRef) => Promise<StoredSecretRef>): Promise<unknown> {
  if (isSecretRef(value)) return replace(value)
  if (Array.isArray(value)) return Promise.all(value.map((item) => mapSecretRefs(item, replace)))
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, child] of Object.entries(value)) out[key] = await mapSecretRefs(child, replace)
    return out
  }
  return value
}

export async function transferState(options: TransferOptions): Promise<TransferResult> {
  const {from, to, targetSecrets} = options
  const result: TransferResult = {from: `${from.backend} (${from.location})`, to: `${to.backend} (${to.location})`, objects: [], secrets: [], damaged: []}
  const stores = new Map<SecretBackendName, Promise<SecretStore>>()
  const storeOf = (backend: SecretBackendName) => {
    if (!stores.has(backend)) stores.set(backend, options.sourceSecrets(backend))
    return stores.get(backend) as Promise<SecretStore>
  }
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const {documents, damaged} = KINDS[kind].scope === 'project' ? await from.listWithProblems(kind, {allProjects: true}) : await from.listWithProblems(kind)
    result.damaged.push(...damaged)
    for (const doc of documents) {
      const {name, project} = doc.metadata
      const spec = (await mapSecretRefs(doc.spec, async (ref) => {
        const secretRef = parseRefKey(ref.key)!
        const value = await (await storeOf(ref.backend)).get(secretRef)
        let action: SecretAction
        if (value === undefined) action = 'missing'
        else if ((await targetSecrets.get(secretRef)) === value) action = 'unchanged'
        else {
          await targetSecrets.set(secretRef, value)
          action = 'copied'
        }
        result.secrets.push({kind, ...(project === undefined ? {} : {project}), name, field: secretRef.field, action})
        return action === 'missing' ? ref : {backend: targetSecrets.backend, key: ref.key}
      })) as Record<string, unknown>
      const bodies: Record<string, string> = {}
      for (const key of Object.keys(doc.metadata.bodies ?? {})) {
        const text = await from.readBody(kind, name, project, key)
        if (text === undefined) throw new NotFoundError(`The body "${key}" of ${kind} "${name}" vanished while it was copied.`)
        bodies[key] = text
      }
      const action = await writeTarget(to, doc, spec, bodies)
      result.objects.push({kind, ...(project === undefined ? {} : {project}), name, action})
    }
  }
  return result
}

async function writeTarget(to: StateBackend, doc: BerthDocument, spec: Record<string, unknown>, bodies: Record<string, string>): Promise<ObjectAction> {
  const {kind} = doc
  const {name, project, labels, annotations} = doc.metadata
  const existing = await to.tryGet(kind, name, project)
  if (!existing) {
    await to.create({kind, metadata: {name, ...(project === undefined ? {} : {project}), ...(labels ? {labels} : {}), ...(annotations ? {annotations} : {})}, spec, ...(doc.status === undefined ? {} : {status: doc.status}), bodies})
    return 'created'
  }
  const sameBodies = isDeepStrictEqual(existing.metadata.bodies ?? {}, doc.metadata.bodies ?? {})
  const same =
    sameBodies &&
    isDeepStrictEqual(existing.spec, spec) &&
    isDeepStrictEqual(existing.status, doc.status) &&
    isDeepStrictEqual(existing.metadata.labels ?? {}, labels ?? {}) &&
    isDeepStrictEqual(existing.metadata.annotations ?? {}, annotations ?? {})
  if (same) return 'unchanged'
  const bodyChanges: Record<string, string | null> = {...bodies}
  for (const key of Object.keys(existing.metadata.bodies ?? {})) if (!(key in bodies)) bodyChanges[key] = null
  await to.update(
    kind,
    name,
    project,
    (current) => {
      const next: BerthDocument = {...current, metadata: {...current.metadata}, spec}
      if (labels) next.metadata.labels = labels
      else delete next.metadata.labels
      if (annotations) next.metadata.annotations = annotations
      else delete next.metadata.annotations
      if (doc.status === undefined) delete next.status
      else next.status = doc.status
      return next
    },
    {bodies: sameBodies ? {} : bodyChanges},
  )
  return 'updated'
}
