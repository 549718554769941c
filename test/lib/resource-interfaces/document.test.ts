import {expect} from 'chai'

import {ValidationError} from '../../../src/lib/errors.js'
import {BUILTIN_INTERFACES_YAML} from '../../../src/lib/resource-interfaces/builtins.js'
import {parseDescriptors} from '../../../src/lib/resource-interfaces/descriptors.js'
import {parseResourceInterface} from '../../../src/lib/resource-interfaces/document.js'
import {berthRejection} from '../../helpers/files.js'

// The source document's examples (seed 002, "示例"), transcribed field by field.
const SEED_GIT = {
  labels: {'resourceinterface.connectors.cpaas.io/category': 'GitCodeRepository'},
  spec: {
    params: [
      {name: 'repository', type: 'string', description: '仓库名称'},
      {name: 'revision', type: 'string', default: 'refs/heads/main', description: 'Git 修订'},
    ],
    attributes: [
      {name: 'url', type: 'string', expression: "{connector.spec.address + '/' + params.repository}", parameterize: {name: 'git-url'}, dependsOn: ['params.repository', 'connector']},
      {name: 'revision', type: 'string', expression: '{params.revision}', parameterize: {name: 'git-revision'}, dependsOn: ['params.revision']},
    ],
    workspaces: [
      {name: 'git-source', workspaceMapping: {name: 'git-source', value: {volumeClaimTemplate: {spec: {accessModes: ['ReadWriteMany'], resources: {requests: {storage: '200Mi'}}}}}}},
      {
        name: 'git-basic-auth',
        workspaceMapping: {
          name: 'git-basic-auth',
          value: {csi: {driver: 'connectors-csi', readOnly: true, volumeAttributes: {'connector.name': '{connector.metadata.name}', 'connector.namespace': '{connector.metadata.namespace}', 'configuration.names': 'gitconfig', 'token.expiration': '30m'}}},
        },
      },
    ],
  },
}
const SEED_OCI = {
  labels: {'resourceinterface.connectors.cpaas.io/category': 'OCIArtifact'},
  spec: {
    params: [
      {name: 'repository', type: 'string', description: '仓库名称'},
      {name: 'tags', type: 'array', description: '镜像标签'},
    ],
    attributes: [
      {name: 'repository-address', type: 'string', expression: "{connector.spec.registry + '/' + params.repository}", dependsOn: ['params.repository', 'connector']},
      {name: 'artifact-versions', type: 'array', expression: "{params.tags.map(tag => connector.spec.registry + '/' + params.repository + ':' + tag)}", dependsOn: ['params.repository', 'params.tags', 'connector']},
    ],
    workspaces: [
      {
        name: 'docker-config',
        workspaceMapping: {
          name: 'docker-config',
          value: {csi: {driver: 'connectors-csi', readOnly: true, volumeAttributes: {'connector.name': '{connector.metadata.name}', 'connector.namespace': '{connector.metadata.namespace}', 'configuration.names': 'config', 'token.expiration': '60m'}}},
        },
      },
    ],
  },
}

const VALID = `apiVersion: connectors.alauda.io/v1alpha1
kind: ResourceInterface
metadata:
  name: githubcoderepository
  labels:
    resourceinterface.connectors.cpaas.io/category: GitCodeRepository
spec:
  params:
    - name: organization
      type: string
    - name: repository
      type: string
    - name: labels
      type: object
      default: {team: payments}
  attributes:
    - name: url
      type: string
      expression: "{connector.spec.address + '/' + params.organization + '/' + params.repository}"
      parameterize: {name: git-url}
      dependsOn: [params.organization, params.repository, connector]
  workspaces:
    - name: git-source
      workspaceMapping:
        name: git-source
        value: {emptyDir: {}}
`

async function problems(text: string): Promise<string> {
  const error = await berthRejection(parseResourceInterface(text, 'ri.yaml'))
  expect(error).to.be.instanceOf(ValidationError)
  expect(error.exitCode).to.equal(2)
  return error.message
}

