import {existsSync, promises as fs} from 'node:fs'

import type {KubeClient} from '../kube/client.js'
import {UsageError} from '../errors.js'

/** Where an in-cluster pod finds its service account (the trigger server runs this way). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

export interface KubeBackendConnectionOptions {
  /** A kubeconfig file (BERTH_KUBECONFIG or the kube-kubeconfig setting). */
  kubeconfigFile?: string
  /** Its context; default its current-context. */
  context?: string
  env: NodeJS.ProcessEnv
  /** The service account directory; replaceable in tests. */
  serviceAccountDir?: string
}

/**
 * The API connection of the Kubernetes state backend, from, in order: the kubeconfig file
 * given, the pod's service account when berth runs in a cluster, $KUBECONFIG (its first
 * file), ~/.kube/config. File references in a kubeconfig (CA, client certificate) are
 * read in; exec plugins work as with kubectl.
 */
export async function connectKubeBackend(options: KubeBackendConnectionOptions): Promise<KubeClient> {
  const {connectKube} = await import('../kube/client.js')
  const {currentContextKubeconfigPath, prepareKubeconfig} = await import('../kube/kubeconfig.js')
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR
  let file = options.kubeconfigFile
  if (!file && options.env.KUBERNETES_SERVICE_HOST && existsSync(`${saDir}/token`)) {
    return connectKube({kubeconfig: await inClusterKubeconfig(options.env, saDir), source: 'the pod\'s service account'})
  }
  file ??= currentContextKubeconfigPath(options.env)
  if (!existsSync(file)) {
    throw new UsageError(`The Kubernetes state backend needs a kubeconfig, and ${file} does not exist.`, {
      hint: 'Name one with BERTH_KUBECONFIG=FILE or: berth config set kube-kubeconfig FILE (and kube-context, kube-namespace as needed).',
    })
  }
  const prepared = await prepareKubeconfig({file, context: options.context, useCurrentContext: true, source: `the kubeconfig ${file}`})
  return connectKube({kubeconfig: prepared.kubeconfig, context: prepared.context, source: `the kubeconfig ${file}`, hint: 'Check BERTH_KUBECONFIG / the kube-kubeconfig setting.'})
}

/** A kubeconfig for the pod's own service account (token and CA as mounted by Kubernetes). */
async function inClusterKubeconfig(env: NodeJS.ProcessEnv, dir: string): Promise<string> {
  const token = (await fs.readFile(`${dir}/token`, 'utf8')).trim()
  const ca = await fs.readFile(`${dir}/ca.crt`)
  const host = env.KUBERNETES_SERVICE_HOST ?? ''
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT || '443'}`
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: 'in-cluster', cluster: {server, 'certificate-authority-data': ca.toString('base64')}}],
    users: [{name: 'service-account', user: {token}}],
    contexts: [{name: 'in-cluster', context: {cluster: 'in-cluster', user: 'service-account'}}],
    'current-context': 'in-cluster',
  })
}
