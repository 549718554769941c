#!/usr/bin/env node
// runtime sync benchmark: a repository with 200 manifests on the test git server, synced by
// `berth runtime sync` into the test kube-apiserver (first sync, then a no-change re-sync),
// beside `kubectl apply --server-side -f` of the same checkout into another namespace.
// Needs the test services (test/env/up.sh) and a build. Run: node bench/sync.js [--runs 3]
// BENCH_PROF=DIR writes a V8 CPU profile of each berth sync there.
// Measured 2026-11-24 on the shared 2-core test machine (load average 12-15, so kubectl itself
// varied 0.65-1.9 s): no-change re-sync 0.81-1.36 s (0.62-0.94x kubectl; ~0.74 s of CPU, most of
// it node and oclif start-up), first sync 1.5-2.9 s (1.06-1.65x; cold YAML parsing of 200 files),
// peak RSS 74-96 MiB.
// Targets (shared/PERFORMANCE.md): no-change re-sync < 1 s; peak RSS <= 250 MiB; berth <= 0.5x kubectl.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const state = process.env.BERTH_TEST_STATE || '/tmp/berth-test'
const readEnv = (name) => Object.fromEntries(readFileSync(path.join(state, `${name}.env`), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
const git = readEnv('git')
const kube = readEnv('kube')
const kubectl = kube.KUBECTL || 'kubectl'
const runsArg = process.argv.indexOf('--runs')
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3
const suffix = Date.now().toString(36)
const tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-sync-'))
const repoName = `bench-sync-${suffix}`
const bare = path.join(state, 'git', 'repos', `${repoName}.git`)
const work = path.join(tmp, 'work')
const gitEnv = {PATH: process.env.PATH, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com'}
const g = (cwd, ...args) => execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], {cwd, env: gitEnv, stdio: 'pipe'})

// 200 manifests: 50 each of ConfigMap, Secret, Service and Deployment, one object per file.
mkdirSync(path.join(work, 'manifests'), {recursive: true})
for (let i = 0; i < 50; i++) {
  const n = String(i).padStart(3, '0')
  const files = {
    [`cm-${n}.yaml`]: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${n}\ndata:\n  application.yaml: |\n    server:\n      port: 8080\n    feature-${n}: enabled\n`,
    [`secret-${n}.yaml`]: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: token-${n}\nstringData:\n  token: "s3cr3t:${n}/p@ss"\n`,
    [`svc-${n}.yaml`]: `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${n}\nspec:\n  clusterIP: None\n  selector:\n    app: app-${n}\n  ports:\n    - port: 80\n      targetPort: 8080\n`,
    [`deploy-${n}.yaml`]: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${n}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: app-${n}\n  template:\n    metadata:\n      labels:\n        app: app-${n}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com:5443/team/app-${n}:1.0.0\n`,
  }
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(work, 'manifests', file), text)
}
mkdirSync(bare, {recursive: true})
g(bare, 'init', '-q', '--bare', '.')
g(work, 'init', '-q', '.')
g(work, 'add', '-A')
g(work, 'commit', '-q', '-m', '200 manifests')
g(work, 'push', '-q', bare, 'HEAD:refs/heads/main')

const home = path.join(tmp, 'home')
const env = {PATH: process.env.PATH, HOME: tmp, BERTH_HOME: home, XDG_CACHE_HOME: path.join(tmp, 'cache'), BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'bench pass!', NO_COLOR: '1', GIT_PW: git.GIT_PASSWORD}
const berth = (...args) => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), ...args], {env, encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r
}
berth('endpoint', 'create', 'git', 'bench-repo', '--url', `${git.GIT_BASE_URL}/${repoName}.git`, '--username', git.GIT_USER, '--password-env', 'GIT_PW')
berth('endpoint', 'create', 'kubernetes', 'bench-cluster', '--kubeconfig', kube.KUBE_ADMIN_KUBECONFIG)
berth('environment', 'create', 'bench-env', '--cluster', 'bench-cluster')

// The syncs read secrets as CI does (BERTH_SECRET_STORE=env): the file store's scrypt key
// derivation alone costs ~0.4 s per process here, which is not what is being measured.
env.BERTH_SECRET_STORE = 'env'
env.BERTH_SECRET_BENCH_REPO_PASSWORD = git.GIT_PASSWORD
env.BERTH_SECRET_BENCH_CLUSTER_KUBECONFIG = execFileSync(kubectl, ['--kubeconfig', kube.KUBE_ADMIN_KUBECONFIG, 'config', 'view', '--minify', '--flatten'], {encoding: 'utf8'})

const timed = (fn) => {
  const start = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rows = []
const namespaces = []
let rss = 0
try {
for (let run = 0; run < runs; run++) {
  const berthNs = `bench-berth-${suffix}-${run}`
  const kubectlNs = `bench-kubectl-${suffix}-${run}`
  namespaces.push(berthNs, kubectlNs)
  berth('runtime', 'save', `bench-${run}`, '--repo', 'bench-repo', '--revision', 'main', '--path', 'manifests', '--env', 'bench-env', '--namespace', berthNs)
  const sync = () => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []), path.join(root, 'bin', 'run.js'), 'runtime', 'sync', `bench-${run}`, '--no-wait'], {env, encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`sync exited ${r.status}: ${r.stderr}`)
    rss = Math.max(rss, Number(r.stderr.trim().split('\n').at(-1)) / 1024)
  }
  const kubectlApply = () => execFileSync(kubectl, ['--kubeconfig', kube.KUBE_ADMIN_KUBECONFIG, 'apply', '--server-side', '-n', kubectlNs, '-f', path.join(work, 'manifests')], {stdio: 'pipe'})
  execFileSync(kubectl, ['--kubeconfig', kube.KUBE_ADMIN_KUBECONFIG, 'create', 'namespace', kubectlNs], {stdio: 'pipe'})
  rows.push({berthFirst: timed(sync), berthAgain: timed(sync), kubectlFirst: timed(kubectlApply), kubectlAgain: timed(kubectlApply)})
}
} finally {
  for (const ns of namespaces) spawnSync(kubectl, ['--kubeconfig', kube.KUBE_ADMIN_KUBECONFIG, 'delete', 'namespace', ns, '--wait=false'], {stdio: 'ignore'})
  rmSync(bare, {recursive: true, force: true})
}
const m = (key) => median(rows.map((r) => r[key]))
const line = (label, b, k) => `${label.padEnd(22)} berth ${b.toFixed(0).padStart(6)} ms   kubectl apply --server-side ${k.toFixed(0).padStart(6)} ms   ratio ${(b / k).toFixed(2)}x`
console.log(`runtime sync of 200 manifests (median of ${runs} runs; kubectl applies the same checkout; berth includes git fetch, node start-up and the ApplySet prune)`)
console.log(line('first sync', m('berthFirst'), m('kubectlFirst')))
console.log(line('no-change re-sync', m('berthAgain'), m('kubectlAgain')))
console.log(`peak RSS of berth runtime sync: ${rss.toFixed(0)} MiB (target <= 250 MiB); no-change re-sync target < 1000 ms`)

rmSync(tmp, {recursive: true, force: true})
