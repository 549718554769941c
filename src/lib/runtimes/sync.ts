/**
 * Syncing a runtime: fetch its repository at the target revision (a cached bare clone,
 * the endpoint's credentials through askpass), read every YAML manifest under its path,
 * check the destination, apply with server-side apply as one kubectl ApplySet, prune what
 * the set no longer has, wait for health, record the result. Also its diff, status and
 * the removal of what it deployed.
 */
import {createHash} from 'node:crypto'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {BerthContext} from '../context.js'
import {resolveEnvironment} from '../environments/environments.js'
import {loadEndpointCredentials} from '../endpoints/credentials.js'
import {ExternalError, ValidationError, messageOf} from '../errors.js'
import {GitRemote, fetchRevision, readTreeFiles, resolveRemoteRevision} from '../git/repo.js'
import type {AppliedObject, PlannedObject} from '../kube/apply.js'
import type {KubeClient} from '../kube/client.js'
import type {ObjectDiff} from '../kube/diff.js'
import type {SetKind} from '../kube/prune.js'
import type {KubeObject, ObjectRef} from '../kube/resources.js'
import type {WorkloadProgress} from '../kube/wait.js'
import {berthCacheDir} from '../paths.js'
import {PROJECT_LABEL, RUNTIME_LABEL, RuntimeDocument, RuntimeStatus, SyncedResource, decodeResource, encodeResource, getRuntime, writeRuntimeStatus} from './runtimes.js'

export type SyncEvent =
  | {type: 'fetched'; commit: string; files: number; objects: number}
  | {type: 'applied'; applied: AppliedObject}
  | {type: 'pruned'; ref: ObjectRef}
  | {type: 'progress'; progress: WorkloadProgress}

export interface SyncRuntimeOptions {
  name: string
  dryRun?: boolean
  /** Delete what the runtime deployed before and the manifests no longer have (default true). */
  prune?: boolean
  /** Wait for workloads to become healthy (default true). */
  wait?: boolean
  timeoutMs?: number
  /** Take over fields other managers own. */
  forceConflicts?: boolean
  onEvent?: (event: SyncEvent) => void
}

export interface SyncRuntimeResult {
  name: string
  revision: string
  commit: string
  dryRun: boolean
  resources: SyncedResource[]
  pruned: ObjectRef[]
  createdNamespaces: string[]
  workloads: Array<{kind: string; namespace?: string; name: string; state: string; message: string}>
}

const FIELD_MANAGER = 'berth'

interface Prepared {
  runtime: RuntimeDocument
  project: string
  client: KubeClient
  commit: string
  plan: PlannedObject[]
  applySet: {id: string; parent: {name: string; namespace: string}}
  labels: Record<string, string>
  clusterEndpoint: string
}

/** The remote of a runtime's repo endpoint: the git URL, or the codearts prefix plus repository. */
async function remoteOf(ctx: BerthContext, runtime: RuntimeDocument): Promise<GitRemote> {
  const creds = await loadEndpointCredentials(ctx, runtime.spec.repoEndpoint, ['git', 'codearts-repo'])
  if (creds.type === 'git') return {url: creds.url, username: creds.username, password: creds.password, name: creds.name}
  const repository = (runtime.spec.manifestSource.repository ?? '').replace(/^\/+/, '')
  return {url: `${creds.urlPrefix.replace(/\/+$/, '')}/${repository}`, username: creds.username, password: creds.password, name: creds.name}
}

/** Where a repository's cached clone lives: one bare repository per URL. */
export function cacheDirFor(env: NodeJS.ProcessEnv, url: string): string {
  return path.join(berthCacheDir(env), 'git', createHash('sha256').update(url).digest('hex').slice(0, 24))
}

