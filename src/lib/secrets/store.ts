/** Where a secret lives: the object it belongs to and which of its fields it is. */
export interface SecretRef {
  project: string
  kind: string
  name: string
  field: string
}

/** `kubernetes`: Kubernetes Secrets, the store of the Kubernetes state backend (chosen with it, not on its own). */
export type SecretBackendName = 'keychain' | 'file' | 'env' | 'kubernetes'

/** The stores the secret-store setting chooses from. */
export const SECRET_BACKENDS: readonly SecretBackendName[] = ['keychain', 'file', 'env']

/** What a stored document keeps instead of the secret itself. */
export interface StoredSecretRef {
  backend: SecretBackendName
  key: string
}

/**
 * A place to keep secrets. Documents hold only `refKey(ref)`; the value is
 * fetched from the backend when a command needs it.
 */
export interface SecretStore {
  readonly backend: SecretBackendName
  get(ref: SecretRef): Promise<string | undefined>
  set(ref: SecretRef, value: string): Promise<void>
  /** True when something was deleted. */
  delete(ref: SecretRef): Promise<boolean>
}

/** The stable key of a secret: "<project>/<kind>/<name>/<field>". */
export function refKey(ref: SecretRef): string {
  return `${ref.project}/${ref.kind}/${ref.name}/${ref.field}`
}

/** The inverse of refKey; undefined for a malformed key. */
export function parseRefKey(key: string): SecretRef | undefined {
  const parts = key.split('/')
  if (parts.length !== 4 || parts.some((p) => p.length === 0)) return undefined
  const [project, kind, name, field] = parts as [string, string, string, string]
  return {project, kind, name, field}
}
