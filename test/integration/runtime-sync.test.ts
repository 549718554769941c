import {expect} from 'chai'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {ServedRepo, createServedRepo} from '../helpers/git-repos.js'
import {gitService, kubeService, requireService} from '../helpers/services.js'

const PASSPHRASE = 'correct horse: battery staple!'

function deployment(name: string, color: string, namespace?: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/part-of: api-server
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
      annotations:
        nautes.io/color: ${color}
    spec:
      containers:
        - name: ${name}
          image: registry.nautes-labs.example.com:5443/nautes-labs/${name}:1.4.2
          ports:
            - containerPort: 8080
          env:
            - name: SPRING_PROFILES_ACTIVE
              value: development
`
}

const service = `apiVersion: v1
kind: Service
metadata:
  name: api-server
spec:
  selector:
    app.kubernetes.io/name: api-server
  ports:
    - name: http
      port: 80
      targetPort: 8080
`

function configMap(color: string): string {
  return `# the application's settings
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-server-settings
data:
  color: ${color}
  application.yaml: |
    server:
      port: 8080
    spring:
      datasource:
        url: jdbc:postgresql://pg.dr-dev.svc:5432/api
`
}

describe('integration: runtime save, show, sync, prune, status, diff, publish and delete with the real git server and kube-apiserver', function () {
  this.timeout(420_000)
  let home: ReturnType<typeof tempHome>
  let repo: ServedRepo
  let publishRepo: ServedRepo
  let namespace: string
  let env: NodeJS.ProcessEnv
  let userHome: string
  let gitLog: string
  const berth = (args: string[]) => runBerth(args, {env, timeoutMs: 120_000})
  const kubectl = (args: string[]) => {
    const kube = kubeService()
    return runKubectl(kube.kubectl ?? 'kubectl', ['--kubeconfig', kube.adminKubeconfig, ...args])
  }

  before(async function () {
    requireService(this, 'kube')
    requireService(this, 'git')
    home = tempHome()
    userHome = path.join(home.home, 'user-home')
    mkdirSync(userHome)
    writeFileSync(path.join(userHome, '.gitconfig'), '[credential]\n\thelper = store\n[user]\n\tname = Someone Else\n')
    namespace = `dr-dev-${Date.now().toString(36)}`
    repo = createServedRepo('api-server')
    publishRepo = createServedRepo('default-project')
    // A git on PATH that records every command line berth runs it with, then runs the real git.
    const wrapperDir = path.join(home.home, 'bin')
    mkdirSync(wrapperDir)
    gitLog = path.join(home.home, 'git-argv.log')
    writeFileSync(path.join(wrapperDir, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${gitLog}'\nexec ${execFileSync('sh', ['-c', 'command -v git'], {encoding: 'utf8'}).trim()} "$@"\n`, {mode: 0o755})
    env = berthEnv(path.join(home.home, 'berth'), {
      PATH: `${wrapperDir}:${process.env.PATH}`,
      BERTH_SECRET_STORE: 'file',
      BERTH_PASSPHRASE: PASSPHRASE,
      BERTH_PROJECT: 'nautes-labs',
      XDG_CACHE_HOME: path.join(home.home, 'cache'),
      HOME: userHome,
      GIT_PASSWORD_FOR_TEST: gitService().password,
    })
    const kube = kubeService()
    for (const args of [
      ['endpoint', 'create', 'git', 'api-server', '--url', repo.url, '--username', gitService().user, '--password-env', 'GIT_PASSWORD_FOR_TEST'],
      ['endpoint', 'create', 'git', 'default-project', '--url', publishRepo.url, '--username', gitService().user, '--password-env', 'GIT_PASSWORD_FOR_TEST'],
      ['endpoint', 'create', 'kubernetes', 'dev-cluster', '--kubeconfig', kube.adminKubeconfig],
      ['environment', 'create', 'env-dev', '--cluster', 'dev-cluster', '--namespace', 'dr-dev'],
    ]) {
      const result = await berth(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0)
    }
  })

  after(() => {
    kubectl(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found'])
    repo?.remove()
    publishRepo?.remove()
    home?.cleanup()
  })

  it('saves the source\'s example and shows it in the API shape and as the resource file', async () => {
    const saved = await berth(['runtime', 'save', 'dr-dev', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-dev', '--namespace', 'dr-dev', '--project-ref', 'api-server'])
    expect(saved.code, saved.stderr).to.equal(0)
    const list = await berth(['runtime', 'list', '--json'])
    expect(JSON.parse(list.stdout)).to.deep.equal({
      items: [
        {
          product: 'nautes-labs',
          name: 'dr-dev',
          projects_ref: ['api-server'],
          manifest_source: {code_repo: 'api-server', target_revision: 'HEAD', path: 'manifests/development'},
          destination: {environment: 'env-dev', namespaces: ['dr-dev']},
        },
      ],
    })
    const shown = await berth(['runtime', 'show', 'dr-dev', '--json'])
    expect(JSON.parse(shown.stdout)).to.deep.equal(JSON.parse(list.stdout).items[0])
    const yaml = await berth(['runtime', 'show', 'dr-dev', '-o', 'yaml'])
    expect(yaml.code).to.equal(0)
    expect(yaml.stdout).to.equal(
      [
        'apiVersion: nautes.resource.nautes.io/v1alpha1',
        'kind: DeploymentRuntime',
        'metadata:',
        '  name: dr-dev',
        'spec:',
        '  destination:',
        '    environment: env-dev',
        '    namespaces:',
        '      - dr-dev',
        '  manifestSource:',
        '    codeRepo: api-server',
        '    path: manifests/development',
        '    targetRevision: HEAD',
        '  product: nautes-labs',
        '  projectsRef:',
        '    - api-server',
        '',
      ].join('\n'),
    )
    const endpointDelete = await berth(['endpoint', 'delete', 'api-server'])
    expect(endpointDelete.code).to.equal(1)
    expect(endpointDelete.stderr).to.contain('DeploymentRuntime "dr-dev" (spec.repoEndpoint)')
    const envDelete = await berth(['environment', 'delete', 'env-dev'])
    expect(envDelete.code).to.equal(1)
    expect(envDelete.stderr).to.contain('Environment "env-dev" is used by DeploymentRuntime/dr-dev (spec.destination.environment).')
    const create = await berth(['runtime', 'create', 'dr-dev', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-dev'])
    expect(create.code).to.equal(1)
    expect(create.stderr).to.contain('DeploymentRuntime "dr-dev" already exists in project "nautes-labs".')
  })

  it('syncs, re-syncs a changed commit with and without prune, diffs, refuses foreign namespaces and a new destination, publishes and deletes', async () => {
    const first = repo.commit(
      {
        'README.md': '# api-server\n',
        'manifests/development/deployment.yaml': deployment('api-server', 'blue'),
        'manifests/development/service.yaml': service,
        'manifests/development/config/settings.yml': configMap('blue'),
        'manifests/production/deployment.yaml': deployment('api-server', 'red', 'prod'),
      },
      'Add the development manifests',
    )
    const saved = await berth(['runtime', 'save', 'dr-sync', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-dev', '--namespace', namespace, '--project-ref', 'api-server'])
    expect(saved.code, saved.stderr).to.equal(0)

    const dry = jsonOf(await berth(['runtime', 'sync', 'dr-sync', '--dry-run', '--json']))
    expect(dry).to.include({dryRun: true, commit: first})
    expect(dry.createdNamespaces).to.deep.equal([namespace])
    expect(dry.resources.map((r: {action: string}) => r.action)).to.deep.equal(['created', 'created', 'created'])
    expect(spawnSync(kubeService().kubectl ?? 'kubectl', ['--kubeconfig', kubeService().adminKubeconfig, 'get', 'namespace', namespace]).status, 'a dry run creates nothing').to.equal(1)
    expect(jsonOf(await berth(['runtime', 'status', 'dr-sync', '--json'])).resources).to.deep.equal([])

    const sync1 = await berth(['runtime', 'sync', 'dr-sync', '--json'])
    expect(sync1.code, sync1.stderr).to.equal(0)
    const result1 = JSON.parse(sync1.stdout)
    expect(result1.commit).to.equal(first)
    expect(result1.resources.map((r: {kind: string; action: string}) => `${r.kind}:${r.action}`).sort()).to.deep.equal(['ConfigMap:created', 'Deployment:created', 'Service:created'])
    expect(result1.createdNamespaces).to.deep.equal([namespace])
    const labels = JSON.parse(kubectl(['get', 'deployment', 'api-server', '-n', namespace, '-o', 'json'])).metadata.labels
    expect(labels).to.include({'berth.dev/runtime': 'dr-sync', 'berth.dev/project': 'nautes-labs', 'app.kubernetes.io/part-of': 'api-server'})
    expect(labels['applyset.kubernetes.io/part-of']).to.match(/^applyset-[A-Za-z0-9_-]{43}-v1$/)
    const parent = JSON.parse(kubectl(['get', 'configmap', 'berth-runtime-dr-sync', '-n', namespace, '-o', 'json']))
    expect(parent.metadata.labels['applyset.kubernetes.io/id']).to.equal(labels['applyset.kubernetes.io/part-of'])
    expect(parent.metadata.annotations['applyset.kubernetes.io/contains-group-kinds']).to.equal('ConfigMap,Deployment.apps,Service')

    const status1 = jsonOf(await berth(['runtime', 'status', 'dr-sync', '--json']))
    expect(status1.lastSync).to.include({commit: first, result: 'Synced'})
    expect(status1.resources.map((r: {kind: string; status: string}) => `${r.kind}:${r.status}`).sort()).to.deep.equal(['ConfigMap:Healthy', 'Deployment:Healthy', 'Service:Healthy'])

    const noChange = await berth(['runtime', 'diff', 'dr-sync'])
    expect(noChange.code, noChange.stderr).to.equal(0)
    expect(noChange.stdout).to.equal('')

    const second = repo.commit({'manifests/development/config/settings.yml': configMap('green'), 'manifests/development/service.yaml': null}, 'Green settings; the Service moves to the platform repo')
    const diff = await berth(['runtime', 'diff', 'dr-sync'])
    expect(diff.code).to.equal(1)
    expect(diff.stdout).to.contain(`--- live/v1/ConfigMap/${namespace}/api-server-settings`).and.contain('-  color: blue').and.contain('+  color: green')
    expect(diff.stdout).to.contain(`--- Service ${namespace}/api-server\n+++ /dev/null (pruned)`)

    const kept = jsonOf(await berth(['runtime', 'sync', 'dr-sync', '--no-prune', '--json']))
    expect(kept.commit).to.equal(second)
    expect(kept.pruned).to.deep.equal([])
    expect(kept.resources.map((r: {kind: string; action: string}) => `${r.kind}:${r.action}`).sort()).to.deep.equal(['ConfigMap:configured', 'Deployment:unchanged'])
    expect(kubectl(['get', 'service', 'api-server', '-n', namespace, '-o', 'name']).trim()).to.equal('service/api-server')

    const sync2 = await berth(['runtime', 'sync', 'dr-sync'])
    expect(sync2.code, sync2.stderr).to.equal(0)
    expect(sync2.stderr).to.contain(`Service ${namespace}/api-server pruned`)
    expect(sync2.stderr).to.contain(`Synced runtime "dr-sync" at ${second.slice(0, 12)}: 0 created, 0 configured, 2 unchanged, 1 pruned.`)
    expect(kubectl(['get', 'service', '-n', namespace, '-o', 'name']).trim()).to.equal('')
    const status2 = jsonOf(await berth(['runtime', 'status', 'dr-sync', '--json']))
    expect(status2.lastSync.commit).to.equal(second)

    // Drift: someone edits a field berth applied. Status says OutOfSync; the next sync (same commit) puts it back.
    kubectl(['patch', 'configmap', 'api-server-settings', '-n', namespace, '--type', 'merge', '-p', '{"data":{"color":"purple"}}'])
    const drifted = jsonOf(await berth(['runtime', 'status', 'dr-sync', '--json']))
    expect(drifted.resources.find((r: {kind: string}) => r.kind === 'ConfigMap')).to.include({status: 'OutOfSync'})
    const conflict = await berth(['runtime', 'sync', 'dr-sync'])
    expect(conflict.code).to.equal(1)
    expect(conflict.stderr).to.contain('conflict with "kubectl-patch"').and.contain('force-conflicts')
    const repaired = jsonOf(await berth(['runtime', 'sync', 'dr-sync', '--force-conflicts', '--json']))
    expect(repaired.resources.map((r: {kind: string; action: string}) => `${r.kind}:${r.action}`).sort()).to.deep.equal(['ConfigMap:configured', 'Deployment:unchanged'])
    expect(JSON.parse(kubectl(['get', 'configmap', 'api-server-settings', '-n', namespace, '-o', 'json'])).data.color).to.equal('green')
    // In sync again (the Deployment's live health may flicker while kwok is busy).
    const after = jsonOf(await berth(['runtime', 'status', 'dr-sync', '--json'])).resources as Array<{kind: string; status: string}>
    expect(after.find((r) => r.kind === 'ConfigMap')?.status).to.equal('Healthy')
    expect(after.find((r) => r.kind === 'Deployment')?.status).to.be.oneOf(['Healthy', 'Progressing'])

    // A manifest aimed at a foreign namespace: refused before anything is applied.
    repo.commit({'manifests/development/config/settings.yml': configMap('yellow'), 'manifests/development/worker.yaml': deployment('worker', 'blue', 'kube-system')}, 'Add a worker in the wrong namespace')
    const foreign = await berth(['runtime', 'sync', 'dr-sync'])
    expect(foreign.code).to.equal(2)
    expect(foreign.stdout).to.equal('')
    expect(foreign.stderr).to.contain(`manifests/development/worker.yaml: Deployment worker is aimed at namespace "kube-system", outside its destination (${namespace}). Nothing was applied.`)
    expect(JSON.parse(kubectl(['get', 'configmap', 'api-server-settings', '-n', namespace, '-o', 'json'])).data.color).to.equal('green')

    // The destination is fixed after the first sync.
    const moved = await berth(['runtime', 'update', 'dr-sync', '--namespace', 'somewhere-else'])
    expect(moved.code).to.equal(1)
    expect(moved.stderr).to.contain(`Runtime "dr-sync" has been deployed to environment "env-dev" (namespaces ${namespace}); its destination cannot change`)
    expect(moved.stderr).to.contain('berth runtime delete dr-sync')

    // Credentials stayed out of the cache, the user's git config and argv-visible places.
    const cacheRoot = path.join(home.home, 'cache', 'berth', 'git')
    for (const dir of readdirSync(cacheRoot)) {
      const config = readFileSync(path.join(cacheRoot, dir, 'config'), 'utf8')
      expect(config).not.to.contain(gitService().password)
      expect(config).not.to.contain('url =')
    }
    expect(readFileSync(path.join(userHome, '.gitconfig'), 'utf8')).to.equal('[credential]\n\thelper = store\n[user]\n\tname = Someone Else\n')
    expect(existsSync(path.join(userHome, '.git-credentials'))).to.equal(false)
    const argv = readFileSync(gitLog, 'utf8')
    expect(argv).to.match(new RegExp(`fetch -q --no-tags --depth=1 -- ${repo.url.replace(/[.]/g, '\\.')} \\+HEAD:refs/berth/rev/[0-9a-f]{24}\n`))
    expect(argv).not.to.contain(gitService().password)
    expect(argv).not.to.contain(encodeURIComponent(gitService().password))
    expect(argv).not.to.match(/\/\/[^/\s]*@/)

    const published = await berth(['runtime', 'publish', 'dr-sync', '--repo', 'default-project', '--json'])
    expect(published.code, published.stderr).to.equal(0)
    const pub = JSON.parse(published.stdout)
    expect(pub.file).to.equal('runtimes/dr-sync.yaml')
    expect(publishRepo.git(['rev-parse', 'main']).trim()).to.equal(pub.commit)
    expect(publishRepo.git(['show', 'main:runtimes/dr-sync.yaml'])).to.contain('kind: DeploymentRuntime').and.contain(`      - ${namespace}`)

    const again = await berth(['runtime', 'publish', 'dr-sync', '--repo', 'default-project'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stderr).to.equal('runtimes/dr-sync.yaml on main is already up to date.\n')
    expect(publishRepo.git(['rev-parse', 'main']).trim()).to.equal(pub.commit)

    const deleted = await berth(['runtime', 'delete', 'dr-sync', '--json'])
    expect(deleted.code, deleted.stderr).to.equal(0)
    expect(JSON.parse(deleted.stdout).deleted.map((r: {kind: string}) => r.kind).sort()).to.deep.equal(['ConfigMap', 'Deployment'])
    expect(kubectl(['get', 'deployments,configmaps', '-n', namespace, '-l', 'berth.dev/runtime=dr-sync', '-o', 'name']).trim()).to.equal('')
    expect(publishRepo.git(['ls-tree', '-r', '--name-only', 'main'])).not.to.contain('runtimes/dr-sync.yaml')
    expect((await berth(['runtime', 'show', 'dr-sync'])).code).to.equal(1)
  })
})

function runKubectl(bin: string, args: string[]): string {
  return execFileSync(bin, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

describe('integration: runtime sync refuses bad sources before applying anything', function () {
  this.timeout(120_000)
  let home: ReturnType<typeof tempHome>
  let repo: ServedRepo
  let env: NodeJS.ProcessEnv
  let namespace: string
  let commit: string
  const berth = (args: string[]) => runBerth(args, {env, timeoutMs: 90_000})

  before(async function () {
    requireService(this, 'kube')
    requireService(this, 'git')
    home = tempHome()
    namespace = `dr-bad-${Date.now().toString(36)}`
    repo = createServedRepo('api-server-bad')
    commit = repo.commit(
      {'manifests/development/deployment.yaml': deployment('api-server', 'blue'), 'manifests/development/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: {a: [1, 2\n', 'manifests/ok/settings.yaml': configMap('blue')},
      'A broken manifest',
    )
    env = berthEnv(path.join(home.home, 'berth'), {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: PASSPHRASE, XDG_CACHE_HOME: path.join(home.home, 'cache'), GIT_PW: gitService().password, WRONG_PW: 'not-the-password!'})
    for (const args of [
      ['endpoint', 'create', 'git', 'api-server', '--url', repo.url, '--username', gitService().user, '--password-env', 'GIT_PW'],
      ['endpoint', 'create', 'git', 'wrong-password', '--url', repo.url, '--username', gitService().user, '--password-env', 'WRONG_PW'],
      ['endpoint', 'create', 'git', 'unreachable', '--url', 'http://127.0.0.1:9/nautes-labs/api-server.git', '--username', gitService().user, '--password-env', 'GIT_PW'],
      ['endpoint', 'create', 'kubernetes', 'dev-cluster', '--kubeconfig', kubeService().adminKubeconfig],
      ['environment', 'create', 'env-dev', '--cluster', 'dev-cluster'],
      ['runtime', 'save', 'broken-yaml', '--repo', 'api-server', '--revision', 'main', '--path', 'manifests/development', '--env', 'env-dev', '--namespace', namespace],
      ['runtime', 'save', 'no-revision', '--repo', 'api-server', '--revision', 'release-9.9', '--path', 'manifests/development', '--env', 'env-dev', '--namespace', namespace],
      ['runtime', 'save', 'no-path', '--repo', 'api-server', '--revision', 'main', '--path', 'manifests/staging', '--env', 'env-dev', '--namespace', namespace],
      ['runtime', 'save', 'unreachable', '--repo', 'unreachable', '--revision', 'main', '--path', 'manifests/development', '--env', 'env-dev', '--namespace', namespace],
      ['runtime', 'save', 'by-commit', '--repo', 'api-server', '--revision', commit, '--path', 'manifests/ok', '--env', 'env-dev', '--namespace', namespace],
      ['runtime', 'save', 'refused', '--repo', 'wrong-password', '--revision', 'main', '--path', 'manifests/development', '--env', 'env-dev', '--namespace', namespace],
    ]) {
      const result = await berth(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0)
    }
  })

  after(() => {
    repo?.remove()
    home?.cleanup()
  })

  it('fetches a revision given as a full commit id (a dry run creates nothing)', async () => {
    const dry = jsonOf(await berth(['runtime', 'sync', 'by-commit', '--dry-run', '--json']))
    expect(dry.commit).to.equal(commit)
    expect(dry.resources.map((r: {kind: string; namespace: string; action: string}) => `${r.kind}:${r.namespace}:${r.action}`)).to.deep.equal([`ConfigMap:${namespace}:created`])
  })

  const cases: Array<{runtime: string; code: number; stderr: RegExp}> = [
    {runtime: 'broken-yaml', code: 2, stderr: /^Error: manifest manifests\/development\/broken\.yaml is not valid YAML \(line \d+\): /},
    {runtime: 'no-revision', code: 1, stderr: /^Error: Revision "release-9\.9" does not exist in http:\/\/127\.0\.0\.1:\d+\/api-server-bad-\w+\.git\./},
    {runtime: 'no-path', code: 1, stderr: /^Error: Path "manifests\/staging" is not a directory at commit [0-9a-f]{12}\./},
    {runtime: 'unreachable', code: 1, stderr: /^Error: Could not connect to the Git server at http:\/\/127\.0\.0\.1:9: /},
    {runtime: 'refused', code: 1, stderr: /rejected the credentials \(HTTP 401 Unauthorized\)/},
  ]
  for (const c of cases) {
    it(`${c.runtime}: exit ${c.code}, a clear error, nothing applied`, async () => {
      const result = await berth(['runtime', 'sync', c.runtime])
      expect(result.code, result.stderr).to.equal(c.code)
      expect(result.stderr).to.match(c.stderr)
      expect(result.stderr).not.to.contain(gitService().password).and.not.to.contain('not-the-password!')
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.not.match(/\n\s+at /)
      const kube = kubeService()
      const ns = spawnSync(kube.kubectl ?? 'kubectl', ['--kubeconfig', kube.adminKubeconfig, 'get', 'namespace', namespace], {encoding: 'utf8'})
      expect(ns.status, 'the destination namespace must not have been created').to.equal(1)
      const show = jsonOf(await berth(['runtime', 'show', c.runtime, '--json']))
      expect(show.name).to.equal(c.runtime)
    })
  }
})

/** The JSON a successful command printed; a failure shows its exit code and stderr. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test JSON, checked field by field
function jsonOf(result: {code: number; stdout: string; stderr: string}): any {
  expect(result.code, `exit ${result.code}: ${result.stderr}`).to.equal(0)
  return JSON.parse(result.stdout)
}
