#!/usr/bin/env node
// Start-up benchmark (issue 12): wall time of berth commands beside bare `node -e 0` with 100
// endpoints, first run (empty code cache) and warm, peak RSS, and which heavy modules a data
// command loads. Run after `npm run build`:
//   node bench/startup.js [--runs 21] [--inherit-node-env]
// Each sample is a pair run back to back (node -e 0, then the command), so load on a busy machine
// hits both alike; the ratio is the median of the pairs' ratios.
// Targets: warm data commands <= 1.5x, --version <= 1.2x, first run <= 2.1x, peak RSS <= 60 MiB,
// and no data command loads @kubernetes/client-node, dockerode, @inquirer/prompts,
// quickjs-emscripten or undici (exit 1 when any target is missed). Needs perf and GNU time
// (/usr/bin/time) for the CPU and RSS columns.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const runsArg = process.argv.indexOf('--runs')
const runs = Math.max(runsArg > 0 ? Number(process.argv[runsArg + 1]) : 21, 1)
const home = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'))
const warmCache = path.join(home, 'cache-warm')
// A clean environment by default. Node settings in the caller's environment change the baseline a
// lot (NODE_EXTRA_CA_CERTS alone adds ~40 ms of CPU to every node start, node -e 0 included), so
// --inherit-node-env passes NODE_EXTRA_CA_CERTS and NODE_OPTIONS through to every run, both sides.
const inheritNodeEnv = process.argv.includes('--inherit-node-env')
const nodeEnv = inheritNodeEnv ? Object.fromEntries(['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'].filter((k) => process.env[k]).map((k) => [k, process.env[k]])) : {}
const env = {PATH: process.env.PATH, HOME: home, BERTH_HOME: home, BERTH_SECRET_STORE: 'file', NO_COLOR: '1', XDG_CACHE_HOME: warmCache, ...nodeEnv}
const berth = path.join(root, 'bin', 'run.cjs') // what `berth` runs (package.json bin)
const HEAVY = ['@kubernetes/client-node', 'dockerode', '@inquirer/prompts', 'quickjs-emscripten', 'undici']
// A data command runs from the start-up bundle alone; the full bundle is for everything else.
const FULL_BUNDLE = path.join(root, 'dist', 'bundle', 'berth.cjs')

// 100 endpoints, written through the library so set-up is quick, and a settings file as
// `berth config set project default` writes it (most users have one; every command reads it).
const {StateStore} = await import(path.join(root, 'dist', 'lib', 'state', 'store.js'))
const {Settings} = await import(path.join(root, 'dist', 'lib', 'config', 'settings.js'))
await new Settings(home, {}).set('project', 'default')
const store = new StateStore({home})
for (let i = 0; i < 100; i++) {
  const name = `ep-${String(i).padStart(3, '0')}`
  await store.create({kind: 'Endpoint', metadata: {name, project: 'default'}, spec: {type: 'git', url: `https://git.example.com/team/repo-${i}.git`, username: 'ci', secretRefs: {password: {backend: 'file', key: `default/Endpoint/${name}/password`}}}})
}

function run(args, extraEnv = {}) {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {env: {...env, ...extraEnv}, stdio: ['ignore', 'ignore', 'pipe']})
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const cases = [
  {name: '--version', args: ['--version'], target: 1.2},
  {name: 'endpoint list', args: ['endpoint', 'list'], target: 1.5, data: true},
  {name: 'endpoint list --json', args: ['endpoint', 'list', '--json'], target: 1.5, data: true},
  {name: 'endpoint show ep-050', args: ['endpoint', 'show', 'ep-050'], target: 1.5, data: true},
  {name: 'config list', args: ['config', 'list'], target: 1.5, data: true},
  // The same verbs of later topics (empty lists: the start-up cost is the point).
  {name: 'service list', args: ['service', 'list'], target: 1.5, data: true},
  {name: 'runtime list --json', args: ['runtime', 'list', '--json'], target: 1.5, data: true},
  {name: 'trigger list', args: ['trigger', 'list'], target: 1.5, data: true},
]
const FIRST_RUN_TARGET = 2.1
const RSS_TARGET_MIB = 60

for (const c of cases) run([berth, ...c.args]) // fill the file cache and the warm code cache
let coldDirs = 0
for (const c of cases) {
  c.warm = {node: [], berth: [], ratio: []}
  c.cold = {node: [], berth: [], ratio: []}
}
// Interleave everything, so drift on a busy machine hits every case alike.
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    for (const kind of ['warm', 'cold']) {
      const extra = kind === 'cold' ? {XDG_CACHE_HOME: path.join(home, `cache-cold-${coldDirs++}`)} : {}
      const n = run(['-e', '0'])
      const b = run([berth, ...c.args], extra)
      c[kind].node.push(n)
      c[kind].berth.push(b)
      c[kind].ratio.push(b / n)
    }
  }
}

/**
 * CPU time (ms, perf's task-clock: less sensitive to load than wall time) and peak RSS (MiB,
 * GNU time's %M, which covers the node process perf runs) of one run.
 */
function cpuAndRss(args, extraEnv = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', 'perf', 'stat', '-x,', '-e', 'task-clock', process.execPath, ...args], {env: {...env, ...extraEnv}, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  const cpu = /^([\d.]+),msec,task-clock/m.exec(r.stderr)
  const rss = /^maxrss (\d+)$/m.exec(r.stderr)
  if (r.status !== 0 || !cpu || !rss) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return {cpu: Number(cpu[1]), rss: Number(rss[1]) / 1024}
}

