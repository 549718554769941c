import type {BerthDocument} from '../state/document.js'
import type {StoredSecretRef} from '../secrets/store.js'

export const ENDPOINT_TYPES = ['docker-registry', 'kubernetes', 'git', 'iam', 'codearts-repo'] as const
export type EndpointType = (typeof ENDPOINT_TYPES)[number]

/** What an Endpoint document's spec holds: plain settings and references to its secrets. */
export interface EndpointSpec {
  type: EndpointType
  description?: string
  /** docker-registry: the registry address as given (http(s)://host[:port]). */
  address?: string
  /** docker-registry, git, codearts-repo. */
  username?: string
  /** kubernetes: the API server URL. */
  server?: string
  /** kubernetes: the kubeconfig context used. */
  context?: string
  /** git: the HTTPS repository URL. */
  url?: string
  /** codearts-repo: the HTTPS clone-URL prefix. */
  urlPrefix?: string
  /** iam: the access key id (not secret). */
  accessKeyId?: string
  /** field → where its value is stored. */
  secretRefs: Record<string, StoredSecretRef>
}

export interface EndpointStatus {
  /** The last `endpoint test` or `--verify`. */
  lastTest?: {at: string; ok: boolean; summary: string}
}

export type EndpointDocument = BerthDocument<EndpointSpec, EndpointStatus>

/** An endpoint with its secrets read back: what a connection needs. Never printed or stored. */
export type EndpointCredentials =
  | {type: 'docker-registry'; name: string; address: string; username: string; password: string}
  | {type: 'kubernetes'; name: string; server: string; context?: string; kubeconfig: string}
  | {type: 'git'; name: string; url: string; username: string; password: string}
  | {type: 'iam'; name: string; accessKeyId: string; secretAccessKey: string}
  | {type: 'codearts-repo'; name: string; urlPrefix: string; username: string; password: string}

export type CredentialsOf<T extends EndpointType> = Extract<EndpointCredentials, {type: T}>

/** "a docker-registry endpoint", "an iam endpoint": the type with its article, for messages. */
export function typeWithArticle(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
}
