/**
 * Environments: a name for a cluster (a kubernetes endpoint) and its default namespace,
 * which runtimes deploy to and `service deploy --env` uses.
 */
import type {BerthContext} from '../context.js'
import {loadEndpointCredentials} from '../endpoints/credentials.js'
import type {CredentialsOf, EndpointSpec} from '../endpoints/types.js'
import {ConflictError, NotFoundError, UsageError} from '../errors.js'
import {assertDns1123Label} from '../names.js'
import type {BerthDocument} from '../state/document.js'
import {findReferences} from '../state/references.js'

export interface EnvironmentSpec {
  /** The kubernetes endpoint of the cluster (a reference field: `endpoint delete` names it). */
  clusterEndpoint: string
  /** Where objects without a namespace go. */
  namespace?: string
  description?: string
}

export type EnvironmentDocument = BerthDocument<EnvironmentSpec, Record<string, never>>

export interface CreateEnvironmentOptions {
  name: string
  cluster: string
  namespace?: string
  description?: string
}

/** Check that `name` is a kubernetes endpoint of the project. */
async function assertClusterEndpoint(ctx: BerthContext, name: string, project: string): Promise<void> {
  const endpoint = await ctx.state().tryGet<EndpointSpec>('Endpoint', name, project)
  if (!endpoint) throw new NotFoundError(`Endpoint "${name}" not found in project "${project}".`, {hint: 'Create it with: berth endpoint create kubernetes NAME --kubeconfig FILE'})
  if (endpoint.spec.type !== 'kubernetes') throw new UsageError(`Endpoint "${name}" is a ${endpoint.spec.type} endpoint; an environment's --cluster must be a kubernetes endpoint.`)
}

export async function createEnvironment(ctx: BerthContext, options: CreateEnvironmentOptions): Promise<EnvironmentDocument> {
  const project = await ctx.project()
  assertDns1123Label(options.name, 'environment name')
  if (options.namespace !== undefined) assertDns1123Label(options.namespace, 'namespace')
  await assertClusterEndpoint(ctx, options.cluster, project)
  return ctx.state().create<EnvironmentSpec, Record<string, never>>({
    kind: 'Environment',
    metadata: {name: options.name, project},
    spec: {clusterEndpoint: options.cluster, ...(options.namespace ? {namespace: options.namespace} : {}), ...(options.description ? {description: options.description} : {})},
  })
}

export async function listEnvironments(ctx: BerthContext): Promise<EnvironmentDocument[]> {
  const docs = await ctx.state().list<EnvironmentSpec, Record<string, never>>('Environment', {project: await ctx.project()})
  return docs.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
}

export async function getEnvironment(ctx: BerthContext, name: string): Promise<EnvironmentDocument> {
  return ctx.state().get<EnvironmentSpec, Record<string, never>>('Environment', name, await ctx.project())
}

/** An object that uses an environment. */
export interface EnvironmentUser {
  kind: 'DeploymentRuntime' | 'Service'
  name: string
  field: string
}

/** Runtimes and services whose declared reference fields name the environment (see KINDS). */
export async function findEnvironmentUsers(ctx: BerthContext, name: string, project: string): Promise<EnvironmentUser[]> {
  const refs = await findReferences(ctx.state(), {kind: 'Environment', name, project})
  return refs.filter((r): r is typeof r & {kind: EnvironmentUser['kind']} => r.kind === 'DeploymentRuntime' || r.kind === 'Service').map((r) => ({kind: r.kind, name: r.name, field: r.field}))
}

/** Delete an environment; refused while a runtime or service uses it, naming them. */
export async function deleteEnvironment(ctx: BerthContext, name: string): Promise<EnvironmentDocument> {
  const project = await ctx.project()
  return ctx.state().withLock(async () => {
    await getEnvironment(ctx, name)
    const users = await findEnvironmentUsers(ctx, name, project)
    if (users.length > 0) {
      throw new ConflictError(`Environment "${name}" is used by ${users.map((u) => `${u.kind}/${u.name} (${u.field})`).join(', ')}.`, {
        hint: 'Delete those runtimes (berth runtime delete NAME) or deploy those services elsewhere first.',
      })
    }
    return ctx.state().delete<EnvironmentSpec, Record<string, never>>('Environment', name, project)
  })
}

/** What deploying to an environment needs: its cluster's credentials and default namespace. */
export interface EnvironmentTarget {
  environment: EnvironmentDocument
  cluster: CredentialsOf<'kubernetes'>
  namespace?: string
}

/** Resolve an environment to its cluster credentials (for `service deploy --env` and runtime sync). */
export async function resolveEnvironment(ctx: BerthContext, name: string): Promise<EnvironmentTarget> {
  const environment = await getEnvironment(ctx, name)
  const cluster = await loadEndpointCredentials(ctx, environment.spec.clusterEndpoint, ['kubernetes'])
  return {environment, cluster, ...(environment.spec.namespace ? {namespace: environment.spec.namespace} : {})}
}
