#!/usr/bin/env node
// Webhook receiver benchmark: drives `berth trigger serve` on loopback with keep-alive HTTP/1.1
// clients, first with valid registry notification envelopes (one tagged push each, for a trigger
// whose action is a dry run), then with wrong tokens. Prints requests/s, p50/p99 latency, events
// accepted (202 answers) against events recorded (queued lines in the history), and serve's RSS
// idle, peak under load and after. Run after `npm run build`:
//   node bench/webhook.js [--requests 20000] [--connections 32]
// Targets (shared/PERFORMANCE.md): >= 5,000 req/s accepted, p99 < 20 ms, accepted == recorded;
// serve RSS <= 150 MiB under load and back within 10% of idle after.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const REQUESTS = arg('requests', 20_000)
const CONNECTIONS = arg('connections', 32)
const MAX_SECONDS = arg('seconds', 30)
const home = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-webhook-'))
const env = {PATH: process.env.PATH, HOME: home, BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'bench', BERTH_PROJECT: 'bench', NO_COLOR: '1', REG_PASSWORD: 'bench-pass', ...(process.env.MALLOC_ARENA_MAX ? {MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX} : {})}
const berth = (args) => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), ...args], {env, encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

berth(['endpoint', 'create', 'docker-registry', 'bench-registry', '--address', 'http://127.0.0.1:35001', '--username', 'ci', '--password-env', 'REG_PASSWORD'])
const created = JSON.parse(berth(['trigger', 'create', 'bench', '--endpoint', 'bench-registry', '--image', 'payments/checkout-api', '--exec', './deploy.sh', '--dry-run', '--json']))
const token = new URL(created.hookUrl).searchParams.get('secureToken')

const serve = spawn(process.execPath, [...(process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean), path.join(root, 'bin', 'run.js'), 'trigger', 'serve', '--port', '0'], {env, stdio: ['ignore', 'ignore', 'pipe']})
let serveLog = ''
const url = await new Promise((resolve, reject) => {
  serve.stderr.on('data', (d) => {
    serveLog += d.toString()
    const m = /Listening on (http:\/\/[0-9.:]+)/.exec(serveLog)
    if (m) resolve(m[1])
  })
  serve.once('exit', () => reject(new Error(`serve exited: ${serveLog}`)))
})
/** serve's resident memory in MiB: all of it, and the anonymous part (heap, buffers: what a leak grows; the rest is node's own binary paged in). */
const memory = () => {
  const status = readFileSync(`/proc/${serve.pid}/status`, 'utf8')
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024
  return {rss: kb('VmRSS'), anon: kb('RssAnon')}
}
const rssMiB = () => memory().rss
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

let seq = 0
function envelope() {
  const i = seq++
  const digest = `sha256:${i.toString(16).padStart(64, '0')}`
  return JSON.stringify({
    events: [
      {
        id: `bench-${process.pid}-${i}`,
        timestamp: new Date().toISOString(),
        action: 'push',
        target: {mediaType: 'application/vnd.docker.distribution.manifest.v2+json', size: 1578, digest, length: 1578, repository: 'payments/checkout-api', url: `http://127.0.0.1:35001/v2/payments/checkout-api/manifests/${digest}`, tag: `1.4.${i}`},
        request: {id: `req-${i}`, addr: '127.0.0.1:52344', host: '127.0.0.1:35001', method: 'PUT', useragent: 'docker/20.10.24+dfsg1 go/go1.19.8'},
        actor: {name: 'ci-bot'},
        source: {addr: 'registry:5000', instanceID: 'a1b2c3d4-5678-90ab-cdef-1234567890ab'},
      },
    ],
  })
}

/**
 * Send `count` requests over `connections` keep-alive connections, one request at a time on each;
 * latencies in ms. A small raw-socket client, so the load generator costs little of the 2 cores.
 */
async function drive(target, count, makeRequest) {
  const {hostname, port} = new URL(target)
  const latencies = []
  const statuses = {}
  let accepted = 0
  let next = 0
  let peak = 0
  const deadline = Date.now() + MAX_SECONDS * 1000
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 100)
  const connection = () =>
    new Promise((resolve) => {
      const socket = net.connect(Number(port), hostname)
      socket.setNoDelay(true)
      let buffer = Buffer.alloc(0)
      let start = 0n
      const send = () => {
        if (next >= count || Date.now() > deadline) {
          socket.end()
          return resolve()
        }
        next++
        const {path: p, headers, body} = makeRequest()
        const head = [`POST ${p} HTTP/1.1`, `host: ${hostname}:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `content-length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n')
        start = process.hrtime.bigint()
        socket.write(head + body)
      }
      socket.on('connect', send)
      socket.on('data', (chunk) => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
        for (;;) {
          const headEnd = buffer.indexOf('\r\n\r\n')
          if (headEnd < 0) return
          const head = buffer.subarray(0, headEnd).toString('latin1')
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
          if (buffer.length < headEnd + 4 + length) return
          const status = Number(head.slice(9, 12))
          const body = buffer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8')
          buffer = buffer.subarray(headEnd + 4 + length)
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6)
          statuses[status] = (statuses[status] ?? 0) + 1
          if (status === 202) accepted += JSON.parse(body).accepted
          if (/connection: close/i.test(head)) {
            socket.destroy()
            // A new connection for the rest (the server closes after refusals with large bodies).
            connection().then(resolve)
            return
          }
          send()
        }
      })
      socket.on('error', (error) => {
        statuses[error.code ?? 'error'] = (statuses[error.code ?? 'error'] ?? 0) + 1
        resolve()
      })
    })
  const started = process.hrtime.bigint()
  await Promise.all(Array.from({length: CONNECTIONS}, connection))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  clearInterval(sampler)
  latencies.sort((a, b) => a - b)
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))]
  return {sent: latencies.length, seconds, rps: latencies.length / seconds, p50: pct(50), p99: pct(99), statuses, accepted, peak}
}

