// berth service deploy / diff through the CLI against the real kube-apiserver (with
// controller-manager, scheduler and kwok, so rollouts really complete).
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {promises as fs, readFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'

import {KubeClient, connectKube} from '../../src/lib/kube/client.js'
import {ROOT, RunResult, berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {KubeService, requireService} from '../helpers/services.js'

/** Two workloads, a ConfigMap and a Service; the image tag and replicas are variables. */
const TWO_WORKLOADS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-settings
data:
  LOG_LEVEL: "{{.logLevel}}"
---
apiVersion: v1
kind: Service
metadata:
  name: cart
spec:
  selector: {app: cart}
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
spec:
  replicas: {{.replicas}}
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers:
      - name: cart
        image: registry.example.com:5443/shop/cart:{{.tag}}
        envFrom: [{configMapRef: {name: shop-settings}}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
spec:
  replicas: 1
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec:
      initContainers:
      - name: migrate
        image: registry.example.com:5443/shop/checkout-migrate:{{.tag}}
      containers:
      - name: checkout
        image: registry.example.com:5443/shop/checkout:{{.tag}}
`

/** A Deployment whose pods can never be scheduled: the rollout hits its progress deadline. */
const STUCK = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
spec:
  progressDeadlineSeconds: {{.deadline}}
  replicas: 1
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      nodeSelector: {berth.dev/no-such-node: "true"}
      containers:
      - name: app
        image: registry.example.com:5443/shop/stuck:1.0
`

describe('integration: service deploy and diff against kube-apiserver', function () {
  this.timeout(240_000)
  let kube: KubeService
  let home: string
  let cleanup: () => void
  let admin: KubeClient
  const namespaces: string[] = []
  const unique = () => `svc-it-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
  const env = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p@ss w0rd!', BERTH_PROJECT: 'shop', ...extra})
  const berth = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> => runBerth(args, {env: env(extra), timeoutMs: 200_000})
  const ok = async (args: string[]) => {
    const result = await berth(args)
    expect(result.code, `${args.join(' ')}\n${result.stderr}`).to.equal(0)
    return result
  }
  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await ok([...args, '--json'])).stdout) as T
  const file = (name: string) => path.join(home, 'in', name)
  const newNamespace = () => {
    const ns = unique()
    namespaces.push(ns)
    return ns
  }

  before(async function () {
    kube = requireService(this, 'kube')
    ;({home, cleanup} = tempHome())
    await fs.mkdir(path.join(home, 'in'))
    await fs.writeFile(file('two.yaml'), TWO_WORKLOADS)
    await fs.writeFile(file('stuck.yaml'), STUCK)
    await fs.writeFile(file('seed-service-3.yaml'), readFileSync(path.join(ROOT, 'test/fixtures/services/seed-service-3.yaml')))
    await ok(['endpoint', 'create', 'kubernetes', 'dev-cluster', '--kubeconfig', kube.adminKubeconfig])
    await ok(['endpoint', 'create', 'kubernetes', 'restricted', '--kubeconfig', kube.restrictedKubeconfig])
    admin = await connectKube({kubeconfig: readFileSync(kube.adminKubeconfig, 'utf8')})
  })

  after(async () => {
    for (const ns of namespaces) await admin?.request({method: 'DELETE', path: `/api/v1/namespaces/${ns}`, action: `delete namespace ${ns}`}).catch(() => {})
    admin?.close()
    cleanup?.()
  })

  interface DeployJson {
    objects: Array<{kind: string; name: string; namespace?: string; action: string}>
    workloads: Array<{kind: string; name: string; state: string}>
    created_namespaces: string[]
    digest: string
  }
  const actions = (r: DeployJson) => Object.fromEntries(r.objects.map((o) => [`${o.kind}/${o.name}`, o.action]))

  it('deploys two workloads, redeploys a changed variable (configured, rollout waited), then unchanged; diff before and after', async () => {
    const ns = newNamespace()
    await ok(['service', 'create', 'shop', '-f', file('two.yaml'), '--var', 'tag=1.0', '--var', 'replicas=2', '--var', 'logLevel=info'])

    // diff before anything exists: everything would be created, exit 1
    const before = await berth(['service', 'diff', 'shop', '--endpoint', 'dev-cluster', '-n', ns])
    expect(before.code, before.stderr).to.equal(1)
    expect(before.stdout).to.contain('+++ merged/apps/v1/Deployment/' + ns + '/cart').and.to.contain('+  name: checkout')

    const first = await json<DeployJson>(['service', 'deploy', 'shop', '--endpoint', 'dev-cluster', '-n', ns, '--timeout', '2m'])
    expect(actions(first)).to.deep.equal({'ConfigMap/shop-settings': 'created', 'Service/cart': 'created', 'Deployment/cart': 'created', 'Deployment/checkout': 'created'})
    expect(first.created_namespaces).to.deep.equal([ns])
    expect(first.workloads.map((w) => `${w.name}:${w.state}`).sort()).to.deep.equal(['cart:ready', 'checkout:ready'])

    const live = await admin.get<{metadata: {labels: Record<string, string>}; status: {availableReplicas?: number}}>(`/apis/apps/v1/namespaces/${ns}/deployments/cart`)
    expect(live?.metadata.labels).to.include({'app.kubernetes.io/managed-by': 'berth', 'berth.dev/project': 'shop', 'berth.dev/service': 'shop'})
    expect(live?.status.availableReplicas).to.equal(2)

    const same = await berth(['service', 'diff', 'shop', '--endpoint', 'dev-cluster', '-n', ns])
    expect(same.code, same.stderr).to.equal(0)
    expect(same.stdout).to.equal('')

    await ok(['service', 'set-var', 'shop', '--var', 'tag=1.1'])
    const changed = await berth(['service', 'diff', 'shop', '--endpoint', 'dev-cluster', '-n', ns])
    expect(changed.code).to.equal(1)
    expect(changed.stdout).to.match(/^-\s+image: registry\.example\.com:5443\/shop\/cart:1\.0$/m).and.to.match(/^\+\s+image: registry\.example\.com:5443\/shop\/cart:1\.1$/m)

    const second = await json<DeployJson>(['service', 'deploy', 'shop', '--endpoint', 'dev-cluster', '-n', ns])
    expect(actions(second)).to.deep.equal({'ConfigMap/shop-settings': 'unchanged', 'Service/cart': 'unchanged', 'Deployment/cart': 'configured', 'Deployment/checkout': 'configured'})
    const rolled = await admin.get<{metadata: {generation: number}; status: {observedGeneration: number; updatedReplicas: number; availableReplicas: number}}>(`/apis/apps/v1/namespaces/${ns}/deployments/cart`)
    // deploy returned only after the new generation was rolled out
    expect(rolled?.status.observedGeneration).to.equal(rolled?.metadata.generation)
    expect(rolled?.status.updatedReplicas).to.equal(2)
    expect(rolled?.status.availableReplicas).to.equal(2)

    const third = await json<DeployJson>(['service', 'deploy', 'shop', '--endpoint', 'dev-cluster', '-n', ns])
    expect(Object.values(actions(third))).to.deep.equal(['unchanged', 'unchanged', 'unchanged', 'unchanged'])

    const after = await berth(['service', 'diff', 'shop', '--endpoint', 'dev-cluster', '-n', ns])
    expect(after.code).to.equal(0)

    const shown = await json<{last_deploy: {endpoint: string; namespace: string; digest: string; result: string; objects: Record<string, number>}}>(['service', 'show', 'shop'])
    expect(shown.last_deploy).to.deep.include({endpoint: 'dev-cluster', namespace: ns, digest: third.digest, result: 'succeeded', objects: {unchanged: 4}})
  })

  it('prints one line per event when stderr is not a terminal', async () => {
    const ns = newNamespace()
    await ok(['service', 'create', 'service-3', '-f', file('seed-service-3.yaml'), '--var', 'cpu=12m'])
    const result = await ok(['service', 'deploy', 'service-3', '--endpoint', 'dev-cluster', '-n', ns])
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).to.equal(`service/a -n ${ns} created`)
    expect(lines[1]).to.equal(`deployment/a -n ${ns} created`)
    expect(lines.at(-1)).to.equal('deployment/a rolled out: 1 of 1 replicas available')
    expect(result.stderr).to.not.contain('\x1b[')
    expect(result.stdout).to.equal(`Deployed service "service-3" to dev-cluster namespace ${ns}: 2 created; 1 workload rolled out.\n`)
    // the seed's service-3 really runs: its container as the source lists it
    const pods = await admin.get<{items: Array<{spec: {containers: Array<{name: string; image: string}>}; status: {phase: string}}>}>(`/api/v1/namespaces/${ns}/pods`)
    expect(pods?.items.map((p) => [p.spec.containers[0]?.name, p.spec.containers[0]?.image, p.status.phase])).to.deep.equal([['myapp-1', 'koderover.******.com/koderover-demo/myapp-1:v0.1__linux_amd64', 'Running']])
  })

  it('fails at once (exit 1) naming the workload and the reason when a rollout cannot complete', async () => {
    const ns = newNamespace()
    await ok(['service', 'create', 'stuck', '-f', file('stuck.yaml'), '--var', 'deadline=3'])
    const started = Date.now()
    const result = await berth(['service', 'deploy', 'stuck', '--endpoint', 'dev-cluster', '-n', ns, '--timeout', '3m'])
    expect(result.code, result.stderr).to.equal(1)
    expect(result.stderr).to.match(new RegExp(`Error: Deployment ${ns}/stuck failed to roll out: .*ProgressDeadlineExceeded`))
    expect(result.stdout).to.equal('')
    // well before the 3-minute timeout
    expect(Date.now() - started).to.be.below(90_000)
    const shown = await json<{last_deploy: {result: string; message: string}}>(['service', 'show', 'stuck'])
    expect(shown.last_deploy.result).to.equal('failed')
    expect(shown.last_deploy.message).to.contain('ProgressDeadlineExceeded')
  })

  it('says in plain words that a restricted user may not write the namespace (403)', async () => {
    await ok(['service', 'create', 'denied', '-f', file('seed-service-3.yaml'), '--var', 'cpu=12m'])
    const result = await berth(['service', 'deploy', 'denied', '--endpoint', 'restricted', '-n', 'default'])
    expect(result.code, result.stderr).to.equal(1)
    expect(result.stderr).to.match(/^Error: User "berth-restricted" is not allowed to /)
    expect(result.stderr).to.contain('in namespace "default"')
    expect(result.stderr).to.not.match(/\n\s+at /)
    expect(result.stdout).to.equal('')
  })

  it('gives a clear error when the apiserver goes away mid-deploy, and the next deploy completes', async () => {
    const ns = newNamespace()
    const server = new URL(kube.server)
    // A TCP relay in front of the apiserver that the test can cut.
    const sockets = new Set<net.Socket>()
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(server.port), server.hostname)
      sockets.add(client).add(upstream)
      client.pipe(upstream).pipe(client)
      const drop = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
    })
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
    const port = (relay.address() as net.AddressInfo).port
    const kubeconfig = readFileSync(kube.adminKubeconfig, 'utf8').replace(kube.server, `https://127.0.0.1:${port}`)
    await fs.writeFile(file('relay.kubeconfig'), kubeconfig)
    await ok(['endpoint', 'create', 'kubernetes', 'flaky', '--kubeconfig', file('relay.kubeconfig')])
    await ok(['service', 'create', 'flaky', '-f', file('stuck.yaml'), '--var', 'deadline=600'])
    try {
      const deploy = berth(['service', 'deploy', 'flaky', '--endpoint', 'flaky', '-n', ns, '--timeout', '2m'])
      // cut the relay once the objects are applied and the rollout wait is watching
      for (let i = 0; i < 100; i++) {
        const live = await admin.get(`/apis/apps/v1/namespaces/${ns}/deployments/stuck`)
        if (live) break
        await new Promise((r) => setTimeout(r, 100))
      }
      await new Promise((r) => setTimeout(r, 500))
      relay.close()
      for (const s of sockets) s.destroy()
      const result = await deploy
      expect(result.code, result.stderr).to.equal(1)
      expect(result.stderr, result.stderr).to.match(/^Error: .*(connect|connection|closed|reset|ECONN)/im)
      expect(result.stderr).to.not.match(/\n\s+at /)
    } finally {
      relay.close()
    }
    // the same service, now deployable, through the real server
    await ok(['service', 'set-var', 'flaky', '--var', 'deadline=600'])
    await ok(['service', 'update', 'flaky', '-f', file('seed-service-3.yaml'), '--var', 'cpu=12m'])
    const next = await json<DeployJson>(['service', 'deploy', 'flaky', '--endpoint', 'dev-cluster', '-n', ns])
    expect(next.workloads.map((w) => `${w.name}:${w.state}`)).to.deep.equal(['a:ready'])
  })

  it('deploys through an environment (--env): its cluster and namespace; --dry-run changes nothing', async () => {
    const ns = newNamespace()
    await ok(['environment', 'create', 'staging', '--cluster', 'dev-cluster', '--namespace', ns])
    await ok(['service', 'create', 'envsvc', '-f', file('seed-service-3.yaml'), '--var', 'cpu=12m'])
    const dry = await json<DeployJson & {result: string}>(['service', 'deploy', 'envsvc', '--env', 'staging', '--dry-run'])
    expect(dry.result).to.equal('dry-run')
    expect(actions(dry)).to.deep.equal({'Service/a': 'created', 'Deployment/a': 'created'})
    expect(await admin.get(`/api/v1/namespaces/${ns}`)).to.equal(undefined)
    expect((await json<{last_deploy: unknown}>(['service', 'show', 'envsvc'])).last_deploy).to.equal(null)

    const real = await json<DeployJson & {environment: string; namespace: string}>(['service', 'deploy', 'envsvc', '--env', 'staging'])
    expect(real.environment).to.equal('staging')
    expect(real.namespace).to.equal(ns)
    expect(actions(real)).to.deep.equal({'Service/a': 'created', 'Deployment/a': 'created'})
    expect((await berth(['service', 'diff', 'envsvc', '--env', 'staging'])).code).to.equal(0)
    const shown = await json<{last_deploy: {environment: string; endpoint: string; namespace: string}}>(['service', 'show', 'envsvc'])
    expect(shown.last_deploy).to.deep.include({environment: 'staging', endpoint: 'dev-cluster', namespace: ns})
  })

  it('refuses to take over fields another manager owns unless --force-conflicts', async () => {
    const ns = newNamespace()
    await ok(['service', 'create', 'owned', '-f', file('seed-service-3.yaml'), '--var', 'cpu=12m'])
    await ok(['service', 'deploy', 'owned', '--endpoint', 'dev-cluster', '-n', ns, '--no-wait'])
    // kubectl takes the replicas field over
    await admin.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${ns}/deployments/a`,
      query: {fieldManager: 'kubectl', force: 'true'},
      contentType: 'application/apply-patch+yaml',
      body: {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'a'}, spec: {replicas: 2}},
      action: 'take over replicas',
    })
    const conflict = await berth(['service', 'deploy', 'owned', '--endpoint', 'dev-cluster', '-n', ns, '--no-wait'])
    expect(conflict.code, conflict.stderr).to.equal(1)
    expect(conflict.stderr).to.match(/conflict/i).and.to.contain('force-conflicts')
    const forced = await json<DeployJson>(['service', 'deploy', 'owned', '--endpoint', 'dev-cluster', '-n', ns, '--no-wait', '--force-conflicts'])
    expect(actions(forced)['Deployment/a']).to.equal('configured')
  })

  it('installs, upgrades and diffs a helm chart (test/fixtures/charts/berth-demo)', async function () {
    const {helm} = requireService(this, 'helm')
    const ns = newNamespace()
    const chart = path.join(ROOT, 'test', 'fixtures', 'charts', 'berth-demo')
    const withHelm = {BERTH_HELM: helm}
    const h = async (args: string[]) => {
      const r = await berth(args, withHelm)
      return r
    }
    expect((await h(['template', 'create', 'web-chart', '--helm-chart', chart])).code).to.equal(0)
    const created = await h(['service', 'create', 'web', '--helm-template', 'web-chart', '--var', 'image.tag=1.0', '--json'])
    expect(created.code, created.stderr).to.equal(0)
    expect(JSON.parse(created.stdout).containers).to.deep.equal([{name: 'berth-demo', image: 'registry.example.com:5443/tenant/berth-demo:1.0', image_name: 'berth-demo'}])

    const install = await h(['service', 'deploy', 'web', '--endpoint', 'dev-cluster', '-n', ns, '--json'])
    expect(install.code, install.stderr).to.equal(0)
    expect(JSON.parse(install.stdout).helm).to.deep.equal({revision: 1, status: 'deployed'})
    expect((await h(['service', 'diff', 'web', '--endpoint', 'dev-cluster', '-n', ns])).code).to.equal(0)

    expect((await h(['service', 'set-var', 'web', '--var', 'image.tag=1.1'])).code).to.equal(0)
    const diff = await h(['service', 'diff', 'web', '--endpoint', 'dev-cluster', '-n', ns])
    expect(diff.code, diff.stderr).to.equal(1)
    expect(diff.stdout).to.match(/^\+\s+image: registry\.example\.com:5443\/tenant\/berth-demo:1\.1$/m)

    const upgrade = await h(['service', 'deploy', 'web', '--endpoint', 'dev-cluster', '-n', ns, '--json'])
    expect(upgrade.code, upgrade.stderr).to.equal(0)
    expect(JSON.parse(upgrade.stdout).helm).to.deep.equal({revision: 2, status: 'deployed'})
    const live = await admin.get<{spec: {template: {spec: {containers: Array<{image: string}>}}}}>(`/apis/apps/v1/namespaces/${ns}/deployments/web-berth-demo`)
    expect(live?.spec.template.spec.containers[0]?.image).to.equal('registry.example.com:5443/tenant/berth-demo:1.1')
  })
})
