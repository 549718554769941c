import {expect} from 'chai'
import {createHash} from 'node:crypto'

import {applySetId, setKindsOf} from '../../../src/lib/kube/prune.js'

describe('kube/prune applySetId', () => {
  it('hashes name.namespace.kind.group as kubectl does', () => {
    const expected = createHash('sha256').update('berth-runtime-dr-dev.dr-dev.ConfigMap.').digest('base64url')
    expect(applySetId({name: 'berth-runtime-dr-dev', namespace: 'dr-dev'})).to.equal(`applyset-${expected}-v1`)
    expect(applySetId({name: 'berth-runtime-dr-dev', namespace: 'dr-dev'})).to.match(/^applyset-[A-Za-z0-9_-]{43}-v1$/)
  })

  it('records each kind once per namespace', () => {
    expect(
      setKindsOf([
        {apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'dr-dev', name: 'a'},
        {apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'dr-dev', name: 'b'},
        {apiVersion: 'v1', kind: 'Service', namespace: 'dr-dev', name: 'a'},
        {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'reader'},
      ]),
    ).to.deep.equal([
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole'},
      {apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'dr-dev'},
      {apiVersion: 'v1', kind: 'Service', namespace: 'dr-dev'},
    ])
  })
})
