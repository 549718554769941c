// The kubernetes backend's trigger scheduling against the real test kube-apiserver: Leases,
// event dedup through Execution names, takeover after a replica dies, retention by count.
import {expect} from 'chai'

import type {KubeClient} from '../../../src/lib/kube/client.js'
import {microTime, tryAcquireLease} from '../../../src/lib/kube/lease.js'
import type {RunRecord} from '../../../src/lib/triggers/history.js'
import {KubeRunStore, RunSpec, targetLabel} from '../../../src/lib/triggers/kube-runs.js'
import {KubeScheduler, targetLeaseName, withTargetLease} from '../../../src/lib/triggers/kube-scheduler.js'
import {newRunId} from '../../../src/lib/triggers/runs.js'
import {SchedulerHooks, targetKey} from '../../../src/lib/triggers/scheduler.js'
import type {TriggerDocument} from '../../../src/lib/triggers/types.js'
import {adminClient, installCrds, tempNamespace} from '../../helpers/backends.js'
import {requireService} from '../../helpers/services.js'
import {GatedRunner, until} from './fixtures.js'

const trigger: TriggerDocument = {
  apiVersion: 'berth.dev/v1alpha1',
  kind: 'Trigger',
  metadata: {name: 'checkout-api', project: 'payments', createdBy: 'tenant/user', createdAt: '2026-11-24T09:00:00.000Z', generation: 1},
  spec: {endpoint: 'payments-registry', image: 'payments/checkout-api', action: {type: 'service', service: 'checkout', environment: 'dev'}, enabled: true, token: {backend: 'file', key: 'x'}, tokenVersion: 1, publicUrl: 'http://127.0.0.1:8080'},
}
const target = targetKey(trigger)

function record(tag: string, eventId: string, at = new Date()): RunRecord {
  return {run: newRunId(at), trigger: 'checkout-api', project: 'payments', status: 'queued', at: at.toISOString(), queuedAt: at.toISOString(), source: 'distribution', eventId, inputs: {tag, image: `127.0.0.1:35001/payments/checkout-api:${tag}`}}
}

