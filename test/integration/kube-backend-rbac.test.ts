import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {installYaml} from '../../src/lib/install/manifests.js'
import {installCrds, kubectl} from '../helpers/backends.js'
import {berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {requireService} from '../helpers/services.js'

/** A kubeconfig for a token on the test apiserver. */
function tokenKubeconfig(server: string, ca: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: 'team', cluster: {server, 'certificate-authority-data': Buffer.from(ca).toString('base64')}}],
    users: [{name: 'u', user: {token}}],
    contexts: [{name: 'team', context: {cluster: 'team', user: 'u'}}],
    'current-context': 'team',
  })
}

describe('the Kubernetes backend under RBAC (berth install --print, roles viewer and editor)', function () {
  this.timeout(180_000)
  let home: string
  let cleanup: () => void
  let namespace: string

  before(async function () {
    requireService(this, 'kube')
    await installCrds()
  })
  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    namespace = `berth-rbac-${path.basename(home).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`
  })
  afterEach(async () => {
    cleanup()
    await kubectl(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']).catch(() => '')
  })

  it('installs from the printed YAML; a viewer lists and shows but cannot read a Secret nor change anything, and berth says so', async () => {
    const kube = requireService(this.ctx, 'kube')
    const printed = await runBerth(['install', '--print', '--namespace', namespace], {env: berthEnv(home)})
    expect(printed.code, printed.stderr).to.equal(0)
    expect(printed.stdout).to.equal(installYaml({namespace}))
    expect(printed.stderr).to.equal(`15 objects for namespace ${namespace}; roles: berth-viewer, berth-editor, berth-admin. Apply them with kubectl as a cluster admin.\n`)
    await kubectl(['apply', '--server-side', '-f', '-'], printed.stdout)

    // Two people: an editor and a viewer, as service accounts bound to berth's roles.
    const ca = await fs.readFile(kube.caFile ?? '', 'utf8')
    const kubeconfigs: Record<string, string> = {}
    for (const role of ['viewer', 'editor']) {
      await kubectl(['create', 'serviceaccount', role, '-n', namespace])
      await kubectl(['create', 'rolebinding', `${role}-is-${role}`, '--role', `berth-${role}`, '--serviceaccount', `${namespace}:${role}`, '-n', namespace])
      const token = (await kubectl(['create', 'token', role, '-n', namespace, '--duration', '1h'])).trim()
      kubeconfigs[role] = path.join(home, `${role}.kubeconfig`)
      await fs.writeFile(kubeconfigs[role]!, tokenKubeconfig(kube.server, ca, token), {mode: 0o600})
    }
    const as = (role: string) => berthEnv(home, {BERTH_BACKEND: 'kubernetes', BERTH_KUBECONFIG: kubeconfigs[role], BERTH_KUBE_NAMESPACE: namespace, BERTH_PROJECT: 'payments'})
    const password = 'Rg!s7ry:p@ss/w0rd#2026'
    const created = await runBerth(['endpoint', 'create', 'docker-registry', 'hub', '--address', 'http://127.0.0.1:5061', '--username', 'tenant/ci-bot', '--password-stdin'], {env: as('editor'), input: password})
    expect(created.code, created.stderr).to.equal(0)
    expect(created.stderr).to.equal('Created docker-registry endpoint "hub" in project "payments" (secret in the kubernetes store).\n')

    const list = await runBerth(['endpoint', 'list', '--json'], {env: as('viewer')})
    expect(list.code, list.stderr).to.equal(0)
    expect((JSON.parse(list.stdout) as Array<{name: string}>).map((e) => e.name)).to.deep.equal(['hub'])
    const show = await runBerth(['endpoint', 'show', 'hub'], {env: as('viewer')})
    expect(show.code, show.stderr).to.equal(0)
    expect(show.stdout).to.match(/^password {2}\*{8} \(kubernetes; not checked: Your Kubernetes user may not read/m).and.not.to.contain(password)

    const user = `system:serviceaccount:${namespace}:viewer`
    const refusals: Array<[string[], string | undefined, RegExp]> = [
      [['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'HPUAEXAMPLEKEY000001', '--secret-access-key-stdin'], 'sk/with+symbols=', new RegExp(`^Error: Your Kubernetes user may not create Endpoint "cloud" in berth's namespace "${namespace}": User "${user}" is not allowed to create endpoints \\(API group berth\\.dev\\) in namespace "${namespace}"`)],
      [['endpoint', 'update', 'hub', '--username', 'tenant/other'], undefined, new RegExp(`^Error: Your Kubernetes user may not update Endpoint "hub" in berth's namespace "${namespace}": User "${user}" is not allowed to update endpoints \\(API group berth\\.dev\\) in namespace "${namespace}"`)],
      [['endpoint', 'delete', 'hub', '--force'], undefined, new RegExp(`^Error: Endpoint "hub" was not deleted: Your Kubernetes user may not read berth's secrets in namespace "${namespace}" \\(the password of Endpoint "hub"\\): User "${user}" is not allowed to get secrets`)],
      [['endpoint', 'exec', 'hub', '--', 'true'], undefined, new RegExp(`^Error: Your Kubernetes user may not read berth's secrets in namespace "${namespace}" \\(the password of Endpoint "hub"\\): User "${user}" is not allowed to get secrets in namespace "${namespace}"`)],
    ]
    const before = await kubectl(['get', 'berth,secrets,configmaps', '-n', namespace, '-o', 'json'])
    for (const [args, input, message] of refusals) {
      const result = await runBerth(args, {env: as('viewer'), input})
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(1)
      expect(result.stdout).to.equal('')
      expect(result.stderr, args.join(' ')).to.match(message)
      expect(result.stderr).to.match(/\nHint: .*berth-editor/)
      expect(result.stderr).to.not.match(/\n\s+at /)
    }
    expect(await kubectl(['get', 'berth,secrets,configmaps', '-n', namespace, '-o', 'json'])).to.equal(before)
    expect(await kubectl(['auth', 'can-i', 'get', 'secrets', '-n', namespace, '--as', user]).catch((error: {stdout?: string}) => error.stdout ?? '')).to.equal('no\n')

    // No secret value in any berth custom resource; the Secret holds it.
    for (const plural of ['endpoints', 'templates', 'services', 'environments', 'deploymentruntimes', 'triggers', 'executions', 'resourceinterfaces']) {
      const yaml = await kubectl(['get', `${plural}.berth.dev`, '-n', namespace, '-o', 'yaml'])
      expect(yaml, plural).to.not.contain(password)
      expect(yaml, plural).to.not.contain(Buffer.from(password).toString('base64'))
    }
    const secret = JSON.parse(await kubectl(['get', 'secret', 'berth-secret.payments.endpoint.hub', '-n', namespace, '-o', 'json']))
    expect(Buffer.from(secret.data.password, 'base64').toString()).to.equal(password)
  })
})
