import {expect} from 'chai'

import {atPath, optionMapping, parseDescriptors} from '../../../src/lib/resource-interfaces/descriptors.js'

// The source document's "直接 API 配置" examples.
const DIRECT = `- path: params.revision
  x-descriptors:
    - urn:alm:descriptor:com.tectonic.ui:select:revision
    - urn:alm:descriptor:expression:props.options:api:/clusters-rewrite/\${context.cluster}\${context.connector.status.api.path}/git/gitrefs?repositoryUrl=\${context.connector.spec.address + "/" + context.params.repository + ".git"}&search=\${current.search}
    - urn:alm:descriptor:expression:props.options:path:items
    - urn:alm:descriptor:expression:props.options:label:path:name
    - urn:alm:descriptor:expression:props.options:value:path:name
    - urn:alm:descriptor:label:en:Revision
    - urn:alm:descriptor:label:zh:Revision
    - urn:alm:descriptor:description:zh:Git 修订引用,例如 refs/heads/main。
    - urn:alm:descriptor:description:en:Git 修订引用(例如分支的 refs/heads/main)
- path: params.repository
  x-descriptors:
    - urn:alm:descriptor:com.tectonic.ui:select:repository
    - urn:alm:descriptor:expression:props.options:api:https://gitlab.example.com/api/v4/projects?simple=true
    - urn:alm:descriptor:label:zh:仓库
`

describe('lib/resource-interfaces/descriptors', () => {
  it('reads a direct connector API call as an operation path and query templates, expressions with "&" and "=" intact', () => {
    const forms = parseDescriptors(DIRECT)
    const revision = forms.get('params.revision')!
    expect(revision.select).to.equal(true)
    expect(revision.label).to.equal('Revision')
    expect(revision.description).to.equal('Git 修订引用(例如分支的 refs/heads/main)')
    expect(revision.options).to.deep.include({
      source: 'api',
      path: '/git/gitrefs',
      query: [
        {name: 'repositoryUrl', value: '${context.connector.spec.address + "/" + context.params.repository + ".git"}'},
        {name: 'search', value: '${current.search}'},
      ],
    })
    expect(optionMapping(revision.optionDescriptors)).to.deep.equal({itemsPath: 'items', labelPath: 'name', valuePath: 'name'})
  })

  it('keeps a URL outside the connector API as unsupported, and takes the only label given', () => {
    const repository = parseDescriptors(DIRECT).get('params.repository')!
    expect(repository.options).to.deep.equal({source: 'unsupported', descriptor: 'urn:alm:descriptor:expression:props.options:api:https://gitlab.example.com/api/v4/projects?simple=true'})
    expect(repository.label).to.equal('仓库')
  })

  it('reads dotted paths into option items, and nothing else', () => {
    expect(atPath({data: {items: [{n: 1}]}}, 'data.items')).to.deep.equal([{n: 1}])
    expect(atPath({a: 1}, 'constructor')).to.equal(undefined)
    expect(atPath({a: 1}, undefined)).to.deep.equal({a: 1})
  })

  it('refuses descriptors that are not a list of {path, x-descriptors}', () => {
    expect(() => parseDescriptors('path: params.a')).to.throw('must be a YAML list of {path, x-descriptors}')
    expect(() => parseDescriptors('- x-descriptors: []')).to.throw('entry 1 has no path')
    expect(() => parseDescriptors('- path: params.a\n  x-descriptors: [1]')).to.throw('entry 1 (params.a): x-descriptors must be a list of strings')
  })
})
