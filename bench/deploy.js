#!/usr/bin/env node
// Deploy benchmark: a rendered service of 210 objects (60 ConfigMaps, 40 Secrets, 10
// ServiceAccounts, 50 Services, 50 Deployments) applied to the test kube-apiserver by
// `berth service deploy --no-wait` and, in the same run, by `kubectl apply --server-side`
// of the same YAML: first deploy into an empty namespace, then a no-change re-deploy.
// Wall time (median of the rounds), the ratio, and berth's peak RSS.
//   node bench/deploy.js [--rounds 3]
// Needs the built CLI (npm run build) and the test services (/tmp/berth-test/kube.env).
// Targets (shared/PERFORMANCE.md): berth <= 0.5x kubectl for both; peak RSS <= 120 MiB.
// Deployments have replicas: 0 and Services are headless: the bench measures applying, and leaves the
// shared cluster's scheduler and its small service IP range (10.0.0.0/24) alone.
import {spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const roundsArg = process.argv.indexOf('--rounds')
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3
const stateDir = process.env.BERTH_TEST_STATE || '/tmp/berth-test'
const envFile = path.join(stateDir, 'kube.env')
if (!existsSync(envFile)) {
  console.error(`${envFile} is missing: start the test services (test/env/up.sh) first.`)
  process.exit(2)
}
const kubeEnv = Object.fromEntries(readFileSync(envFile, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
const kubectl = kubeEnv.KUBECTL
const kubeconfig = kubeEnv.KUBE_ADMIN_KUBECONFIG
if (!kubectl || !kubeconfig) {
  console.error(`${envFile} names no KUBECTL or KUBE_ADMIN_KUBECONFIG.`)
  process.exit(2)
}

const home = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-deploy-'))
const env = {PATH: process.env.PATH, HOME: home, BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'bench', NO_COLOR: '1'}
const berth = path.join(root, 'bin', 'run.js')

function manifests() {
  const docs = []
  for (let i = 0; i < 60; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\n  labels: {app: shop, part: settings}\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: "checkout-v2,fast-cart"\n  index: "${i}"\n`)
  for (let i = 0; i < 40; i++) docs.push(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: credentials-${i}\n  labels: {app: shop}\ntype: Opaque\nstringData:\n  DB_USER: "shop_${i}"\n  DB_PASSWORD: "p@ss-w0rd/${i}!"\n`)
  for (let i = 0; i < 10; i++) docs.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: worker-${i}\n  labels: {app: shop}\n`)
  for (let i = 0; i < 50; i++) {
    docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  labels: {app: shop}\nspec:\n  clusterIP: None\n  selector: {app: shop, unit: "u${i}"}\n  ports:\n  - {name: http, port: 80, targetPort: 8080}\n`)
    docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: unit-${i}\n  labels: {app: shop}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: shop, unit: "u${i}"}}\n  template:\n    metadata: {labels: {app: shop, unit: "u${i}"}}\n    spec:\n      serviceAccountName: worker-${i % 10}\n      containers:\n      - name: app\n        image: registry.example.com:5443/shop/unit-${i}:1.0\n        envFrom:\n        - configMapRef: {name: settings-${i}}\n        - secretRef: {name: credentials-${i % 40}}\n        ports: [{containerPort: 8080}]\n        resources: {limits: {cpu: 100m, memory: 64Mi}}\n`)
  }
  return docs.join('---\n')
}

function run(program, args, extraEnv = {}) {
  const start = process.hrtime.bigint()
  const r = spawnSync(program, args, {env: {...env, ...extraEnv}, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024})
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${path.basename(program)} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

const rssFile = path.join(home, 'rss')
function berthDeploy(namespace) {
  const ms = run(process.execPath, ['--import', path.join(root, 'bench', 'report-rss.mjs'), berth, 'service', 'deploy', 'bench', '--endpoint', 'bench-cluster', '-n', namespace, '--no-wait'], {BERTH_BENCH_RSS_FILE: rssFile})
  return {ms, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024}
}
const kubectlApply = (namespace) => run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager', 'kubectl-bench', '-n', namespace, '-f', yamlFile])
const kube = (...args) => run(kubectl, ['--kubeconfig', kubeconfig, ...args])

const yaml = manifests()
const yamlFile = path.join(home, 'bench.yaml')
writeFileSync(yamlFile, yaml)
const objectCount = yaml.split('\n---\n').length
run(process.execPath, [berth, 'endpoint', 'create', 'kubernetes', 'bench-cluster', '--kubeconfig', kubeconfig])
run(process.execPath, [berth, 'service', 'create', 'bench', '-f', yamlFile])

const namespaces = []
const samples = {berthFirst: [], kubectlFirst: [], berthAgain: [], kubectlAgain: [], rss: []}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
try {
  for (let round = 0; round < rounds; round++) {
    const tag = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`
    const forBerth = `bench-berth-${tag}`
    const forKubectl = `bench-kubectl-${tag}`
    namespaces.push(forBerth, forKubectl)
    // Both namespaces exist before timing: each tool does only the apply.
    kube('create', 'namespace', forBerth)
    kube('create', 'namespace', forKubectl)
    // Alternate which tool goes first so a warming cluster favours neither.
    const order = round % 2 === 0 ? ['berth', 'kubectl'] : ['kubectl', 'berth']
    for (const phase of ['First', 'Again']) {
      for (const tool of order) {
        if (tool === 'berth') {
          const r = berthDeploy(forBerth)
          samples[`berth${phase}`].push(r.ms)
          samples.rss.push(r.rssMiB)
        } else samples[`kubectl${phase}`].push(kubectlApply(forKubectl))
      }
    }
  }
} finally {
  for (const ns of namespaces) {
    try {
      kube('delete', 'namespace', ns, '--wait=false')
    } catch {
      // best effort
    }
  }
  rmSync(home, {recursive: true, force: true})
}

const line = (label, b, k) => console.log(`${label.padEnd(26)} ${b.toFixed(0).padStart(9)} ${k.toFixed(0).padStart(11)} ${(b / k).toFixed(2).padStart(7)}x  target <= 0.50x ${b / k <= 0.5 ? 'ok' : 'MISSED'}`)
console.log(`deploy of ${objectCount} objects to the test kube-apiserver, median of ${rounds} rounds on ${os.cpus().length} cores`)
console.log(`${''.padEnd(26)} ${'berth ms'.padStart(9)} ${'kubectl ms'.padStart(11)} ${'ratio'.padStart(8)}`)
line('first deploy', median(samples.berthFirst), median(samples.kubectlFirst))
line('no-change re-deploy', median(samples.berthAgain), median(samples.kubectlAgain))
const peak = Math.max(...samples.rss)
console.log(`berth peak RSS ${peak.toFixed(0)} MiB (target <= 120 MiB ${peak <= 120 ? 'ok' : 'MISSED'})`)