/** Packages and built-ins a command loaded: require.cache, ESM resolutions and process.moduleLoadList. */
function loadedModules(args) {
  const file = path.join(home, 'modules')
  rmSync(file, {force: true})
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'bench', 'startup-modules.mjs'), ...args], {env: {...env, BERTH_BENCH_MODULES_FILE: file}, stdio: 'ignore'})
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`)
  return readFileSync(file, 'utf8').split('\n').filter(Boolean)
}

const failures = []
const cpuRuns = Math.min(runs, 11)
const measureCpu = (args) => {
  const xs = Array.from({length: cpuRuns}, () => cpuAndRss(args))
  return {cpu: median(xs.map((x) => x.cpu)), rss: Math.max(...xs.map((x) => x.rss))}
}
const nodeCpu = measureCpu(['-e', '0'])
const load = os.loadavg().map((l) => l.toFixed(2)).join(' ')
console.log(`berth start-up, 100 endpoints, ${runs} interleaved pairs per cell, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), load average ${load}`)
console.log(`node settings passed through: ${Object.keys(nodeEnv).join(', ') || 'none (clean environment)'}`)
console.log(`node -e 0: median wall ${median(cases.flatMap((c) => c.warm.node)).toFixed(1)} ms, CPU ${nodeCpu.cpu.toFixed(0)} ms, peak RSS ${nodeCpu.rss.toFixed(1)} MiB`)
console.log('wall ratio = median over pairs of (command / node -e 0 run just before it); CPU = perf task-clock, median of ' + cpuRuns + ' warm runs; RSS = max of those runs')
console.log('')
const header = ['command', 'warm ms', 'warm ratio', 'target', 'first-run ms', 'first ratio', 'target', 'CPU ratio', 'peak RSS MiB']
const widths = [24, 9, 11, 7, 13, 12, 7, 10, 13]
const line = (cells) => cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join(' ')
console.log(line(header))
for (const c of cases) {
  const warm = median(c.warm.ratio)
  const cold = median(c.cold.ratio)
  const {cpu, rss} = measureCpu([berth, ...c.args])
  const ok = (value, target) => (value <= target ? '' : ' !')
  if (warm > c.target) failures.push(`${c.name}: warm ${warm.toFixed(2)}x > ${c.target}x`)
  if (c.data && cold > FIRST_RUN_TARGET) failures.push(`${c.name}: first run ${cold.toFixed(2)}x > ${FIRST_RUN_TARGET}x`)
  if (rss > RSS_TARGET_MIB) failures.push(`${c.name}: peak RSS ${rss.toFixed(1)} MiB > ${RSS_TARGET_MIB} MiB`)
  console.log(
    line([
      c.name,
      median(c.warm.berth).toFixed(1),
      `${warm.toFixed(2)}x${ok(warm, c.target)}`,
      `${c.target.toFixed(2)}x`,
      median(c.cold.berth).toFixed(1),
      `${cold.toFixed(2)}x${c.data ? ok(cold, FIRST_RUN_TARGET) : ''}`,
      c.data ? `${FIRST_RUN_TARGET.toFixed(2)}x` : '',
      `${(cpu / nodeCpu.cpu).toFixed(2)}x`,
      `${rss.toFixed(1)}${ok(rss, RSS_TARGET_MIB)}`,
    ]),
  )
}

// An unusable cache directory (XDG_CACHE_HOME is a file, so even root cannot create berth/ in it):
// still works, at about the first-run time.
const readOnly = path.join(home, 'cache-is-a-file')
writeFileSync(readOnly, '')
const ro = {node: [], berth: [], ratio: []}
for (let i = 0; i < Math.min(runs, 11); i++) {
  const n = run(['-e', '0'])
  const b = run([berth, 'endpoint', 'list'], {XDG_CACHE_HOME: readOnly})
  ro.ratio.push(b / n)
  ro.berth.push(b)
}
console.log(`${'endpoint list, cache dir unusable'.padEnd(34)} ${median(ro.berth).toFixed(1)} ms  ${median(ro.ratio).toFixed(2)}x (${ro.ratio.length} pairs)`)

console.log('')
console.log('modules a data command loads (instrumented run):')
for (const c of cases.filter((x) => x.data)) {
  const modules = loadedModules([berth, ...c.args])
  const heavy = HEAVY.filter((name) => modules.some((m) => m.includes(`/node_modules/${name}/`)))
  const builtins = ['crypto', 'child_process', 'readline', 'zlib', 'http', 'https'].filter((name) => modules.includes(`node:${name}`))
  const full = modules.includes(FULL_BUNDLE)
  if (heavy.length > 0) failures.push(`${c.name} loads ${heavy.join(', ')}`)
  if (full) failures.push(`${c.name} loads the full bundle`)
  console.log(`  ${c.name.padEnd(24)} bundle: ${full ? 'FULL' : 'start-up only'}; heavy: ${heavy.length > 0 ? heavy.join(', ') : 'none'}; built-ins among crypto/child_process/readline/zlib/http/https: ${builtins.join(', ') || 'none'}`)
}
rmSync(home, {recursive: true, force: true})
if (failures.length > 0) {
  console.log('')
  console.log(`MISSED (${failures.length}):\n  ${failures.join('\n  ')}`)
  process.exitCode = 1
} else {
  console.log('\nall targets met')
}