/** Fetch the runtime's revision and parse every manifest under its path. ValidationError names a bad file. */
export async function fetchManifests(ctx: BerthContext, runtime: RuntimeDocument): Promise<{commit: string; objects: KubeObject[]; sources: string[]; files: number}> {
  const remote = await remoteOf(ctx, runtime)
  const dir = cacheDirFor(ctx.env, remote.url)
  const revision = runtime.spec.manifestSource.targetRevision
  // Parsed manifests are cached per commit and path: a re-sync of a commit already seen asks the
  // server only which commit the revision is (ls-remote), without fetching or parsing.
  const cacheFile = (commit: string) => path.join(dir, 'berth-parsed', `${commit}-${createHash('sha256').update(runtime.spec.manifestSource.path).digest('hex').slice(0, 16)}.json`)
  const readCache = async (commit: string) => {
    try {
      return {commit, ...(JSON.parse(await readFile(cacheFile(commit), 'utf8')) as {objects: KubeObject[]; sources: string[]; files: number})}
    } catch {
      return undefined // not cached yet (or unreadable): fetch and parse
    }
  }
  await mkdir(dir, {recursive: true, mode: 0o700})
  const known = await resolveRemoteRevision(remote, revision, dir)
  const hit = known ? await readCache(known) : undefined
  if (hit) return hit
  // By name, not by the id just resolved: some servers refuse to fetch a commit id (uploadpack.allowReachableSHA1InWant).
  const commit = await fetchRevision(remote, revision, dir)
  const parsedCache = cacheFile(commit)
  const files = await readTreeFiles(dir, commit, runtime.spec.manifestSource.path, (file) => /\.ya?ml$/i.test(file))
  const {parseManifests} = await import('../kube/manifests.js')
  const objects: KubeObject[] = []
  const sources: string[] = []
  for (const file of files) {
    let text: string
    try {
      text = new TextDecoder('utf-8', {fatal: true}).decode(file.content)
    } catch {
      throw new ValidationError(`Manifest ${file.path} at commit ${commit.slice(0, 12)} is not UTF-8 text.`)
    }
    for (const object of parseManifests(text, {source: `manifest ${file.path}`})) {
      objects.push(object)
      sources.push(file.path)
    }
  }
  await mkdir(path.dirname(parsedCache), {recursive: true, mode: 0o700})
  await writeFile(parsedCache, JSON.stringify({objects, sources, files: files.length}), {mode: 0o600})
  return {commit, objects, sources, files: files.length}
}

async function prepare(ctx: BerthContext, name: string, onEvent?: (event: SyncEvent) => void): Promise<Prepared> {
  const project = await ctx.project()
  const runtime = await getRuntime(ctx, name)
  // The git fetch runs while the cluster's credentials are read; errors are reported in this order.
  const fetching = fetchManifests(ctx, runtime)
  fetching.catch(() => {})
  const target = await resolveEnvironment(ctx, runtime.spec.destination.environment)
  const {objects, sources, commit, files} = await fetching
  onEvent?.({type: 'fetched', commit, files, objects: objects.length})
  const namespaces = runtime.spec.destination.namespaces
  const first = namespaces[0] as string
  const parent = {name: `berth-runtime-${runtime.metadata.name}`.slice(0, 253), namespace: first}
  const {applySetId, APPLYSET_PART_OF} = await import('../kube/prune.js')
  const id = applySetId(parent)
  const labels = {'app.kubernetes.io/managed-by': 'berth', [RUNTIME_LABEL]: runtime.metadata.name, [PROJECT_LABEL]: project, [APPLYSET_PART_OF]: id}
  const {connectKube} = await import('../kube/client.js')
  const client = await connectKube({
    kubeconfig: target.cluster.kubeconfig,
    context: target.cluster.context,
    source: `the stored kubeconfig of endpoint "${target.cluster.name}"`,
    hint: `Store a working kubeconfig with: berth endpoint update ${target.cluster.name} --kubeconfig FILE`,
  })
  try {
    const {planApply} = await import('../kube/apply.js')
    const plan = await planApply(client, {objects, defaultNamespace: first, labels})
    const outside: string[] = []
    for (const [i, item] of plan.entries()) {
      const ns = item.ref.namespace ?? (item.ref.kind === 'Namespace' ? item.ref.name : undefined)
      if (ns !== undefined && !namespaces.includes(ns)) outside.push(`${sources[i]}: ${item.ref.kind} ${item.ref.name} is aimed at namespace "${ns}"`)
    }
    if (outside.length > 0) {
      throw new ValidationError(`Refusing to sync runtime "${name}": ${outside.join('; ')}, outside its destination (${namespaces.join(', ')}). Nothing was applied.`, {
        hint: 'Remove the namespace from those manifests (they then go to the first destination namespace), or add the namespace to the runtime before its first sync.',
      })
    }
    return {runtime, project, client, commit, plan, applySet: {id, parent}, labels, clusterEndpoint: target.cluster.name}
  } catch (error) {
    client.close()
    throw error
  }
}

