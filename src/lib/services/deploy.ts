/**
 * Deploying a service and diffing it against a cluster. k8s services: rendered, then
 * server-side applied (field manager berth) in dependency order with berth's labels, then
 * the rollout waited for with watches. Helm services: helm upgrade --install [--wait].
 * Every deploy (also a failed one) is recorded in the service's status.
 */
import type {BerthContext} from '../context.js'
import {UsageError, messageOf} from '../errors.js'
import type {ApplyAction} from '../kube/apply.js'
import type {KubeClient} from '../kube/client.js'
import type {ObjectDiff} from '../kube/diff.js'
import {ObjectRef, managedFieldsHash, objectDigest, refKey, refOf} from '../kube/resources.js'
import type {WorkloadProgress} from '../kube/wait.js'
import {assertDns1123Label} from '../names.js'
import {ClusterTarget, resolveDeployTarget} from './cluster.js'
import {ImageOverride, setContainerImage} from './image.js'
import {renderedDigest} from './manifests.js'
import {getService, recordDeploy, renderStoredService} from './service.js'
import {DeployRecord, ServiceDocument, ServiceRef} from './types.js'

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
export const PROJECT_LABEL = 'berth.dev/project'
export const SERVICE_LABEL = 'berth.dev/service'

export interface DeployTargetOptions extends ServiceRef {
  /** A kubernetes endpoint (or env). */
  endpoint?: string
  /** An environment: its cluster endpoint and default namespace. */
  env?: string
  /** Default: the environment's namespace, the kubeconfig context's, else "default". */
  namespace?: string
}

export interface DeployOptions extends DeployTargetOptions {
  dryRun?: boolean
  /** Wait for the rollout (default true). */
  wait?: boolean
  /** Bound on the rollout wait (default 5 minutes). */
  timeoutMs?: number
  forceConflicts?: boolean
  /** Deploy with this image in the matching containers instead of the rendered one (a trigger's push). */
  image?: ImageOverride
}

export interface DeployEvents {
  onApplied?: (ref: ObjectRef, action: ApplyAction) => void
  onRollout?: (progress: WorkloadProgress) => void
  /** A step in words ("helm upgrade --install web"). */
  onStep?: (text: string) => void
}

export interface DeployedObject {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
  /** helm: the release applied it; helm does not say how. */
  action: ApplyAction | 'helm'
}

export interface DeployResult {
  service_name: string
  production: boolean
  endpoint: string
  environment?: string
  namespace: string
  digest: string
  dry_run: boolean
  objects: DeployedObject[]
  created_namespaces: string[]
  workloads: Array<{kind: string; name: string; namespace?: string; state: string; message: string}>
  helm?: {revision?: number; status?: string}
  result: DeployRecord['result']
}

/** berth's labels on everything it applies. */
export function deployLabels(project: string, service: string): Record<string, string> {
  return {[MANAGED_BY_LABEL]: 'berth', [PROJECT_LABEL]: project, [SERVICE_LABEL]: service}
}

interface Prepared {
  doc: ServiceDocument
  project: string
  cluster: ClusterTarget
  namespace: string
}

async function prepare(ctx: BerthContext, options: DeployTargetOptions): Promise<Prepared> {
  if (options.namespace !== undefined) assertDns1123Label(options.namespace, 'namespace')
  const doc = await getService(ctx, options)
  const project = await ctx.project()
  const cluster = await resolveDeployTarget(ctx, options)
  return {doc, project, cluster, namespace: options.namespace ?? cluster.environmentNamespace ?? cluster.contextNamespace ?? 'default'}
}

async function connect(cluster: ClusterTarget): Promise<KubeClient> {
  const {connectKube} = await import('../kube/client.js')
  return connectKube({kubeconfig: cluster.kubeconfig, context: cluster.context, source: cluster.source, hint: cluster.hint})
}

function row(ref: ObjectRef): {apiVersion: string; kind: string; name: string; namespace?: string} {
  return {apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, ...(ref.namespace ? {namespace: ref.namespace} : {})}
}

