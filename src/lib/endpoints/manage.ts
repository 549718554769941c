import type {BerthContext} from '../context.js'
import {BerthError, ConflictError, DamagedStateError, NotFoundError, ValidationError, isBerthError, messageOf} from '../errors.js'
import {assertSecretValue} from '../input/secret-input.js'
import {assertDns1123Label} from '../names.js'
import {SecretRef, SecretStore, StoredSecretRef, refKey} from '../secrets/store.js'
import type {DamagedFile} from '../state/store.js'
import {ENDPOINT_DEFINITIONS, definitionOf, secretOf, specFrom} from './definitions/index.js'
import {fieldProblem} from './fields.js'
import {ownSecretRef, readEndpointSecret, storeOfBackend} from './credentials.js'
import {EndpointReference, findEndpointReferences} from './references.js'
import {EndpointCredentials, EndpointDocument, EndpointSpec, EndpointStatus, EndpointType, typeWithArticle} from './types.js'

/** A complete, validated endpoint as the user described it, secrets included. */
export type EndpointInput = EndpointCredentials & {description?: string; labels?: Record<string, string>}

export interface SaveOptions {
  /** Check the connection first; nothing is saved when the check fails. */
  verify?: (creds: EndpointCredentials) => Promise<{summary: string}>
}

/** Check every plain field of an input again (prompts check as the user types; flags are checked here). */
export function validateEndpointInput(input: EndpointInput): void {
  assertDns1123Label(input.name, 'endpoint name')
  for (const field of definitionOf(input.type).fields) {
    const value = (input as unknown as Record<string, string | undefined>)[field.key]
    if (value === undefined) continue
    const problem = fieldProblem(field, value)
    if (problem) throw new ValidationError(problem.message, {hint: problem.hint})
  }
}

/** A one-line secret (password, token, secret key) passes the one check every way of giving it passes. */
function validateSecret(input: EndpointInput): void {
  const def = definitionOf(input.type)
  if (def.secret) assertSecretValue(`The ${def.secret.label} of endpoint "${input.name}"`, secretOf(input))
}

function secretFieldsOf(input: EndpointCredentials): Record<string, string> {
  return {[definitionOf(input.type).secretKey]: secretOf(input)}
}

function specOf(input: EndpointInput, secretRefs: Record<string, StoredSecretRef>): EndpointSpec {
  return specFrom(input, secretRefs)
}

async function storeSecrets(store: SecretStore, project: string, name: string, secrets: Record<string, string>): Promise<Record<string, StoredSecretRef>> {
  const refs: Record<string, StoredSecretRef> = {}
  for (const [field, value] of Object.entries(secrets)) {
    const ref: SecretRef = {project, kind: 'Endpoint', name, field}
    await store.set(ref, value)
    refs[field] = {backend: store.backend, key: refKey(ref)}
  }
  return refs
}

async function verifyFirst(ctx: BerthContext, input: EndpointInput, options: SaveOptions): Promise<EndpointStatus | undefined> {
  if (!options.verify) return undefined
  const check = await options.verify(input)
  return {lastTest: {at: ctx.now().toISOString(), ok: true, summary: check.summary}}
}

/** Create an endpoint: secrets to the secret store, the rest to a document. Nothing is kept if any step fails. */
export async function createEndpoint(ctx: BerthContext, input: EndpointInput, options: SaveOptions = {}): Promise<EndpointDocument> {
  validateEndpointInput(input)
  validateSecret(input)
  const project = await ctx.project()
  const state = ctx.state()
  const alreadyExists = () => new ConflictError(`Endpoint "${input.name}" already exists in project "${project}".`, {hint: `Change it with: berth endpoint update ${input.name}`})
  // Checked before the (slow) verification, and again under the lock before any secret is written.
  if (await state.tryGet('Endpoint', input.name, project)) throw alreadyExists()
  const status = await verifyFirst(ctx, input, options)
  const store = await ctx.secrets()
  return state.withLock(async () => {
    if (await state.tryGet('Endpoint', input.name, project)) throw alreadyExists()
    // The document first, naming where its secrets go: a concurrent create of the same name (another
    // machine on the Kubernetes backend, where the lock is per process) then fails before it writes
    // the secrets, instead of overwriting the winner's and deleting them on its way out.
    const secrets = secretFieldsOf(input)
    const secretRefs = Object.fromEntries(Object.keys(secrets).map((field) => [field, {backend: store.backend, key: refKey({project, kind: 'Endpoint', name: input.name, field})}]))
    const created = await state
      .create<EndpointSpec, EndpointStatus>({
        kind: 'Endpoint',
        metadata: {name: input.name, project, ...(input.labels ? {labels: input.labels} : {})},
        spec: specOf(input, secretRefs),
        ...(status ? {status} : {}),
      })
      .catch((error: unknown) => {
        // Lost a race the lock does not cover (another process on the Kubernetes backend): the same error as the checks above.
        throw error instanceof ConflictError ? alreadyExists() : error
      })
    try {
      await storeSecrets(store, project, input.name, secrets)
    } catch (error) {
      await deleteSecrets(ctx, project, input.name, secretRefs).catch(() => [])
      await state.delete('Endpoint', input.name, project).catch(() => undefined)
      throw error
    }
    return created
  })
}