function fieldsHashOf(live: KubeObject): string | undefined {
  const entries = (live.metadata.managedFields ?? []) as Array<{manager?: string; operation?: string; fieldsV1?: unknown}>
  const mine = entries.find((e) => e.manager === FIELD_MANAGER && e.operation === 'Apply')
  return mine ? createHash('sha256').update(JSON.stringify(mine.fieldsV1 ?? {})).digest('hex').slice(0, 32) : undefined
}

function digestOf(object: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 32)
}

function plainRef(ref: ObjectRef): Omit<SyncedResource, 'action' | 'fieldsHash'> {
  return {apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? {namespace: ref.namespace} : {}), name: ref.name}
}

function mergeKinds(a: readonly SetKind[], b: readonly SetKind[]): SetKind[] {
  const all = new Map<string, SetKind>()
  for (const kind of [...a, ...b]) all.set(`${kind.namespace ?? ''}|${kind.apiVersion}|${kind.kind}`, kind)
  return [...all.values()]
}

/**
 * Sync a runtime to its environment. Validation failures (bad YAML, a foreign namespace,
 * an unknown kind) happen before anything is applied. The first real sync fixes the
 * destination. The result (commit, each resource's action, what was pruned) is recorded
 * in the runtime's status, also when the apply or the wait fails.
 */