export async function deployService(ctx: BerthContext, options: DeployOptions, events: DeployEvents = {}): Promise<DeployResult> {
  const {doc, project, cluster, namespace} = await prepare(ctx, options)
  if (doc.spec.type === 'helm' && options.forceConflicts) throw new UsageError('--force-conflicts applies to k8s services; helm applies its own way.')
  const ref = {name: doc.metadata.name, production: doc.kind === 'ProductionService'}
  const base = {service_name: ref.name, production: ref.production, endpoint: cluster.endpoint, ...(cluster.environment ? {environment: cluster.environment} : {}), namespace, dry_run: Boolean(options.dryRun)}
  const timeoutMs = options.timeoutMs ?? 5 * 60_000
  const wait = options.wait !== false
  const rendered = await renderStoredService(ctx, doc, {namespace})
  if (options.image) {
    if (doc.spec.type === 'helm') throw new UsageError(`Service "${ref.name}" is a helm service; set its image through a chart value, not a container image.`)
    setContainerImage(rendered.documents.map((d) => d.object as unknown as Record<string, unknown>), options.image, ref.name)
  }
  let digest = rendered.digest
  const record = async (result: DeployRecord['result'], extra: Partial<DeployRecord> = {}) => {
    if (options.dryRun) return
    await recordDeploy(ctx, ref, {endpoint: cluster.endpoint, ...(cluster.environment ? {environment: cluster.environment} : {}), namespace, digest, at: ctx.now().toISOString(), result, ...extra})
  }

  try {
    if (doc.spec.type === 'helm') {
      const {helmUpgradeInstall} = await import('../helm/release.js')
      const {getTemplate} = await import('../templates/service.js')
      const chart = (await getTemplate(ctx, doc.spec.template ?? '')).spec.chart ?? {}
      events.onStep?.(`helm upgrade --install ${ref.name} -n ${namespace}${wait && !options.dryRun ? ' --wait' : ''}${options.dryRun ? ' --dry-run=server' : ''}`)
      const helm = await helmUpgradeInstall(
        {
          chart,
          release: ref.name,
          namespace,
          values: doc.spec.values ? [doc.spec.values] : [],
          set: doc.spec.variables.map((v) => ({key: v.key, value: v.value})),
          kubeconfig: cluster.kubeconfig,
          ...(cluster.context ? {kubeContext: cluster.context} : {}),
          wait: wait && !options.dryRun,
          dryRun: options.dryRun,
          timeoutMs,
        },
        {env: ctx.env},
      )
      if (helm.manifest) digest = renderedDigest(helm.manifest)
      await record('succeeded', {message: `helm revision ${helm.revision ?? '?'} ${helm.status ?? ''}`.trim()})
      return {
        ...base,
        digest,
        objects: rendered.documents.map((d) => ({...row(refOf(d.object)), action: 'helm' as const})),
        created_namespaces: [],
        workloads: [],
        helm: {revision: helm.revision, status: helm.status},
        result: options.dryRun ? 'dry-run' : 'succeeded',
      }
    }

    const client = await connect(cluster)
    try {
      const {applyObjects, planApply} = await import('../kube/apply.js')
      const plan = await planApply(client, {objects: rendered.documents.map((d) => d.object), defaultNamespace: namespace, labels: deployLabels(project, ref.name)})
      // An object whose manifest is the one this endpoint and namespace got last time, and whose
      // fields berth applied are still berth's (same managed-fields hash), would not change: skip it.
      const last = doc.status?.lastDeploy
      const known = new Map<string, string>()
      if (last?.result === 'succeeded' && last.endpoint === cluster.endpoint && last.namespace === namespace) {
        for (const line of last.applied ?? []) {
          const space = line.indexOf(' ')
          if (space > 0) known.set(line.slice(0, space), line.slice(space + 1))
        }
      }
      const applied = await applyObjects(client, {
        unchanged: (item, live) => {
          const hash = managedFieldsHash(live, 'berth')
          return hash !== undefined && known.get(refKey(item.ref)) === `${objectDigest(item.object)} ${hash}`
        },
        plan,
        fieldManager: 'berth',
        forceConflicts: options.forceConflicts,
        dryRun: options.dryRun,
        onApplied: (a) => events.onApplied?.(a.ref, a.action),
      })
      const objects = applied.objects.map((a) => ({...row(a.ref), action: a.action}))
      let workloads: DeployResult['workloads'] = []
      if (wait && !options.dryRun) {
        const {waitForRollout} = await import('../kube/wait.js')
        const waited = await waitForRollout(client, {objects: applied.objects.map((a) => a.ref), timeoutMs, onProgress: events.onRollout})
        workloads = waited.workloads.map((w) => ({...row(w.ref), state: w.state, message: w.message}))
      }
      const counts: Record<string, number> = {}
      for (const o of objects) counts[o.action] = (counts[o.action] ?? 0) + 1
      // applyObjects answers in plan order
      const appliedLines = applied.objects.flatMap((a, i) => {
        const hash = managedFieldsHash(a.live, 'berth')
        const planned = plan[i]
        return hash && planned ? [`${refKey(a.ref)} ${objectDigest(planned.object)} ${hash}`] : []
      })
      await record('succeeded', {objects: counts, applied: appliedLines})
      return {...base, digest, objects, created_namespaces: applied.createdNamespaces, workloads, result: options.dryRun ? 'dry-run' : 'succeeded'}
    } finally {
      client.close()
    }
  } catch (error) {
    // The failure is the answer; recording it must not hide it.
    await record('failed', {message: messageOf(error).slice(0, 500)}).catch(() => {})
    throw error
  }
}

export interface ServiceDiffResult {
  service_name: string
  endpoint: string
  environment?: string
  namespace: string
  changed: boolean
  objects: Array<{apiVersion: string; kind: string; name: string; namespace?: string; change: ObjectDiff['change']; diff: string}>
}

/** What a deploy would change, per object (server-side dry-run apply against the live objects). */
export async function diffService(ctx: BerthContext, options: DeployTargetOptions): Promise<ServiceDiffResult> {
  const {doc, project, cluster, namespace} = await prepare(ctx, options)
  const rendered = await renderStoredService(ctx, doc, {namespace})
  const client = await connect(cluster)
  try {
    const {diffObjects} = await import('../kube/diff.js')
    const result = await diffObjects(client, {
      objects: rendered.documents.map((d) => d.object),
      defaultNamespace: namespace,
      // helm's objects carry helm's labels, not berth's: adding berth's would show as a change
      ...(doc.spec.type === 'k8s' ? {labels: deployLabels(project, doc.metadata.name)} : {}),
      fieldManager: 'berth',
    })
    return {
      service_name: doc.metadata.name,
      endpoint: cluster.endpoint,
      ...(cluster.environment ? {environment: cluster.environment} : {}),
      namespace,
      changed: result.changed,
      objects: result.objects.map((o) => ({...row(o.ref), change: o.change, diff: o.diff})),
    }
  } finally {
    client.close()
  }
}
