import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {AuthError} from '../../src/lib/errors.js'
import {applyObjects} from '../../src/lib/kube/apply.js'
import {KubeClient, KubeForbiddenError, connectKube, isTransientKubeError} from '../../src/lib/kube/client.js'
import {diffObjects} from '../../src/lib/kube/diff.js'
import {applySetId, pruneApplySet, setKindsOf} from '../../src/lib/kube/prune.js'
import type {KubeObject} from '../../src/lib/kube/resources.js'
import {RolloutFailedError, RolloutTimeoutError, waitForRollout} from '../../src/lib/kube/wait.js'
import {ConnectionError} from '../../src/lib/net/errors.js'
import {requireService} from '../helpers/services.js'

function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`
}

function manifests(replicas: number, color: string, extra = true): KubeObject[] {
  const objects: KubeObject[] = [
    {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'api-server-config'}, data: {color, 'application.yaml': 'server:\n  port: 8080\n'}},
    {apiVersion: 'v1', kind: 'Service', metadata: {name: 'api-server'}, spec: {selector: {app: 'api-server'}, ports: [{name: 'http', port: 80, targetPort: 8080}]}},
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'api-server'},
      spec: {
        replicas,
        selector: {matchLabels: {app: 'api-server'}},
        template: {metadata: {labels: {app: 'api-server'}, annotations: {color}}, spec: {containers: [{name: 'app', image: 'registry.example.com:5443/nautes-labs/api-server:1.0.0'}]}},
      },
    },
  ]
  if (extra) objects.push({apiVersion: 'v1', kind: 'Secret', metadata: {name: 'api-server-token'}, stringData: {token: 'p@ss:w0rd/with#symbols'}})
  return objects
}

describe('integration: kube apply, wait, diff, prune against the real kube-apiserver', function () {
  this.timeout(120_000)
  let client: KubeClient
  let namespace: string

  before(function () {
    const kube = requireService(this, 'kube')
    namespace = unique('berth-apply')
    return connectKube({kubeconfig: readFileSync(kube.adminKubeconfig, 'utf8')}).then((c) => {
      client = c
    })
  })

  after(async () => {
    if (!client) return
    await client.request({method: 'DELETE', path: `/api/v1/namespaces/${namespace}`}).catch(() => {})
    client.close()
  })

  it('creates the namespace and objects, then reports unchanged and configured', async () => {
    const id = applySetId({name: 'set', namespace})
    const first = await applyObjects(client, {objects: manifests(2, 'blue'), defaultNamespace: namespace, labels: {'berth.dev/project': 'nautes-labs', 'applyset.kubernetes.io/part-of': id}})
    expect(first.createdNamespaces).to.deep.equal([namespace])
    expect(first.objects.map((o) => `${o.ref.kind}:${o.action}`)).to.deep.equal(['ConfigMap:created', 'Service:created', 'Deployment:created', 'Secret:created'])
    expect(first.objects[2]?.live.metadata.labels).to.include({'berth.dev/project': 'nautes-labs', 'applyset.kubernetes.io/part-of': id})

    const again = await applyObjects(client, {objects: manifests(2, 'blue'), defaultNamespace: namespace, labels: {'berth.dev/project': 'nautes-labs', 'applyset.kubernetes.io/part-of': id}})
    expect(again.createdNamespaces).to.deep.equal([])
    expect(again.objects.map((o) => o.action)).to.deep.equal(['unchanged', 'unchanged', 'unchanged', 'unchanged'])

    const nothing = await diffObjects(client, {objects: manifests(2, 'blue'), defaultNamespace: namespace, labels: {'berth.dev/project': 'nautes-labs', 'applyset.kubernetes.io/part-of': id}})
    expect(nothing.changed).to.equal(false)
    const changes = await diffObjects(client, {objects: manifests(2, 'green'), defaultNamespace: namespace, labels: {'berth.dev/project': 'nautes-labs', 'applyset.kubernetes.io/part-of': id}})
    expect(changes.changed).to.equal(true)
    const configMapDiff = changes.objects.find((o) => o.ref.kind === 'ConfigMap')
    expect(configMapDiff?.change).to.equal('update')
    expect(configMapDiff?.diff).to.contain(`--- live/v1/ConfigMap/${namespace}/api-server-config`).and.to.contain('-  color: blue').and.to.contain('+  color: green')
    expect(configMapDiff?.diff).not.to.contain('managedFields').and.not.to.contain('resourceVersion')

    const changed = await applyObjects(client, {objects: manifests(2, 'green', false), defaultNamespace: namespace, labels: {'berth.dev/project': 'nautes-labs', 'applyset.kubernetes.io/part-of': id}})
    expect(changed.objects.map((o) => `${o.ref.kind}:${o.action}`)).to.deep.equal(['ConfigMap:configured', 'Service:unchanged', 'Deployment:configured'])

    const wouldPrune = await pruneApplySet(client, {id, kinds: setKindsOf(first.objects.map((o) => o.ref)), keep: changed.objects.map((o) => o.ref), dryRun: true})
    expect(wouldPrune.map((r) => `${r.kind}/${r.name}`)).to.deep.equal(['Secret/api-server-token'])
    expect(await client.get(`/api/v1/namespaces/${namespace}/secrets/api-server-token`)).not.to.equal(undefined)
    const pruned = await pruneApplySet(client, {id, kinds: setKindsOf(first.objects.map((o) => o.ref)), keep: changed.objects.map((o) => o.ref)})
    expect(pruned.map((r) => `${r.kind}/${r.name}`)).to.deep.equal(['Secret/api-server-token'])
    expect(await client.get(`/api/v1/namespaces/${namespace}/secrets/api-server-token`)).to.equal(undefined)
  })

  it('waits for the rollout with watches and reports progress', async () => {
    const progress: string[] = []
    const result = await waitForRollout(client, {
      objects: [{apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'api-server'}, {apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'api-server-config'}],
      timeoutMs: 90_000,
      onProgress: (p) => progress.push(`${p.state}: ${p.message}`),
    })
    expect(result.workloads.map((w) => w.state)).to.deep.equal(['ready'])
    expect(progress.at(-1)).to.equal('ready: 2 of 2 replicas available')
    // Healthy already: returns at once.
    const started = Date.now()
    await waitForRollout(client, {objects: [{apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'api-server'}]})
    expect(Date.now() - started).to.be.below(1000)
  })

  it('fails at once when a Deployment exceeds its progress deadline', async () => {
    const stuck: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'stuck', namespace},
      spec: {
        replicas: 1,
        progressDeadlineSeconds: 1,
        selector: {matchLabels: {app: 'stuck'}},
        template: {metadata: {labels: {app: 'stuck'}}, spec: {nodeSelector: {'no-such-node': 'true'}, containers: [{name: 'app', image: 'busybox'}]}},
      },
    }
    await applyObjects(client, {objects: [stuck]})
    const error = await waitForRollout(client, {objects: [{apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'stuck'}], timeoutMs: 90_000}).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).to.be.instanceOf(RolloutFailedError)
    expect((error as Error).message).to.match(new RegExp(`^Deployment ${namespace}/stuck failed to roll out: ProgressDeadlineExceeded`))
  })

  it('says in plain words what a restricted user may not do (403)', async function () {
    const kube = requireService(this, 'kube')
    const restricted = await connectKube({kubeconfig: readFileSync(kube.restrictedKubeconfig, 'utf8')})
    try {
      const error = await applyObjects(restricted, {objects: manifests(1, 'red'), defaultNamespace: namespace}).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).to.be.instanceOf(KubeForbiddenError).and.instanceOf(AuthError)
      expect((error as Error).message).to.match(new RegExp(`is not allowed to (create or update|get|list) \\w+.* in namespace "${namespace}"`))
    } finally {
      restricted.close()
    }
  })

  it('names the connect step when the API server is unreachable', async function () {
    const kube = requireService(this, 'kube')
    const text = readFileSync(kube.adminKubeconfig, 'utf8').replace(kube.server, 'https://127.0.0.1:1')
    const dead = await connectKube({kubeconfig: text})
    const error = await applyObjects(dead, {objects: manifests(1, 'red'), defaultNamespace: namespace}).then(
      () => undefined,
      (e: unknown) => e,
    )
    dead.close()
    expect(error).to.be.instanceOf(ConnectionError)
    expect((error as ConnectionError).step).to.equal('connect')
    expect(isTransientKubeError(error)).to.equal(true)
  })

  it('gives up after the timeout naming the workloads still progressing', async () => {
    const pending: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'pending', namespace},
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 600,
        selector: {matchLabels: {app: 'pending'}},
        template: {metadata: {labels: {app: 'pending'}}, spec: {nodeSelector: {'no-such-node': 'true'}, containers: [{name: 'app', image: 'busybox'}]}},
      },
    }
    await applyObjects(client, {objects: [pending]})
    const started = Date.now()
    const error = await waitForRollout(client, {objects: [{apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'pending'}], timeoutMs: 1500}).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(Date.now() - started).to.be.below(5000)
    expect(error).to.be.instanceOf(RolloutTimeoutError)
    expect((error as Error).message).to.match(new RegExp(`^Rollout did not finish within 2 s: Deployment ${namespace}/pending \\(`))
    expect(isTransientKubeError(error)).to.equal(false)
  })

  it('applies a CRD and its custom resources in one set, the CRD first', async () => {
    const group = `${namespace}.berth.example.com`
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {name: `pipelineruns.${group}`},
      spec: {
        group,
        scope: 'Namespaced',
        names: {plural: 'pipelineruns', singular: 'pipelinerun', kind: 'PipelineRun'},
        versions: [{name: 'v1', served: true, storage: true, schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}}}],
      },
    }
    const run: KubeObject = {apiVersion: `${group}/v1`, kind: 'PipelineRun', metadata: {name: 'build-api-server'}, spec: {pipelineRef: {name: 'build'}}}
    try {
      // The custom resource comes first in the input: the order is the apply's, not the file's.
      const result = await applyObjects(client, {objects: [run, crd], defaultNamespace: namespace})
      expect(result.objects.map((o) => `${o.ref.kind}:${o.action}:${o.ref.namespace ?? '-'}`)).to.deep.equal(['PipelineRun:created:' + namespace, 'CustomResourceDefinition:created:-'])
      const again = await applyObjects(client, {objects: [run, crd], defaultNamespace: namespace})
      expect(again.objects.map((o) => o.action)).to.deep.equal(['unchanged', 'unchanged'])
    } finally {
      await client.request({method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pipelineruns.${group}`}).catch(() => {})
    }
  })
})
