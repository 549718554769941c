import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: 'https://127.0.0.1:6443'}
users:
- name: admin
  user: {token: abc}
contexts:
- name: dev-admin
  context: {cluster: dev, user: admin}
current-context: dev-admin
`

describe('berth runtime and environment: malformed and hostile input', () => {
  let home: string
  let cleanup: () => void
  let initial: Record<string, string>
  const env = () => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pa$$ phrase', GIT_TOKEN: 'glpat-x:y@z/w'})

  before(async () => {
    ;({home, cleanup} = tempHome())
    await fs.writeFile(path.join(home, 'dev.kubeconfig'), KUBECONFIG)
    for (const args of [
      ['endpoint', 'create', 'git', 'api-server', '--url', 'http://127.0.0.1:9/nautes-labs/api-server.git', '--username', 'nautes-ci', '--password-env', 'GIT_TOKEN'],
      ['endpoint', 'create', 'kubernetes', 'dev-cluster', '--kubeconfig', path.join(home, 'dev.kubeconfig')],
      ['environment', 'create', 'env-dev', '--cluster', 'dev-cluster', '--namespace', 'dr-dev'],
      ['runtime', 'save', 'dr-dev', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-dev', '--namespace', 'dr-dev', '--project-ref', 'api-server'],
    ]) {
      const made = await runBerth(args, {env: env()})
      expect(made.code, made.stderr).to.equal(0)
    }
    initial = await stateFiles(home)
  })
  after(() => cleanup())

  const save = (name: string, ...extra: string[]) => ['runtime', 'save', name, '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-dev', '--namespace', 'dr-dev', ...extra]
  const cases: Array<{title: string; args: string[]; stderr: string | RegExp; code?: number}> = [
    {
      title: 'an unknown environment',
      args: ['runtime', 'save', 'dr-x', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-nope', '--namespace', 'dr-dev'],
      stderr: 'Error: Cannot save runtime "dr-x": environment "env-nope" does not exist in project "default".\nHint: Fix the references, or save anyway with --insecure-skip-check.\n',
    },
    {
      title: 'a repo endpoint that is not a git endpoint',
      args: ['runtime', 'save', 'dr-x', '--repo', 'dev-cluster', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-dev'],
      stderr: 'Error: Cannot save runtime "dr-x": endpoint "dev-cluster" is a kubernetes endpoint, not git or codearts-repo.\nHint: Fix the references, or save anyway with --insecure-skip-check.\n',
    },
    {title: 'a path with ..', args: ['runtime', 'save', 'dr-x', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/../../etc', '--env', 'env-dev'], stderr: 'Error: Invalid --path "manifests/../../etc": ".." would leave the repository.\nHint: Write it as in the repository, e.g. manifests/development\n'},
    {title: 'an absolute path', args: ['runtime', 'save', 'dr-x', '--repo', 'api-server', '--revision', 'HEAD', '--path', '/etc/kubernetes', '--env', 'env-dev'], stderr: 'Error: Invalid --path "/etc/kubernetes": it must be relative to the repository root.\nHint: Write it as in the repository, e.g. manifests/development\n'},
    {title: 'a revision that git would read as an option', args: save('dr-x').map((a) => (a === 'HEAD' ? '--upload-pack=touch /tmp/pwned' : a)), stderr: 'Error: Invalid --revision "--upload-pack=touch /tmp/pwned": give a branch, a tag, HEAD or a commit id.\n'},
    {title: 'a namespace that is not a DNS-1123 label', args: ['runtime', 'save', 'dr-x', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'm', '--env', 'env-dev', '--namespace', 'Dr_Dev'], stderr: /^Error: Invalid namespace "Dr_Dev": it must consist of lower-case letters/},
    {title: 'a runtime name with a terminal escape', args: save('dr\u001b[2J'), stderr: /^Error: Invalid runtime name "dr\\u001b\[2J": /},
    {title: 'create of an existing runtime', args: ['runtime', 'create', 'dr-dev', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'm', '--env', 'env-dev'], stderr: 'Error: DeploymentRuntime "dr-dev" already exists in project "default".\nHint: Change it with: berth runtime update dr-dev\n', code: 1},
    {title: 'update of a missing runtime', args: ['runtime', 'update', 'dr-nope', '--revision', 'v1.2.0'], stderr: /^Error: DeploymentRuntime "dr-nope" not found in project "default"\.\nHint: Create it with: berth runtime create dr-nope /, code: 1},
    {title: 'create without the required flags', args: ['runtime', 'create', 'dr-x', '--repo', 'api-server'], stderr: 'Error: Missing --revision, --path, --env to create runtime "dr-x".\n'},
    {title: 'show of a missing runtime', args: ['runtime', 'show', 'dr-nope'], stderr: /^Error: DeploymentRuntime "dr-nope" not found in project "default"\./, code: 1},
    {title: 'an unknown -o format', args: ['runtime', 'show', 'dr-dev', '-o', 'xml'], stderr: /Expected --output=xml to be one of: yaml/},
    {title: 'an environment on a git endpoint', args: ['environment', 'create', 'env-x', '--cluster', 'api-server'], stderr: 'Error: Endpoint "api-server" is a git endpoint; an environment\'s --cluster must be a kubernetes endpoint.\n'},
    {title: 'an environment on a missing endpoint', args: ['environment', 'create', 'env-x', '--cluster', 'nope'], stderr: /^Error: Endpoint "nope" not found in project "default"\./, code: 1},
    {title: 'an environment with a bad namespace', args: ['environment', 'create', 'env-x', '--cluster', 'dev-cluster', '--namespace', '../kube-system'], stderr: /^Error: Invalid namespace "\.\.\/kube-system"/},
    {title: 'deleting an environment a runtime uses', args: ['environment', 'delete', 'env-dev'], stderr: 'Error: Environment "env-dev" is used by DeploymentRuntime/dr-dev (spec.destination.environment).\nHint: Delete those runtimes (berth runtime delete NAME) or deploy those services elsewhere first.\n', code: 1},
  ]

  for (const c of cases) {
    it(`refuses ${c.title}: exit ${c.code ?? 2}, state unchanged`, async () => {
      const result = await runBerth(c.args, {env: env()})
      expect(result.code, result.stderr).to.equal(c.code ?? 2)
      if (typeof c.stderr === 'string') expect(result.stderr).to.equal(c.stderr)
      else expect(result.stderr).to.match(c.stderr)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.not.match(/\n\s+at /)
      expect(await stateFiles(home)).to.deep.equal(initial)
    })
  }

  it('saves with --insecure-skip-check despite an unknown environment, warning about it', async () => {
    const result = await runBerth(['runtime', 'save', 'dr-demo', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-nope', '--namespace', 'dr-dev', '--insecure-skip-check', '--json'], {env: env()})
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).to.contain('Warning: environment "env-nope" does not exist in project "default" (saved anyway: --insecure-skip-check).')
    expect(JSON.parse(result.stdout)).to.deep.include({name: 'dr-demo', warnings: ['environment "env-nope" does not exist in project "default"'], created: true})
    const sync = await runBerth(['runtime', 'sync', 'dr-demo'], {env: env()})
    expect(sync.code).to.equal(1)
    expect(sync.stderr).to.match(/^Error: Environment "env-nope" not found in project "default"\./)
  })
})

describe('berth environment list and show', () => {
  it('lists environments and shows what uses one', async () => {
    const {home, cleanup} = tempHome()
    try {
      const env = berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pa$$ phrase', GIT_TOKEN: 'glpat-x:y@z/w'})
      await fs.writeFile(path.join(home, 'dev.kubeconfig'), KUBECONFIG)
      for (const args of [
        ['endpoint', 'create', 'kubernetes', 'dev-cluster', '--kubeconfig', path.join(home, 'dev.kubeconfig')],
        ['endpoint', 'create', 'git', 'api-server', '--url', 'http://127.0.0.1:9/nautes-labs/api-server.git', '--username', 'nautes-ci', '--password-env', 'GIT_TOKEN'],
        ['environment', 'create', 'env-dev', '--cluster', 'dev-cluster', '--namespace', 'dr-dev'],
        ['environment', 'create', 'env-prod', '--cluster', 'dev-cluster'],
        ['runtime', 'save', 'dr-dev', '--repo', 'api-server', '--revision', 'HEAD', '--path', 'manifests/development', '--env', 'env-dev'],
      ]) {
        const made = await runBerth(args, {env})
        expect(made.code, made.stderr).to.equal(0)
      }
      const list = await runBerth(['environment', 'list', '--json'], {env})
      expect(JSON.parse(list.stdout)).to.deep.equal({items: [{name: 'env-dev', cluster: 'dev-cluster', namespace: 'dr-dev'}, {name: 'env-prod', cluster: 'dev-cluster', namespace: null}]})
      const show = JSON.parse((await runBerth(['environment', 'show', 'env-dev', '--json'], {env})).stdout)
      expect(show).to.deep.include({name: 'env-dev', cluster: 'dev-cluster', namespace: 'dr-dev', usedBy: [{kind: 'DeploymentRuntime', name: 'dr-dev', field: 'spec.destination.environment'}]})
      // The runtime took the environment's namespace as its destination.
      expect(JSON.parse((await runBerth(['runtime', 'show', 'dr-dev', '--json'], {env})).stdout).destination).to.deep.equal({environment: 'env-dev', namespaces: ['dr-dev']})
      const deleted = await runBerth(['environment', 'delete', 'env-prod'], {env})
      expect(deleted.code).to.equal(0)
      expect(deleted.stderr).to.equal('Deleted environment "env-prod".\n')
      const endpointShow = JSON.parse((await runBerth(['endpoint', 'show', 'dev-cluster', '--json'], {env})).stdout)
      expect(endpointShow.references).to.deep.include({kind: 'Environment', name: 'env-dev', field: 'spec.clusterEndpoint'})
    } finally {
      cleanup()
    }
  })
})
