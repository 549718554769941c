import type {BerthDocument} from '../state/document.js'
import type {Variable} from '../templates/variables.js'
import type {Container} from './manifests.js'

export const SERVICE_TYPES = ['k8s', 'helm'] as const
export type ServiceType = (typeof SERVICE_TYPES)[number]

export interface ServiceSpec {
  type: ServiceType
  /** k8s: the service YAML with {{.var}} placeholders (a template's text when made from one). */
  yaml?: string
  variables: Variable[]
  /** The template it was made from (k8s or helm). */
  template?: string
  /** Follow the template: re-rendered when the template is updated. */
  autoSync: boolean
  /** helm: the values file given at create (text). */
  values?: string
  /** Read from the rendered YAML whenever the service changes. */
  containers: Container[]
}

export interface DeployRecord {
  endpoint: string
  /** The environment deployed to (--env); environment delete names services whose last deploy went there. */
  environment?: string
  namespace: string
  /** sha256 of the rendered YAML that was applied. */
  digest: string
  at: string
  result: 'succeeded' | 'failed' | 'dry-run'
  message?: string
  /** created / configured / unchanged counts. */
  objects?: Record<string, number>
  /** Each applied object as "KEY DIGEST FIELDS-HASH" (one string per object: YAML reads strings fast), for skipping unchanged ones next time. */
  applied?: string[]
}

export interface ServiceStatus {
  lastDeploy?: DeployRecord
}

export type ServiceDocument = BerthDocument<ServiceSpec, ServiceStatus>

/** Which set a service is in: the source keeps test and production services apart. */
export interface ServiceRef {
  name: string
  production?: boolean
}

export function serviceKind(production: boolean | undefined): 'Service' | 'ProductionService' {
  return production ? 'ProductionService' : 'Service'
}

export function setName(production: boolean | undefined): string {
  return production ? 'production' : 'test'
}
