#!/usr/bin/env node
// Start-up benchmark: wall time of berth commands beside bare `node -e 0`, median of N runs,
// and peak RSS of `berth endpoint list` with 100 endpoints. Run after `npm run build`:
//   node bench/startup.js [--runs 15]
// Targets (shared/PERFORMANCE.md): <= 2x node -e 0 for --version and a data command; <= 70 MiB for endpoint list.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const runsArg = process.argv.indexOf('--runs')
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15
const home = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'))
const env = {PATH: process.env.PATH, HOME: home, BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'bench', NO_COLOR: '1'}
const berth = path.join(root, 'bin', 'run.js')

// 100 endpoints, written through the library so set-up is quick.
const {StateStore} = await import(path.join(root, 'dist', 'lib', 'state', 'store.js'))
const store = new StateStore({home})
for (let i = 0; i < 100; i++) {
  await store.create({kind: 'Endpoint', metadata: {name: `ep-${String(i).padStart(3, '0')}`, project: 'default'}, spec: {type: 'git', url: `https://git.example.com/team/repo-${i}.git`, username: 'ci', secretRefs: {password: {backend: 'file', key: `default/Endpoint/ep-${i}/password`}}}})
}

function time(args) {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'pipe']})
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

function rss(args) {
  const file = path.join(home, 'rss')
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'bench', 'report-rss.mjs'), ...args], {env: {...env, BERTH_BENCH_RSS_FILE: file}, stdio: 'ignore'})
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`)
  return Number(readFileSync(file, 'utf8')) / 1024
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const cases = [
  ['node -e 0', ['-e', '0']],
  ['berth --version', [berth, '--version']],
  ['berth config list', [berth, 'config', 'list']],
  ['berth endpoint list (100)', [berth, 'endpoint', 'list']],
  ['berth endpoint list --json (100)', [berth, 'endpoint', 'list', '--json']],
]
const samples = new Map(cases.map(([name]) => [name, []]))
for (const [, args] of cases) time(args) // warm the file cache
// Interleave the cases so drift on a busy machine hits them alike.
for (let i = 0; i < runs; i++) for (const [name, args] of cases) samples.get(name).push(time(args))

const base = median(samples.get('node -e 0'))
console.log(`start-up, median of ${runs} runs on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'})`)
console.log(`${'command'.padEnd(34)} ${'median ms'.padStart(10)} ${'vs node -e 0'.padStart(13)}  target`)
for (const [name] of cases) {
  const m = median(samples.get(name))
  const target = name === 'node -e 0' ? '' : '<= 2.00x'
  console.log(`${name.padEnd(34)} ${m.toFixed(1).padStart(10)} ${`${(m / base).toFixed(2)}x`.padStart(13)}  ${target}`)
}
console.log('')
console.log(`${'peak RSS'.padEnd(34)} ${'MiB'.padStart(10)}`)
const nodeRss = median([0, 1, 2].map(() => rss(['-e', '0'])))
const listRss = median([0, 1, 2].map(() => rss([berth, 'endpoint', 'list'])))
console.log(`${'node -e 0'.padEnd(34)} ${nodeRss.toFixed(1).padStart(10)}`)
console.log(`${'berth endpoint list (100)'.padEnd(34)} ${listRss.toFixed(1).padStart(10)}  target <= 70 MiB`)
rmSync(home, {recursive: true, force: true})
