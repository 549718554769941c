import {Flags} from '@oclif/core'

import type {EndpointCheck} from '../lib/endpoints/credentials.js'
import type {EndpointFlags} from '../lib/endpoints/input.js'
import type {EndpointCredentials} from '../lib/endpoints/types.js'

/** The flags shared by `endpoint create` and `endpoint update`. Secrets only through stdin or a named variable. */
export const endpointFlags = {
  description: Flags.string({summary: 'A note for people: what the endpoint is for.'}),
  address: Flags.string({summary: 'docker-registry: registry address, http:// or https:// (e.g. https://registry.example.com).', helpGroup: 'DOCKER-REGISTRY'}),
  username: Flags.string({summary: 'docker-registry, git, codearts-repo: the username (codearts-repo: tenant/iam-user).'}),
  'password-stdin': Flags.boolean({summary: 'Read the password (or git access token) from stdin.'}),
  'password-env': Flags.string({summary: 'Read the password (or git access token) from this environment variable.', helpValue: 'VAR'}),
  server: Flags.string({summary: 'kubernetes: API server URL; must agree with the kubeconfig\'s cluster.', helpGroup: 'KUBERNETES'}),
  kubeconfig: Flags.string({summary: 'kubernetes: kubeconfig file to take the credentials from.', helpValue: 'FILE', helpGroup: 'KUBERNETES'}),
  'from-current-context': Flags.boolean({summary: 'kubernetes: use $KUBECONFIG (or ~/.kube/config) and its current context.', helpGroup: 'KUBERNETES'}),
  context: Flags.string({summary: 'kubernetes: the kubeconfig context to use (default: its current-context).', helpGroup: 'KUBERNETES'}),
  url: Flags.string({summary: 'git: HTTPS repository URL.', helpGroup: 'GIT'}),
  'url-prefix': Flags.string({summary: 'codearts-repo: HTTPS clone-URL prefix (e.g. https://codehub.example.com).', helpGroup: 'CODEARTS-REPO'}),
  'access-key-id': Flags.string({summary: 'iam: the access key id (AK).', helpGroup: 'IAM'}),
  'secret-access-key-stdin': Flags.boolean({summary: 'iam: read the secret access key (SK) from stdin.', helpGroup: 'IAM'}),
  'secret-access-key-env': Flags.string({summary: 'iam: read the secret access key (SK) from this environment variable.', helpValue: 'VAR', helpGroup: 'IAM'}),
  verify: Flags.boolean({summary: 'Test the connection first; save nothing if it fails.'}),
}

export interface ParsedEndpointFlags {
  description?: string
  address?: string
  username?: string
  'password-stdin'?: boolean
  'password-env'?: string
  server?: string
  kubeconfig?: string
  'from-current-context'?: boolean
  context?: string
  url?: string
  'url-prefix'?: string
  'access-key-id'?: string
  'secret-access-key-stdin'?: boolean
  'secret-access-key-env'?: string
}

export function toEndpointFlags(flags: ParsedEndpointFlags): EndpointFlags {
  return {
    description: flags.description,
    address: flags.address,
    username: flags.username,
    passwordStdin: flags['password-stdin'] || undefined,
    passwordEnv: flags['password-env'],
    server: flags.server,
    kubeconfig: flags.kubeconfig,
    fromCurrentContext: flags['from-current-context'] || undefined,
    context: flags.context,
    url: flags.url,
    urlPrefix: flags['url-prefix'],
    accessKeyId: flags['access-key-id'],
    secretAccessKeyStdin: flags['secret-access-key-stdin'] || undefined,
    secretAccessKeyEnv: flags['secret-access-key-env'],
  }
}

/** The --verify step of create and update: test the connection, telling the user how it went. */
export function connectionVerifier(notice: (message: string) => void) {
  return async (creds: EndpointCredentials): Promise<EndpointCheck> => {
    notice(`Testing ${creds.type} endpoint "${creds.name}"…`)
    const {checkEndpoint} = await import('../lib/endpoints/probe.js')
    const check = await checkEndpoint(creds)
    notice(`OK: ${check.summary}`)
    return check
  }
}