export interface UpdateResult {
  endpoint: EndpointDocument
  /** Objects that use this endpoint and may need updating too (the source documents ask for this). */
  references: EndpointReference[]
}

/**
 * Replace an endpoint's settings with `input` (the caller merged the changes into the
 * current values). Secrets are rewritten only when `secretsChanged`.
 */
export async function updateEndpoint(ctx: BerthContext, input: EndpointInput, options: SaveOptions & {secretsChanged: boolean}): Promise<UpdateResult> {
  validateEndpointInput(input)
  if (options.secretsChanged) validateSecret(input)
  const project = await ctx.project()
  const state = ctx.state()
  const current = await state.get<EndpointSpec, EndpointStatus>('Endpoint', input.name, project)
  if (current.spec.type !== input.type) throw new ValidationError(`Endpoint "${input.name}" is ${typeWithArticle(current.spec.type)} endpoint; its type cannot change (delete it and create a new one).`)
  const status = await verifyFirst(ctx, input, options)
  const store = options.secretsChanged ? await ctx.secrets() : undefined
  // The secret is written first, outside the state lock (a keychain can take seconds); the
  // document after, under it. If the endpoint was deleted meanwhile, the secret just written
  // is removed again, so it cannot outlive its document.
  const secretRefs = store ? await storeSecrets(store, project, input.name, secretFieldsOf(input)) : current.spec.secretRefs
  let endpoint: EndpointDocument
  try {
    endpoint = await state.update<EndpointSpec, EndpointStatus>('Endpoint', input.name, project, (doc) => ({
      ...doc,
      metadata: {...doc.metadata, ...(input.labels ? {labels: input.labels} : {})},
      spec: specOf({...input, description: input.description ?? doc.spec.description}, secretRefs ?? {}),
      ...(status ? {status: {...doc.status, ...status}} : {}),
    }))
  } catch (error) {
    if (!store || !(error instanceof NotFoundError)) throw error
    const left = await deleteSecrets(ctx, project, input.name, secretRefs ?? {}).then(
      () => '',
      (cleanup: unknown) => ` Its new ${Object.keys(secretRefs ?? {}).join(', ')} may be left in the ${store.backend} store: ${messageOf(cleanup)}`,
    )
    throw new NotFoundError(`Endpoint "${input.name}" was deleted while it was being updated; nothing was saved.${left}`, {cause: error})
  }
  return {endpoint, references: await findEndpointReferences(ctx, input.name, project)}
}

export interface DeleteResult {
  /** The endpoint deleted; absent when its file was damaged. */
  endpoint?: EndpointDocument
  /** The damaged file deleted in its place. */
  damaged?: DamagedFile
  references: EndpointReference[]
  /** Secret fields removed from their store. */
  secretsRemoved: string[]
}

/**
 * Delete an endpoint and its secrets; refuses while other objects use it unless `force`.
 * A damaged endpoint file is deleted too (its secrets are looked up by the names berth gives them).
 *
 * Whatever fails leaves a consistent state and says what it left: every secret store
 * involved is opened first (a wrong BERTH_PASSPHRASE, an unreachable keychain), and if one
 * cannot be, nothing is deleted; then the document goes, under the state lock; then the
 * secrets, after the lock is released (a keychain can take seconds). Secrets are found by
 * the keys berth derives from the endpoint's identity, never by keys read from the document.
 */
export async function deleteEndpoint(ctx: BerthContext, name: string, options: {force?: boolean} = {}): Promise<DeleteResult> {
  const project = await ctx.project()
  const state = ctx.state()
  const checkUse = async (): Promise<EndpointReference[]> => {
    // Checked first so a missing or damaged endpoint reports that, not its references.
    try {
      await state.get('Endpoint', name, project)
    } catch (error) {
      if (!(error instanceof DamagedStateError)) throw error
    }
    const references = await findEndpointReferences(ctx, name, project)
    if (references.length > 0 && !options.force) {
      const list = references.map((r) => `${r.kind} "${r.name}" (${r.field})`).join(', ')
      throw new ConflictError(`Endpoint "${name}" is used by ${references.length === 1 ? '1 object' : `${references.length} objects`}: ${list}.`, {
        hint: `Change those first, or delete anyway with: berth endpoint delete ${name} --force`,
      })
    }
    return references
  }
  await checkUse()
  const stores = await secretsToDelete(ctx, project, name)
  try {
    for (const {store, ref} of stores) await store.get(ref)
  } catch (error) {
    if (!isBerthError(error)) throw error
    throw new BerthError(error.code, error.exitCode, `Endpoint "${name}" was not deleted: ${error.message}`, {hint: error.hint, cause: error})
  }
  const {removed, references} = await state.withLock(async () => {
    const references = await checkUse()
    return {removed: await state.delete<EndpointSpec, EndpointStatus>('Endpoint', name, project, {allowDamaged: true}), references}
  })
  let secretsRemoved: string[]
  try {
    secretsRemoved = await deleteSecrets(ctx, project, name, removed.document?.spec.secretRefs ?? {}, !removed.document)
  } catch (error) {
    if (!isBerthError(error)) throw error
    const fields = [...new Set(stores.map((s) => s.ref.field))].join(', ')
    throw new BerthError(error.code, error.exitCode, `Deleted endpoint "${name}", but its ${fields} could not be removed from the secret store and may be left there: ${error.message}`, {
      hint: error.hint,
      cause: error,
    })
  }
  return removed.document ? {endpoint: removed.document, references, secretsRemoved} : {damaged: removed.damaged, references, secretsRemoved}
}

