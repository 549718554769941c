/**
 * Deployment runtimes (Nautes' DeploymentRuntime): where a project's Kubernetes manifests
 * live (a git endpoint, a revision, a path) and where they go (an environment and its
 * namespaces). Saving checks the references; once synced, the destination is fixed.
 */
import path from 'node:path'

import type {BerthContext} from '../context.js'
import type {EndpointSpec} from '../endpoints/types.js'
import {ConflictError, NotFoundError, UsageError, ValidationError} from '../errors.js'
import type {SetKind} from '../kube/prune.js'
import {assertDns1123Label, quote} from '../names.js'
import type {BerthDocument} from '../state/document.js'
import {toYaml} from '../yaml.js'

export interface RuntimeSpec {
  /** The git or codearts-repo endpoint holding the manifests (a reference field). */
  repoEndpoint: string
  manifestSource: {
    /** For codearts-repo endpoints: the repository path under the endpoint's URL prefix. */
    repository?: string
    targetRevision: string
    path: string
  }
  destination: {
    /** The environment (a reference field). */
    environment: string
    namespaces: string[]
  }
  projectsRef: string[]
  /** Where `runtime publish` keeps the resource file (repoEndpoint is a reference field). */
  publish?: {repoEndpoint: string; repository?: string; branch: string; file: string}
}

export interface SyncedResource {
  apiVersion: string
  kind: string
  namespace?: string
  name: string
  /** created, configured, unchanged. */
  action: string
  /** sha256 of berth's managed fields after the apply: a different hash later means drift. */
  fieldsHash?: string
  /** sha256 of the object as applied (manifest, namespace and labels). */
  digest?: string
}

export interface RuntimeStatus {
  /** The generation (spec) the last sync deployed. */
  observedGeneration?: number
  /** Set by the first sync: the destination then cannot change. */
  deployed?: {environment: string; clusterEndpoint: string; namespaces: string[]; at: string}
  lastSync?: {
    at: string
    commit: string
    revision: string
    result: 'Synced' | 'Failed'
    error?: string
    /** One line per resource (encodeResource): 200 maps cost the YAML parser ~5x more than 200 strings. */
    resources: string[]
    pruned: string[]
  }
  /** The kubectl ApplySet this runtime's objects belong to. */
  applySet?: {id: string; parent: {name: string; namespace: string}; kinds: SetKind[]}
  published?: {commit: string; at: string}
}

export type RuntimeDocument = BerthDocument<RuntimeSpec, RuntimeStatus>

/** "configured apps/v1 Deployment dr-dev/api-server 3f2a… 9b1c…": action, apiVersion, kind, namespace/name (or name), fields hash and digest or "-". */
export function encodeResource(resource: SyncedResource): string {
  return [resource.action, resource.apiVersion, resource.kind, resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name, resource.fieldsHash ?? '-', resource.digest ?? '-'].join(' ')
}

export function decodeResource(line: string): SyncedResource {
  const [action = '', apiVersion = '', kind = '', where = '', hash = '-', digest = '-'] = line.split(' ')
  const slash = where.indexOf('/')
  return {
    apiVersion,
    kind,
    ...(slash >= 0 ? {namespace: where.slice(0, slash)} : {}),
    name: slash >= 0 ? where.slice(slash + 1) : where,
    action,
    ...(hash === '-' ? {} : {fieldsHash: hash}),
    ...(digest === '-' ? {} : {digest}),
  }
}

export const RUNTIME_LABEL = 'berth.dev/runtime'
export const PROJECT_LABEL = 'berth.dev/project'

/** The source API's shape of a runtime (Nautes' list and get responses). */
export interface RuntimeApiShape {
  product: string
  name: string
  projects_ref: string[]
  manifest_source: {code_repo: string; target_revision: string; path: string}
  destination: {environment: string; namespaces: string[]}
}

export function apiShapeOf(doc: RuntimeDocument): RuntimeApiShape {
  return {
    product: doc.metadata.project ?? 'default',
    name: doc.metadata.name,
    projects_ref: doc.spec.projectsRef,
    manifest_source: {code_repo: doc.spec.repoEndpoint, target_revision: doc.spec.manifestSource.targetRevision, path: doc.spec.manifestSource.path},
    destination: {environment: doc.spec.destination.environment, namespaces: doc.spec.destination.namespaces},
  }
}

