/**
 * Where a service is deployed: the one place that turns a deploy target into kubeconfig
 * text and a context. Today that is a kubernetes endpoint's stored kubeconfig; the
 * endpoint layer may change, and only this function follows it.
 */
import type {BerthContext} from '../context.js'
import {loadEndpointCredentials} from '../endpoints/credentials.js'
import {parseKubeconfig, selectContext} from '../kube/kubeconfig.js'

export interface ClusterTarget {
  /** The endpoint's name, recorded with the deploy. */
  endpoint: string
  kubeconfig: string
  context?: string
  /** The kubeconfig context's namespace, the default when --namespace is not given. */
  contextNamespace?: string
  /** For messages about the kubeconfig. */
  source: string
  hint: string
}

export async function clusterOfEndpoint(ctx: BerthContext, endpoint: string): Promise<ClusterTarget> {
  const creds = await loadEndpointCredentials(ctx, endpoint, ['kubernetes'])
  const source = `the stored kubeconfig of endpoint "${endpoint}"`
  let contextNamespace: string | undefined
  try {
    contextNamespace = selectContext(parseKubeconfig(creds.kubeconfig, source), {context: creds.context, useCurrentContext: true, source}).context.namespace
  } catch {
    // connecting reports an unusable kubeconfig with the endpoint's hint
  }
  return {
    endpoint,
    kubeconfig: creds.kubeconfig,
    ...(creds.context ? {context: creds.context} : {}),
    ...(contextNamespace ? {contextNamespace} : {}),
    source,
    hint: `Store a working kubeconfig with: berth endpoint update ${endpoint} --kubeconfig FILE`,
  }
}
