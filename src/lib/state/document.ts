export const API_VERSION = 'berth.dev/v1alpha1'

/** Every kind berth stores, the directory it lives in and whether it belongs to a project. */
export const KINDS = {
  Endpoint: {plural: 'endpoints', scope: 'project'},
  Template: {plural: 'templates', scope: 'project'},
  Service: {plural: 'services', scope: 'project'},
  // The production set of services (the source's separate API family): same names may exist in both sets.
  ProductionService: {plural: 'production-services', scope: 'project'},
  Environment: {plural: 'environments', scope: 'project'},
  DeploymentRuntime: {plural: 'runtimes', scope: 'project'},
  Trigger: {plural: 'triggers', scope: 'project'},
  Execution: {plural: 'executions', scope: 'project'},
  ResourceInterface: {plural: 'resource-interfaces', scope: 'global'},
} as const satisfies Record<string, {plural: string; scope: 'project' | 'global'}>

export type Kind = keyof typeof KINDS

export function isKind(value: string): value is Kind {
  return Object.hasOwn(KINDS, value)
}

export interface ObjectMeta {
  name: string
  /** Absent for global kinds. */
  project?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  createdBy: string
  createdAt: string
  updatedAt?: string
  /** Increases by one on every write. */
  generation: number
}

export interface BerthDocument<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  apiVersion: string
  kind: Kind
  metadata: ObjectMeta
  spec: Spec
  status?: Status
}

/** What a caller supplies to create an object; the store fills in the rest of the metadata. */
export interface NewDocument<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  kind: Kind
  metadata: {name: string; project?: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec: Spec
  status?: Status
}