/** The DeploymentRuntime resource file, in the source's form. */
export function resourceFileOf(doc: RuntimeDocument): string {
  return toYaml({
    apiVersion: 'nautes.resource.nautes.io/v1alpha1',
    kind: 'DeploymentRuntime',
    metadata: {name: doc.metadata.name},
    spec: {
      destination: {environment: doc.spec.destination.environment, namespaces: doc.spec.destination.namespaces},
      manifestSource: {codeRepo: doc.spec.repoEndpoint, path: doc.spec.manifestSource.path, targetRevision: doc.spec.manifestSource.targetRevision},
      product: doc.metadata.project ?? 'default',
      projectsRef: doc.spec.projectsRef,
    },
  })
}

export interface SaveRuntimeOptions {
  name: string
  /** save: create or update; create: must not exist; update: must exist. */
  mode: 'save' | 'create' | 'update'
  repo?: string
  repository?: string
  revision?: string
  path?: string
  environment?: string
  namespaces?: string[]
  projectRefs?: string[]
  /** Save despite failed reference checks (they come back as warnings). */
  insecureSkipCheck?: boolean
}

export interface SaveRuntimeResult {
  runtime: RuntimeDocument
  created: boolean
  /** The reference checks skipped by --insecure-skip-check, one line each. */
  warnings: string[]
}

/** The manifest path, normalised; refuses absolute paths and any that leave the repository. */
export function checkManifestPath(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(value)) throw new ValidationError(`Invalid --path ${quote(value)}: it contains control characters or backslashes.`)
  if (value.startsWith('/')) throw new ValidationError(`Invalid --path ${quote(value)}: it must be relative to the repository root.`, {hint: 'Write it as in the repository, e.g. manifests/development'})
  if (value.split('/').includes('..')) throw new ValidationError(`Invalid --path ${quote(value)}: ".." would leave the repository.`, {hint: 'Write it as in the repository, e.g. manifests/development'})
  const normal = path.posix.normalize(value || '.').replace(/\/+$/, '')
  return normal === '.' ? '' : normal
}

