/**
 * Clients built from a stored endpoint: the feature adapts an endpoint's data to a
 * protocol module's plain options. BerthContext.registry() and .kube() call these.
 */
import type {KubeConfig} from '@kubernetes/client-node'

import type {BerthContext} from '../context.js'
import type {RegistryClient} from '../registry/client.js'
import {loadEndpointCredentials} from './credentials.js'

export interface RegistryClientOptions {
  /** Per request (default 15 s). */
  timeoutMs?: number
}

/** The registry client of a docker-registry endpoint, with its credentials. */
export async function registryClientOf(ctx: BerthContext, endpoint: string, options: RegistryClientOptions = {}): Promise<RegistryClient> {
  const creds = await loadEndpointCredentials(ctx, endpoint, ['docker-registry'])
  const {registryClientFor} = await import('./probes/registry.js')
  return registryClientFor(creds, options)
}

/** The KubeConfig of a kubernetes endpoint, its context current. */
export async function kubeConfigOf(ctx: BerthContext, endpoint: string): Promise<KubeConfig> {
  const creds = await loadEndpointCredentials(ctx, endpoint, ['kubernetes'])
  const {kubeClientFor} = await import('./probes/kubernetes.js')
  return kubeClientFor(creds)
}
