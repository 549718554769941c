import {expect} from 'chai'

import {UsageError, ValidationError} from '../../../src/lib/errors.js'
import {convertParam, parseParamFlags, withDefaults} from '../../../src/lib/resource-interfaces/params.js'
import {evaluateInterface, tektonFragment} from '../../../src/lib/resource-interfaces/resolve.js'
import {ConnectorObject, ResourceInterface} from '../../../src/lib/resource-interfaces/types.js'
import {berthRejection} from '../../helpers/files.js'

const connector: ConnectorObject = {
  apiVersion: 'connectors.alauda.io/v1alpha1',
  kind: 'Connector',
  metadata: {name: 'codehub', namespace: 'team-payments'},
  spec: {connectorClassName: 'codearts-repo', address: 'https://codehub-cn-north-4.devcloud.example.com'},
}

const ri: ResourceInterface = {
  apiVersion: 'connectors.alauda.io/v1alpha1',
  kind: 'ResourceInterface',
  metadata: {name: 'mixed'},
  spec: {
    params: [
      {name: 'repository', type: 'string'},
      {name: 'tags', type: 'array', default: ['latest']},
      {name: 'labels', type: 'object', default: {team: 'payments'}},
    ],
    attributes: [
      {name: 'clone', type: 'string', expression: 'git clone {connector.spec.address}/{params.repository}.git --labels={params.labels}', parameterize: {name: 'clone-command'}},
      {name: 'tags', type: 'array', expression: '{params.tags.map(t => `${params.repository}:${t}`)}'},
      {name: 'internal', type: 'string', expression: '{connector.metadata.namespace}', parameterize: {disable: true}},
    ],
    workspaces: [{name: 'cache', workspaceMapping: {name: 'build-cache', value: {persistentVolumeClaim: {claimName: 'cache-{connector.metadata.namespace}'}, subPath: '{params.tags}'}}}],
  },
}

describe('lib/resource-interfaces/resolve', function () {
  this.timeout(20_000)

  it('converts --param values to each param type', () => {
    const [repo, tags, labels] = ri.spec.params!
    expect(convertParam(repo!, 'a=b,c')).to.equal('a=b,c')
    expect(convertParam(tags!, 'v1, v2 ,v3')).to.deep.equal(['v1', 'v2', 'v3'])
    expect(convertParam(tags!, '["a,b", "c"]')).to.deep.equal(['a,b', 'c'])
    expect(convertParam(tags!, '')).to.deep.equal([])
    expect(convertParam(labels!, '{"env": "prod"}')).to.deep.equal({env: 'prod'})
    expect(() => convertParam(labels!, '{"env": 1}')).to.throw(UsageError, '--param labels: expected a JSON object of strings, such as {"key":"value"}.')
    expect(() => convertParam(tags!, '[1, 2]')).to.throw(UsageError, '--param tags: the JSON must be an array of strings.')
    expect(() => convertParam(tags!, '[oops')).to.throw(UsageError, /^--param tags: not valid JSON \(/)
  })

  it('applies defaults and names every missing param at once', () => {
    expect(withDefaults(ri, parseParamFlags(ri, ['repository=team/app']))).to.deep.equal({repository: 'team/app', tags: ['latest'], labels: {team: 'payments'}})
    const both: ResourceInterface = {...ri, spec: {...ri.spec, params: [{name: 'a', type: 'string'}, {name: 'b', type: 'array'}]}}
    expect(() => withDefaults(both, {})).to.throw(UsageError, 'Missing params of ResourceInterface "mixed": a, b.')
  })

  it('fills expressions inside longer strings as text, keeps whole-string values typed, honours parameterize', async () => {
    const result = await evaluateInterface(ri, connector, {repository: 'team/app', tags: ['v1', 'v2'], labels: {team: 'payments'}})
    expect(result.attributes).to.deep.equal([
      {name: 'clone', type: 'string', value: 'git clone https://codehub-cn-north-4.devcloud.example.com/team/app.git --labels={"team":"payments"}', parameter: 'clone-command'},
      {name: 'tags', type: 'array', value: ['team/app:v1', 'team/app:v2'], parameter: 'tags'},
      {name: 'internal', type: 'string', value: 'team-payments'},
    ])
    expect(result.workspaces).to.deep.equal([{name: 'cache', workspace: 'build-cache', binding: {persistentVolumeClaim: {claimName: 'cache-team-payments'}, subPath: ['v1', 'v2']}}])
    expect(tektonFragment(result)).to.deep.equal({
      params: [
        {name: 'clone-command', value: 'git clone https://codehub-cn-north-4.devcloud.example.com/team/app.git --labels={"team":"payments"}'},
        {name: 'tags', value: ['team/app:v1', 'team/app:v2']},
      ],
      workspaces: [{name: 'build-cache', persistentVolumeClaim: {claimName: 'cache-team-payments'}, subPath: ['v1', 'v2']}],
    })
  })

  it('refuses an attribute whose value is not of its type', async () => {
    const wrong: ResourceInterface = {...ri, spec: {params: [], attributes: [{name: 'n', type: 'array', expression: "{connector.metadata.name + '-x'}"}]}}
    const error = await berthRejection(evaluateInterface(wrong, connector, {}))
    expect(error).to.be.instanceOf(ValidationError)
    expect(error.message).to.equal('Attribute "n" of ResourceInterface "mixed" is of type array, but its expression gave a string ("codehub-x").')
  })
})
