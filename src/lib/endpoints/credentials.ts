import type {BerthContext} from '../context.js'
import {ConflictError, NotFoundError, UsageError} from '../errors.js'
import {printable} from '../names.js'
import {openSecretStore, secretEnvName} from '../secrets/index.js'
import {SecretBackendName, SecretRef, SecretStore, StoredSecretRef, refKey} from '../secrets/store.js'
export type {CredentialsOf} from './types.js'
import {credentialsFrom, definitionOf, fieldValuesOf} from './definitions/index.js'
import {CredentialsOf, EndpointCredentials, EndpointDocument, EndpointSpec, EndpointStatus, EndpointType, typeWithArticle} from './types.js'

/**
 * The key berth gives an endpoint's secret, derived from the endpoint's own identity
 * (project, name, field). A document's stored key is never trusted for reading or
 * deleting: a hand-edited one could name another endpoint's secret.
 */
export function ownSecretRef(project: string, name: string, field: string): SecretRef {
  return {project, kind: 'Endpoint', name, field}
}

/**
 * The reference of one secret of an endpoint, checked against its identity: the stored key
 * must be the one berth derives (ConflictError otherwise, nothing read or deleted).
 */
export function checkedSecretRef(doc: EndpointDocument, project: string, field: string): {ref: SecretRef; stored: StoredSecretRef} | undefined {
  const stored: StoredSecretRef | undefined = doc.spec.secretRefs?.[field]
  if (!stored) return undefined
  const name = doc.metadata.name
  const ref = ownSecretRef(project, name, field)
  if (stored.key !== refKey(ref)) {
    const flag = definitionOf(doc.spec.type).secret?.stdinFlag
    throw new ConflictError(`Endpoint "${name}" refers to the secret ${printable(stored.key, 200)}, which is not its own (${refKey(ref)}); berth does not read or delete it.`, {
      hint: `Store this endpoint's own secret again: berth endpoint update ${name}${flag ? ` ${flag}` : ''}`,
    })
  }
  return {ref, stored}
}

/** Read one secret of an endpoint back from the store that holds it. */
export async function readEndpointSecret(ctx: BerthContext, doc: EndpointDocument, field: string): Promise<string> {
  const name = doc.metadata.name
  const checked = checkedSecretRef(doc, await ctx.project(), field)
  if (!checked) throw new NotFoundError(`Endpoint "${name}" has no stored ${field}.`, {hint: `Set it with: berth endpoint update ${name}`})
  const {ref: secretRef, stored: ref} = checked
  const store = await storeFor(ctx, ref)
  const value = await store.get(secretRef)
  if (value === undefined) {
    throw new NotFoundError(`The ${field} of endpoint "${name}" is missing from the secret store (${store.backend} store).`, {
      hint: store.backend === 'env' ? `Set ${secretEnvName(secretRef)} in the environment.` : `Store it again with: berth endpoint update ${name}`,
    })
  }
  return value
}

/**
 * The store to read a reference from. The env backend, chosen for a CI run, reads
 * every secret from the environment whatever store first saved it; otherwise the
 * reference's own store is used, so switching the default does not orphan secrets.
 */
async function storeFor(ctx: BerthContext, ref: StoredSecretRef): Promise<SecretStore> {
  const current = await ctx.secrets()
  return current.backend === 'env' ? current : storeOfBackend(ctx, ref.backend)
}

/** The store of one backend: the context's own when it is that backend, else a new one. */
export async function storeOfBackend(ctx: BerthContext, backend: SecretBackendName): Promise<SecretStore> {
  const current = await ctx.secrets()
  return current.backend === backend ? current : openSecretStore({backend, home: ctx.home, env: ctx.env, kube: () => ctx.kubeSecrets()})
}

/** An endpoint with every secret read back, checked to be of one of the expected types. */
export async function loadEndpointCredentials<T extends EndpointType>(ctx: BerthContext, name: string, expected: readonly T[]): Promise<CredentialsOf<T>> {
  const project = await ctx.project()
  const doc = await ctx.state().get<EndpointSpec, EndpointStatus>('Endpoint', name, project)
  if (!(expected as readonly string[]).includes(doc.spec.type)) {
    throw new UsageError(`Endpoint "${name}" is ${typeWithArticle(doc.spec.type)} endpoint; this needs ${expected.join(' or ')}.`)
  }
  return (await credentialsOf(ctx, doc)) as CredentialsOf<T>
}

export async function credentialsOf(ctx: BerthContext, doc: EndpointDocument): Promise<EndpointCredentials> {
  const def = definitionOf(doc.spec.type)
  return credentialsFrom(doc.spec.type, doc.metadata.name, fieldValuesOf(doc.spec), await readEndpointSecret(ctx, doc, def.secretKey))
}

/** The result of a real connection check, rendered by `endpoint test` and stored as status.lastTest. */
export interface EndpointCheck {
  /** One line for people, e.g. "registry API registry/2.0, Bearer auth, credentials accepted". */
  summary: string
  /** Stable machine-readable facts for --json. */
  details: Record<string, string | number | boolean | string[] | null>
}