describe('trigger scheduling on the kubernetes backend', function () {
  this.timeout(60_000)
  let client: KubeClient
  let namespace: string
  let remove: () => Promise<void>
  let runs: KubeRunStore
  let runner: GatedRunner
  const schedulers: KubeScheduler[] = []
  const lines: string[] = []

  const hooks = (): SchedulerHooks => ({
    runner,
    now: () => new Date(),
    trigger: (name) => (name === 'checkout-api' ? trigger : undefined),
    triggers: () => [trigger],
    finished: async () => {},
    superseded: () => {},
    unrecorded: () => {},
    say: (line) => lines.push(line),
  })
  const scheduler = (replicaId: string, extra: {leaseSeconds?: number; retention?: number; retentionEveryMs?: number} = {}) => {
    const s = new KubeScheduler(client, namespace, {project: 'payments', concurrency: 4, replicaId, leaseSeconds: 2, sweepMs: 200, ...extra}, hooks())
    schedulers.push(s)
    return s
  }

  before(async function () {
    requireService(this, 'kube')
    await installCrds()
    client = await adminClient()
  })

  beforeEach(async () => {
    ;({namespace, remove} = await tempNamespace('berth-sched'))
    runs = new KubeRunStore(client, namespace)
    runner = new GatedRunner()
    lines.length = 0
  })

  afterEach(async () => {
    runner.gated = false
    while (runner.waiting > 0) runner.release()
    for (const s of schedulers) await s.stop()
    schedulers.length = 0
    await remove()
  })

  it('a Lease is taken by one holder at a time, and by another once its holder stops renewing', async () => {
    const options = {namespace, name: 'berth-target-test', durationSeconds: 1}
    const first = await tryAcquireLease(client, {...options, identity: 'replica-a'})
    expect(first).to.not.equal(undefined)
    expect(await tryAcquireLease(client, {...options, identity: 'replica-b'})).to.equal(undefined)
    expect(await first!.lease.renew({'berth.dev/last-run': 'x'})).to.equal(true)
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const second = await tryAcquireLease(client, {...options, identity: 'replica-b'})
    expect(second?.expiredHolder).to.equal('replica-a')
    expect(second?.lease.annotations['berth.dev/last-run']).to.equal('x')
    // The old holder finds out at its next renewal, and stops.
    expect(await first!.lease.renew()).to.equal(false)
    expect(first!.lease.held).to.equal(false)
    await second!.lease.release()
    const third = await tryAcquireLease(client, {...options, identity: 'replica-a'})
    expect(third?.expiredHolder).to.equal(undefined)
  })

  it('records an event once across replicas: the second submit of its id is a duplicate', async () => {
    const a = scheduler('replica-a')
    const b = scheduler('replica-b')
    await a.start()
    await b.start()
    const r = record('1.4.0', '7c1e5f2a-4b8d-4e0a-9f3c-000000000001')
    const outcomes = await Promise.all([a.submit({trigger, record: r}), b.submit({trigger, record: {...r, run: newRunId(new Date())}}), a.submit({trigger, record: r})])
    expect(outcomes.filter((o) => o === 'recorded')).to.have.length(1)
    expect(outcomes.filter((o) => o === 'duplicate')).to.have.length(2)
    await until(() => runner.waiting === 1)
    runner.release()
    await until(async () => (await runs.list({})).every((o) => o.spec.status === 'succeeded'))
    expect(await runs.list({})).to.have.length(1)
  })

  it('takes over the run of a replica that died mid-run once its Lease expires, or records it interrupted when a newer push waits', async () => {
    const now = new Date()
    const stale = microTime(new Date(now.getTime() - 10_000))
    // What a dead replica left: its target's Lease (not renewed for 10 s) and a run it was running.
    await client.request({method: 'POST', path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, body: {apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: {name: `berth-target-${targetLabel(target)}`}, spec: {holderIdentity: 'replica-dead', leaseDurationSeconds: 2, acquireTime: stale, renewTime: stale}}})
    const dying: RunSpec = {...record('1.4.1', 'evt-1', new Date(now.getTime() - 5000)), status: 'running', startedAt: new Date(now.getTime() - 5000).toISOString(), target, replica: 'replica-dead'}
    await runs.create(dying)
    const s = scheduler('replica-a')
    await s.start()
    await until(() => runner.waiting === 1)
    expect(runner.calls.map((c) => c.tag)).to.deep.equal(['1.4.1'])
    runner.release()
    await until(async () => (await runs.list({}))[0]?.spec.status === 'succeeded')
    const [taken] = await runs.list({})
    expect(taken!.spec.reason).to.match(/^taken over by replica replica-a: replica replica-dead stopped while running it$/)
    expect(lines.some((l) => l.includes('taken over from replica replica-dead, whose lease expired'))).to.equal(true)

    // Dead again, this time with a newer push waiting: the dead run is interrupted, the newer one runs.
    await s.stop()
    const lease = (await client.request<{metadata: {resourceVersion: string}; spec: Record<string, unknown>}>({method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/berth-target-${targetLabel(target)}`})).body
    await client.request({method: 'PUT', path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/berth-target-${targetLabel(target)}`, body: {...lease, spec: {...lease.spec, holderIdentity: 'replica-dead', renewTime: microTime(new Date(Date.now() - 10_000))}}})
    await runs.create({...record('1.4.2', 'evt-2', new Date(Date.now() - 3000)), status: 'running', target, replica: 'replica-dead'})
    await runs.create({...record('1.4.3', 'evt-3'), target, replica: 'replica-dead'})
    const s2 = scheduler('replica-b')
    await s2.start()
    await until(() => runner.waiting === 1)
    runner.release()
    await until(async () => (await runs.list({})).every((o) => !['queued', 'running'].includes(o.spec.status)))
    const byTag = Object.fromEntries((await runs.list({})).map((o) => [o.spec.inputs.tag, o.spec]))
    expect(byTag['1.4.2']).to.deep.include({status: 'interrupted', error: 'replica replica-dead stopped while this run was running (its lease expired), and a newer push (tag 1.4.3) was waiting'})
    expect(byTag['1.4.3']!.status).to.equal('succeeded')
    expect(runner.calls.map((c) => c.tag)).to.deep.equal(['1.4.1', '1.4.3'])
  })

  it('a manual run (trigger fire) waits for the replica holding its target, and gives up after its wait with a plain message', async () => {
    const held = await tryAcquireLease(client, {namespace, name: targetLeaseName(target), identity: 'replica-a', durationSeconds: 30})
    expect(held).to.not.equal(undefined)
    const options = {namespace, target, identity: 'berth-trigger-fire-1', leaseSeconds: 5, run: newRunId(new Date()), project: 'payments'}
    let error: unknown
    await withTargetLease(client, {...options, waitMs: 300}, async () => 'ran').catch((e: unknown) => (error = e))
    expect((error as Error).message).to.equal(`Another run of this target is under way (its Lease ${targetLeaseName(target)} in namespace "${namespace}" is held), and it did not finish within 300 ms.`)
    let releasedAt = 0
    setTimeout(() => {
      releasedAt = Date.now()
      void held!.lease.release()
    }, 700)
    const startedAt = await withTargetLease(client, {...options, waitMs: 10_000}, async () => Date.now())
    expect(releasedAt).to.be.greaterThan(0)
    expect(startedAt).to.be.at.least(releasedAt)
    // The manual run is now the target's last run: an older queued push is not run after it.
    const again = await tryAcquireLease(client, {namespace, name: targetLeaseName(target), identity: 'replica-b', durationSeconds: 5})
    expect(again!.lease.annotations['berth.dev/last-run']).to.equal(options.run)
  })

  it('on stop a replica finishes its running action and leaves the waiting push queued, which another replica runs', async () => {
    const a = scheduler('replica-a')
    await a.start()
    expect(await a.submit({trigger, record: record('1.5.0', 'evt-a')})).to.equal('recorded')
    await until(() => runner.waiting === 1)
    expect(await a.submit({trigger, record: record('1.5.1', 'evt-b')})).to.equal('recorded')
    const stopped = a.stop()
    runner.release()
    expect(await stopped).to.deep.equal({kept: 1})
    const spec = async (tag: string) => (await runs.list({})).find((o) => o.spec.inputs.tag === tag)!.spec
    expect(await spec('1.5.0')).to.deep.include({status: 'succeeded', replica: 'replica-a'})
    expect((await spec('1.5.1')).status).to.equal('queued')
    await scheduler('replica-b').start()
    await until(() => runner.waiting === 1)
    runner.release()
    await until(async () => (await spec('1.5.1')).status === 'succeeded')
    expect(await spec('1.5.1')).to.deep.include({replica: 'replica-b'})
    expect(runner.calls.map((c) => c.tag)).to.deep.equal(['1.5.0', '1.5.1'])
  })

  it('fails a queued run of a trigger still unknown a minute after its push (deleted), and leaves a fresh one queued', async () => {
    const gone = {...trigger, metadata: {...trigger.metadata, name: 'ledger-gone'}, spec: {...trigger.spec, action: {type: 'exec' as const, command: 'true'}}}
    const old = new Date(Date.now() - 120_000)
    await runs.create({...record('2.0.0', 'evt-old', old), trigger: 'ledger-gone', target: targetKey(gone)})
    const newer = {...trigger, metadata: {...trigger.metadata, name: 'ledger-new'}, spec: gone.spec}
    await runs.create({...record('2.0.1', 'evt-new'), trigger: 'ledger-new', target: targetKey(newer)})
    await scheduler('replica-a').start()
    await until(async () => (await runs.list({})).some((o) => o.spec.status === 'failed'))
    const byTrigger = Object.fromEntries((await runs.list({})).map((o) => [o.spec.trigger, o.spec]))
    expect(byTrigger['ledger-gone']).to.deep.include({status: 'failed', error: 'trigger "ledger-gone" no longer exists'})
    expect(byTrigger['ledger-new']!.status).to.equal('queued')
    expect(runner.calls).to.deep.equal([])
  })

  it('keeps at most the retention count of finished runs per trigger, oldest deleted first', async () => {
    const start = Date.now() - 60_000
    for (let i = 0; i < 8; i++) await runs.create({...record(`1.0.${i}`, `evt-${i}`, new Date(start + i * 1000)), status: 'succeeded', target})
    await runs.create({...record('1.0.9', 'evt-open', new Date(start + 9000)), status: 'queued', target})
    expect(await runs.prune('payments', 3)).to.equal(5)
    const left = (await runs.list({})).map((o) => o.spec.inputs.tag).sort()
    expect(left).to.deep.equal(['1.0.5', '1.0.6', '1.0.7', '1.0.9'])
    // What `trigger history` reads: newest first, status filter, limit.
    expect((await runs.history('payments', 'checkout-api', {limit: 2})).map((r) => r.inputs.tag)).to.deep.equal(['1.0.9', '1.0.7'])
    expect((await runs.history('payments', 'checkout-api', {status: 'queued'})).map((r) => r.inputs.tag)).to.deep.equal(['1.0.9'])
  })
})
