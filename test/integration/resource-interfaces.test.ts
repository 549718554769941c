// `berth resource-interface` end to end: a git endpoint on the real git server and a
// docker-registry endpoint on the real Bearer-token registry as connectors; the source
// document's expression examples; the built-ins resolved; refs and tags listed through the
// ConnectorClass operations; and the tekton fragment checked by Tekton's own code and CRDs.
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {promises as fs} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

import {BerthContext} from '../../src/lib/context.js'
import {callConnectorOperation, getConnector} from '../../src/lib/resource-interfaces/connectors.js'
import {berthRejection} from '../helpers/files.js'
import {DockerService, GitService, RegistryService, requireService} from '../helpers/services.js'
import {Fragment, applyTektonCrds, dryRunCreate, pipelineRunFor, requireTektonValidate, tektonValidate} from '../helpers/tekton.js'
import {Sandbox, createRegistryEndpoint, dockerCli, expectNoSecret, sandbox, uniqueRepo} from './registry-helpers.js'

const exec = promisify(execFile)

// The source document's three expression examples, word for word, as attributes.
const seedExamples = (name: string, category: string) => `apiVersion: connectors.alauda.io/v1alpha1
kind: ResourceInterface
metadata:
  name: ${name}
  labels:
    resourceinterface.connectors.cpaas.io/category: "${category}"
spec:
  params:
    - name: repository
      type: string
    - name: tag
      type: string
      default: "latest"
    - name: tags
      type: array
      default: ["v1.0.0", "v1.1.0"]
  attributes:
    - name: repository-url
      type: string
      expression: "{connector.spec.address + '/' + params.repository}"
    - name: artifact
      type: string
      expression: "{url(connector.spec.address).host + '/' + params.repository + ':' + params.tag}"
    - name: artifacts
      type: array
      expression: "{params.tags.map(tag => url(connector.spec.address).host + '/' + params.repository + ':' + tag)}"
`

