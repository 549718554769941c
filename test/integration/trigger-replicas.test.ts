// Three `berth trigger serve` processes on the kubernetes backend (the real test kube-apiserver),
// standing in for a Deployment's replicas: 1,000 events for 20 targets, sent round-robin, one
// replica killed with SIGKILL half-way. Checks: every event recorded exactly once (an Execution
// per event id), no two actions of one target overlapping (the action's own start/end lines and
// the recorded start/end times), each target ending on its newest tag, nothing answered 202 lost.
// Sizes: BERTH_TEST_REPLICA_EVENTS (default 1000) and BERTH_TEST_REPLICA_TARGETS (default 20).
import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'

import {BerthContext} from '../../src/lib/context.js'
import {PROJECT_LABEL} from '../../src/lib/state/schemas.js'
import {KubeRunStore, RunObject} from '../../src/lib/triggers/kube-runs.js'
import {createTrigger} from '../../src/lib/triggers/service.js'
import {BackendHome, adminClient, backendHome} from '../helpers/backends.js'
import {berthEnv, runBerth} from '../helpers/cli.js'
import {distributionEvent} from '../lib/triggers/fixtures.js'
import {ServeProcess, startServe} from './trigger-helpers.js'

const EVENTS = Number(process.env.BERTH_TEST_REPLICA_EVENTS ?? 1000)
const TARGETS = Number(process.env.BERTH_TEST_REPLICA_TARGETS ?? 20)
const PROJECT = 'payments'
const agent = new http.Agent({keepAlive: true, maxSockets: 64})

interface Reply {
  status: number
  body: string
}

function post(url: string, body: string, token: string): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request(url, {method: 'POST', agent, headers: {'content-type': 'application/vnd.docker.distribution.events.v2+json', authorization: `Bearer ${token}`}}, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: text}))
    })
    req.on('error', (error) => resolve({status: 0, body: error.message}))
    req.end(body)
  })
}

