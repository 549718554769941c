import {expect} from 'chai'

import {parseAllDocuments} from 'yaml'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'

describe('berth install --print', () => {
  let home: string
  let cleanup: () => void
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  it('prints the CRDs of every kind, the namespace, a ServiceAccount and the three roles; viewer never reads Secrets', async () => {
    const result = await runBerth(['install', '--print'], {env: berthEnv(home, {BERTH_KUBE_NAMESPACE: 'berth-team-a'})})
    expect(result.code, result.stderr).to.equal(0)
    const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as {kind: string; metadata: {name: string; namespace?: string}; rules?: Array<{apiGroups: string[]; resources: string[]; verbs: string[]}>})
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).to.deep.equal([
      'Namespace/berth-team-a',
      'CustomResourceDefinition/endpoints.berth.dev',
      'CustomResourceDefinition/templates.berth.dev',
      'CustomResourceDefinition/services.berth.dev',
      'CustomResourceDefinition/productionservices.berth.dev',
      'CustomResourceDefinition/environments.berth.dev',
      'CustomResourceDefinition/deploymentruntimes.berth.dev',
      'CustomResourceDefinition/triggers.berth.dev',
      'CustomResourceDefinition/executions.berth.dev',
      'CustomResourceDefinition/resourceinterfaces.berth.dev',
      'ServiceAccount/berth',
      'Role/berth-viewer',
      'Role/berth-editor',
      'Role/berth-admin',
      'RoleBinding/berth',
    ])
    const role = (name: string) => docs.find((d) => d.kind === 'Role' && d.metadata.name === name)!
    expect(role('berth-viewer').rules!.some((r) => r.resources.includes('secrets'))).to.equal(false)
    expect(role('berth-viewer').rules!.flatMap((r) => r.verbs)).to.not.include.members(['create', 'update', 'patch', 'delete'])
    expect(role('berth-editor').rules!.find((r) => r.resources.includes('secrets'))!.verbs).to.include.members(['get', 'create', 'update', 'delete'])
    expect(docs.filter((d) => d.metadata.namespace !== undefined).every((d) => d.metadata.namespace === 'berth-team-a')).to.equal(true)
  })

  it('refuses to run without --print and a namespace that is not a DNS-1123 label, printing nothing', async () => {
    const cases: Array<[string[], string]> = [
      [['install'], 'Error: berth install only prints the manifests for now: add --print.\nHint: berth install --print | kubectl apply --server-side -f -\n'],
      [['install', '--print', '--namespace', 'Berth_System'], 'Error: Invalid namespace "Berth_System": it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.\nHint: Use a DNS-1123 label such as "my-registry" (lower case, digits and "-", at most 63 characters).\n'],
    ]
    for (const [args, stderr] of cases) {
      const result = await runBerth(args, {env: berthEnv(home)})
      expect(result.code, args.join(' ')).to.equal(2)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.equal(stderr)
    }
  })

  it('returns the objects and the YAML with --json', async () => {
    const result = await runBerth(['install', '--print', '--json'], {env: berthEnv(home)})
    expect(result.code).to.equal(0)
    const body = JSON.parse(result.stdout) as {namespace: string; objects: unknown[]; yaml: string}
    expect(body.namespace).to.equal('berth-system')
    expect(body.objects).to.have.length(15)
    expect(body.yaml).to.contain('kind: CustomResourceDefinition')
  })
})
