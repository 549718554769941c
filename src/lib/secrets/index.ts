import path from 'node:path'

import {UsageError} from '../errors.js'
import {EnvSecretStore} from './env.js'
import {FileSecretStore} from './file.js'
import {KeychainSecretStore} from './keychain.js'
import type {KubeSecretStore} from './kube.js'
import {SECRET_BACKENDS, SecretBackendName, SecretStore} from './store.js'

export * from './store.js'
export {secretEnvName, EnvSecretStore} from './env.js'
export {FileSecretStore} from './file.js'
export {KeychainSecretStore} from './keychain.js'
export {KubeSecretStore} from './kube.js'

export function parseBackendName(value: string, source: string): SecretBackendName {
  if ((SECRET_BACKENDS as readonly string[]).includes(value)) return value as SecretBackendName
  throw new UsageError(`${source} is ${JSON.stringify(value)}; expected one of: ${SECRET_BACKENDS.join(', ')}.`)
}

export interface OpenSecretStoreOptions {
  backend: SecretBackendName
  home: string
  env?: NodeJS.ProcessEnv
  /** The Kubernetes backend's secret store, when that backend is configured. */
  kube?: () => KubeSecretStore
}

/** The secret store for a backend name. Never falls back to another backend silently. */
export function openSecretStore(options: OpenSecretStoreOptions): SecretStore {
  const env = options.env ?? process.env
  switch (options.backend) {
    case 'keychain':
      return new KeychainSecretStore({service: env.BERTH_KEYCHAIN_SERVICE || 'berth'})
    case 'file':
      return new FileSecretStore({file: env.BERTH_SECRET_FILE ? path.resolve(env.BERTH_SECRET_FILE) : path.join(options.home, 'secrets.enc'), passphrase: env.BERTH_PASSPHRASE})
    case 'env':
      return new EnvSecretStore(env)
    case 'kubernetes':
      if (options.kube) return options.kube()
      throw new UsageError('This secret is kept in Kubernetes Secrets, and the Kubernetes backend is not configured here.', {
        hint: 'Use the Kubernetes backend (BERTH_BACKEND=kubernetes with BERTH_KUBECONFIG), or move the objects to this machine with: berth state import',
      })
  }
}