describe('trigger serve replicas on the kubernetes backend', function () {
  this.timeout(240_000)
  let b: BackendHome | undefined
  let out: string
  const replicas: ServeProcess[] = []

  afterEach(async () => {
    for (const r of replicas) await r.stop().catch(() => -1)
    replicas.length = 0
    rmSync(out, {recursive: true, force: true})
    await b?.cleanup()
  })

  it(`records ${EVENTS} events for ${TARGETS} targets once each across three replicas, one killed mid-load: no overlap, each target on its newest tag, nothing lost`, async function () {
    b = await backendHome(this, 'kubernetes')
    out = mkdtempSync(path.join(os.tmpdir(), 'berth-replicas-'))
    const env = berthEnv(b.home, {BERTH_PROJECT: PROJECT})
    const ctx = new BerthContext({env})
    await ctx.state().create({kind: 'Endpoint', metadata: {name: 'payments-registry', project: PROJECT}, spec: {type: 'docker-registry', address: 'http://127.0.0.1:35001', username: 'ci-bot@payments.example.com', secretRefs: {}}})
    const names = Array.from({length: TARGETS}, (_, i) => `deploy-${String(i + 1).padStart(2, '0')}`)
    const tokens = new Map<string, string>()
    // The action records its own start and end (ns) in one file per target: overlapping runs would interleave.
    const command = `echo "start $BERTH_TAG $(date +%s%N)" >> "${out}/$BERTH_TRIGGER"; sleep 0.03; echo "end $BERTH_TAG $(date +%s%N)" >> "${out}/$BERTH_TRIGGER"`
    for (const name of names) {
      const made = await createTrigger(ctx, {name, endpoint: 'payments-registry', image: `payments/${name}`, action: {type: 'exec', command}})
      tokens.set(name, made.token)
    }

    for (let i = 0; i < 3; i++) {
      const serve = startServe(env, ['--replica-id', `replica-${i}`, '--lease-seconds', '4', '--sweep-ms', '500', '--concurrency', '8'])
      replicas.push(serve)
    }
    const urls = await Promise.all(replicas.map((r) => r.url))
    const started = Date.now()

    const admin = await adminClient()
    const heldBy = async (holder: string) => {
      const leases = (await admin.request<{items: Array<{spec: {holderIdentity?: string}}>}>({method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${b!.namespace}/leases`})).body.items
      return leases.filter((l) => l.spec.holderIdentity === holder).length
    }
    let heldAtKill = 0
    const rounds = Math.ceil(EVENTS / TARGETS)
    const killAt = Math.floor(rounds / 2)
    const accepted = new Map<string, {trigger: string; tag: string}>()
    let sent = 0
    let duplicatesAnswered = 0
    let dead = -1
    for (let round = 1; round <= rounds; round++) {
      if (round === killAt) {
        // Replica 2 dies holding targets (waited for, up to 3 s); their Leases expire after 4 s.
        const until = Date.now() + 3000
        while ((heldAtKill = await heldBy('replica-2')) === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
        dead = 2
        replicas[2]!.kill()
      }
      const batch: Array<Promise<void>> = []
      for (const [t, name] of names.entries()) {
        if (sent >= EVENTS) break
        const index = sent++
        const tag = `1.${round}.0`
        const eventId = `evt-${name}-${round}`
        let to = index % 3
        if (to === dead) to = (to + 1) % 3
        const envelope = JSON.stringify({events: [distributionEvent(index, {repository: `payments/${name}`, tag, id: eventId})]})
        batch.push(
          (async () => {
            const reply = await post(`${urls[to]}/hooks/${name}`, envelope, tokens.get(name)!)
            expect(reply.status, reply.body).to.equal(202)
            expect(JSON.parse(reply.body)).to.include({accepted: 1, duplicates: 0})
            accepted.set(eventId, {trigger: name, tag})
            // Every fifth event is delivered again, to another replica: a duplicate there.
            if ((index + t) % 5 === 0) {
              const other = [0, 1, 2].find((r) => r !== to && r !== dead)!
              const again = await post(`${urls[other]}/hooks/${name}`, envelope, tokens.get(name)!)
              expect(again.status, again.body).to.equal(202)
              expect(JSON.parse(again.body)).to.include({accepted: 0, duplicates: 1})
              duplicatesAnswered++
            }
          })(),
        )
      }
      await Promise.all(batch)
    }
    const sentMs = Date.now() - started

    const runs = new KubeRunStore(admin, b.namespace!)
    let items: RunObject[] = []
    const deadline = Date.now() + 120_000
    for (;;) {
      items = await runs.list({[PROJECT_LABEL]: PROJECT})
      if (items.length >= accepted.size && items.every((o) => !['queued', 'running'].includes(o.spec.status))) break
      if (Date.now() > deadline) throw new Error(`runs still open after 120 s: ${items.filter((o) => ['queued', 'running'].includes(o.spec.status)).length}\n${replicas.map((r) => r.stderr().slice(-2000)).join('\n---\n')}`)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    const settledMs = Date.now() - started

    // Every event recorded exactly once.
    expect(accepted.size).to.equal(EVENTS)
    expect(items).to.have.length(EVENTS)
    const byEvent = new Map(items.map((o) => [o.spec.eventId, o]))
    expect(byEvent.size).to.equal(EVENTS)
    for (const eventId of accepted.keys()) expect(byEvent.has(eventId), eventId).to.equal(true)

    const counts: Record<string, number> = {}
    for (const o of items) counts[o.spec.status] = (counts[o.spec.status] ?? 0) + 1
    expect(Object.keys(counts).every((s) => ['succeeded', 'ignored', 'interrupted'].includes(s)), JSON.stringify(counts)).to.equal(true)

    const newestTag = `1.${rounds}.0`
    for (const name of names) {
      const mine = items.filter((o) => o.spec.trigger === name).sort((x, y) => (x.spec.run < y.spec.run ? -1 : 1))
      // The action's own lines: strictly start, end, start, end … (an overlap would interleave).
      const lines = readFileSync(path.join(out, name), 'utf8').trim().split('\n').map((l) => l.split(' '))
      let previousEnd = 0n
      for (let i = 0; i < lines.length; i += 2) {
        const [s, sTag, sAt] = lines[i]!
        const [e, eTag, eAt] = lines[i + 1] ?? []
        expect([s, e, eTag], `${name} line ${i}`).to.deep.equal(['start', 'end', sTag])
        expect(BigInt(sAt!) >= previousEnd, `${name}: run ${sTag} started before the previous one ended`).to.equal(true)
        previousEnd = BigInt(eAt!)
      }
      // Each target ends on its newest tag: the last action run, and the newest event's record.
      expect(lines.at(-1)?.[1], name).to.equal(newestTag)
      expect(mine.at(-1)?.spec.inputs.tag).to.equal(newestTag)
      expect(mine.at(-1)?.spec.status).to.equal('succeeded')
      // The recorded times agree: no two succeeded runs of one target overlap.
      const done = mine.filter((o) => o.spec.status === 'succeeded').sort((x, y) => Date.parse(x.spec.startedAt!) - Date.parse(y.spec.startedAt!))
      for (let i = 1; i < done.length; i++) expect(Date.parse(done[i]!.spec.startedAt!), `${name} ${done[i]!.spec.run}`).to.be.at.least(Date.parse(done[i - 1]!.spec.finishedAt!))
      // Nothing answered 202 is lost: not run only when superseded by a newer run that did run.
      const lastSucceeded = done.at(-1)!.spec.run
      for (const o of mine) if (o.spec.status !== 'succeeded') expect(o.spec.run < lastSucceeded, `${o.spec.run} ${o.spec.status} not superseded`).to.equal(true)
    }

    // The dead replica's targets were taken over: it holds no Lease any more.
    expect(await heldBy('replica-2')).to.equal(0)

    // history reads the Execution objects on this backend.
    const history = await runBerth(['trigger', 'history', names[0]!, '--limit', '1', '--json'], {env})
    expect(history.code, history.stderr).to.equal(0)
    expect((JSON.parse(history.stdout) as Array<{inputs: {tag: string}; status: string}>)[0]).to.deep.include({status: 'succeeded'})

    const interrupted = items.filter((o) => o.spec.status === 'interrupted').length
    const takenOver = items.filter((o) => /taken over/.test(o.spec.reason ?? '')).length
    console.log(`      ${EVENTS} events (${duplicatesAnswered} redelivered as duplicates) to 3 replicas: all answered in ${sentMs} ms, all settled in ${settledMs} ms; ${JSON.stringify(counts)}; replica-2 killed holding ${heldAtKill} target(s): interrupted ${interrupted}, taken over ${takenOver}`)
  })
})
