/**
 * Where a service is deployed: the one place that turns a deploy target (a kubernetes
 * endpoint, or an environment naming one) into kubeconfig text and a context. The
 * endpoint layer may change; only these functions follow it.
 */
import type {BerthContext} from '../context.js'
import {loadEndpointCredentials} from '../endpoints/credentials.js'
import type {CredentialsOf} from '../endpoints/types.js'
import {UsageError} from '../errors.js'
import {parseKubeconfig, selectContext} from '../kube/kubeconfig.js'

export interface ClusterTarget {
  /** The endpoint's name, recorded with the deploy. */
  endpoint: string
  /** The environment deployed to (--env), recorded with the deploy. */
  environment?: string
  /** The environment's default namespace. */
  environmentNamespace?: string
  kubeconfig: string
  context?: string
  /** The kubeconfig context's namespace, the default when --namespace is not given. */
  contextNamespace?: string
  /** For messages about the kubeconfig. */
  source: string
  hint: string
}

/** --endpoint K8S or --env ENV, exactly one. */
export async function resolveDeployTarget(ctx: BerthContext, target: {endpoint?: string; env?: string}): Promise<ClusterTarget> {
  if (target.endpoint && target.env) throw new UsageError('Give --endpoint or --env, not both.')
  if (target.env) {
    const {resolveEnvironment} = await import('../environments/environments.js')
    const resolved = await resolveEnvironment(ctx, target.env)
    return {
      ...clusterOfCredentials(resolved.cluster),
      environment: target.env,
      ...(resolved.namespace ? {environmentNamespace: resolved.namespace} : {}),
    }
  }
  if (!target.endpoint) throw new UsageError('Missing required flag: --endpoint K8S (a kubernetes endpoint) or --env ENV (an environment).')
  return clusterOfEndpoint(ctx, target.endpoint)
}

export async function clusterOfEndpoint(ctx: BerthContext, endpoint: string): Promise<ClusterTarget> {
  return clusterOfCredentials(await loadEndpointCredentials(ctx, endpoint, ['kubernetes']))
}

function clusterOfCredentials(creds: CredentialsOf<'kubernetes'>): ClusterTarget {
  const endpoint = creds.name
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
