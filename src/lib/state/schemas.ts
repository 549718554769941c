/**
 * One schema per kind, the single source for both backends: the file backend validates
 * documents with `validateDocument` before writing them, and `customResourceDefinition`
 * turns the same schemas into the CRDs the Kubernetes backend stores them as (where the
 * API server validates them again). The schemas are OpenAPI v3 in Kubernetes' structural
 * form: a kind whose spec is open to fields berth adds later keeps
 * `x-kubernetes-preserve-unknown-fields`, and types only the fields it is sure of. No field is
 * required yet: the features check completeness with messages of their own, and objects
 * stored before the schemas existed must stay readable and writable.
 */
import {ValidationError} from '../errors.js'
import {isPlainObject} from '../yaml.js'
import {API_VERSION, KINDS, Kind} from './document.js'

export interface OpenApiSchema {
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array'
  description?: string
  properties?: Record<string, OpenApiSchema>
  additionalProperties?: OpenApiSchema
  items?: OpenApiSchema
  required?: string[]
  enum?: string[]
  maxLength?: number
  'x-kubernetes-preserve-unknown-fields'?: boolean
}

export interface PrinterColumn {
  name: string
  type: 'string' | 'integer' | 'date'
  jsonPath: string
  priority?: number
}

export interface KindSchema {
  spec: OpenApiSchema
  /** Status is what was observed: always open. */
  status: OpenApiSchema
  /** Shown by `kubectl get <plural>.berth.dev` after the project and name columns. */
  columns: PrinterColumn[]
}

export const GROUP = API_VERSION.split('/')[0] as string
export const VERSION = API_VERSION.split('/')[1] as string

/** The label holding an object's project on the Kubernetes backend. */
export const PROJECT_LABEL = `${GROUP}/project`
/** The label holding an object's berth name (the resource name is `<project>.<name>`). */
export const NAME_LABEL = `${GROUP}/name`

const text = (description?: string): OpenApiSchema => ({type: 'string', ...(description ? {description} : {})})
const open = (description: string, properties: Record<string, OpenApiSchema> = {}, required: string[] = []): OpenApiSchema => ({
  type: 'object',
  description,
  ...(Object.keys(properties).length > 0 ? {properties} : {}),
  ...(required.length > 0 ? {required} : {}),
  'x-kubernetes-preserve-unknown-fields': true,
})
const STATUS = open('What berth observed; carries observedGeneration where it describes a generation.')
const secretRef: OpenApiSchema = {
  type: 'object',
  description: 'Where a secret is kept: never the value itself.',
  properties: {backend: {type: 'string', enum: ['keychain', 'file', 'env', 'kubernetes']}, key: text('<project>/<kind>/<name>/<field>')},
  required: ['backend', 'key'],
}

/** A service of the test or the production set: the two kinds differ only in which set they are. */
const serviceSchema = (set: 'test' | 'production'): KindSchema => ({
  spec: open(`A ${set}-set service: Kubernetes YAML or a Helm chart, rendered with typed variables and deployed to a cluster.`, {
    type: {type: 'string', enum: ['k8s', 'helm']},
    template: text('The template it came from (a reference).'),
  }),
  status: STATUS,
  columns: [
    {name: 'Type', type: 'string', jsonPath: '.spec.type'},
    {name: 'Template', type: 'string', jsonPath: '.spec.template'},
  ],
})