/** The baseline in the same run: bare node:http that parses the JSON body and answers 202 (no auth, no record, no fsync). */
async function baseline() {
  const code = `require('node:http').createServer((req, res) => { let b = ''; req.setEncoding('utf8'); req.on('data', (d) => (b += d)); req.on('end', () => { JSON.parse(b); const t = '{"accepted":1}'; res.writeHead(202, {'content-type': 'application/json', 'content-length': t.length}); res.end(t) }) }).listen(0, '127.0.0.1', function () { console.log('http://127.0.0.1:' + this.address().port) })`
  const child = spawn(process.execPath, ['-e', code], {stdio: ['ignore', 'pipe', 'inherit']})
  const base = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(d.toString().trim())))
  await drive(base, 2000, valid)
  const result = await drive(base, REQUESTS, valid)
  child.kill()
  return result
}

const valid = () => ({path: '/hooks/bench', headers: {'content-type': 'application/vnd.docker.distribution.events.v1+json', authorization: `Bearer ${token}`}, body: envelope()})
const wrong = () => ({path: '/hooks/bench', headers: {'content-type': 'application/vnd.docker.distribution.events.v1+json', authorization: `Bearer ${token.slice(0, -4)}AAAA`}, body: envelope()})

const bare = await baseline()
await sleep(500)
const cold = memory()
const warm = await drive(url, Math.min(2000, REQUESTS), valid) // warm-up, not reported (its events are recorded too)
await sleep(6000)
// Idle after the warm-up: node's code for HTTP, crypto and fs is paged in and compiled once, not per request.
const idle = memory()
const good = await drive(url, REQUESTS, valid)
const bad = await drive(url, REQUESTS, wrong)
await sleep(6000)
const after = memory()
// The same load again: memory that grows per request would grow again here.
const again = await drive(url, REQUESTS, valid)
await sleep(6000)
const afterAgain = memory()

serve.kill('SIGTERM')
await new Promise((resolve) => serve.once('close', resolve))
const lines = readFileSync(path.join(home, 'projects', 'bench', 'trigger-history', 'bench.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
const queuedRuns = new Set(lines.filter((r) => r.status === 'queued' && !r.reason).map((r) => r.run)).size
rmSync(home, {recursive: true, force: true})

const f = (n, d = 0) => n.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d})
console.log(`berth trigger serve on loopback, ${CONNECTIONS} keep-alive connections, node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end`)
console.log('')
console.log('load            requests  req/s     p50 ms  p99 ms  answers                      target')
console.log(`bare node:http ${f(bare.sent).padStart(7).padEnd(10)}${f(bare.rps).padEnd(9)} ${f(bare.p50, 2).padEnd(7)} ${f(bare.p99, 2).padEnd(7)} ${JSON.stringify(bare.statuses).padEnd(28)} baseline: parse and answer only`)
console.log(`valid events    ${f(good.sent).padEnd(9)} ${f(good.rps).padEnd(9)} ${f(good.p50, 2).padEnd(7)} ${f(good.p99, 2).padEnd(7)} ${JSON.stringify(good.statuses).padEnd(28)} >= 5,000 req/s, p99 < 20 ms`)
console.log(`valid, again    ${f(again.sent).padEnd(9)} ${f(again.rps).padEnd(9)} ${f(again.p50, 2).padEnd(7)} ${f(again.p99, 2).padEnd(7)} ${JSON.stringify(again.statuses).padEnd(28)}`)
console.log(`wrong tokens    ${f(bad.sent).padEnd(9)} ${f(bad.rps).padEnd(9)} ${f(bad.p50, 2).padEnd(7)} ${f(bad.p99, 2).padEnd(7)} ${JSON.stringify(bad.statuses).padEnd(28)} all 401`)
console.log('')
console.log(`events accepted (202 answers, warm-up and repeat included): ${f(good.accepted + warm.accepted + again.accepted)}; recorded as queued in the history: ${f(queuedRuns)}  (must be equal)`)
console.log(`serve RSS MiB: just started ${f(cold.rss, 1)}; idle after warm-up ${f(idle.rss, 1)}; peak under load ${f(Math.max(good.peak, bad.peak, again.peak), 1)}; 6 s after ${f(after.rss, 1)} (${f(((after.rss - idle.rss) / idle.rss) * 100, 1)}% over idle); after the same load again ${f(afterAgain.rss, 1)}  (target: peak <= 150, after within 10% of idle)`)
console.log(`  of which anonymous (heap, buffers): just started ${f(cold.anon, 1)}; idle after warm-up ${f(idle.anon, 1)}; 6 s after ${f(after.anon, 1)} (${f(((after.anon - idle.anon) / idle.anon) * 100, 1)}% over idle); after the same load again ${f(afterAgain.anon, 1)}`)
