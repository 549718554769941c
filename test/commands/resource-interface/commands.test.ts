// The resource-interface commands as a user runs them: list, show, apply (create, unchanged,
// update, override a built-in), delete (the built-in comes back), the ri alias and --json.
import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'

const MAVEN = `apiVersion: connectors.alauda.io/v1alpha1
kind: ResourceInterface
metadata:
  name: mavenartifact
  labels:
    resourceinterface.connectors.cpaas.io/category: "MavenArtifact"
  annotations:
    cpaas.io/display-name: "Maven 工件"
spec:
  params:
    - name: coordinates
      type: string
      description: "groupId:artifactId:version"
  attributes:
    - name: path
      type: string
      expression: "{params.coordinates.split(':').map((p, i) => i === 0 ? p.replace(/\\\\./g, '/') : p).join('/')}"
`

describe('berth resource-interface commands', function () {
  this.timeout(60_000)
  let home: string
  let cleanup: () => void
  const run = (args: string[], input?: string) => runBerth(args, {env: berthEnv(home), input})
  const ok = async (args: string[], input?: string) => {
    const r = await run(args, input)
    expect(r.code, r.stderr).to.equal(0)
    return r
  }
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  it('lists the built-ins, filtered by category, under both names', async () => {
    const table = await ok(['resource-interface', 'list'])
    expect(table.stdout).to.equal(
      'NAME               CATEGORY           SOURCE    PARAMS                ATTRIBUTES\n' +
        'gitcoderepository  GitCodeRepository  built-in  repository, revision  url, revision\n' +
        'ociartifact        OCIArtifact        built-in  repository, tags      repository-address, artifact-versions\n',
    )
    const json = JSON.parse((await ok(['ri', 'list', '--category', 'OCIArtifact', '--json'])).stdout)
    expect(json).to.deep.equal([
      {name: 'ociartifact', category: 'OCIArtifact', displayName: 'OCI 工件', source: 'built-in', params: ['repository', 'tags'], attributes: ['repository-address', 'artifact-versions'], workspaces: ['docker-config']},
    ])
    const none = await ok(['ri', 'list', '--category', 'Nothing'])
    expect(none.stdout).to.equal('')
    expect(none.stderr).to.equal('No resource interfaces of category "Nothing".\n')
  })

  it('shows a built-in as YAML that apply takes back unchanged', async () => {
    const shown = await ok(['ri', 'show', 'gitcoderepository'])
    expect(shown.stderr).to.equal('# built-in\n')
    const doc = parse(shown.stdout)
    expect(doc.apiVersion).to.equal('connectors.alauda.io/v1alpha1')
    expect(doc.spec.attributes[0].expression).to.equal("{connector.spec.address + '/' + params.repository}")
    const applied = await ok(['ri', 'apply', '-f', '-', '--json'], shown.stdout)
    expect(JSON.parse(applied.stdout)).to.deep.equal({name: 'gitcoderepository', action: 'created', source: 'user (overrides built-in)'})
    expect(applied.stderr).to.equal('')
    const again = await ok(['ri', 'apply', '-f', '-'], shown.stdout)
    expect(again.stderr).to.equal('ResourceInterface "gitcoderepository" unchanged (it replaces the built-in one).\n')
  })

  it('applies, updates, overrides and deletes; deleting an override brings the built-in back', async () => {
    const file = path.join(home, 'maven.yaml')
    await fs.writeFile(file, MAVEN)
    expect((await ok(['ri', 'apply', '-f', file])).stderr).to.equal('ResourceInterface "mavenartifact" created.\n')
    await fs.writeFile(file, MAVEN.replace('groupId:artifactId:version', 'g:a:v'))
    expect((await ok(['ri', 'apply', '-f', file])).stderr).to.equal('ResourceInterface "mavenartifact" updated.\n')
    const shown = JSON.parse((await ok(['ri', 'show', 'mavenartifact', '--json'])).stdout)
    expect(shown.source).to.equal('user')
    expect(shown.resourceInterface.spec.params[0].description).to.equal('g:a:v')

    const override = (await ok(['ri', 'show', 'ociartifact'])).stdout.replace('token.expiration: 60m', 'token.expiration: 15m')
    await ok(['ri', 'apply', '-f', '-'], override)
    const listed = JSON.parse((await ok(['ri', 'list', '--json'])).stdout) as Array<{name: string; source: string}>
    expect(listed.map((l) => [l.name, l.source])).to.deep.equal([['gitcoderepository', 'built-in'], ['mavenartifact', 'user'], ['ociartifact', 'user (overrides built-in)']])

    expect((await ok(['ri', 'delete', 'ociartifact'])).stderr).to.equal('Deleted ResourceInterface "ociartifact". The built-in one of that name is in effect again.\n')
    const back = JSON.parse((await ok(['ri', 'show', 'ociartifact', '--json'])).stdout)
    expect(back.source).to.equal('built-in')
    expect(back.resourceInterface.spec.workspaces[0].workspaceMapping.value.csi.volumeAttributes['token.expiration']).to.equal('60m')
    expect(JSON.parse((await ok(['ri', 'delete', 'mavenartifact', '--json'])).stdout)).to.deep.equal({name: 'mavenartifact', builtinRestored: false})
  })

  it('says which endpoint types serve an interface when the project has none', async () => {
    const r = await ok(['ri', 'connectors', 'ociartifact'])
    expect(r.stdout).to.equal('')
    expect(r.stderr).to.equal('No endpoint in project "default" serves "ociartifact"; create one of type docker-registry with: berth endpoint create\n')
  })

  it('turns codearts-repo and Docker Hub endpoints into connectors without any secret', async () => {
    const env = berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'c0nn3ct0r$ pass', PW: 'Hw@Cloud#2026!'})
    const must = async (args: string[]) => {
      const r = await runBerth(args, {env})
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stdout + r.stderr).not.to.include('Hw@Cloud#2026!')
      return r
    }
    await must(['endpoint', 'create', 'codearts-repo', 'codehub', '--url-prefix', 'https://codehub-cn-north-4.devcloud.example.com/', '--username', 'payments-tenant/ci.bot', '--password-env', 'PW'])
    await must(['endpoint', 'create', 'docker-registry', 'hub', '--address', 'https://index.docker.io/v1/', '--username', 'payments', '--password-env', 'PW'])
    const git = JSON.parse((await must(['ri', 'resolve', 'gitcoderepository', '-c', 'codehub', '--param', 'repository=payments/api', '--json'])).stdout)
    expect(git.connector).to.deep.equal({apiVersion: 'connectors.alauda.io/v1alpha1', kind: 'Connector', metadata: {name: 'codehub', namespace: 'default'}, spec: {connectorClassName: 'codearts-repo', address: 'https://codehub-cn-north-4.devcloud.example.com'}})
    expect(git.attributes[0].value).to.equal('https://codehub-cn-north-4.devcloud.example.com/payments/api')
    const oci = JSON.parse((await must(['ri', 'resolve', 'ociartifact', '-c', 'hub', '--param', 'repository=payments/api', '--param', 'tags=1.0', '--json'])).stdout)
    expect(oci.connector.spec).to.deep.equal({connectorClassName: 'docker-registry', address: 'https://index.docker.io/v1', registry: 'docker.io'})
    expect(oci.attributes[1].value).to.deep.equal(['docker.io/payments/api:1.0'])
  })

  it('has help with examples for every command, and the ri topic', async () => {
    const help = await ok(['ri', '--help'])
    for (const verb of ['apply', 'connectors', 'delete', 'list', 'resolve', 'show']) expect(help.stdout).to.include(`ri ${verb}`)
    const resolveHelp = await ok(['resource-interface', 'resolve', '--help'])
    expect(resolveHelp.stdout).to.include('ALIASES\n  $ berth ri resolve')
    expect(resolveHelp.stdout).to.include('$ berth resource-interface resolve gitcoderepository --connector my-git --param repository=team/app')
  })
})
