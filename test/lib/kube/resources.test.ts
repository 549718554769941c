import {expect} from 'chai'

import {KubeObject, projectOnto, sameForManager} from '../../../src/lib/kube/resources.js'

const manifest: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'cart', labels: {'app.kubernetes.io/managed-by': 'berth', 'berth.dev/project': 'shop'}},
  spec: {replicas: 2, template: {spec: {containers: [{name: 'cart', image: 'registry.example.com:5443/shop/cart:1.0'}]}}},
}

const berthFields = {f: {'f:metadata': {'f:labels': {'f:app.kubernetes.io/managed-by': {}, 'f:berth.dev/project': {}}}, 'f:spec': {'f:replicas': {}, 'f:template': {}}}}

function live(overrides: {image?: string; replicas?: number; annotations?: Record<string, string>; resourceVersion: string; fields?: unknown}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'cart',
      namespace: 'shop-dev',
      resourceVersion: overrides.resourceVersion,
      generation: 1,
      labels: {'app.kubernetes.io/managed-by': 'berth', 'berth.dev/project': 'shop'},
      ...(overrides.annotations ? {annotations: overrides.annotations} : {}),
      managedFields: [
        {manager: 'berth', operation: 'Apply', fieldsV1: overrides.fields ?? berthFields},
        {manager: 'kube-controller-manager', operation: 'Update', fieldsV1: {f: {'f:metadata': {'f:annotations': {}}}}},
      ],
    },
    spec: {
      replicas: overrides.replicas ?? 2,
      progressDeadlineSeconds: 600,
      template: {spec: {containers: [{name: 'cart', image: overrides.image ?? 'registry.example.com:5443/shop/cart:1.0', terminationMessagePath: '/dev/termination-log'}]}},
    },
    status: {observedGeneration: 1},
  }
}

describe('kube resources: telling an unchanged apply from a changed one', () => {
  it('projects a live object onto the paths a manifest sets, lists taken whole', () => {
    const projected = projectOnto(live({resourceVersion: '7', annotations: {'deployment.kubernetes.io/revision': '1'}}), manifest) as KubeObject
    expect(projected.metadata).to.deep.equal({name: 'cart', labels: {'app.kubernetes.io/managed-by': 'berth', 'berth.dev/project': 'shop'}})
    expect(projected.spec).to.deep.equal({replicas: 2, template: {spec: {containers: [{name: 'cart', image: 'registry.example.com:5443/shop/cart:1.0', terminationMessagePath: '/dev/termination-log'}]}}})
    expect(projected).not.to.have.property('status')
  })

  it('calls unchanged an apply during which a controller added an annotation (the rollout revision race)', () => {
    const before = live({resourceVersion: '7'})
    const after = live({resourceVersion: '9', annotations: {'deployment.kubernetes.io/revision': '1'}})
    expect(sameForManager(before, after, manifest, 'berth')).to.equal(true)
  })

  it('calls changed an apply that changed a value, owned fields, or had no entry before', () => {
    const before = live({resourceVersion: '7'})
    expect(sameForManager(before, live({resourceVersion: '8', image: 'registry.example.com:5443/shop/cart:1.1'}), manifest, 'berth')).to.equal(false)
    expect(sameForManager(before, live({resourceVersion: '8', replicas: 3}), manifest, 'berth')).to.equal(false)
    const dropped = {f: {'f:metadata': {'f:labels': {'f:berth.dev/project': {}}}, 'f:spec': {'f:replicas': {}, 'f:template': {}}}}
    expect(sameForManager(before, live({resourceVersion: '8', fields: dropped}), manifest, 'berth')).to.equal(false)
    expect(sameForManager(before, live({resourceVersion: '8'}), manifest, 'kubectl')).to.equal(false)
  })
})