describe('integration: resource interfaces over real git and registry endpoints', function () {
  this.timeout(300_000)
  let git: GitService
  let reg: RegistryService
  let box: Sandbox
  let gitHost: string

  before(async function () {
    git = requireService(this, 'git')
    reg = requireService(this, 'registry')
    box = sandbox()
    gitHost = new URL(git.baseUrl).host
    const made = await box.run(['endpoint', 'create', 'git', 'src', '--url', git.baseUrl, '--username', git.user, '--password-stdin'], {input: git.password})
    expect(made.code, made.stderr).to.equal(0)
    await createRegistryEndpoint(box, 'reg', `http://${reg.tokenAddr}`, reg.user, reg.password)
  })
  after(function () {
    if (!box) return
    expectNoSecret(git.password, box.home, box.runs)
    expectNoSecret(reg.password, box.home, box.runs)
    box.cleanup()
  })

  const resolve = async (args: string[]) => {
    const result = await box.run(['resource-interface', 'resolve', ...args, '--json'])
    expect(result.code, result.stderr).to.equal(0)
    return JSON.parse(result.stdout) as Record<string, unknown>
  }

  it('gives the values the source document describes for its three expression examples, on a git and on a registry endpoint', async () => {
    for (const [name, category] of [['seed-examples-git', 'GitCodeRepository'], ['seed-examples-oci', 'OCIArtifact']]) {
      const file = path.join(box.home, `${name}.yaml`)
      await fs.writeFile(file, seedExamples(name!, category!))
      const applied = await box.run(['ri', 'apply', '-f', file, '--json'])
      expect(applied.code, applied.stderr).to.equal(0)
      expect(JSON.parse(applied.stdout)).to.deep.equal({name, action: 'created', source: 'user'})
    }
    const onGit = await resolve(['seed-examples-git', '--connector', 'src', '--param', 'repository=demo', '--param', 'tag=v1.0.0'])
    expect(onGit.attributes).to.deep.equal([
      {name: 'repository-url', type: 'string', value: `${git.baseUrl}/demo`, parameter: 'repository-url'},
      {name: 'artifact', type: 'string', value: `${gitHost}/demo:v1.0.0`, parameter: 'artifact'},
      {name: 'artifacts', type: 'array', value: [`${gitHost}/demo:v1.0.0`, `${gitHost}/demo:v1.1.0`], parameter: 'artifacts'},
    ])
    const onRegistry = await resolve(['seed-examples-oci', '--connector', 'reg', '--param', 'repository=payments/api', '--param', 'tags=["2026.11.1","sha-1a2b3c"]'])
    expect(onRegistry.attributes).to.deep.equal([
      {name: 'repository-url', type: 'string', value: `http://${reg.tokenAddr}/payments/api`, parameter: 'repository-url'},
      {name: 'artifact', type: 'string', value: `${reg.tokenAddr}/payments/api:latest`, parameter: 'artifact'},
      {name: 'artifacts', type: 'array', value: [`${reg.tokenAddr}/payments/api:2026.11.1`, `${reg.tokenAddr}/payments/api:sha-1a2b3c`], parameter: 'artifacts'},
    ])
  })

  it('resolves gitcoderepository end to end: git-url, git-revision and the workspace bindings with the connector filled in', async () => {
    const result = await resolve(['gitcoderepository', '--connector', 'src', '--param', 'repository=demo', '--param', 'revision=refs/tags/v1.0.0'])
    expect(result).to.deep.equal({
      interface: 'gitcoderepository',
      connector: {apiVersion: 'connectors.alauda.io/v1alpha1', kind: 'Connector', metadata: {name: 'src', namespace: 'default'}, spec: {connectorClassName: 'git', address: git.baseUrl}},
      params: {repository: 'demo', revision: 'refs/tags/v1.0.0'},
      attributes: [
        {name: 'url', type: 'string', value: `${git.baseUrl}/demo`, parameter: 'git-url'},
        {name: 'revision', type: 'string', value: 'refs/tags/v1.0.0', parameter: 'git-revision'},
      ],
      workspaces: [
        {name: 'git-source', workspace: 'git-source', binding: {volumeClaimTemplate: {spec: {accessModes: ['ReadWriteMany'], resources: {requests: {storage: '200Mi'}}}}}},
        {
          name: 'git-basic-auth',
          workspace: 'git-basic-auth',
          binding: {csi: {driver: 'connectors-csi', readOnly: true, volumeAttributes: {'connector.name': 'src', 'connector.namespace': 'default', 'configuration.names': 'gitconfig', 'token.expiration': '30m'}}},
        },
      ],
    })
    const defaults = await resolve(['gitcoderepository', '--connector', 'src', '--param', 'repository=demo'])
    expect(defaults.params).to.deep.equal({repository: 'demo', revision: 'refs/heads/main'})
  })

  it('resolves ociartifact end to end with the project as connector.namespace', async () => {
    const made = await box.run(['endpoint', 'create', 'docker-registry', 'harbor', '--project', 'team-payments', '--address', `http://${reg.tokenAddr}`, '--username', reg.user, '--password-stdin'], {input: reg.password})
    expect(made.code, made.stderr).to.equal(0)
    const result = await resolve(['ociartifact', '--connector', 'harbor', '--project', 'team-payments', '--param', 'repository=payments/api', '--param', 'tags=v1.4.2,latest'])
    expect(result.attributes).to.deep.equal([
      {name: 'repository-address', type: 'string', value: `${reg.tokenAddr}/payments/api`, parameter: 'repository-address'},
      {name: 'artifact-versions', type: 'array', value: [`${reg.tokenAddr}/payments/api:v1.4.2`, `${reg.tokenAddr}/payments/api:latest`], parameter: 'artifact-versions'},
    ])
    expect(result.workspaces).to.deep.equal([
      {
        name: 'docker-config',
        workspace: 'docker-config',
        binding: {csi: {driver: 'connectors-csi', readOnly: true, volumeAttributes: {'connector.name': 'harbor', 'connector.namespace': 'team-payments', 'configuration.names': 'config', 'token.expiration': '60m'}}},
      },
    ])
  })

  it('lists the endpoints that serve each interface', async () => {
    const list = async (name: string) => {
      const r = await box.run(['ri', 'connectors', name, '--json'])
      expect(r.code, r.stderr).to.equal(0)
      return JSON.parse(r.stdout)
    }
    expect(await list('gitcoderepository')).to.deep.equal({interface: 'gitcoderepository', connectorClasses: ['git', 'codearts-repo'], connectors: [{endpoint: 'src', type: 'git', address: git.baseUrl}]})
    expect(await list('ociartifact')).to.deep.equal({interface: 'ociartifact', connectorClasses: ['docker-registry'], connectors: [{endpoint: 'reg', type: 'docker-registry', address: `http://${reg.tokenAddr}`}]})
  })

  describe('ConnectorClass operations through the endpoint credentials', () => {
    const ctx = () => new BerthContext({env: box.env})

    it('listGitRefs lists the real branches and tags through git ls-remote, filtered by search', async () => {
      const connector = await getConnector(ctx(), 'src')
      const all = await callConnectorOperation(ctx(), connector, 'listGitRefs', {repositoryUrl: `${git.baseUrl}/demo.git`, search: ''})
      expect(all.items.map((i) => i.name)).to.include.members(['refs/heads/main', 'refs/heads/release-1.0', 'refs/tags/v1.0.0'])
      const some = await callConnectorOperation(ctx(), connector, 'listGitRefs', {repositoryUrl: `${git.baseUrl}/demo.git`, search: 'release'})
      expect(some).to.deep.equal({items: [{name: 'refs/heads/release-1.0'}]})
    })

    it('refuses to send the endpoint credentials to a repository outside its address', async () => {
      const connector = await getConnector(ctx(), 'src')
      const error = await berthRejection(callConnectorOperation(ctx(), connector, 'listGitRefs', {repositoryUrl: 'http://127.0.0.1:1/demo.git'}))
      expect(error.message).to.equal(`Repository URL "http://127.0.0.1:1/demo.git" is not under the address of endpoint "src" (${git.baseUrl}); its credentials are not sent there.`)
    })

    it('listOCIArtifactTags lists the real tags through the Bearer flow', async function () {
      const docker: DockerService = requireService(this, 'docker')
      const repo = uniqueRepo('ri-tags')
      const pushBox = sandbox({DOCKER_HOST: docker.host})
      try {
        await createRegistryEndpoint(pushBox, 'reg', `http://${reg.tokenAddr}`, reg.user, reg.password)
        for (const tag of ['1.0.0', '1.1.0-rc.1']) {
          const pushed = await pushBox.run(['image', 'push', docker.testImage, '--endpoint', 'reg', '--as', `${repo}:${tag}`])
          expect(pushed.code, pushed.stderr).to.equal(0)
          await exec(dockerCli(), ['rmi', `${reg.tokenAddr}/${repo}:${tag}`], {env: {PATH: process.env.PATH, DOCKER_HOST: docker.host}}).catch(() => undefined)
        }
      } finally {
        pushBox.cleanup()
      }
      const connector = await getConnector(ctx(), 'reg')
      expect(await callConnectorOperation(ctx(), connector, 'listOCIArtifactTags', {repository: repo, search: ''})).to.deep.equal({items: [{name: '1.0.0'}, {name: '1.1.0-rc.1'}]})
      expect(await callConnectorOperation(ctx(), connector, 'listOCIArtifactTags', {repository: repo, search: 'rc'})).to.deep.equal({items: [{name: '1.1.0-rc.1'}]})
    })
  })

  describe('-o tekton, checked by Tekton', () => {
    let validator: string
    const fragments: Record<string, Fragment> = {}
    before(async function () {
      validator = requireTektonValidate(this)
      const tekton = async (args: string[]) => {
        const r = await box.run(['ri', 'resolve', ...args, '-o', 'tekton'])
        expect(r.code, r.stderr).to.equal(0)
        const json = await box.run(['ri', 'resolve', ...args, '-o', 'tekton', '--json'])
        return {yaml: r.stdout, fragment: JSON.parse(json.stdout) as Fragment}
      }
      const gitOut = await tekton(['gitcoderepository', '--connector', 'src', '--param', 'repository=demo'])
      expect(gitOut.yaml).to.equal(`params:
  - name: git-url
    value: ${git.baseUrl}/demo
  - name: git-revision
    value: refs/heads/main
workspaces:
  - name: git-source
    volumeClaimTemplate:
      spec:
        accessModes:
          - ReadWriteMany
        resources:
          requests:
            storage: 200Mi
  - name: git-basic-auth
    csi:
      driver: connectors-csi
      readOnly: true
      volumeAttributes:
        connector.name: src
        connector.namespace: default
        configuration.names: gitconfig
        token.expiration: 30m
`)
      fragments.git = gitOut.fragment
      fragments.oci = (await tekton(['ociartifact', '--connector', 'reg', '--param', 'repository=payments/api', '--param', 'tags=v1,v2'])).fragment
    })

    for (const name of ['git', 'oci']) {
      it(`${name}: a PipelineRun built from the fragment passes Tekton's SetDefaults, Validate and the reconciler's param and workspace checks`, async () => {
        const verdict = await tektonValidate(validator, pipelineRunFor(fragments[name]!))
        expect(verdict).to.deep.equal({valid: true, errors: [], exitCode: 0})
      })
    }

    it('a fragment with a param name Tekton forbids is rejected by the same check', async () => {
      const broken: Fragment = {...fragments.git!, params: [...fragments.git!.params, {name: '9-git-depth', value: '1'}]}
      const verdict = await tektonValidate(validator, pipelineRunFor(broken))
      expect(verdict.valid).to.equal(false)
      expect(verdict.exitCode).to.equal(1)
      expect(verdict.errors.join('\n')).to.include('The format of following array and string variable names is invalid: [9-git-depth]')
    })

    it('a fragment missing a workspace binding the pipeline declares is rejected by the same check', async () => {
      const broken: Fragment = {...fragments.git!, workspaces: fragments.git!.workspaces.filter((w) => w.name !== 'git-basic-auth')}
      const verdict = await tektonValidate(validator, pipelineRunFor(broken, {declareWorkspaces: ['git-source', 'git-basic-auth']}))
      expect(verdict).to.deep.equal({valid: false, errors: ['pipeline requires workspace with name "git-basic-auth" be provided by pipelinerun'], exitCode: 1})
    })

    it('a workspace entry without any volume source is rejected by the same check', async () => {
      const broken: Fragment = {...fragments.git!, workspaces: [...fragments.git!.workspaces.filter((w) => w.name !== 'git-basic-auth'), {name: 'git-basic-auth'}]}
      const verdict = await tektonValidate(validator, pipelineRunFor(broken))
      expect(verdict.valid).to.equal(false)
      expect(verdict.errors.join('\n')).to.include('expected exactly one, got neither')
    })

    it('the real kube-apiserver with Tekton\'s CRDs accepts the PipelineRun (server-side dry run)', async function () {
      const kube = requireService(this, 'kube')
      await applyTektonCrds(kube)
      for (const name of ['git', 'oci']) {
        const created = await dryRunCreate(kube, pipelineRunFor(fragments[name]!, {name: `ri-${name}-check`}))
        expect(created, created.output).to.deep.equal({ok: true, output: `pipelinerun.tekton.dev/ri-${name}-check`})
      }
    })
  })
})