export async function syncRuntime(ctx: BerthContext, options: SyncRuntimeOptions): Promise<SyncRuntimeResult> {
  const prepared = await prepare(ctx, options.name, options.onEvent)
  const {runtime, client, plan, commit} = prepared
  const dryRun = options.dryRun ?? false
  const {setKindsOf, writeApplySetParent, pruneApplySet} = await import('../kube/prune.js')
  const {applyObjects, ensureNamespaces} = await import('../kube/apply.js')
  const kinds = setKindsOf(plan.map((p) => p.ref))
  const previousKinds = runtime.status?.applySet?.kinds ?? []
  const tooling = 'berth/v1'
  const at = () => ctx.now().toISOString()
  try {
    if (!dryRun && !runtime.status?.deployed) {
      await writeRuntimeStatus(ctx, runtime.metadata.name, (status) => ({
        ...status,
        observedGeneration: runtime.metadata.generation,
        deployed: {environment: runtime.spec.destination.environment, clusterEndpoint: prepared.clusterEndpoint, namespaces: runtime.spec.destination.namespaces, at: at()},
      }), {expectedGeneration: runtime.metadata.generation})
    }
    const createdNamespaces = await ensureNamespaces(client, [prepared.applySet.parent.namespace], {fieldManager: FIELD_MANAGER, dryRun, labels: {'app.kubernetes.io/managed-by': 'berth'}})
    // kubectl's order: the parent lists the union of old and new kinds before the apply, so an interrupted run can still prune.
    // Under dryRun a namespace that does not exist yet cannot hold even a dry-run parent.
    const parentWritable = !(dryRun && createdNamespaces.includes(prepared.applySet.parent.namespace))
    if (parentWritable) await writeApplySetParent(client, {parent: prepared.applySet.parent, id: prepared.applySet.id, kinds: mergeKinds(previousKinds, kinds), tooling, dryRun, labels: {[RUNTIME_LABEL]: runtime.metadata.name}})
    // An object whose manifest is the one applied last time, and whose fields berth manages
    // are still berth's (no other manager took any: same managed-fields hash), would not change:
    // skip its request. Drift (kubectl edit, another applier) changes that hash and re-applies.
    const last = new Map((runtime.status?.lastSync?.resources ?? []).map((line) => {
      const r = decodeResource(line)
      return [`${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`, r]
    }))
    const keyOf = (ref: ObjectRef) => `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`
    const digests = new Map(plan.map((p) => [keyOf(p.ref), digestOf(p.object)]))
    const applied = await applyObjects(client, {
      plan,
      unchanged: (item, live) => {
        const previous = last.get(keyOf(item.ref))
        return previous?.digest !== undefined && previous.fieldsHash !== undefined && previous.digest === digests.get(keyOf(item.ref)) && fieldsHashOf(live) === previous.fieldsHash
      },
      fieldManager: FIELD_MANAGER,
      forceConflicts: options.forceConflicts,
      dryRun,
      labels: {'app.kubernetes.io/managed-by': 'berth'},
      onApplied: (a) => options.onEvent?.({type: 'applied', applied: a}),
    })
    const resources: SyncedResource[] = applied.objects.map((a) => ({...plainRef(a.ref), action: a.action, ...(dryRun ? {} : {fieldsHash: fieldsHashOf(a.live), digest: digests.get(keyOf(a.ref))})}))
    let pruned: ObjectRef[] = []
    const prune = options.prune !== false
    if (prune) {
      pruned = await pruneApplySet(client, {id: prepared.applySet.id, kinds: mergeKinds(previousKinds, kinds), keep: plan.map((p) => p.ref), dryRun})
      for (const ref of pruned) options.onEvent?.({type: 'pruned', ref})
      // The parent already lists exactly these kinds unless the set lost some.
      if (parentWritable && mergeKinds(previousKinds, kinds).length !== kinds.length) {
        await writeApplySetParent(client, {parent: prepared.applySet.parent, id: prepared.applySet.id, kinds, tooling, dryRun, labels: {[RUNTIME_LABEL]: runtime.metadata.name}})
      }
    }
    const record = (result: 'Synced' | 'Failed', error?: string) =>
      writeRuntimeStatus(ctx, runtime.metadata.name, (status): RuntimeStatus => ({
        ...status,
        observedGeneration: runtime.metadata.generation,
        lastSync: {at: at(), commit, revision: runtime.spec.manifestSource.targetRevision, result, ...(error ? {error} : {}), resources: resources.map(encodeResource), pruned: pruned.map((ref) => encodeResource({...plainRef(ref), action: 'pruned'}))},
        applySet: {id: prepared.applySet.id, parent: prepared.applySet.parent, kinds: prune ? kinds : mergeKinds(previousKinds, kinds)},
      }))
    let workloads: SyncRuntimeResult['workloads'] = []
    if (!dryRun && options.wait !== false) {
      const {waitForRollout} = await import('../kube/wait.js')
      try {
        const waited = await waitForRollout(client, {objects: plan.map((p) => p.ref), timeoutMs: options.timeoutMs, onProgress: (progress) => options.onEvent?.({type: 'progress', progress})})
        workloads = waited.workloads.map((w) => ({kind: w.ref.kind, ...(w.ref.namespace ? {namespace: w.ref.namespace} : {}), name: w.ref.name, state: w.state, message: w.message}))
      } catch (error) {
        await record('Failed', messageOf(error))
        throw error
      }
    }
    if (!dryRun) await record('Synced')
    return {
      name: runtime.metadata.name,
      revision: runtime.spec.manifestSource.targetRevision,
      commit,
      dryRun,
      resources: resources.map(({fieldsHash: _hash, digest: _digest, ...r}) => r),
      pruned,
      createdNamespaces: [...new Set([...createdNamespaces, ...applied.createdNamespaces])],
      workloads,
    }
  } catch (error) {
    if (!dryRun && !(error instanceof ValidationError)) {
      await writeRuntimeStatus(ctx, runtime.metadata.name, (status) =>
        status.lastSync?.at && status.lastSync.commit === commit && status.lastSync.result === 'Failed'
          ? status
          : {...status, lastSync: {at: at(), commit, revision: runtime.spec.manifestSource.targetRevision, result: 'Failed', error: messageOf(error), resources: status.lastSync?.resources ?? [], pruned: []}},
      ).catch(() => {})
    }
    throw error
  } finally {
    client.close()
  }
}

export interface RuntimeDiffResult {
  name: string
  commit: string
  objects: ObjectDiff[]
  /** Objects a sync would prune. */
  prune: ObjectRef[]
  changed: boolean
}

/** What a sync would change: a unified diff per object, and what it would prune. */
export async function diffRuntime(ctx: BerthContext, name: string): Promise<RuntimeDiffResult> {
  const prepared = await prepare(ctx, name)
  try {
    const {diffObjects} = await import('../kube/diff.js')
    const {pruneApplySet, setKindsOf} = await import('../kube/prune.js')
    const diff = await diffObjects(prepared.client, {plan: prepared.plan, fieldManager: FIELD_MANAGER})
    const kinds = mergeKinds(prepared.runtime.status?.applySet?.kinds ?? [], setKindsOf(prepared.plan.map((p) => p.ref)))
    const prune = await pruneApplySet(prepared.client, {id: prepared.applySet.id, kinds, keep: prepared.plan.map((p) => p.ref), dryRun: true})
    return {name, commit: prepared.commit, objects: diff.objects, prune, changed: diff.changed || prune.length > 0}
  } finally {
    prepared.client.close()
  }
}

