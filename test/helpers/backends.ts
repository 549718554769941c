// Run command tests against either state backend: `file` (YAML under a temp BERTH_HOME) or
// `kubernetes` (berth's custom resources in a fresh namespace of the real test kube-apiserver).
// A home set up on the kubernetes backend makes berthEnv(home) pass BERTH_BACKEND,
// BERTH_KUBECONFIG and BERTH_KUBE_NAMESPACE to every berth it runs.
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {promisify} from 'node:util'

import {KubeClient, connectKube} from '../../src/lib/kube/client.js'
import {installYaml} from '../../src/lib/install/manifests.js'
import {KubeSecretStore} from '../../src/lib/secrets/kube.js'
import type {StateBackend, StateBackendName} from '../../src/lib/state/backend.js'
import {KubeStateStore} from '../../src/lib/state/kube-store.js'
import {StateStore} from '../../src/lib/state/store.js'
import {registerHomeEnv, tempHome} from './cli.js'
import {stateFiles} from './files.js'
import {kubeService, requireService} from './services.js'

const run = promisify(execFile)

/** The backends command tests run on: BERTH_TEST_BACKENDS (comma-separated), default both. */
export function testBackends(): StateBackendName[] {
  const wanted = (process.env.BERTH_TEST_BACKENDS ?? 'file,kubernetes').split(',').map((s) => s.trim()).filter(Boolean)
  return wanted.filter((b): b is StateBackendName => b === 'file' || b === 'kubernetes')
}

export interface BackendHome {
  backend: StateBackendName
  home: string
  /** The berth namespace (kubernetes backend). */
  namespace?: string
  /** The store the berth child processes use, for arranging and checking state directly. */
  state: StateBackend
  cleanup: () => Promise<void>
}

let installed: Promise<void> | undefined
let admin: Promise<KubeClient> | undefined

/** A cluster-admin connection to the test kube-apiserver. */
export function adminClient(): Promise<KubeClient> {
  admin ??= connectKube({kubeconfig: readFileSync(kubeService().adminKubeconfig, 'utf8')})
  return admin
}

/** kubectl as cluster admin. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  const kube = kubeService()
  const child = run(kube.kubectl ?? 'kubectl', ['--kubeconfig', kube.adminKubeconfig, ...args], {maxBuffer: 64 * 1024 * 1024})
  if (input !== undefined) child.child.stdin?.end(input)
  return (await child).stdout
}

/** berth's CRDs on the test cluster, applied once per test process (cluster-scoped, shared by every namespace). */
export function installCrds(): Promise<void> {
  installed ??= (async () => {
    const yaml = installYaml({namespace: 'berth-system'})
      .split('---\n')
      .filter((doc) => doc.includes('kind: CustomResourceDefinition'))
      .join('---\n')
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], yaml)
    await kubectl(['wait', '--for', 'condition=established', '--timeout', '60s', 'crd', '-l', 'app.kubernetes.io/part-of=berth'])
    // kubectl caches discovery (~/.kube/cache): the apply above cached it before the CRDs existed,
    // and the "berth" category is not re-discovered on a miss. api-resources refreshes the cache.
    await kubectl(['api-resources', '--api-group', 'berth.dev', '-o', 'name'])
  })()
  return installed
}

/** A fresh namespace on the test cluster, deleted by the returned function. */
export async function tempNamespace(prefix = 'berth-t'): Promise<{namespace: string; remove: () => Promise<void>}> {
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`
  const client = await adminClient()
  await client.request({method: 'POST', path: '/api/v1/namespaces', body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace, labels: {'berth.dev/test': 'true'}}}})
  return {
    namespace,
    remove: async () => {
      await client.request({method: 'DELETE', path: `/api/v1/namespaces/${namespace}`}).catch(() => {})
    },
  }
}

/** A store on the kubernetes backend in `namespace`, as cluster admin. */
export function kubeTestState(namespace: string): KubeStateStore {
  return new KubeStateStore({connect: adminClient, namespace})
}

export function kubeTestSecrets(namespace: string): KubeSecretStore {
  return new KubeSecretStore({connect: adminClient, namespace})
}

/**
 * A fresh home on `backend`. On kubernetes: the CRDs installed, a fresh namespace, and
 * berthEnv(home) pointing berth at it. Skips (or fails under CI) without the kube service.
 */
export async function backendHome(ctx: Mocha.Context, backend: StateBackendName): Promise<BackendHome> {
  const {home, cleanup} = tempHome()
  if (backend === 'file') return {backend, home, state: new StateStore({home}), cleanup: async () => cleanup()}
  try {
    requireService(ctx, 'kube')
  } catch (error) {
    cleanup()
    throw error
  }
  await installCrds()
  const {namespace, remove} = await tempNamespace()
  registerHomeEnv(home, {BERTH_BACKEND: 'kubernetes', BERTH_KUBECONFIG: kubeService().adminKubeconfig, BERTH_KUBE_NAMESPACE: namespace})
  return {
    backend,
    home,
    namespace,
    state: kubeTestState(namespace),
    cleanup: async () => {
      registerHomeEnv(home, undefined)
      cleanup()
      await remove()
    },
  }
}

/**
 * Everything a backend stores, as text keyed by where it is: the files under the home and,
 * on kubernetes, every berth custom resource, ConfigMap and Secret of the namespace (without
 * the fields the server changes on reads). What "state unchanged" and "no secret stored" compare.
 */
export async function storedState(b: BackendHome): Promise<Record<string, string>> {
  const out = await stateFiles(b.home)
  if (b.backend !== 'kubernetes' || !b.namespace) return out
  const text = await kubectl(['get', 'berth,configmaps,secrets', '-n', b.namespace, '-o', 'json'])
  const list = JSON.parse(text) as {items: Array<{kind: string; metadata: {name: string; managedFields?: unknown}}>}
  for (const item of list.items) {
    if (item.kind === 'ConfigMap' && item.metadata.name === 'kube-root-ca.crt') continue
    delete item.metadata.managedFields
    out[`${item.kind}/${item.metadata.name}`] = JSON.stringify(item)
  }
  return out
}
