import {expect} from 'chai'

import {AuthError, ConflictError, DamagedStateError, NotFoundError, ValidationError} from '../../../src/lib/errors.js'
import {KubeStateStore, MAX_KUBE_BODY_BYTES} from '../../../src/lib/state/kube-store.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {adminClient, installCrds, kubeTestSecrets, kubeTestState, kubectl, tempNamespace} from '../../helpers/backends.js'
import {tempHome} from '../../helpers/cli.js'
import {rejection} from '../../helpers/files.js'
import {requireService} from '../../helpers/services.js'

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app.kubernetes.io/name: web}}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: registry.example.com:5061/team/web:1.4.2
          env: [{name: GREETING, value: "héllo: wörld # not a comment"}]
`

describe('KubeStateStore on the real kube-apiserver', function () {
  this.timeout(120_000)
  let namespace: string
  let remove: () => Promise<void>
  let store: KubeStateStore

  beforeEach(async function () {
    requireService(this, 'kube')
    await installCrds()
    ;({namespace, remove} = await tempNamespace('berth-store'))
    store = kubeTestState(namespace)
  })
  afterEach(async () => remove?.())

  it('creates, reads, lists by project, updates and deletes, with berth metadata kept in annotations', async () => {
    const created = await store.create({kind: 'Environment', metadata: {name: 'prod', project: 'payments', labels: {tier: 'gold'}, annotations: {'example.com/owner': 'ops@example.com'}}, spec: {clusterEndpoint: 'k8s-prod', namespace: 'shop'}})
    expect(created.metadata).to.include({name: 'prod', project: 'payments', generation: 1})
    await store.create({kind: 'Environment', metadata: {name: 'dev', project: 'payments'}, spec: {clusterEndpoint: 'k8s-dev'}})
    await store.create({kind: 'Environment', metadata: {name: 'prod', project: 'billing'}, spec: {clusterEndpoint: 'k8s-billing'}})
    const read = await store.get('Environment', 'prod', 'payments')
    expect(read).to.deep.equal(created)
    expect((await store.list('Environment', {project: 'payments'})).map((d) => d.metadata.name)).to.deep.equal(['dev', 'prod'])
    expect((await store.list('Environment', {allProjects: true})).map((d) => `${d.metadata.project}/${d.metadata.name}`)).to.deep.equal(['billing/prod', 'payments/dev', 'payments/prod'])
    expect(await store.projects()).to.deep.equal(['billing', 'payments'])
    const exists = await rejection(store.create({kind: 'Environment', metadata: {name: 'prod', project: 'payments'}, spec: {clusterEndpoint: 'x'}}))
    expect(exists).to.be.instanceOf(ConflictError)
    expect(exists.message).to.equal('Environment "prod" already exists in project "payments".')

    const updated = await store.update('Environment', 'prod', 'payments', (doc) => ({...doc, spec: {...doc.spec, namespace: 'shop-v2'}}))
    expect(updated.metadata.generation).to.equal(2)
    expect(updated.metadata.createdAt).to.equal(created.metadata.createdAt)
    expect(await store.get('Environment', 'prod', 'payments')).to.deep.equal(updated)

    const raw = JSON.parse(await kubectl(['get', 'environments.berth.dev', 'payments.prod', '-n', namespace, '-o', 'json']))
    expect(raw.metadata.labels).to.deep.equal({'berth.dev/name': 'prod', 'berth.dev/project': 'payments', tier: 'gold'})
    expect(raw.metadata.annotations).to.include({'berth.dev/generation': '2', 'example.com/owner': 'ops@example.com'})
    const table = await kubectl(['get', 'environments.berth.dev', '-n', namespace])
    expect(table.split('\n')[0]).to.match(/^NAME +PROJECT +NAME +CLUSTER +NAMESPACE +AGE$/)
    expect(table).to.match(/payments\.prod +payments +prod +k8s-prod +shop-v2 /)

    const deleted = await store.delete('Environment', 'prod', 'payments')
    expect(deleted.spec).to.deep.equal({clusterEndpoint: 'k8s-prod', namespace: 'shop-v2'})
    expect(await store.tryGet('Environment', 'prod', 'payments')).to.equal(undefined)
    const missing = await rejection(store.get('Environment', 'prod', 'payments'))
    expect(missing).to.be.instanceOf(NotFoundError)
    expect(missing.message).to.equal('Environment "prod" not found in project "payments".')
  })

  it('loses no update when four connections (standing in for four processes) change one object 40 times at once', async () => {
    await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {count: 0, writers: []}})
    const stores = Array.from({length: 4}, () => kubeTestState(namespace))
    await Promise.all(
      Array.from({length: 40}, (_, i) =>
        stores[i % 4]!.update<{count: number; writers: number[]}>('Service', 'web', 'team-a', (doc) => ({...doc, spec: {count: doc.spec.count + 1, writers: [...doc.spec.writers, i]}})),
      ),
    )
    const final = await store.get<{count: number; writers: number[]}>('Service', 'web', 'team-a')
    expect(final.spec.count).to.equal(40)
    expect([...final.spec.writers].sort((a, b) => a - b)).to.deep.equal(Array.from({length: 40}, (_, i) => i))
    expect(final.metadata.generation).to.equal(41)
  })

  it('reports a compare-and-swap on a stale generation as a conflict; status changes keep the generation', async () => {
    await store.create({kind: 'DeploymentRuntime', metadata: {name: 'shop', project: 'team-a'}, spec: {repoEndpoint: 'app'}, status: {phase: 'New'}})
    expect((await store.get('DeploymentRuntime', 'shop', 'team-a')).status).to.deep.equal({phase: 'New'})
    const status = await store.updateStatus('DeploymentRuntime', 'shop', 'team-a', () => ({observedGeneration: 1, phase: 'Synced'}), {expectedGeneration: 1})
    expect(status.metadata.generation).to.equal(1)
    await store.update('DeploymentRuntime', 'shop', 'team-a', (doc) => ({...doc, spec: {repoEndpoint: 'app2'}}), {expectedGeneration: 1})
    const stale = await rejection(store.update('DeploymentRuntime', 'shop', 'team-a', (doc) => doc, {expectedGeneration: 1}))
    expect(stale).to.be.instanceOf(ConflictError)
    expect(stale.message).to.equal('DeploymentRuntime "shop" in project "team-a" was changed meanwhile: expected generation 1, found 2.')
    const doc = await store.get('DeploymentRuntime', 'shop', 'team-a')
    expect(doc.spec).to.deep.equal({repoEndpoint: 'app2'})
    expect(doc.status).to.deep.equal({observedGeneration: 1, phase: 'Synced'})
    // A change of spec and status in one update writes both (status is a subresource).
    await store.update('DeploymentRuntime', 'shop', 'team-a', (d) => ({...d, status: {phase: 'Pending'}}))
    expect((await store.get('DeploymentRuntime', 'shop', 'team-a')).status).to.deep.equal({phase: 'Pending'})
  })

  it('keeps bodies in digest-named ConfigMaps, reads them back checked, and removes them with the object', async () => {
    await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {}, bodies: {'manifests.yaml': MANIFESTS}})
    expect(await store.readBody('Service', 'web', 'team-a', 'manifests.yaml')).to.equal(MANIFESTS)
    expect(await store.readBody('Service', 'web', 'team-a', 'values.yaml')).to.equal(undefined)
    const v2 = MANIFESTS.replace('1.4.2', '1.5.0')
    await store.update('Service', 'web', 'team-a', (d) => d, {bodies: {'manifests.yaml': v2}})
    expect(await store.readBody('Service', 'web', 'team-a', 'manifests.yaml')).to.equal(v2)
    const configMaps = () => kubectl(['get', 'configmaps', '-n', namespace, '-l', 'berth.dev/body-of', '-o', 'name']).then((t) => t.split('\n').filter(Boolean))
    expect(await configMaps()).to.have.length(2) // the old one stays until it is older than a write can take
    const big = 'x'.repeat(MAX_KUBE_BODY_BYTES + 1)
    const tooBig = await rejection(store.update('Service', 'web', 'team-a', (d) => d, {bodies: {'manifests.yaml': big}}))
    expect(tooBig).to.be.instanceOf(ValidationError)
    expect(tooBig.message).to.equal(`The body "manifests.yaml" is ${MAX_KUBE_BODY_BYTES + 1} bytes; the Kubernetes backend stores at most ${MAX_KUBE_BODY_BYTES} bytes per body (one ConfigMap).`)
    // A body altered behind berth's back is reported, not returned.
    const client = await adminClient()
    const live = JSON.parse(await kubectl(['get', 'configmaps', '-n', namespace, '-l', 'berth.dev/body-of', '-o', 'json'])) as {items: Array<{metadata: {name: string}; data: {body: string}}>}
    const current = live.items.find((i) => i.data.body === v2)!
    await client.request({method: 'PATCH', path: `/api/v1/namespaces/${namespace}/configmaps/${current.metadata.name}`, contentType: 'application/merge-patch+json', body: {data: {body: v2.replace('web', 'evil')}}})
    const damaged = await rejection(store.readBody('Service', 'web', 'team-a', 'manifests.yaml'))
    expect(damaged).to.be.instanceOf(DamagedStateError)
    expect(damaged.message).to.match(/^The body "manifests\.yaml" of Service "web" in configmaps\/berth-body-[0-9a-f]{32} in namespace berth-store-[0-9a-f]+ is damaged: its content does not match the digest recorded in the object\.$/)
    await store.delete('Service', 'web', 'team-a')
    expect(await configMaps()).to.deep.equal([])
  })

  it('lists the readable objects beside a damaged one, and deletes the damaged one on request', async () => {
    await store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {type: 'docker-registry', address: 'https://r.example.com:5443', username: 'ci', secretRefs: {}}})
    await kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify({apiVersion: 'berth.dev/v1alpha1', kind: 'Endpoint', metadata: {name: 'default.broken', labels: {'berth.dev/project': 'default'}}, spec: {type: 'git'}}))
    const {documents, damaged} = await store.listWithProblems('Endpoint', {project: 'default'})
    expect(documents.map((d) => d.metadata.name)).to.deep.equal(['hub'])
    expect(damaged).to.deep.equal([{file: `endpoints.berth.dev/default.broken in namespace ${namespace}`, message: `The stored Endpoint endpoints.berth.dev/default.broken in namespace ${namespace} is damaged: the label berth.dev/name is missing.`}])
    expect(await rejection(store.list('Endpoint', {project: 'default'}))).to.be.instanceOf(DamagedStateError)
    const removed = await store.delete('Endpoint', 'broken', 'default', {allowDamaged: true})
    expect(removed.damaged?.file).to.equal(`endpoints.berth.dev/default.broken in namespace ${namespace}`)
    expect((await store.list('Endpoint', {project: 'default'})).map((d) => d.metadata.name)).to.deep.equal(['hub'])
  })

  it('checks documents against the one schema of their kind on both backends, and the API server enforces the same CRD schema', async () => {
    const {home, cleanup} = tempHome()
    try {
      const bad = {kind: 'Endpoint' as const, metadata: {name: 'ftp', project: 'default'}, spec: {type: 'ftp', secretRefs: {}}}
      for (const backend of [store, new StateStore({home})]) {
        const error = await rejection(backend.create(bad))
        expect(error).to.be.instanceOf(ValidationError)
        expect(error.message).to.equal('Endpoint "ftp" does not match its schema: spec.type must be one of docker-registry, kubernetes, git, iam, codearts-repo.')
      }
      const refused = await rejection(kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify({apiVersion: 'berth.dev/v1alpha1', kind: 'Endpoint', metadata: {name: 'default.ftp', labels: {'berth.dev/project': 'default', 'berth.dev/name': 'ftp'}}, spec: {type: 'ftp'}})))
      expect(refused.message).to.contain('spec.type: Unsupported value: "ftp"')
    } finally {
      cleanup()
    }
  })

  it('keeps secrets in one labelled Secret per object, field by field', async () => {
    const secrets = kubeTestSecrets(namespace)
    const ref = {project: 'default', kind: 'Endpoint', name: 'hub', field: 'password'}
    await secrets.set(ref, 'p@ss:w0rd/with#symbols')
    await secrets.set({...ref, field: 'token'}, 'tok-123')
    expect(await secrets.get(ref)).to.equal('p@ss:w0rd/with#symbols')
    const secret = JSON.parse(await kubectl(['get', 'secret', 'berth-secret.default.endpoint.hub', '-n', namespace, '-o', 'json']))
    expect(secret.metadata.labels).to.include({'berth.dev/project': 'default', 'berth.dev/kind': 'Endpoint', 'berth.dev/name': 'hub'})
    expect(Object.keys(secret.data).sort()).to.deep.equal(['password', 'token'])
    expect(await secrets.delete(ref)).to.equal(true)
    expect(await secrets.delete(ref)).to.equal(false)
    expect(await secrets.get(ref)).to.equal(undefined)
    expect(await secrets.delete({...ref, field: 'token'})).to.equal(true)
    expect(await kubectl(['get', 'secrets', '-n', namespace, '-l', 'berth.dev/kind', '-o', 'name'])).to.equal('')
  })

  it('connects from inside a pod with the mounted service account, without a kubeconfig', async () => {
    const kube = requireService(this.ctx, 'kube')
    const {home, cleanup} = tempHome()
    try {
      const {promises: fs} = await import('node:fs')
      const {connectKubeBackend} = await import('../../../src/lib/state/kube-connection.js')
      await fs.writeFile(`${home}/token`, `${kube.adminToken}\n`)
      await fs.copyFile(kube.caFile ?? '', `${home}/ca.crt`)
      const url = new URL(kube.server)
      const inPod = new KubeStateStore({connect: () => connectKubeBackend({env: {KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port, HOME: home}, serviceAccountDir: home}), namespace})
      await store.create({kind: 'Template', metadata: {name: 'web', project: 'default'}, spec: {type: 'k8s-yaml'}})
      expect((await inPod.list('Template', {project: 'default'})).map((d) => d.metadata.name)).to.deep.equal(['web'])
      const none = await rejection(connectKubeBackend({env: {HOME: home}, serviceAccountDir: `${home}/absent`}))
      expect(none.message).to.equal(`The Kubernetes state backend needs a kubeconfig, and ${home}/.kube/config does not exist.`)
    } finally {
      cleanup()
    }
  })

  it('says in plain words when the user may not read berth objects', async () => {
    const kube = requireService(this.ctx, 'kube')
    const {connectKube} = await import('../../../src/lib/kube/client.js')
    const {readFileSync} = await import('node:fs')
    const restricted = new KubeStateStore({connect: () => connectKube({kubeconfig: readFileSync(kube.restrictedKubeconfig, 'utf8')}), namespace})
    const error = await rejection(restricted.list('Endpoint', {project: 'default'}))
    expect(error).to.be.instanceOf(AuthError)
    expect(error.message).to.match(new RegExp(`^Your Kubernetes user may not list endpoints\\.berth\\.dev in berth's namespace "${namespace}": User "[^"]+" is not allowed to list endpoints \\(API group berth\\.dev\\) in namespace "${namespace}"`))
    expect((error as AuthError).hint).to.contain('berth-viewer')
  })
})
