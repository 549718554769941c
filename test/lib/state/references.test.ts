import {expect} from 'chai'

import {KINDS} from '../../../src/lib/state/document.js'
import {findReferences, referencePaths, valuesAt} from '../../../src/lib/state/references.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {tempHome} from '../../helpers/cli.js'

describe('declared references', () => {
  let home: string
  let cleanup: () => void
  let store: StateStore

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    store = new StateStore({home, actor: 'tester@host'})
  })
  afterEach(() => cleanup())

  it('are declared per kind, by the kind they name', () => {
    expect(referencePaths('Environment', 'Endpoint')).to.deep.equal(['spec.clusterEndpoint'])
    expect(referencePaths('DeploymentRuntime', 'Endpoint')).to.deep.equal(['spec.repoEndpoint', 'spec.publish.repoEndpoint'])
    expect(referencePaths('Trigger', 'Endpoint')).to.deep.equal(['spec.endpoint', 'spec.action.clusterEndpoint'])
    expect(referencePaths('Service', 'Endpoint')).to.deep.equal([])
    expect(referencePaths('DeploymentRuntime', 'Environment')).to.deep.equal(['spec.destination.environment'])
    for (const info of Object.values(KINDS)) {
      for (const paths of Object.values(info.references) as string[][]) for (const p of paths) expect(p).to.match(/^spec\./)
    }
  })

  it('resolve dotted paths, stepping into lists with []', () => {
    const doc = {spec: {deployments: [{endpoint: 'a'}, {other: 'b'}, {endpoint: 'c'}], one: {endpoint: 'd'}}}
    expect(valuesAt(doc, 'spec.deployments[].endpoint')).to.deep.equal([
      {field: 'spec.deployments[0].endpoint', value: 'a'},
      {field: 'spec.deployments[2].endpoint', value: 'c'},
    ])
    expect(valuesAt(doc, 'spec.one.endpoint')).to.deep.equal([{field: 'spec.one.endpoint', value: 'd'}])
    expect(valuesAt(doc, 'spec.one[].endpoint')).to.deep.equal([])
    expect(valuesAt(doc, 'spec.missing.endpoint')).to.deep.equal([])
    expect(valuesAt({spec: {toString: 'x'}}, 'spec.constructor')).to.deep.equal([])
  })

  it('find objects naming an endpoint in declared fields only, in the endpoint\'s project', async () => {
    const create = (kind: 'Environment' | 'DeploymentRuntime' | 'Trigger' | 'Service', name: string, spec: Record<string, unknown>, project = 'team-a') =>
      store.create({kind, metadata: {name, project}, spec})
    await create('Environment', 'prod', {clusterEndpoint: 'k8s', namespaces: ['web']})
    await create('DeploymentRuntime', 'web', {repoEndpoint: 'repo', publish: {repoEndpoint: 'k8s'}, destination: {environment: 'prod'}})
    await create('Trigger', 'on-push', {endpoint: 'repo', action: {clusterEndpoint: 'k8s'}})
    // User data that looks like a reference is not one: a ServiceMonitor's spec.endpoints, a status.
    await create('Service', 'monitor', {endpoints: ['k8s'], manifest: {spec: {endpoints: [{port: 'k8s'}], clusterEndpoint: 'k8s'}}, endpoint: 'k8s'})
    await store.updateStatus('Service', 'monitor', 'team-a', () => ({lastDeploy: {endpoint: 'k8s'}}))
    await create('Environment', 'elsewhere', {clusterEndpoint: 'k8s'}, 'team-b')
    expect(await findReferences(store, {kind: 'Endpoint', name: 'k8s', project: 'team-a'})).to.deep.equal([
      {kind: 'Environment', name: 'prod', field: 'spec.clusterEndpoint'},
      {kind: 'DeploymentRuntime', name: 'web', field: 'spec.publish.repoEndpoint'},
      {kind: 'Trigger', name: 'on-push', field: 'spec.action.clusterEndpoint'},
    ])
    expect(await findReferences(store, {kind: 'Endpoint', name: 'repo', project: 'team-a'})).to.deep.equal([
      {kind: 'DeploymentRuntime', name: 'web', field: 'spec.repoEndpoint'},
      {kind: 'Trigger', name: 'on-push', field: 'spec.endpoint'},
    ])
    expect(await findReferences(store, {kind: 'Environment', name: 'prod', project: 'team-a'})).to.deep.equal([
      {kind: 'DeploymentRuntime', name: 'web', field: 'spec.destination.environment'},
    ])
    expect(await findReferences(store, {kind: 'Endpoint', name: 'nothing', project: 'team-a'})).to.deep.equal([])
  })
})