/** A revision git can be given safely: HEAD, a branch, a tag or a commit. */
export function checkRevision(value: string): string {
  if (!value || value.startsWith('-') || /[\s\0~^:?*[\\]/.test(value) || value.includes('..') || value.length > 255) {
    throw new ValidationError(`Invalid --revision ${quote(value)}: give a branch, a tag, HEAD or a commit id.`)
  }
  return value
}

/**
 * Create or update a runtime. Always checked: names and namespaces are DNS-1123 labels,
 * the path stays inside the repository, the revision is well-formed. Reference checks
 * (the environment exists, the repo is a git or codearts-repo endpoint) fail the save
 * unless insecureSkipCheck, which turns them into warnings. A runtime already synced
 * keeps its destination.
 */
export async function saveRuntime(ctx: BerthContext, options: SaveRuntimeOptions): Promise<SaveRuntimeResult> {
  const project = await ctx.project()
  assertDns1123Label(options.name, 'runtime name')
  for (const ns of options.namespaces ?? []) assertDns1123Label(ns, 'namespace')
  for (const ref of options.projectRefs ?? []) assertDns1123Label(ref, 'project reference')
  const store = ctx.state()
  return store.withLock(async () => {
    const existing = await store.tryGet<RuntimeSpec, RuntimeStatus>('DeploymentRuntime', options.name, project)
    if (options.mode === 'create' && existing) {
      throw new ConflictError(`DeploymentRuntime "${options.name}" already exists in project "${project}".`, {hint: `Change it with: berth runtime update ${options.name}`})
    }
    if (options.mode === 'update' && !existing) {
      throw new NotFoundError(`DeploymentRuntime "${options.name}" not found in project "${project}".`, {hint: `Create it with: berth runtime create ${options.name} --repo REPO --revision REV --path DIR --env ENV`})
    }
    if (!existing) {
      const missing = [!options.repo && '--repo', !options.revision && '--revision', options.path === undefined && '--path', !options.environment && '--env'].filter(Boolean)
      if (missing.length > 0) throw new UsageError(`Missing ${missing.join(', ')} to create runtime "${options.name}".`)
    }
    const spec: RuntimeSpec = existing
      ? structuredClone(existing.spec)
      : {repoEndpoint: '', manifestSource: {targetRevision: '', path: ''}, destination: {environment: '', namespaces: []}, projectsRef: []}
    if (options.repo !== undefined) spec.repoEndpoint = options.repo
    if (options.repository !== undefined) spec.manifestSource.repository = options.repository
    if (options.revision !== undefined) spec.manifestSource.targetRevision = checkRevision(options.revision)
    if (options.path !== undefined) spec.manifestSource.path = checkManifestPath(options.path)
    if (options.environment !== undefined) spec.destination.environment = options.environment
    if (options.namespaces !== undefined && options.namespaces.length > 0) spec.destination.namespaces = [...new Set(options.namespaces)]
    if (options.projectRefs !== undefined && options.projectRefs.length > 0) spec.projectsRef = [...new Set(options.projectRefs)]
    assertDns1123Label(spec.repoEndpoint, 'repo endpoint name')
    assertDns1123Label(spec.destination.environment, 'environment name')

    const problems: string[] = []
    const environment = await store.tryGet<{clusterEndpoint: string; namespace?: string}>('Environment', spec.destination.environment, project)
    if (!environment) problems.push(`environment "${spec.destination.environment}" does not exist in project "${project}"`)
    if (spec.destination.namespaces.length === 0) {
      if (environment?.spec.namespace) spec.destination.namespaces = [environment.spec.namespace]
      else if (environment) throw new UsageError(`Give --namespace: environment "${spec.destination.environment}" has no default namespace.`)
      else throw new UsageError(`Give --namespace: the environment "${spec.destination.environment}" does not exist, so it cannot supply a default namespace.`)
    }
    const repo = await store.tryGet<EndpointSpec>('Endpoint', spec.repoEndpoint, project)
    if (!repo) problems.push(`repo endpoint "${spec.repoEndpoint}" does not exist in project "${project}"`)
    else if (repo.spec.type !== 'git' && repo.spec.type !== 'codearts-repo') problems.push(`endpoint "${spec.repoEndpoint}" is a ${repo.spec.type} endpoint, not git or codearts-repo`)
    else if (repo.spec.type === 'codearts-repo' && !spec.manifestSource.repository) problems.push(`codearts-repo endpoint "${spec.repoEndpoint}" needs --repository (the repository path under its URL prefix)`)
    if (problems.length > 0 && !options.insecureSkipCheck) {
      throw new ValidationError(`Cannot save runtime "${options.name}": ${problems.join('; ')}.`, {hint: 'Fix the references, or save anyway with --insecure-skip-check.'})
    }

    const deployed = existing?.status?.deployed
    if (deployed) {
      const changed = deployed.environment !== spec.destination.environment || deployed.namespaces.join(',') !== spec.destination.namespaces.join(',')
      if (changed) {
        throw new ConflictError(
          `Runtime "${options.name}" has been deployed to environment "${deployed.environment}" (namespaces ${deployed.namespaces.join(', ')}); its destination cannot change, because the objects already there would be orphaned.`,
          {hint: `To deploy elsewhere, delete it (berth runtime delete ${options.name}, which removes what it deployed) and create it again with the new destination.`},
        )
      }
    }

    const runtime = existing
      ? await store.update<RuntimeSpec, RuntimeStatus>('DeploymentRuntime', options.name, project, (doc) => ({...doc, spec}))
      : await store.create<RuntimeSpec, RuntimeStatus>({kind: 'DeploymentRuntime', metadata: {name: options.name, project}, spec})
    return {runtime, created: !existing, warnings: options.insecureSkipCheck ? problems : []}
  })
}

export async function listRuntimes(ctx: BerthContext): Promise<RuntimeDocument[]> {
  const docs = await ctx.state().list<RuntimeSpec, RuntimeStatus>('DeploymentRuntime', {project: await ctx.project()})
  return docs.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
}

export async function getRuntime(ctx: BerthContext, name: string): Promise<RuntimeDocument> {
  return ctx.state().get<RuntimeSpec, RuntimeStatus>('DeploymentRuntime', name, await ctx.project())
}

/**
 * Write a runtime's status without touching its spec or generation. With expectedGeneration,
 * refused (ConflictError) if the runtime was changed meanwhile, e.g. during a long sync.
 */
export async function writeRuntimeStatus(ctx: BerthContext, name: string, change: (status: RuntimeStatus) => RuntimeStatus, options: {expectedGeneration?: number} = {}): Promise<RuntimeDocument> {
  const project = await ctx.project()
  return ctx.state().updateStatus<RuntimeSpec, RuntimeStatus>('DeploymentRuntime', name, project, (doc) => change(doc.status ?? {}), options)
}
