import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {FileSecretStore} from '../../../src/lib/secrets/file.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {installCrds, kubeTestSecrets, kubeTestState, kubectl, tempNamespace} from '../../helpers/backends.js'
import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'
import {requireService} from '../../helpers/services.js'

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: web, image: "127.0.0.1:5061/team/web:2.0.1"}]
`

interface Transfer {
  objects: Array<{kind: string; project?: string; name: string; action: string}>
  secrets: Array<{kind: string; name: string; field: string; action: string}>
}

describe('berth state export / import (file ↔ kubernetes)', function () {
  this.timeout(180_000)
  let homes: Array<() => void> = []
  let namespace: string
  let remove: () => Promise<void>
  const password = 'Hb0r:p@ss/w#rd'

  beforeEach(async function () {
    requireService(this, 'kube')
    await installCrds()
    ;({namespace, remove} = await tempNamespace('berth-xfer'))
  })
  afterEach(async () => {
    for (const cleanup of homes) cleanup()
    homes = []
    await remove?.()
  })

  const newHome = () => {
    const {home, cleanup} = tempHome()
    homes.push(cleanup)
    return home
  }
  const env = (home: string, extra: NodeJS.ProcessEnv = {}) =>
    berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pass phrase!', BERTH_KUBECONFIG: requireService(this.ctx, 'kube').adminKubeconfig, BERTH_KUBE_NAMESPACE: namespace, ...extra})

  it('moves objects, bodies and secrets to the cluster and back, idempotently, reporting what moved', async () => {
    const home = newHome()
    const kubeconfig = path.join(home, 'kc.yaml')
    await fs.writeFile(kubeconfig, await fs.readFile(requireService(this.ctx, 'kube').adminKubeconfig, 'utf8'))
    const made = [
      await runBerth(['endpoint', 'create', 'docker-registry', 'hub', '--address', 'http://127.0.0.1:5061', '--username', 'tenant/ci-bot', '--password-stdin'], {env: env(home), input: password}),
      await runBerth(['endpoint', 'create', 'kubernetes', 'prod', '--kubeconfig', kubeconfig, '--project', 'payments'], {env: env(home)}),
      await runBerth(['environment', 'create', 'live', '--cluster', 'prod', '--project', 'payments'], {env: env(home)}),
    ]
    for (const r of made) expect(r.code, r.stderr).to.equal(0)
    await new StateStore({home}).create({kind: 'Service', metadata: {name: 'web', project: 'payments', labels: {tier: 'front'}}, spec: {environment: 'live'}, status: {observedGeneration: 1}, bodies: {'manifests.yaml': MANIFESTS}})

    const exported = await runBerth(['state', 'export', '--json'], {env: env(home)})
    expect(exported.code, exported.stderr).to.equal(0)
    const first = JSON.parse(exported.stdout) as Transfer
    expect(first.objects.map((o) => `${o.action} ${o.kind} ${o.project}/${o.name}`)).to.deep.equal([
      'created Endpoint default/hub',
      'created Endpoint payments/prod',
      'created Service payments/web',
      'created Environment payments/live',
    ])
    expect(first.secrets.map((s) => `${s.action} ${s.name}.${s.field}`)).to.deep.equal(['copied hub.password', 'copied prod.kubeconfig'])

    const again = await runBerth(['state', 'export'], {env: env(home)})
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stderr).to.equal(`From file (${home}) to kubernetes (namespace "${namespace}"): 0 created, 0 updated, 4 unchanged; secrets: 0 copied, 2 unchanged.\n`)
    expect(again.stdout.split('\n')[0]).to.match(/^ACTION +KIND +PROJECT +NAME +SECRETS$/)

    // The cluster now serves the same objects to anyone on the kubernetes backend.
    const onKube = (extra: NodeJS.ProcessEnv = {}) => env(newHome(), {BERTH_BACKEND: 'kubernetes', ...extra})
    const list = await runBerth(['endpoint', 'list', '--json', '--project', 'payments'], {env: onKube()})
    expect((JSON.parse(list.stdout) as Array<{name: string}>).map((e) => e.name)).to.deep.equal(['prod'])
    const kube = kubeTestState(namespace)
    expect(await kube.readBody('Service', 'web', 'payments', 'manifests.yaml')).to.equal(MANIFESTS)
    expect((await kube.get('Service', 'web', 'payments')).status).to.deep.equal({observedGeneration: 1})
    expect((await kube.get('Endpoint', 'hub', 'default')).spec.secretRefs).to.deep.equal({password: {backend: 'kubernetes', key: 'default/Endpoint/hub/password'}})
    expect(await kubeTestSecrets(namespace).get({project: 'default', kind: 'Endpoint', name: 'hub', field: 'password'})).to.equal(password)
    const crs = await kubectl(['get', 'berth', '-n', namespace, '-o', 'yaml'])
    expect(crs).to.not.contain(password)

    // A change made on the cluster comes back with import; an empty machine gets everything.
    const updated = await runBerth(['endpoint', 'update', 'hub', '--username', 'tenant/deployer', '--password-stdin'], {env: onKube(), input: `${password}-v2`})
    expect(updated.code, updated.stderr).to.equal(0)
    const imported = await runBerth(['state', 'import', '--json'], {env: env(home)})
    expect(imported.code, imported.stderr).to.equal(0)
    const back = JSON.parse(imported.stdout) as Transfer
    expect(back.objects.map((o) => `${o.action} ${o.kind} ${o.project}/${o.name}`)).to.deep.equal([
      'updated Endpoint default/hub',
      'unchanged Endpoint payments/prod',
      'unchanged Service payments/web',
      'unchanged Environment payments/live',
    ])
    expect(back.secrets.map((s) => `${s.action} ${s.name}.${s.field}`)).to.deep.equal(['copied hub.password', 'unchanged prod.kubeconfig'])
    const local = await new StateStore({home}).get('Endpoint', 'hub', 'default')
    expect(local.spec).to.include({username: 'tenant/deployer'})
    expect(local.spec.secretRefs).to.deep.equal({password: {backend: 'file', key: 'default/Endpoint/hub/password'}})
    const secrets = new FileSecretStore({file: path.join(home, 'secrets.enc'), passphrase: 'pass phrase!'})
    expect(await secrets.get({project: 'default', kind: 'Endpoint', name: 'hub', field: 'password'})).to.equal(`${password}-v2`)

    const fresh = newHome()
    const intoFresh = await runBerth(['state', 'import'], {env: env(fresh)})
    expect(intoFresh.code, intoFresh.stderr).to.equal(0)
    expect(intoFresh.stderr).to.equal(`From kubernetes (namespace "${namespace}") to file (${fresh}): 4 created, 0 updated, 0 unchanged; secrets: 2 copied, 0 unchanged.\n`)
    expect(await new StateStore({home: fresh}).readBody('Service', 'web', 'payments', 'manifests.yaml')).to.equal(MANIFESTS)
    const show = await runBerth(['endpoint', 'show', 'prod', '--project', 'payments', '--json'], {env: env(fresh)})
    expect(JSON.parse(show.stdout).secrets).to.deep.equal({kubeconfig: '******** (file)'})
    expect((await runBerth(['state', 'import'], {env: env(fresh)})).stderr).to.match(/: 0 created, 0 updated, 4 unchanged; secrets: 0 copied, 2 unchanged\.\n$/)
  })

  it('skips a damaged file with a warning and moves the rest', async () => {
    const home = newHome()
    expect((await runBerth(['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'HPUAEXAMPLEKEY000001', '--secret-access-key-stdin'], {env: env(home), input: 'sk/with+symbols='})).code).to.equal(0)
    const broken = path.join(home, 'projects', 'default', 'endpoints', 'broken.yaml')
    await fs.writeFile(broken, 'apiVersion: berth.dev/v1alpha1\nkind: Endpoint\nmetadata: {name: broken\n')
    const result = await runBerth(['state', 'export', '--json'], {env: env(home)})
    expect(result.code, result.stderr).to.equal(0)
    const body = JSON.parse(result.stdout) as Transfer & {damaged: Array<{file: string}>}
    expect(body.objects.map((o) => `${o.action} ${o.name}`)).to.deep.equal(['created cloud'])
    expect(body.damaged.map((d) => d.file)).to.deep.equal([broken])
    expect(result.stderr).to.match(new RegExp(`^Warning: skipped: The stored Endpoint "broken" in ${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged: `))
  })

  it('fails in plain words when the namespace is not there, and changes nothing', async () => {
    const home = newHome()
    expect((await runBerth(['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'HPUAEXAMPLEKEY000001', '--secret-access-key-stdin'], {env: env(home), input: 'sk'})).code).to.equal(0)
    const before = await stateFiles(home)
    const result = await runBerth(['state', 'export'], {env: env(home, {BERTH_KUBE_NAMESPACE: 'berth-nowhere'})})
    expect(await stateFiles(home)).to.deep.equal(before)
    expect(result.code).to.equal(1)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.equal(
      'Error: berth\'s namespace "berth-nowhere" does not exist on this cluster (could not write berth\'s secrets).\nHint: Create it with berth\'s resources: berth install --print --namespace berth-nowhere | kubectl apply --server-side -f -\n',
    )
  })
})
