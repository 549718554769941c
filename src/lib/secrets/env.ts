import {UsageError} from '../errors.js'
import {SecretRef, SecretStore} from './store.js'

/**
 * The environment variable that holds a secret for the env backend:
 * BERTH_SECRET_<NAME>_<FIELD>, upper-cased, "-" and "." turned into "_",
 * camelCase fields split (accessKeyId → ACCESS_KEY_ID).
 * Example: endpoint "my-registry", field "password" → BERTH_SECRET_MY_REGISTRY_PASSWORD.
 */
export function secretEnvName(ref: Pick<SecretRef, 'name' | 'field'>): string {
  const field = ref.field.replace(/([a-z0-9])([A-Z])/g, '$1_$2')
  return `BERTH_SECRET_${ref.name}_${field}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_')
}

/** Read-only secrets from environment variables, for CI where the pipeline injects them. */
export class EnvSecretStore implements SecretStore {
  readonly backend = 'env'

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(ref: SecretRef): Promise<string | undefined> {
    const value = this.env[secretEnvName(ref)]
    return value === undefined || value === '' ? undefined : value
  }

  async set(ref: SecretRef): Promise<void> {
    throw new UsageError(`The env secret store is read-only: cannot save the ${ref.field} of ${ref.kind} "${ref.name}".`, {
      hint: `Set ${secretEnvName(ref)} in the environment instead, or choose a writable store with BERTH_SECRET_STORE=keychain or BERTH_SECRET_STORE=file.`,
    })
  }

  async delete(): Promise<boolean> {
    // Nothing is stored by berth; the variables belong to the caller.
    return false
  }
}
