import {expect} from 'chai'

import {ValidationError} from '../../../src/lib/errors.js'
import {RuntimeDocument, apiShapeOf, checkManifestPath, checkRevision, decodeResource, encodeResource, resourceFileOf} from '../../../src/lib/runtimes/runtimes.js'

const seedRuntime: RuntimeDocument = {
  apiVersion: 'berth.dev/v1alpha1',
  kind: 'DeploymentRuntime',
  metadata: {name: 'dr-dev', project: 'nautes-labs', createdBy: 'dev@nautes-labs.example.com', createdAt: '2026-11-24T08:00:00.000Z', generation: 1},
  spec: {
    repoEndpoint: 'api-server',
    manifestSource: {targetRevision: 'HEAD', path: 'manifests/development'},
    destination: {environment: 'env-dev', namespaces: ['dr-dev']},
    projectsRef: ['api-server'],
  },
}

describe('runtimes: the source\'s shapes', () => {
  it('gives the API response item of the source\'s list example', () => {
    expect(apiShapeOf(seedRuntime)).to.deep.equal({
      product: 'nautes-labs',
      name: 'dr-dev',
      projects_ref: ['api-server'],
      manifest_source: {code_repo: 'api-server', target_revision: 'HEAD', path: 'manifests/development'},
      destination: {environment: 'env-dev', namespaces: ['dr-dev']},
    })
  })

  it('writes the DeploymentRuntime resource file in the source\'s field order', () => {
    expect(resourceFileOf({...seedRuntime, spec: {...seedRuntime.spec, destination: {environment: 'env-dev', namespaces: ['dr-dev', 'dr-dev-jobs']}}})).to.equal(
      'apiVersion: nautes.resource.nautes.io/v1alpha1\nkind: DeploymentRuntime\nmetadata:\n  name: dr-dev\nspec:\n  destination:\n    environment: env-dev\n    namespaces:\n      - dr-dev\n      - dr-dev-jobs\n  manifestSource:\n    codeRepo: api-server\n    path: manifests/development\n    targetRevision: HEAD\n  product: nautes-labs\n  projectsRef:\n    - api-server\n',
    )
  })
})

describe('runtimes: input checks', () => {
  it('normalises relative manifest paths', () => {
    expect(checkManifestPath('manifests/development/')).to.equal('manifests/development')
    expect(checkManifestPath('./manifests//development')).to.equal('manifests/development')
    expect(checkManifestPath('.')).to.equal('')
    expect(checkManifestPath('')).to.equal('')
  })

  it('refuses paths that leave the repository or are not plain', () => {
    expect(() => checkManifestPath('../other-repo')).to.throw(ValidationError, '".." would leave the repository')
    expect(() => checkManifestPath('manifests/../../x')).to.throw(ValidationError, '".." would leave the repository')
    expect(() => checkManifestPath('/etc')).to.throw(ValidationError, 'it must be relative to the repository root')
    expect(() => checkManifestPath('a\\b')).to.throw(ValidationError, 'control characters or backslashes')
    expect(() => checkManifestPath('a\nb')).to.throw(ValidationError, 'control characters or backslashes')
  })

  it('accepts branches, tags, HEAD and commits; refuses what git would misread', () => {
    for (const ok of ['HEAD', 'main', 'release/1.4', 'v1.4.2', '9fceb02d0ae598e95dc970b74767f19372d61af8']) expect(checkRevision(ok)).to.equal(ok)
    for (const bad of ['', '-c', '--upload-pack=x', 'main branch', 'HEAD~1', 'a..b', 'refs/heads/*', 'x:y']) expect(() => checkRevision(bad), bad).to.throw(ValidationError)
  })
})

describe('runtimes: status resource lines', () => {
  it('round-trips namespaced and cluster-scoped resources', () => {
    const namespaced = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'dr-dev', name: 'api-server', action: 'configured', fieldsHash: 'f'.repeat(32), digest: 'd'.repeat(32)}
    expect(encodeResource(namespaced)).to.equal(`configured apps/v1 Deployment dr-dev/api-server ${'f'.repeat(32)} ${'d'.repeat(32)}`)
    expect(decodeResource(encodeResource(namespaced))).to.deep.equal(namespaced)
    const cluster = {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'api-server-reader', action: 'created'}
    expect(decodeResource(encodeResource(cluster))).to.deep.equal(cluster)
  })
})
