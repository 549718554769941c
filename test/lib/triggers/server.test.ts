import {expect} from 'chai'
import {promises as fs, readFileSync} from 'node:fs'
import http from 'node:http'
import path from 'node:path'

import type {BerthContext} from '../../../src/lib/context.js'
import {TransientActionError} from '../../../src/lib/triggers/actions.js'
import {HistoryLog, RunRecord, historyFile, readHistory} from '../../../src/lib/triggers/history.js'
import {TriggerServer, callbackAllowed} from '../../../src/lib/triggers/server.js'
import {createTrigger, setTriggerEnabled, triggerToken} from '../../../src/lib/triggers/service.js'
import type {TriggerAction} from '../../../src/lib/triggers/types.js'
import {ROOT, tempHome} from '../../helpers/cli.js'
import {GatedRunner, distributionEvent, fileContext, recordingServer, storeRegistryEndpoint, until} from './fixtures.js'

const hubPayload = () => JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'triggers', 'docker-hub.json'), 'utf8')) as {callback_url: string; push_data: {pushed_at: number}} & Record<string, unknown>

interface Reply {
  status: number
  body: string
  headers: http.IncomingHttpHeaders
}

function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method: 'POST', headers: {'content-type': 'application/json', ...headers}, agent: false}, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: text, headers: res.headers}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('trigger serve (library)', function () {
  this.timeout(30_000)
  let home: string
  let cleanup: () => void
  let ctx: BerthContext
  let runner: GatedRunner
  let server: TriggerServer | undefined
  let base: string

  const history = async (name: string) => (await readHistory(historyFile(home, 'payments', name), {limit: 1000})).records
  const lines = async (name: string) => {
    try {
      return (await fs.readFile(historyFile(home, 'payments', name), 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord)
    } catch {
      return []
    }
  }

  async function make(name: string, action: TriggerAction, extra: {image?: string; tagPattern?: string; disabled?: boolean; dryRun?: boolean} = {}): Promise<string> {
    const made = await createTrigger(ctx, {name, endpoint: 'payments-registry', image: extra.image ?? 'payments/checkout-api', action, ...extra})
    return made.token
  }

  async function start(options: Partial<ConstructorParameters<typeof TriggerServer>[0]> = {}): Promise<void> {
    server = new TriggerServer({project: 'payments', port: 0, retry: {attempts: 3, baseDelayMs: 10}, reloadMs: 50, ...options}, {ctx, runner})
    base = (await server.start()).url
  }

  beforeEach(async () => {
    ;({home, cleanup} = tempHome())
    ctx = fileContext(home)
    runner = new GatedRunner()
    await storeRegistryEndpoint(ctx, 'payments-registry')
    await ctx.state().create({kind: 'Endpoint', metadata: {name: 'dev-cluster', project: 'payments'}, spec: {type: 'kubernetes', server: 'https://127.0.0.1:6443', secretRefs: {}}})
    await ctx.state().create({kind: 'Service', metadata: {name: 'checkout', project: 'payments'}, spec: {type: 'k8s'}})
    await ctx.state().create({kind: 'DeploymentRuntime', metadata: {name: 'checkout-dev', project: 'payments'}, spec: {}})
  })

  afterEach(async () => {
    while (runner.waiting > 0) runner.release()
    runner.gated = false
    await server?.stop()
    server = undefined
    cleanup()
  })

  it('runs an exec action for the source\'s Docker Hub payload, the inputs in the environment', async () => {
    const out = path.join(home, 'out.env')
    const token = await make('hub-hook', {type: 'exec', command: `env | grep -E '^(BERTH_|RELEASE_CHANNEL)' | sort > '${out}'`}, {image: 'svendowideit/testhook'})
    await ctx.state().update('Trigger', 'hub-hook', 'payments', (d) => ({...d, spec: {...d.spec, inputs: {RELEASE_CHANNEL: 'stable'}}}))
    await start()
    const reply = await post(`${base}/pipelines/api/docker-hub-webhooks?secureToken=${encodeURIComponent(token)}`, JSON.stringify(hubPayload()))
    expect(reply.status, reply.body).to.equal(202)
    expect(JSON.parse(reply.body)).to.include({events: 1, accepted: 1, ignored: 0, duplicates: 0})
    await until(async () => (await history('hub-hook'))[0]?.status === 'succeeded')
    const env = readFileSync(out, 'utf8')
    for (const line of ['BERTH_OWNER=svendowideit', 'BERTH_NAMESPACE=svendowideit', 'BERTH_REPOSITORY_NAME=testhook', 'BERTH_IMAGE=svendowideit/testhook:latest', 'BERTH_TAG=latest', 'BERTH_PUSHER=trustedbuilder', 'BERTH_TRIGGER=hub-hook', 'BERTH_PROJECT=payments', 'RELEASE_CHANNEL=stable']) {
      expect(env).to.include(`${line}\n`)
    }
    expect(env).to.not.include('BERTH_PASSPHRASE')
    expect((await lines('hub-hook')).map((r) => r.status)).to.deep.equal(['queued', 'running', 'succeeded'])
  })

  it('accepts the token as a Bearer header on /hooks/NAME', async () => {
    const token = await make('checkout-api', {type: 'exec', command: 'true'})
    await start()
    const reply = await post(`${base}/hooks/checkout-api`, JSON.stringify({events: [distributionEvent(1)]}), {authorization: `Bearer ${token}`, 'content-type': 'application/vnd.docker.distribution.events.v2+json'})
    expect(reply.status, reply.body).to.equal(202)
    expect(JSON.parse(reply.body).accepted).to.equal(1)
  })

  it('answers a wrong, a missing and another trigger\'s token, and an unknown trigger, with the same 401, recording nothing', async () => {
    const token = await make('checkout-api', {type: 'exec', command: 'true'})
    const other = await make('ledger', {type: 'exec', command: 'true'}, {image: 'payments/ledger'})
    await start()
    const body = JSON.stringify({events: [distributionEvent(1)]})
    const replies = [
      // The last character changed (a token ending in "A" made this the right token, 1 run in 64).
      await post(`${base}/hooks/checkout-api?secureToken=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, body),
      await post(`${base}/hooks/checkout-api`, body),
      await post(`${base}/hooks/checkout-api`, body, {authorization: `Bearer ${other}`}),
      await post(`${base}/hooks/no-such-trigger?secureToken=${token}`, body),
      await post(`${base}/pipelines/api/docker-hub-webhooks?secureToken=wrong`, body),
      await post(`${base}/pipelines/api/docker-hub-webhooks`, body),
    ]
    for (const reply of replies) {
      expect(reply.status).to.equal(401)
      expect(reply.body).to.equal('{"error":"unauthorized"}')
      expect(reply.headers['www-authenticate']).to.equal(undefined)
    }
    expect(await lines('checkout-api')).to.deep.equal([])
    expect(server!.counters.unauthorized).to.equal(6)
  })

  it('records a push to a disabled trigger as ignored and runs nothing', async () => {
    const token = await make('checkout-api', {type: 'service', service: 'checkout', clusterEndpoint: 'dev-cluster'}, {disabled: true})
    await start()
    const reply = await post(`${base}/hooks/checkout-api?secureToken=${token}`, JSON.stringify({events: [distributionEvent(7)]}))
    expect(reply.status).to.equal(202)
    expect(JSON.parse(reply.body)).to.include({accepted: 0, ignored: 1})
    expect((await history('checkout-api')).map((r) => [r.status, r.reason])).to.deep.equal([['ignored', 'the trigger is disabled']])
    expect(runner.calls).to.deep.equal([])
  })

  it('notices enable and token rotation without a restart', async () => {
    const token = await make('checkout-api', {type: 'exec', command: 'true'}, {disabled: true})
    await start()
    await setTriggerEnabled(ctx, 'checkout-api', true)
    const rotated = await triggerToken(ctx, 'checkout-api', {rotate: true})
    await until(async () => (await post(`${base}/hooks/checkout-api?secureToken=${rotated.token}`, JSON.stringify({events: [distributionEvent(2)]}))).status === 202)
    expect((await post(`${base}/hooks/checkout-api?secureToken=${token}`, JSON.stringify({events: [distributionEvent(3)]}))).status).to.equal(401)
    await until(async () => (await history('checkout-api')).some((r) => r.status === 'succeeded'))
  })

  it('refuses a body over the limit by its Content-Length with 413, before any of it is sent', async () => {
    const token = await make('checkout-api', {type: 'exec', command: 'true'})
    await start({maxBodyBytes: 1024 * 1024})
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${base}/hooks/checkout-api?secureToken=${token}`, {method: 'POST', headers: {'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024)}, agent: false}, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body: text, headers: res.headers}))
      })
      req.on('error', reject)
      req.flushHeaders() // headers only: the answer must come without the body
    })
    expect(reply.status).to.equal(413)
    expect(reply.headers.connection).to.equal('close')
    expect(server!.counters.tooLarge).to.equal(1)
  })

  it('stops reading a chunked body once it passes the limit, and drops the connection', async () => {
    const token = await make('checkout-api', {type: 'exec', command: 'true'})
    await start({maxBodyBytes: 64 * 1024})
    let sent = 0
    const reply = await new Promise<Reply & {sent: number}>((resolve, reject) => {
      const req = http.request(`${base}/hooks/checkout-api?secureToken=${token}`, {method: 'POST', headers: {'content-type': 'application/json', 'transfer-encoding': 'chunked'}, agent: false}, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body: text, headers: res.headers, sent}))
      })
      req.on('error', (error) => (sent > 0 ? undefined : reject(error)))
      const chunk = Buffer.alloc(16 * 1024, 'x')
      const pump = () => {
        // Up to 64 MiB if nobody stops us.
        while (sent < 64 * 1024 * 1024 && !req.destroyed) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
      }
      pump()
    })
    expect(reply.status).to.equal(413)
    expect(reply.sent).to.be.below(16 * 1024 * 1024)
    expect(await lines('checkout-api')).to.deep.equal([])
  })

  it('answers malformed JSON and unknown formats with 400', async () => {
    const token = await make('checkout-api', {type: 'exec', command: 'true'})
    await start()
    const url = `${base}/hooks/checkout-api?secureToken=${token}`
    const verbatim = readFileSync(path.join(ROOT, 'test', 'fixtures', 'triggers', 'docker-hub-seed-verbatim.txt'))
    expect(await post(url, verbatim)).to.deep.include({status: 400, body: '{"error":"The body is not valid JSON."}'})
    expect(await post(url, '{"events": [')).to.deep.include({status: 400, body: '{"error":"The body is not valid JSON."}'})
    expect(await post(url, '{"hello": "world"}')).to.deep.include({status: 400, body: '{"error":"The body is not a Docker Hub webhook, a registry notification envelope or a Harbor event."}'})
    expect(await lines('checkout-api')).to.deep.equal([])
  })

  it('takes an envelope of 100 events: each push recorded, duplicates dropped, one run at a time, the newest tag next', async () => {
    const token = await make('checkout-api', {type: 'service', service: 'checkout', clusterEndpoint: 'dev-cluster', namespace: 'payments-dev', container: 'api'})
    await start()
    const events = Array.from({length: 100}, (_, i) => distributionEvent(i, i % 10 === 9 ? {action: 'pull'} : {}))
    const reply = await post(`${base}/hooks/checkout-api?secureToken=${token}`, JSON.stringify({events}))
    expect(reply.status).to.equal(202)
    const answer = JSON.parse(reply.body)
    expect(answer).to.include({events: 100, accepted: 90, ignored: 0, duplicates: 0})
    // The same envelope again (a registry retrying): every push is a duplicate.
    const again = JSON.parse((await post(`${base}/hooks/checkout-api?secureToken=${token}`, JSON.stringify({events}))).body)
    expect(again).to.include({accepted: 0, duplicates: 90})
    await until(() => runner.waiting === 1)
    runner.release()
    await until(() => runner.waiting === 1 && runner.calls.length === 2)
    runner.release()
    await until(async () => (await history('checkout-api')).filter((r) => r.status === 'succeeded').length === 2)
    // The first push ran; the 88 in between were superseded; the newest (tag 1.4.98) ran next.
    expect(runner.calls.map((c) => c.tag)).to.deep.equal(['1.4.0', '1.4.98'])
    expect(runner.calls[1]!.image).to.equal('127.0.0.1:35001/payments/checkout-api:1.4.98')
    const runs = await history('checkout-api')
    expect(runs).to.have.length(90)
    expect(runs.filter((r) => r.status === 'ignored')).to.have.length(88)
    expect(new Set((await lines('checkout-api')).filter((r) => r.status === 'queued').map((r) => r.run)).size).to.equal(answer.accepted)
  })

  it('retries a transient failure with backoff, and records a lasting one as failed', async () => {
    const token = await make('checkout-api', {type: 'runtime', runtime: 'checkout-dev'})
    runner.gated = false
    runner.failures = [new TransientActionError('kube-apiserver: 503 Service Unavailable'), new TransientActionError('connection reset')]
    await start()
    await post(`${base}/hooks/checkout-api?secureToken=${token}`, JSON.stringify({events: [distributionEvent(1)]}))
    await until(async () => (await history('checkout-api'))[0]?.status === 'succeeded')
    expect((await history('checkout-api'))[0]!.attempts).to.equal(3)
    runner.failures = [new Error('Deployment "checkout" is invalid: spec.template.spec.containers[0].image: Required value')]
    await post(`${base}/hooks/checkout-api?secureToken=${token}`, JSON.stringify({events: [distributionEvent(2)]}))
    await until(async () => (await history('checkout-api'))[0]?.status === 'failed')
    expect((await history('checkout-api'))[0]).to.include({attempts: 1, error: 'Deployment "checkout" is invalid: spec.template.spec.containers[0].image: Required value'})
  })

  it('calls back a callback_url only on Docker Hub or an allowed host', async () => {
    const target = await recordingServer()
    try {
      const token = await make('hub-hook', {type: 'exec', command: 'true'}, {image: 'svendowideit/testhook'})
      await start()
      const payload = hubPayload()
      payload.callback_url = `${target.url}/u/svendowideit/testhook/hook/abc/`
      await post(`${base}/pipelines/api/docker-hub-webhooks?secureToken=${token}`, JSON.stringify(payload))
      await until(async () => (await history('hub-hook'))[0]?.status === 'succeeded')
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(target.requests).to.deep.equal([])
      await server!.stop()
      // Now the user allows that host: the result is posted there.
      await start({callbackHosts: [new URL(target.url).host]})
      payload.push_data.pushed_at += 60 // another push (a new event id)
      await post(`${base}/pipelines/api/docker-hub-webhooks?secureToken=${token}`, JSON.stringify(payload))
      await until(() => target.requests.length === 1)
      expect(JSON.parse(target.requests[0]!.body)).to.include({state: 'success', context: 'berth trigger'})
    } finally {
      await target.close()
    }
    expect(callbackAllowed('https://registry.hub.docker.com/u/a/b/hook/x/', [])).to.equal(true)
    expect(callbackAllowed('http://registry.hub.docker.com/u/a/b/hook/x/', [])).to.equal(false)
    expect(callbackAllowed('https://registry.hub.docker.com.evil.example/x', [])).to.equal(false)
    expect(callbackAllowed('https://169.254.169.254/latest/meta-data/', [])).to.equal(false)
    expect(callbackAllowed('https://user:pw@registry.hub.docker.com/x', [])).to.equal(false)
  })

  it('on stop lets the running action finish and keeps the waiting one queued; the next serve runs it', async () => {
    const token = await make('checkout-api', {type: 'service', service: 'checkout', clusterEndpoint: 'dev-cluster'})
    await start()
    await post(`${base}/hooks/checkout-api?secureToken=${token}`, JSON.stringify({events: [distributionEvent(1)]}))
    await until(() => runner.waiting === 1)
    await post(`${base}/hooks/checkout-api?secureToken=${token}`, JSON.stringify({events: [distributionEvent(2)]}))
    const stopping = server!.stop()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await post(`${base}/hooks/checkout-api?secureToken=${token}`, '{}').catch((error: Error) => ({status: 0, body: error.message}))).status).to.not.equal(202)
    runner.release()
    expect(await stopping).to.deep.equal({finished: 1, kept: 1})
    server = undefined
    let runs = await history('checkout-api')
    expect(runs.map((r) => [r.inputs.tag, r.status])).to.deep.equal([
      ['1.4.2', 'queued'],
      ['1.4.1', 'succeeded'],
    ])
    runner.gated = false
    await start()
    await until(async () => (await history('checkout-api'))[0]?.status === 'succeeded')
    runs = await history('checkout-api')
    expect(runs.map((r) => [r.inputs.tag, r.status])).to.deep.equal([
      ['1.4.2', 'succeeded'],
      ['1.4.1', 'succeeded'],
    ])
  })

  it('records a run a killed serve left running as interrupted on start', async () => {
    await make('checkout-api', {type: 'exec', command: 'true'})
    const log = new HistoryLog(historyFile(home, 'payments', 'checkout-api'))
    const at = new Date().toISOString()
    await log.append({run: 'r1', trigger: 'checkout-api', project: 'payments', status: 'queued', at, source: 'distribution', inputs: {tag: '1.0.0'}})
    await log.append({run: 'r1', trigger: 'checkout-api', project: 'payments', status: 'running', at, source: 'distribution', inputs: {tag: '1.0.0'}})
    await log.close()
    await start()
    const [run] = await history('checkout-api')
    expect(run).to.include({run: 'r1', status: 'interrupted'})
    expect(run!.error).to.match(/^serve stopped while this run was running/)
  })

  it('refuses a second serve for the same project', async () => {
    await start()
    const second = new TriggerServer({project: 'payments', port: 0}, {ctx, runner})
    let error: Error | undefined
    await second.start().catch((e: Error) => (error = e))
    expect(error?.message).to.equal(`Another berth trigger serve (pid ${process.pid}) is serving project "payments".`)
  })
})