export const KIND_SCHEMAS: Record<Kind, KindSchema> = {
  Endpoint: {
    spec: open(
      'A connection to a Docker registry, a Kubernetes cluster, a Git repository or a cloud account.',
      {
        type: {type: 'string', enum: ['docker-registry', 'kubernetes', 'git', 'iam', 'codearts-repo']},
        description: text(),
        address: text('docker-registry: the registry address.'),
        username: text(),
        server: text('kubernetes: the API server URL.'),
        context: text('kubernetes: the kubeconfig context.'),
        url: text('git: the HTTPS repository URL.'),
        urlPrefix: text('codearts-repo: the clone-URL prefix.'),
        accessKeyId: text('iam: the access key id (not secret).'),
        secretRefs: {type: 'object', description: 'Each secret field and where its value is kept.', additionalProperties: secretRef},
      },
    ),
    status: STATUS,
    columns: [
      {name: 'Type', type: 'string', jsonPath: '.spec.type'},
      {name: 'Address', type: 'string', jsonPath: '.spec.address', priority: 1},
      {name: 'Server', type: 'string', jsonPath: '.spec.server', priority: 1},
      {name: 'URL', type: 'string', jsonPath: '.spec.url', priority: 1},
      {name: 'Username', type: 'string', jsonPath: '.spec.username'},
    ],
  },
  Template: {spec: open('A Kubernetes YAML or Helm template with typed variables.'), status: STATUS, columns: [{name: 'Type', type: 'string', jsonPath: '.spec.type'}]},
  Service: serviceSchema('test'),
  ProductionService: serviceSchema('production'),
  Environment: {
    spec: open('A cluster (a kubernetes endpoint) and its default namespace.', {clusterEndpoint: text('The kubernetes endpoint (a reference).'), namespace: text(), description: text()}),
    status: STATUS,
    columns: [
      {name: 'Cluster', type: 'string', jsonPath: '.spec.clusterEndpoint'},
      {name: 'Namespace', type: 'string', jsonPath: '.spec.namespace'},
    ],
  },
  DeploymentRuntime: {
    spec: open('Manifests at a Git revision and path, synced to an environment.', {repoEndpoint: text('The git endpoint (a reference).')}),
    status: STATUS,
    columns: [
      {name: 'Repo', type: 'string', jsonPath: '.spec.repoEndpoint'},
      {name: 'Revision', type: 'string', jsonPath: '.spec.manifestSource.targetRevision'},
      {name: 'Environment', type: 'string', jsonPath: '.spec.destination.environment'},
      {name: 'Last sync', type: 'string', jsonPath: '.status.lastSync.result'},
    ],
  },
  ResourceInterface: {spec: open('A connector resource interface (connectors.alauda.io form).'), status: STATUS, columns: []},
  Trigger: {
    spec: open('A registry webhook trigger and the action it runs.', {endpoint: text('The docker-registry endpoint (a reference).')}),
    status: STATUS,
    columns: [{name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint'}],
  },
  // Executions are records of trigger runs: objects like the others, so one store serves both
  // backends; the trigger server keeps their number bounded (retention).
  // On the kubernetes backend, `trigger serve` writes them itself (lib/triggers/kube-runs.ts):
  // spec is the run record, named after the event so that replicas record each event once.
  Execution: {
    spec: open('One run of a trigger.'),
    status: STATUS,
    columns: [
      {name: 'Trigger', type: 'string', jsonPath: '.spec.trigger'},
      {name: 'Status', type: 'string', jsonPath: '.spec.status'},
      {name: 'Tag', type: 'string', jsonPath: '.spec.inputs.tag'},
    ],
  },
}

/** The resource name of a kind on the Kubernetes backend: lower-case kind plus "s" (deploymentruntimes). */
export function crdPlural(kind: Kind): string {
  return `${kind.toLowerCase()}s`
}

/** The CustomResourceDefinition of a kind, from its schema. */
export function customResourceDefinition(kind: Kind): Record<string, unknown> {
  const schema = KIND_SCHEMAS[kind]
  const plural = crdPlural(kind)
  const scoped = KINDS[kind].scope === 'project'
  const columns: PrinterColumn[] = [
    ...(scoped ? [{name: 'Project', type: 'string' as const, jsonPath: `.metadata.labels.${PROJECT_LABEL.replaceAll('.', '\\.')}`}] : []),
    {name: 'Name', type: 'string', jsonPath: `.metadata.labels.${NAME_LABEL.replaceAll('.', '\\.')}`},
    ...schema.columns,
    {name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp'},
  ]
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {name: `${plural}.${GROUP}`, labels: {'app.kubernetes.io/part-of': 'berth'}},
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, categories: ['berth']},
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: {status: {}},
          additionalPrinterColumns: columns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: `A berth ${kind}${scoped ? `; its project is the ${PROJECT_LABEL} label` : ' (global: no project)'}, its name the ${NAME_LABEL} label.`,
              properties: {apiVersion: {type: 'string'}, kind: {type: 'string'}, metadata: {type: 'object'}, spec: schema.spec, status: schema.status},
              required: ['spec'],
            },
          },
        },
      ],
    },
  }
}

/** Check a document's spec and status against its kind's schema (the file backend's half of the API server's validation). */
export function validateDocument(kind: Kind, name: string, doc: {spec: unknown; status?: unknown}): void {
  const schema = KIND_SCHEMAS[kind]
  const problems: string[] = []
  check(schema.spec, doc.spec, 'spec', problems)
  if (doc.status !== undefined) check(schema.status, doc.status, 'status', problems)
  if (problems.length > 0) throw new ValidationError(`${kind} "${name}" does not match its schema: ${problems.slice(0, 5).join('; ')}.`)
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  if (isPlainObject(value)) return 'object'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function check(schema: OpenApiSchema, value: unknown, at: string, problems: string[]): void {
  if (value === undefined) return
  const actual = typeOf(value)
  if (schema.type && actual !== schema.type && !(schema.type === 'number' && actual === 'integer')) {
    problems.push(`${at} must be ${schema.type === 'integer' || schema.type === 'array' || schema.type === 'object' ? `an ${schema.type}` : `a ${schema.type}`}, not ${actual === 'array' || actual === 'object' || actual === 'integer' ? `an ${actual}` : `a ${actual}`}`)
    return
  }
  if (schema.enum && !schema.enum.includes(value as string)) problems.push(`${at} must be one of ${schema.enum.join(', ')}`)
  if (schema.maxLength !== undefined && typeof value === 'string' && value.length > schema.maxLength) problems.push(`${at} is longer than ${schema.maxLength} characters`)
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => check(schema.items as OpenApiSchema, item, `${at}[${i}]`, problems))
  if (!isPlainObject(value)) return
  for (const key of schema.required ?? []) if (!Object.hasOwn(value, key)) problems.push(`${at}.${key} is required`)
  for (const [key, child] of Object.entries(value)) {
    const declared = schema.properties?.[key] ?? schema.additionalProperties
    if (declared) check(declared, child, `${at}.${key}`, problems)
  }
}
