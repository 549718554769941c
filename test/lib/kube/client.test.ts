import {expect} from 'chai'

import {forbiddenInPlainWords} from '../../../src/lib/kube/client.js'

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
