// The whole chain: an image built in the real Docker engine is pushed (berth image push) to a
// private distribution registry started here, whose notifications reach `berth trigger serve`,
// which runs the trigger's action; `berth trigger history` shows the run.
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {connectKube} from '../../src/lib/kube/client.js'
import {createServedRepo} from '../helpers/git-repos.js'
import {DockerService, gitService, requireService} from '../helpers/services.js'
import {Sandbox, dockerCli, expectNoSecret, sandbox} from './registry-helpers.js'
import {NotifyingRegistry, ServeProcess, freePort, startNotifyingRegistry, startServe} from './trigger-helpers.js'

const exec = promisify(execFile)

describe('trigger serve end to end: docker build, push to a registry, notification, action, history', function () {
  this.timeout(240_000)
  let docker: DockerService
  let box: Sandbox
  let registry: NotifyingRegistry | undefined
  let serve: ServeProcess | undefined
  let work: string
  const localTags: string[] = []
  const dockerRun = (args: string[]) => exec(dockerCli(), args, {env: {PATH: process.env.PATH, DOCKER_HOST: docker.host, DOCKER_CONFIG: path.join(work, 'cli-config'), DOCKER_BUILDKIT: '0'}})

  before(function () {
    docker = requireService(this, 'docker')
  })
  beforeEach(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'berth-trigger-e2e-'))
    box = sandbox({DOCKER_HOST: docker.host, HOME: work, BERTH_PROJECT: 'payments'})
  })
  afterEach(async () => {
    await serve?.stop()
    await registry?.stop()
    serve = undefined
    registry = undefined
    for (const ref of localTags.splice(0)) await dockerRun(['rmi', ref]).catch(() => undefined)
    box.cleanup()
    rmSync(work, {recursive: true, force: true})
  })

  /** Build a real image (FROM the test busybox, a COPY and labels) and return its local tag. */
  async function buildImage(tag: string, content: string): Promise<string> {
    const ctxDir = path.join(work, `build-${randomBytes(3).toString('hex')}`)
    await exec('mkdir', ['-p', ctxDir])
    writeFileSync(path.join(ctxDir, 'release.txt'), content)
    writeFileSync(path.join(ctxDir, 'Dockerfile'), `FROM ${docker.testImage}\nCOPY release.txt /srv/release.txt\nLABEL org.opencontainers.image.title="checkout-api" org.opencontainers.image.version="${tag}"\nCMD ["/bin/cat", "/srv/release.txt"]\n`)
    const local = `berth-trigger-e2e/checkout-api:${tag}-${randomBytes(3).toString('hex')}`
    await dockerRun(['build', '--network', 'none', '-t', local, ctxDir])
    localTags.push(local)
    return local
  }

  it('runs the exec action with the pushed image\'s inputs, ignores pulls and tags outside the pattern', async () => {
    const regPort = await freePort()
    const repo = `payments-${randomBytes(4).toString('hex')}/checkout-api`
    const out = path.join(work, 'deployed.env')
    const regPassword = `p@ss:${randomBytes(6).toString('hex')}/#`
    // The registry starts after the trigger exists (it needs the token), at an address chosen now.
    const created0 = await box.run(['endpoint', 'create', 'docker-registry', 'payments-registry', '--address', `http://127.0.0.1:${regPort}`, '--username', 'ci-bot', '--password-stdin'], {input: regPassword})
    expect(created0.code, created0.stderr).to.equal(0)
    const created = await box.run(['trigger', 'create', 'checkout-dev', '--endpoint', 'payments-registry', '--image', repo, '--tag-pattern', 'v*', '--exec', `env | grep -E '^(BERTH_|CHANNEL=)' | sort > '${out}'`, '--input', 'CHANNEL=stable', '--json'])
    expect(created.code, created.stderr).to.equal(0)
    const token = new URL(JSON.parse(created.stdout).hookUrl).searchParams.get('secureToken') as string

    serve = startServe(box.env)
    const serveUrl = await serve.url
    registry = await startNotifyingRegistry(regPort, `${serveUrl}/hooks/checkout-dev`, {Authorization: `Bearer ${token}`})
    // The endpoint's password is the registry's.
    const updated = await box.run(['endpoint', 'update', 'payments-registry', '--password-stdin'], {input: registry.password})
    expect(updated.code, updated.stderr).to.equal(0)

    const local = await buildImage('v1.4.2', 'checkout-api 1.4.2\n')
    const pushed = await box.run(['image', 'push', local, '--endpoint', 'payments-registry', '--as', `${repo}:v1.4.2`, '--json'])
    expect(pushed.code, pushed.stderr).to.equal(0)
    localTags.push(`${registry.addr}/${repo}:v1.4.2`)
    const digest = JSON.parse(pushed.stdout).digest as string

    const history = async () => JSON.parse((await box.run(['trigger', 'history', 'checkout-dev', '--json'])).stdout) as Array<{status: string; inputs: Record<string, string>; source: string; reason?: string}>
    const end = Date.now() + 60_000
    while (!(await history()).some((r) => r.status === 'succeeded') && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 250))
    const runs = await history()
    expect(runs.map((r) => [r.status, r.source, r.inputs.tag])).to.deep.equal([['succeeded', 'distribution', 'v1.4.2']])
    expect(runs[0]!.inputs).to.include({repository: repo, registry: registry.addr, image: `${registry.addr}/${repo}:v1.4.2`, digest, pusher: 'ci-bot', CHANNEL: 'stable'})
    const env = readFileSync(out, 'utf8')
    expect(env).to.include(`BERTH_IMAGE=${registry.addr}/${repo}:v1.4.2\n`)
    expect(env).to.include(`BERTH_DIGEST=${digest}\n`)
    expect(env).to.include(`BERTH_REPOSITORY_NAME=checkout-api\n`)
    expect(env).to.include('CHANNEL=stable\n')

    // A pull is an event too, but not a push: nothing new is recorded.
    const pulled = await box.run(['image', 'pull', '--endpoint', 'payments-registry', `${repo}:v1.4.2`])
    expect(pulled.code, pulled.stderr).to.equal(0)
    // A tag outside --tag-pattern is recorded as ignored.
    const dev = await buildImage('dev', 'checkout-api dev build\n')
    expect((await box.run(['image', 'push', dev, '--endpoint', 'payments-registry', '--as', `${repo}:dev-3f9c2ab`])).code).to.equal(0)
    localTags.push(`${registry.addr}/${repo}:dev-3f9c2ab`)
    const end2 = Date.now() + 30_000
    while ((await history()).length < 2 && Date.now() < end2) await new Promise((resolve) => setTimeout(resolve, 250))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect((await history()).map((r) => [r.status, r.inputs.tag, r.reason ?? ''])).to.deep.equal([
      ['ignored', 'dev-3f9c2ab', 'tag dev-3f9c2ab does not match --tag-pattern v*'],
      ['succeeded', 'v1.4.2', ''],
    ])
    expect(await serve.stop()).to.equal(0)
    expect(serve.stderr()).to.not.include(token)
    expectNoSecret(token, path.join(box.home, 'projects'), box.runs.slice(2))
    expect(existsSync(out)).to.equal(true)
  })
  it('deploys a service with the pushed image to the real kube-apiserver and waits for the rollout', async function () {
    const kube = requireService(this, 'kube')
    const regPort = await freePort()
    const repo = `payments-${randomBytes(4).toString('hex')}/checkout-api`
    const ns = `trigger-it-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
    const admin = await connectKube({kubeconfig: readFileSync(kube.adminKubeconfig, 'utf8')})
    try {
      const ok = async (args: string[], input?: string) => {
        const result = await box.run(args, input === undefined ? {} : {input})
        expect(result.code, `${args.join(' ')}\n${result.stderr}`).to.equal(0)
        return result
      }
      writeFileSync(path.join(work, 'checkout.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
spec:
  replicas: 1
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec:
      containers:
      - name: api
        image: registry.example.com:5443/payments/checkout-api:1.0
      - name: metrics
        image: registry.example.com:5443/observability/exporter:0.9
`)
      await ok(['endpoint', 'create', 'kubernetes', 'dev-cluster', '--kubeconfig', kube.adminKubeconfig])
      await ok(['service', 'create', 'checkout', '-f', path.join(work, 'checkout.yaml')])
      await ok(['endpoint', 'create', 'docker-registry', 'payments-registry', '--address', `http://127.0.0.1:${regPort}`, '--username', 'ci-bot', '--password-stdin'], 'placeholder')
      const created = await ok(['trigger', 'create', 'checkout-dev', '--endpoint', 'payments-registry', '--image', repo, '--service', 'checkout', '--cluster', 'dev-cluster', '--namespace', ns, '--container', 'api', '--json'])
      const token = new URL(JSON.parse(created.stdout).hookUrl).searchParams.get('secureToken') as string
      serve = startServe(box.env)
      registry = await startNotifyingRegistry(regPort, `${await serve.url}/hooks/checkout-dev`, {Authorization: `Bearer ${token}`})
      await ok(['endpoint', 'update', 'payments-registry', '--password-stdin'], registry.password)

      const local = await buildImage('v2.0.0', 'checkout-api 2.0.0\n')
      await ok(['image', 'push', local, '--endpoint', 'payments-registry', '--as', `${repo}:v2.0.0`])
      localTags.push(`${registry.addr}/${repo}:v2.0.0`)

      const history = async () => JSON.parse((await box.run(['trigger', 'history', 'checkout-dev', '--json'])).stdout) as Array<{status: string; summary?: string; error?: string}>
      const end = Date.now() + 120_000
      while (!(await history()).some((r) => r.status === 'succeeded' || r.status === 'failed') && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 500))
      const [run] = await history()
      expect(run?.status, JSON.stringify(run)).to.equal('succeeded')
      expect(run?.summary).to.equal(`deployed service checkout with ${registry.addr}/${repo}:v2.0.0 to dev-cluster/${ns}: 1 created; Deployment/checkout ready`)

      const live = await admin.get<{metadata: {generation: number}; spec: {template: {spec: {containers: Array<{name: string; image: string}>}}}; status: {observedGeneration: number; availableReplicas?: number}}>(`/apis/apps/v1/namespaces/${ns}/deployments/checkout`)
      expect(live?.spec.template.spec.containers.map((c) => [c.name, c.image])).to.deep.equal([
        ['api', `${registry.addr}/${repo}:v2.0.0`],
        ['metrics', 'registry.example.com:5443/observability/exporter:0.9'],
      ])
      expect(live?.status.observedGeneration).to.equal(live?.metadata.generation)
      expect(live?.status.availableReplicas).to.equal(1)
    } finally {
      await admin.request({method: 'DELETE', path: `/api/v1/namespaces/${ns}`, action: `delete namespace ${ns}`}).catch(() => {})
      admin.close()
    }
  })
  it('syncs a runtime when a push arrives', async function () {
    const kube = requireService(this, 'kube')
    requireService(this, 'git')
    const regPort = await freePort()
    const repo = `payments-${randomBytes(4).toString('hex')}/ledger`
    const ns = `trigger-rt-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
    const manifests = createServedRepo('ledger-deploy')
    const admin = await connectKube({kubeconfig: readFileSync(kube.adminKubeconfig, 'utf8')})
    try {
      const commit = manifests.commit({'manifests/dev/settings.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ledger-settings\ndata:\n  LOG_LEVEL: info\n`}, 'Ledger dev manifests')
      const ok = async (args: string[], input?: string) => {
        const result = await box.run(args, {...(input === undefined ? {} : {input}), env: {GIT_PASSWORD_FOR_TEST: gitService().password, XDG_CACHE_HOME: path.join(work, 'cache')}})
        expect(result.code, `${args.join(' ')}\n${result.stderr}`).to.equal(0)
        return result
      }
      await ok(['endpoint', 'create', 'git', 'ledger-deploy', '--url', manifests.url, '--username', gitService().user, '--password-env', 'GIT_PASSWORD_FOR_TEST'])
      await ok(['endpoint', 'create', 'kubernetes', 'dev-cluster', '--kubeconfig', kube.adminKubeconfig])
      await ok(['environment', 'create', 'env-dev', '--cluster', 'dev-cluster', '--namespace', ns])
      await ok(['runtime', 'save', 'ledger-dev', '--repo', 'ledger-deploy', '--revision', 'HEAD', '--path', 'manifests/dev', '--env', 'env-dev', '--namespace', ns, '--project-ref', 'ledger'])
      await ok(['endpoint', 'create', 'docker-registry', 'payments-registry', '--address', `http://127.0.0.1:${regPort}`, '--username', 'ci-bot', '--password-stdin'], 'placeholder')
      const created = await ok(['trigger', 'create', 'ledger-dev', '--endpoint', 'payments-registry', '--image', repo, '--runtime', 'ledger-dev', '--json'])
      const token = new URL(JSON.parse(created.stdout).hookUrl).searchParams.get('secureToken') as string
      serve = startServe({...box.env, GIT_PASSWORD_FOR_TEST: gitService().password, XDG_CACHE_HOME: path.join(work, 'cache')})
      registry = await startNotifyingRegistry(regPort, `${await serve.url}/hooks/ledger-dev`, {Authorization: `Bearer ${token}`})
      await ok(['endpoint', 'update', 'payments-registry', '--password-stdin'], registry.password)
      const local = await buildImage('v3.1.0', 'ledger 3.1.0\n')
      await ok(['image', 'push', local, '--endpoint', 'payments-registry', '--as', `${repo}:v3.1.0`])
      localTags.push(`${registry.addr}/${repo}:v3.1.0`)

      const history = async () => JSON.parse((await box.run(['trigger', 'history', 'ledger-dev', '--json'])).stdout) as Array<{status: string; summary?: string; error?: string}>
      const end = Date.now() + 120_000
      while (!(await history()).some((r) => r.status === 'succeeded' || r.status === 'failed') && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 500))
      const [run] = await history()
      expect(run?.status, JSON.stringify(run)).to.equal('succeeded')
      expect(run?.summary).to.match(new RegExp(`^synced runtime ledger-dev at ${commit.slice(0, 12)} \\(HEAD\\): \\d+ resources, \\d+ changed, 0 pruned$`))
      const cm = await admin.get<{data: Record<string, string>}>(`/api/v1/namespaces/${ns}/configmaps/ledger-settings`)
      expect(cm?.data).to.deep.equal({LOG_LEVEL: 'info'})
    } finally {
      await admin.request({method: 'DELETE', path: `/api/v1/namespaces/${ns}`, action: `delete namespace ${ns}`}).catch(() => {})
      admin.close()
      manifests.remove()
    }
  })
})
