import {ValidationError} from '../errors.js'

export const API_VERSION = 'berth.dev/v1alpha1'

/**
 * Every kind berth stores: the directory it lives in, whether it belongs to a project, and
 * its references, the fields that name another object, by the kind they name. A path is
 * dotted from the document root, `[]` stepping into every item of a list
 * (`spec.deployments[].endpoint`). Only these fields are references: a field of user data
 * that happens to be called `endpoints` (a ServiceMonitor's) is not. Status is never a reference.
 */
export const KINDS = {
  Endpoint: {plural: 'endpoints', scope: 'project', references: {}},
  Template: {plural: 'templates', scope: 'project', references: {}},
  Service: {plural: 'services', scope: 'project', references: {Environment: ['spec.environment'], Template: ['spec.template']}},
  // The production set of services (the source's separate API family): the same name may exist in both sets.
  ProductionService: {plural: 'production-services', scope: 'project', references: {Environment: ['spec.environment'], Template: ['spec.template']}},
  Environment: {plural: 'environments', scope: 'project', references: {Endpoint: ['spec.clusterEndpoint']}},
  DeploymentRuntime: {
    plural: 'runtimes',
    scope: 'project',
    references: {Endpoint: ['spec.repoEndpoint', 'spec.publish.repoEndpoint'], Environment: ['spec.destination.environment']},
  },
  Trigger: {plural: 'triggers', scope: 'project', references: {Endpoint: ['spec.endpoint', 'spec.action.clusterEndpoint']}},
  Execution: {plural: 'executions', scope: 'project', references: {}},
  ResourceInterface: {plural: 'resource-interfaces', scope: 'global', references: {}},
} as const satisfies Record<string, KindInfo>

/** What berth knows of a kind. */
export interface KindInfo {
  plural: string
  scope: 'project' | 'global'
  references: Partial<Record<string, readonly string[]>>
}

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
  /** Increases by one on every change of the object (not of its status alone). */
  generation: number
  /** Large texts stored beside the document (see StateStore.readBody), by key. */
  bodies?: Record<string, BodyRef>
}

/** A body stored beside its document: its digest and size, checked when read. */
export interface BodyRef {
  sha256: string
  bytes: number
}

export interface BerthDocument<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  apiVersion: string
  kind: Kind
  metadata: ObjectMeta
  spec: Spec
  /** What was observed; by convention carries `observedGeneration`, the generation it describes. */
  status?: Status
}

/** What a caller supplies to create an object; the store fills in the rest of the metadata. */
export interface NewDocument<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  kind: Kind
  /** `project` is required for project-scoped kinds and absent for global ones. */
  metadata: {name: string; project?: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec: Spec
  status?: Status
  /** Large texts to store beside the document, by key (see StateStore.readBody). */
  bodies?: Record<string, string>
}

/**
 * The document a backend stores for a new object: generation 1, who created it and when, and
 * the references to its bodies (written by the backend beforehand). `project` is the input's
 * project for project-scoped kinds, undefined for global ones.
 */
export function newDocumentOf<S, T>(input: NewDocument<S, T>, project: string | undefined, bodies: Record<string, BodyRef>, created: {by: string; at: Date}): BerthDocument<S, T> {
  const {kind, metadata} = input
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: {
      name: metadata.name,
      ...(project === undefined ? {} : {project}),
      ...(metadata.labels ? {labels: metadata.labels} : {}),
      ...(metadata.annotations ? {annotations: metadata.annotations} : {}),
      createdBy: created.by,
      createdAt: created.at.toISOString(),
      generation: 1,
      ...(Object.keys(bodies).length > 0 ? {bodies} : {}),
    },
    spec: input.spec,
    ...(input.status === undefined ? {} : {status: input.status}),
  }
}

/** Refuses what an update's `change` returned when it moved the object: kind, name and project are its identity. */
export function assertSameIdentity<S, T>(kind: Kind, name: string, current: BerthDocument<S, T>, next: BerthDocument<S, T>): void {
  if (next.kind !== current.kind || next.metadata.name !== current.metadata.name || next.metadata.project !== current.metadata.project) {
    throw new ValidationError(`The kind, name and project of ${kind} "${name}" cannot change.`)
  }
}

/**
 * Stamps the document a backend's update writes: who created it and when are kept from
 * `current`, updatedAt is `at`, the generation counts one more, and the references to its
 * bodies (written by the backend beforehand) are recorded, or none.
 */
export function stampUpdate<S, T>(current: BerthDocument<S, T>, next: BerthDocument<S, T>, bodies: Record<string, BodyRef>, at: Date): void {
  next.metadata.createdAt = current.metadata.createdAt
  next.metadata.createdBy = current.metadata.createdBy
  next.metadata.updatedAt = at.toISOString()
  next.metadata.generation = current.metadata.generation + 1
  if (Object.keys(bodies).length > 0) next.metadata.bodies = bodies
  else delete next.metadata.bodies
}
