#!/usr/bin/env node
// State backends side by side: wall time of `berth endpoint list` (and `endpoint show`) with 200
// endpoints on the file backend and on the Kubernetes backend (the test kube-apiserver from
// /tmp/berth-test/kube.env), median of N interleaved runs, beside bare `node -e 0`.
//   node bench/backend.js [--runs 10]
// Needs a build (npm run build:incremental) and the test kube service; creates and deletes a namespace.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const runsArg = process.argv.indexOf('--runs')
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10
const COUNT = 200
const kubeEnv = Object.fromEntries(
  readFileSync(path.join(process.env.BERTH_TEST_STATE || '/tmp/berth-test', 'kube.env'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
)
const kubectl = (args, input) => execFileSync(kubeEnv.KUBECTL, ['--kubeconfig', kubeEnv.KUBE_ADMIN_KUBECONFIG, ...args], {input, encoding: 'utf8'})
const namespace = `berth-bench-${process.pid}`
const home = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-backend-'))
const berth = path.join(root, 'bin', 'run.js')
const base = {PATH: process.env.PATH, HOME: home, BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'bench', NO_COLOR: '1'}
const envs = {
  file: base,
  kubernetes: {...base, BERTH_BACKEND: 'kubernetes', BERTH_KUBECONFIG: kubeEnv.KUBE_ADMIN_KUBECONFIG, BERTH_KUBE_NAMESPACE: namespace},
}

const {installYaml} = await import(path.join(root, 'dist', 'lib', 'install', 'manifests.js'))
const {StateStore} = await import(path.join(root, 'dist', 'lib', 'state', 'store.js'))
const {KubeStateStore} = await import(path.join(root, 'dist', 'lib', 'state', 'kube-store.js'))
const {connectKube} = await import(path.join(root, 'dist', 'lib', 'kube', 'client.js'))
const {mapLimit} = await import(path.join(root, 'dist', 'lib', 'kube', 'resources.js'))

try {
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], installYaml({namespace}))
  kubectl(['wait', '--for', 'condition=established', '--timeout', '60s', 'crd', '-l', 'app.kubernetes.io/part-of=berth'])
  const client = await connectKube({kubeconfig: readFileSync(kubeEnv.KUBE_ADMIN_KUBECONFIG, 'utf8')})
  const stores = {file: new StateStore({home}), kubernetes: new KubeStateStore({connect: async () => client, namespace})}
  const spec = (i) => ({type: 'git', url: `https://git.example.com/team/repo-${i}.git`, username: 'tenant/ci-bot', secretRefs: {password: {backend: 'file', key: `default/Endpoint/ep-${i}/password`}}})
  for (const [name, store] of Object.entries(stores)) {
    const started = Date.now()
    await mapLimit(Array.from({length: COUNT}, (_, i) => i), name === 'file' ? 1 : 16, (i) =>
      store.create({kind: 'Endpoint', metadata: {name: `ep-${String(i).padStart(3, '0')}`, project: 'default'}, spec: spec(i)}),
    )
    console.log(`set-up: ${COUNT} endpoints created on the ${name} backend in ${Date.now() - started} ms (library, ${name === 'file' ? 'one at a time' : '16 in flight'})`)
  }
  client.close()

  const time = (args, env) => {
    const start = process.hrtime.bigint()
    const r = spawnSync(process.execPath, args, {env, stdio: ['ignore', 'pipe', 'pipe']})
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`)
    return {ms, lines: r.stdout.toString().trim().split('\n').length}
  }
  const cases = [
    ['node -e 0', ['-e', '0'], 'file'],
    ...['file', 'kubernetes'].flatMap((b) => [
      [`endpoint list (${COUNT}), ${b}`, [berth, 'endpoint', 'list'], b],
      [`endpoint list --json (${COUNT}), ${b}`, [berth, 'endpoint', 'list', '--json'], b],
      [`endpoint show ep-100, ${b}`, [berth, 'endpoint', 'show', 'ep-100'], b],
    ]),
  ]
  const samples = new Map(cases.map(([name]) => [name, []]))
  for (const [name, args, b] of cases) {
    const {lines} = time(args, envs[b]) // warm up, and check the listing is complete
    if (name.startsWith('endpoint list (') && lines !== COUNT + 1) throw new Error(`${name} printed ${lines} lines, expected ${COUNT + 1}`)
  }
  for (let i = 0; i < runs; i++) for (const [name, args, b] of cases) samples.get(name).push(time(args, envs[b]).ms)
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b)
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
  }
  const nodeMs = median(samples.get('node -e 0'))
  console.log(`\nmedian of ${runs} interleaved runs on ${os.cpus().length} cores; kube-apiserver ${kubeEnv.KUBE_VERSION} on loopback`)
  console.log(`${'command'.padEnd(36)} ${'file ms'.padStart(9)} ${'kubernetes ms'.padStart(14)} ${'k8s/file'.padStart(9)}`)
  console.log(`${'node -e 0'.padEnd(36)} ${nodeMs.toFixed(0).padStart(9)}`)
  for (const what of [`endpoint list (${COUNT})`, `endpoint list --json (${COUNT})`, 'endpoint show ep-100']) {
    const f = median(samples.get(`${what}, file`))
    const k = median(samples.get(`${what}, kubernetes`))
    console.log(`${what.padEnd(36)} ${f.toFixed(0).padStart(9)} ${k.toFixed(0).padStart(14)} ${(k / f).toFixed(2).padStart(8)}x`)
  }
  console.log('(service deploy is not measured: the service topic has not landed on this branch)')
} finally {
  try {
    kubectl(['delete', 'namespace', namespace, '--wait=false'])
  } catch (error) {
    console.error(`could not delete namespace ${namespace}: ${error.message}`)
  }
  rmSync(home, {recursive: true, force: true})
}
