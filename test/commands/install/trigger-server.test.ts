import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {parseAllDocuments} from 'yaml'

import {tryAcquireLease} from '../../../src/lib/kube/lease.js'
import {connectKubeBackend} from '../../../src/lib/state/kube-connection.js'
import {KubeRunStore} from '../../../src/lib/triggers/kube-runs.js'
import {adminClient, installCrds, kubectl, tempNamespace} from '../../helpers/backends.js'
import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {kubeService, requireService} from '../../helpers/services.js'

interface Manifest {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string}
  spec?: Record<string, unknown>
}

const IMAGE = '127.0.0.1:35001/platform/berth:1.4.0'

describe('berth install --print --with-trigger-server', function () {
  this.timeout(60_000)
  let home: string
  let cleanup: () => void
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  it('adds a Deployment of serve replicas on the berth ServiceAccount, a Service and an Ingress, which the kube-apiserver accepts (server-side dry run)', async function () {
    requireService(this, 'kube')
    await installCrds()
    const {namespace, remove} = await tempNamespace('berth-install')
    try {
      const result = await runBerth(['install', '--print', '--namespace', namespace, '--with-trigger-server', '--image', IMAGE, '--replicas', '3', '--ingress-host', 'hooks.payments.example.com', '--project', 'payments'], {env: berthEnv(home)})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.equal(`18 objects for namespace ${namespace}; roles: berth-viewer, berth-editor, berth-admin; trigger server: 3 replica(s) of ${IMAGE} for project "payments". Apply them with kubectl as a cluster admin.\n`)
      const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as Manifest)
      expect(docs.slice(-3).map((d) => `${d.kind}/${d.metadata.name}`)).to.deep.equal(['Deployment/berth-trigger-server', 'Service/berth-trigger-server', 'Ingress/berth-trigger-server'])
      const deployment = docs.find((d) => d.kind === 'Deployment')!
      const pod = (deployment.spec as {replicas: number; template: {spec: {serviceAccountName: string; containers: Array<{image: string; args: string[]; env: Array<{name: string; value?: string}>}>}}})
      expect(pod.replicas).to.equal(3)
      expect(pod.template.spec.serviceAccountName).to.equal('berth')
      const [container] = pod.template.spec.containers
      expect(container!.image).to.equal(IMAGE)
      expect(container!.args).to.deep.equal(['trigger', 'serve', '--host', '0.0.0.0', '--port', '8080', '--replica-id', '$(POD_NAME)'])
      expect(Object.fromEntries(container!.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]))).to.deep.equal({BERTH_BACKEND: 'kubernetes', BERTH_KUBE_NAMESPACE: namespace, BERTH_PROJECT: 'payments', BERTH_HOME: '/var/lib/berth'})
      // The role the ServiceAccount is bound to lets replicas take Leases.
      const editor = docs.find((d) => d.kind === 'Role' && d.metadata.name === 'berth-editor') as Manifest & {rules: Array<{apiGroups: string[]; resources: string[]; verbs: string[]}>}
      expect(editor.rules.find((r) => r.apiGroups.includes('coordination.k8s.io'))).to.deep.equal({apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update']})

      // The real API server validates every object (dryRun=All): nothing is created.
      const applied = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager', 'berth-install-test', '--force-conflicts', '-f', '-'], result.stdout)
      expect(applied).to.contain('deployment.apps/berth-trigger-server serverside-applied (server dry run)')
      expect(applied).to.contain('service/berth-trigger-server serverside-applied (server dry run)')
      expect(applied).to.contain('ingress.networking.k8s.io/berth-trigger-server serverside-applied (server dry run)')
      expect(applied.trim().split('\n')).to.have.length(18)
      expect(await kubectl(['get', 'deployments,services,ingresses', '-n', namespace, '-o', 'name'])).to.equal('')
    } finally {
      await remove()
    }
  })

  it('the berth ServiceAccount the replicas run as, connected as in a pod, may take Leases and write Executions in its namespace only', async function () {
    requireService(this, 'kube')
    await installCrds()
    const {namespace, remove} = await tempNamespace('berth-sa')
    const other = await tempNamespace('berth-sa-other')
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-sa-'))
    try {
      const printed = await runBerth(['install', '--print', '--namespace', namespace], {env: berthEnv(home)})
      const rbac = parseAllDocuments(printed.stdout).map((d) => d.toJS() as Manifest).filter((d) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(d.kind))
      await kubectl(['apply', '--server-side', '-f', '-'], rbac.map((d) => JSON.stringify(d)).join('\n'))
      // What Kubernetes mounts into the pod: a token of the berth ServiceAccount and the cluster CA.
      const admin = await adminClient()
      const requested = await admin.request<{status: {token: string}}>({method: 'POST', path: `/api/v1/namespaces/${namespace}/serviceaccounts/berth/token`, body: {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {expirationSeconds: 600}}})
      writeFileSync(path.join(dir, 'token'), requested.body.status.token)
      writeFileSync(path.join(dir, 'ca.crt'), readFileSync(kubeService().caFile!))
      const url = new URL(kubeService().server)
      const client = await connectKubeBackend({env: {KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port}, serviceAccountDir: dir})
      try {
        const taken = await tryAcquireLease(client, {namespace, name: 'berth-target-sa-test', identity: 'berth-trigger-server-7d9f-abc12', durationSeconds: 15})
        expect(taken).to.not.equal(undefined)
        expect(await taken!.lease.renew({'berth.dev/last-run': 'x'})).to.equal(true)
        await taken!.lease.release()
        const runs = new KubeRunStore(client, namespace)
        const at = new Date().toISOString()
        const created = await runs.create({run: '0mwv2ai3b-da7faaee68', trigger: 'checkout-dev', project: 'payments', status: 'queued', at, source: 'distribution', eventId: 'evt-1', inputs: {tag: '1.4.2'}, target: 'exec/payments/checkout-dev'})
        expect(created).to.not.equal(undefined)
        expect(await runs.create({...created!.spec})).to.equal(undefined)
        expect(await runs.replace(created!, {...created!.spec, status: 'succeeded'})).to.not.equal(undefined)
        expect((await runs.history('payments', 'checkout-dev')).map((r) => r.status)).to.deep.equal(['succeeded'])
        let refused: unknown
        await tryAcquireLease(client, {namespace: other.namespace, name: 'berth-target-sa-test', identity: 'x', durationSeconds: 15}).catch((error: unknown) => (refused = error))
        expect((refused as {status?: number}).status).to.equal(403)
        expect((refused as Error).message).to.equal(`User "system:serviceaccount:${namespace}:berth" is not allowed to get leases (API group coordination.k8s.io) in namespace "${other.namespace}".`)
      } finally {
        client.close()
      }
    } finally {
      rmSync(dir, {recursive: true, force: true})
      await other.remove()
      await remove()
    }
  })

  it('leaves the Ingress out without --ingress-host and defaults to 2 replicas', async () => {
    const result = await runBerth(['install', '--print', '--json', '--with-trigger-server', '--image', IMAGE], {env: berthEnv(home)})
    expect(result.code, result.stderr).to.equal(0)
    const body = JSON.parse(result.stdout) as {objects: Array<{kind: string; name: string}>; yaml: string}
    expect(body.objects.slice(-2)).to.deep.equal([
      {kind: 'Deployment', name: 'berth-trigger-server'},
      {kind: 'Service', name: 'berth-trigger-server'},
    ])
    expect(body.yaml).to.contain('  replicas: 2\n')
    expect(body.yaml).to.contain('value: default\n')
  })

  it('refuses a missing or bad image, replica count or ingress host: exit 2, nothing printed', async () => {
    const cases: Array<[string[], string]> = [
      [['--with-trigger-server'], "Error: --with-trigger-server needs --image IMAGE: the berth image the replicas run.\nHint: Build it with the Dockerfile at the root of berth's repository and push it to a registry the cluster pulls from.\n"],
      [['--with-trigger-server', '--image', 'Registry/Berth Image'], `Error: --image "Registry/Berth Image" is not an image reference.\nHint: Give one such as registry.example.com:5000/platform/berth:1.4.0 (built with the Dockerfile at the root of berth's repository).\n`],
      [['--with-trigger-server', '--image', 'berth:1.4.0;rm -rf /'], `Error: --image "berth:1.4.0;rm -rf /" is not an image reference.\nHint: Give one such as registry.example.com:5000/platform/berth:1.4.0 (built with the Dockerfile at the root of berth's repository).\n`],
      [['--with-trigger-server', '--image', IMAGE, '--replicas', '0'], 'Error: --replicas must be a whole number from 1 to 50.\n'],
      [['--with-trigger-server', '--image', IMAGE, '--ingress-host', 'https://hooks.example.com/'], 'Error: --ingress-host "https://hooks.example.com/" is not a host name.\nHint: Give a DNS name such as hooks.team.example.com (lower case, no scheme, no port).\n'],
    ]
    for (const [args, stderr] of cases) {
      const result = await runBerth(['install', '--print', ...args], {env: berthEnv(home)})
      expect(result.code, args.join(' ')).to.equal(2)
      expect(result.stdout, args.join(' ')).to.equal('')
      expect(result.stderr, args.join(' ')).to.equal(stderr)
    }
  })
})