/**
 * The secrets an endpoint's deletion removes, each with its store: the fields its document
 * names (or, for a damaged document, every secret field berth knows), under the keys berth
 * derives from the endpoint's identity; the read-only env store holds nothing to delete.
 */
async function secretsToDelete(ctx: BerthContext, project: string, name: string): Promise<Array<{store: SecretStore; ref: SecretRef}>> {
  const doc = await ctx.state().tryGet<EndpointSpec, EndpointStatus>('Endpoint', name, project).catch((error: unknown) => {
    if (error instanceof DamagedStateError) return undefined
    throw error
  })
  if (!doc) {
    const store = await ctx.secrets()
    if (store.backend === 'env') return []
    return [...new Set(Object.values(ENDPOINT_DEFINITIONS).map((d) => d.secretKey))].map((field) => ({store, ref: ownSecretRef(project, name, field)}))
  }
  return secretTargets(ctx, project, name, doc.spec.secretRefs ?? {})
}

async function secretTargets(ctx: BerthContext, project: string, name: string, refs: Record<string, StoredSecretRef>): Promise<Array<{store: SecretStore; ref: SecretRef}>> {
  const out: Array<{store: SecretStore; ref: SecretRef}> = []
  for (const [field, stored] of Object.entries(refs)) {
    // Secrets live in the store that saved them; the read-only env store holds nothing to delete.
    if (stored.backend === 'env') continue
    out.push({store: await storeOfBackend(ctx, stored.backend), ref: ownSecretRef(project, name, field)})
  }
  return out
}

/** Delete an endpoint's secrets (by the keys berth derives, see secretTargets); the fields removed. */
async function deleteSecrets(ctx: BerthContext, project: string, name: string, refs: Record<string, StoredSecretRef>, byName = false): Promise<string[]> {
  const targets = byName ? await secretsToDelete(ctx, project, name) : await secretTargets(ctx, project, name, refs)
  const removed: string[] = []
  for (const {store, ref} of targets) if (await store.delete(ref)) removed.push(ref.field)
  return removed
}

/** The project's endpoints, and the endpoint files that could not be read (one damaged file damages only itself). */
export async function listEndpoints(ctx: BerthContext, options: {type?: EndpointType} = {}): Promise<{endpoints: EndpointDocument[]; damaged: DamagedFile[]}> {
  const project = await ctx.project()
  const {documents, damaged} = await ctx.state().listWithProblems<EndpointSpec, EndpointStatus>('Endpoint', {project})
  return {endpoints: options.type ? documents.filter((d) => d.spec.type === options.type) : documents, damaged}
}

export {endpointTarget} from './definitions/index.js'

/** What `show` prints: every field, secrets replaced by where they are stored. */
export function maskedEndpoint(doc: EndpointDocument): EndpointDocument & {secrets: Record<string, string>} {
  const secrets: Record<string, string> = {}
  for (const [field, ref] of Object.entries(doc.spec.secretRefs ?? {})) secrets[field] = `******** (${ref.backend})`
  return {...doc, secrets}
}

/**
 * What `show` prints, with each secret looked up: "******** (file)" when it is in its
 * store, "missing (file store)" when it is not, and why when the store cannot be read.
 */
export async function shownEndpoint(ctx: BerthContext, doc: EndpointDocument): Promise<EndpointDocument & {secrets: Record<string, string>}> {
  const shown = maskedEndpoint(doc)
  for (const field of Object.keys(shown.secrets)) {
    try {
      await readEndpointSecret(ctx, doc, field)
    } catch (error) {
      const backend = doc.spec.secretRefs?.[field]?.backend
      shown.secrets[field] = error instanceof NotFoundError ? `missing (${backend} store)` : `******** (${backend}; not checked: ${messageOf(error)})`
    }
  }
  return shown
}

/** Keep the outcome of the last connection test on the endpoint (status.lastTest). */
export async function recordTestResult(ctx: BerthContext, name: string, result: {ok: boolean; summary: string}): Promise<void> {
  const project = await ctx.project()
  // Status, not spec: a test result does not change the endpoint's generation.
  await ctx.state().updateStatus<EndpointSpec, EndpointStatus>('Endpoint', name, project, (doc) => ({...doc.status, lastTest: {at: ctx.now().toISOString(), ...result}}))
}