describe('lib/resource-interfaces/document', function () {
  this.timeout(20_000)

  describe('built-ins', () => {
    for (const [name, seed] of [['gitcoderepository', SEED_GIT], ['ociartifact', SEED_OCI]] as const) {
      it(`${name}: labels and spec are the source document's example, and it passes validation`, async () => {
        const ri = await parseResourceInterface(BUILTIN_INTERFACES_YAML[name]!, `built-in ${name}`)
        expect(ri.metadata.name).to.equal(name)
        expect(ri.metadata.labels).to.deep.equal(seed.labels)
        expect(ri.spec).to.deep.equal(seed.spec)
      })
    }
    it('gitcoderepository: params.revision has the source document\'s listGitRefs select', async () => {
      const ri = await parseResourceInterface(BUILTIN_INTERFACES_YAML.gitcoderepository!, 'built-in')
      const form = parseDescriptors(ri.metadata.annotations!['style.tekton.dev/descriptors']!).get('params.revision')
      expect(form).to.deep.equal({path: 'params.revision', select: true, options: {source: 'openapi', operationId: 'listGitRefs'}, optionDescriptors: [], label: 'Revision', description: 'Git 修订引用(例如分支的 refs/heads/main)'})
    })
  })

  it('accepts a user interface of the same shape, also as kubectl prints it from a cluster', async () => {
    const ri = await parseResourceInterface(VALID, 'ri.yaml')
    expect(ri.spec.params?.map((p) => p.name)).to.deep.equal(['organization', 'repository', 'labels'])
    const fromCluster = VALID.replace('  name: githubcoderepository\n', '  name: githubcoderepository\n  uid: 7f1c2e3a-0b4d-4f5e-9a6b-1c2d3e4f5a6b\n  resourceVersion: "48213"\n  creationTimestamp: "2026-11-02T08:15:00Z"\n') + 'status: {}\n'
    expect((await parseResourceInterface(fromCluster, 'ri.yaml')).metadata.name).to.equal('githubcoderepository')
  })

  const head = 'apiVersion: connectors.alauda.io/v1alpha1\nkind: ResourceInterface\nmetadata:\n  name: broken\n'
  const cases: Array<{title: string; text: string; message: string}> = [
    {
      title: 'an unknown param type',
      text: `${head}spec:\n  params:\n    - {name: count, type: integer}\n`,
      message: 'ResourceInterface "broken" in ri.yaml is not valid:\n  - spec.params[0].type: "integer" is not a param type (string, array, object)',
    },
    {
      title: 'an expression that does not parse',
      text: `${head}spec:\n  attributes:\n    - name: url\n      type: string\n      expression: "{connector.spec.address + }"\n`,
      message: 'ResourceInterface "broken" in ri.yaml is not valid:\n  - spec.attributes[0].expression: expression {connector.spec.address + } does not parse: SyntaxError: unexpected token in expression: \')\'',
    },
    {
      title: 'an unclosed expression',
      text: `${head}spec:\n  attributes:\n    - name: url\n      type: string\n      expression: "{params.a"\n`,
      message: 'ResourceInterface "broken" in ri.yaml is not valid:\n  - spec.attributes[0].expression: the expression starting at character 1 has no closing "}"',
    },
    {
      title: 'a dependsOn naming a missing param',
      text: `${head}spec:\n  params:\n    - {name: repository, type: string}\n  attributes:\n    - name: url\n      type: string\n      expression: "{params.repository}"\n      dependsOn: [params.repo, connector, secrets]\n`,
      message: 'ResourceInterface "broken" in ri.yaml is not valid:\n  - spec.attributes[0].dependsOn[0]: "params.repo" names a param that does not exist (params: repository)\n  - spec.attributes[0].dependsOn[2]: "secrets" is neither "connector" nor "params.<name>"',
    },
    {
      title: 'duplicate names',
      text: `${head}spec:\n  params:\n    - {name: a, type: string}\n    - {name: a, type: array}\n  attributes:\n    - {name: x, type: string, expression: "{params.a}", parameterize: {name: p}}\n    - {name: x, type: string, expression: "{params.a}"}\n    - {name: y, type: string, expression: "{params.a}", parameterize: {name: p}}\n  workspaces:\n    - {name: w, workspaceMapping: {name: ws, value: {emptyDir: {}}}}\n    - {name: w, workspaceMapping: {name: ws, value: {emptyDir: {}}}}\n`,
      message: [
        'ResourceInterface "broken" in ri.yaml is not valid:',
        '  - spec.params[1].name: duplicate param name "a"',
        '  - spec.attributes[1].name: duplicate attribute name "x"',
        '  - spec.attributes[2].parameterize.name: pipeline parameter "p" is already produced by attribute "x"',
        '  - spec.workspaces[1].name: duplicate workspace name "w"',
        '  - spec.workspaces[1].workspaceMapping.name: duplicate pipeline workspace "ws"',
      ].join('\n'),
    },
    {
      title: 'a parameter name Tekton forbids and a default of the wrong type',
      text: `${head}spec:\n  params:\n    - {name: tags, type: array, default: v1}\n  attributes:\n    - {name: url, type: string, expression: "{params.tags[0]}", parameterize: {name: "9-url"}}\n`,
      message: 'ResourceInterface "broken" in ri.yaml is not valid:\n  - spec.params[0].default: does not match type array of param "tags"\n  - spec.attributes[0].parameterize.name: "9-url" cannot be a Tekton parameter name (letters, digits, "_", "-", "." and not starting with a digit, "-" or ".")',
    },
    {
      title: 'misspelt fields, a wrong apiVersion and an attribute type of object',
      text: 'apiVersion: v1\nkind: ResourceInterface\nmetadata:\n  name: Broken_Name\nspec:\n  attributes:\n    - {name: a, type: object, expresion: "{1}"}\n',
      message: [
        'ResourceInterface "Broken_Name" in ri.yaml is not valid:',
        '  - apiVersion: must be connectors.alauda.io/v1alpha1, got "v1"',
        '  - metadata.name: "Broken_Name" is not a valid name: it must consist of lower-case letters, digits and "-", and start and end with a letter or digit',
        '  - spec.attributes[0].expresion: unknown field (expected: name, type, expression, parameterize, dependsOn)',
        '  - spec.attributes[0].type: "object" is not an attribute type (string, array)',
        '  - spec.attributes[0].expression: is required (a string such as "{params.revision}")',
      ].join('\n'),
    },
    {
      title: 'a workspace without a binding and a bad workspace name',
      text: `${head}spec:\n  workspaces:\n    - {name: src, workspaceMapping: {name: Git_Source}}\n`,
      message: 'ResourceInterface "broken" in ri.yaml is not valid:\n  - spec.workspaces[0].workspaceMapping.name: "Git_Source" cannot be a Tekton workspace name: it must consist of lower-case letters, digits and "-", and start and end with a letter or digit\n  - spec.workspaces[0].workspaceMapping.value: must be a Tekton WorkspaceBinding (emptyDir, csi, secret, volumeClaimTemplate, ...)',
    },
    {
      title: 'descriptors that are not YAML',
      text: `apiVersion: connectors.alauda.io/v1alpha1\nkind: ResourceInterface\nmetadata:\n  name: broken\n  annotations:\n    style.tekton.dev/descriptors: "- path: [unclosed"\nspec: {}\n`,
      message: /^ResourceInterface "broken" in ri.yaml is not valid:\n {2}- metadata.annotations.style.tekton.dev\/descriptors: is not valid YAML: / as unknown as string,
    },
  ]
  for (const c of cases) {
    it(`rejects ${c.title}, naming each problem with its path`, async () => {
      const message = await problems(c.text)
      if (typeof c.message === 'string') expect(message).to.equal(c.message)
      else expect(message).to.match(c.message as unknown as RegExp)
    })
  }

  it('rejects YAML that is not a mapping, and an alias bomb', async () => {
    expect(await problems('- a\n- b\n')).to.equal('ri.yaml is not a ResourceInterface: expected a YAML mapping with apiVersion, kind, metadata and spec.')
    const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
    expect(await problems(bomb)).to.match(/^ri\.yaml could not be read as YAML: /)
  })
})
