import {expect} from 'chai'

import {ValidationError} from '../../../src/lib/errors.js'
import {parseManifests} from '../../../src/lib/kube/manifests.js'

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
