import type {StoredSecretRef} from '../secrets/store.js'
import type {BerthDocument} from '../state/document.js'

/** What a trigger does with a push. */
export type TriggerAction =
  /** Deploy a service with one container's image set to the pushed image. */
  | {type: 'service'; service: string; environment?: string; clusterEndpoint?: string; namespace?: string; container?: string}
  /** Sync a deployment runtime. */
  | {type: 'runtime'; runtime: string}
  /** Run a command (sh -c) with the inputs as environment variables. */
  | {type: 'exec'; command: string}

export interface TriggerSpec {
  /** The docker-registry endpoint the images live in. */
  endpoint: string
  /** namespace/repository the pushes must be to. */
  image: string
  tagPattern?: string
  tagRegex?: string
  action: TriggerAction
  /** Fixed inputs given to the action beside the event's. */
  inputs?: Record<string, string>
  enabled: boolean
  /** Actions only say what they would do. */
  dryRun?: boolean
  /** Where the secure token is kept; never the token itself. */
  token: StoredSecretRef
  /** Counts token rotations, so a running serve notices and reloads the token. */
  tokenVersion: number
  /** The address serve is reached at, for the hook URL (default http://127.0.0.1:8080). */
  publicUrl: string
  /** Set when the webhook was registered at Docker Hub (--register). */
  dockerHub?: {apiUrl: string; namespace: string; repository: string; webhookName: string; slug?: string}
}

export interface TriggerStatus {
  lastRun?: {run: string; status: string; at: string; tag?: string}
}

export type TriggerDocument = BerthDocument<TriggerSpec, TriggerStatus>

export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080'
