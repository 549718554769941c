import type {EndpointCheck} from './credentials.js'
import type {EndpointCredentials} from './types.js'

export interface CheckOptions {
  timeoutMs?: number
  /** iam: the cloud's IAM endpoint for a live check of the key. */
  iamUrl?: string
  /** codearts-repo: a repository under the URL prefix to list (e.g. group/repo.git). */
  repository?: string
}

/** Really connect with an endpoint's credentials and say what was found; throws a berth error naming the failed step. */
export async function checkEndpoint(creds: EndpointCredentials, options: CheckOptions = {}): Promise<EndpointCheck> {
  switch (creds.type) {
    case 'docker-registry': {
      const {testRegistryEndpoint} = await import('./probes/registry.js')
      return testRegistryEndpoint(creds, {timeoutMs: options.timeoutMs})
    }
    case 'kubernetes': {
      const {testKubernetesEndpoint} = await import('./probes/kubernetes.js')
      return testKubernetesEndpoint(creds, {timeoutMs: options.timeoutMs})
    }
    case 'git':
    case 'codearts-repo': {
      const {testGitEndpoint} = await import('./probes/git.js')
      return testGitEndpoint(creds, {timeoutMs: options.timeoutMs, repository: options.repository})
    }
    case 'iam': {
      const {testIamEndpoint} = await import('./probes/iam.js')
      return testIamEndpoint(creds, {timeoutMs: options.timeoutMs, iamUrl: options.iamUrl})
    }
  }
}
