import {expect} from 'chai'
import {createHash} from 'node:crypto'

import {forbiddenInPlainWords} from '../../../src/lib/kube/client.js'
import {parseManifests} from '../../../src/lib/kube/manifests.js'
import {applySetId, setKindsOf} from '../../../src/lib/kube/prune.js'
import {ValidationError} from '../../../src/lib/errors.js'

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

describe('kube/client forbiddenInPlainWords', () => {
  it('says who may not do what where', () => {
    const message = 'deployments.apps "web" is forbidden: User "restricted" cannot patch resource "deployments" in API group "apps" in the namespace "shop"'
    expect(forbiddenInPlainWords(message, {method: 'PATCH', path: '/x', action: 'apply Deployment shop/web'})).to.equal(
      'User "restricted" is not allowed to create or update deployments (API group apps) in namespace "shop" (apply Deployment shop/web).',
    )
    expect(forbiddenInPlainWords('namespaces is forbidden: User "restricted" cannot list resource "namespaces" in API group "" at the cluster scope', {method: 'GET', path: '/api/v1/namespaces'})).to.equal(
      'User "restricted" is not allowed to list namespaces at cluster scope.',
    )
  })
})

describe('kube/manifests parseManifests', () => {
  it('reads every document, skips empty ones and flattens Lists', () => {
    const text = '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n'
    expect(parseManifests(text, {source: 'app.yaml'}).map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal(['ConfigMap/a', 'Secret/b'])
  })

  it('names the document and line of a bad one', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n', {source: 'app.yaml'}))
      .to.throw(ValidationError, 'app.yaml document 2 (line 5) is not a Kubernetes object: kind is missing.')
    expect(() => parseManifests('a: [1,\n', {source: 'app.yaml'})).to.throw(ValidationError, /^app\.yaml is not valid YAML \(line \d\)/)
    const bomb = 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'
    expect(() => parseManifests(bomb, {source: 'bomb.yaml'})).to.throw(ValidationError, /^bomb\.yaml could not be read as YAML/)
  })
})