export type ResourceHealth = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'OutOfSync'

export interface RuntimeStatusResult {
  name: string
  environment: string
  namespaces: string[]
  lastSync?: {at: string; commit: string; revision: string; result: string; error?: string}
  resources: Array<Omit<SyncedResource, 'fieldsHash' | 'digest'> & {status: ResourceHealth; message: string}>
}

async function clusterClientOf(ctx: BerthContext, runtime: RuntimeDocument): Promise<KubeClient> {
  const target = await resolveEnvironment(ctx, runtime.spec.destination.environment)
  const {connectKube} = await import('../kube/client.js')
  return connectKube({kubeconfig: target.cluster.kubeconfig, context: target.cluster.context, source: `the stored kubeconfig of endpoint "${target.cluster.name}"`})
}

/**
 * The last sync and the live state of each resource it applied: Missing (gone),
 * OutOfSync (someone changed fields berth applied), else the workload's health
 * (Healthy, Progressing, Degraded); other kinds are Healthy when present.
 */
export async function runtimeStatus(ctx: BerthContext, name: string): Promise<RuntimeStatusResult> {
  const runtime = await getRuntime(ctx, name)
  const lastSync = runtime.status?.lastSync
  const base = {name, environment: runtime.spec.destination.environment, namespaces: runtime.spec.destination.namespaces}
  if (!lastSync) return {...base, resources: []}
  const {resources: lines, pruned: _p, ...summary} = lastSync
  const synced = lines.map(decodeResource)
  const client = await clusterClientOf(ctx, runtime)
  try {
    const {resolveResource, resourcePath, mapLimit} = await import('../kube/resources.js')
    const {rolloutStatusOf, isWorkload} = await import('../kube/wait.js')
    const resources = await mapLimit(synced, 16, async ({fieldsHash, digest: _digest, ...resource}) => {
      let live: KubeObject | undefined
      try {
        const api = await resolveResource(client, resource)
        live = await client.get<KubeObject>(resourcePath(api, resource.namespace, resource.name))
      } catch (error) {
        if ((error as {status?: number}).status !== 404) throw error
      }
      if (!live) return {...resource, status: 'Missing' as const, message: 'not found in the cluster'}
      if (fieldsHash && fieldsHashOf(live) !== fieldsHash) return {...resource, status: 'OutOfSync' as const, message: 'fields berth applied were changed by another manager'}
      if (!isWorkload(resource)) return {...resource, status: 'Healthy' as const, message: 'present'}
      const rollout = rolloutStatusOf({...live, kind: resource.kind, apiVersion: resource.apiVersion})
      const status: ResourceHealth = rollout.state === 'ready' ? 'Healthy' : rollout.state === 'failed' ? 'Degraded' : 'Progressing'
      return {...resource, status, message: rollout.message}
    })
    return {...base, lastSync: summary, resources}
  } finally {
    client.close()
  }
}

/**
 * Delete what the runtime deployed (the members of its ApplySet in the recorded kinds,
 * then the set's parent). Returns the objects deleted.
 */
export async function deleteDeployedObjects(ctx: BerthContext, runtime: RuntimeDocument): Promise<ObjectRef[]> {
  const applySet = runtime.status?.applySet
  if (!applySet) return []
  const client = await clusterClientOf(ctx, runtime)
  try {
    const {pruneApplySet, deleteApplySetParent} = await import('../kube/prune.js')
    const deleted = await pruneApplySet(client, {id: applySet.id, kinds: applySet.kinds, keep: []})
    await deleteApplySetParent(client, applySet.parent)
    return deleted
  } catch (error) {
    if (error instanceof ExternalError) throw new ExternalError(`Could not remove what runtime "${runtime.metadata.name}" deployed: ${error.message}`, {hint: `Fix the cluster access, or delete the runtime but keep the objects: berth runtime delete ${runtime.metadata.name} --keep-resources`, cause: error})
    throw error
  } finally {
    client.close()
  }
}
