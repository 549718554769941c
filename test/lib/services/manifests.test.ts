import {expect} from 'chai'

import {containersOf, imageName, parseManifests} from '../../../src/lib/services/manifests.js'

const msg = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

const pod = (containers: string, init = '') => `spec:\n  template:\n    spec:\n${init}      containers:\n${containers}`

describe('service manifests', () => {
  it('reads image_name as the last path segment without tag or digest', () => {
    expect(imageName('koderover.tencentcloudcr.com/koderover-demo/myapp-1:v0.1__linux_amd64')).to.equal('myapp-1')
    expect(imageName('registry.local:5000/team/app@sha256:0123abcd')).to.equal('app')
    expect(imageName('registry.local:5000/team/app:1.0@sha256:0123abcd')).to.equal('app')
    expect(imageName('nginx')).to.equal('nginx')
    expect(imageName('localhost:5000/nginx')).to.equal('nginx')
  })

  it('reads containers from every workload kind, init containers included, in document order', () => {
    const docs = parseManifests(
      [
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n${pod('      - {name: web, image: "r.example.com:5443/shop/web:2.1"}\n', '      initContainers:\n      - {name: migrate, image: r.example.com:5443/shop/migrate:2.1}\n')}`,
        `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\n${pod('      - {name: pg, image: "postgres:16"}\n')}`,
        `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\n${pod('      - {name: agent, image: "r/agent@sha256:ab"}\n')}`,
        `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\n${pod('      - {name: rs, image: "rs:1"}\n')}`,
        `apiVersion: batch/v1\nkind: Job\nmetadata: {name: once}\n${pod('      - {name: once, image: "busybox"}\n')}`,
        'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - {name: report, image: "r/report:7"}\n',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec:\n  initContainers: [{name: wait, image: "busybox:1.36"}]\n  containers: [{name: shell, image: "alpine:3"}]\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}\ndata: {containers: "none"}\n',
      ].join('---\n'),
      'test',
    )
    expect(containersOf(docs.map((d) => d.object))).to.deep.equal([
      {name: 'migrate', image: 'r.example.com:5443/shop/migrate:2.1', image_name: 'migrate'},
      {name: 'web', image: 'r.example.com:5443/shop/web:2.1', image_name: 'web'},
      {name: 'pg', image: 'postgres:16', image_name: 'postgres'},
      {name: 'agent', image: 'r/agent@sha256:ab', image_name: 'agent'},
      {name: 'rs', image: 'rs:1', image_name: 'rs'},
      {name: 'once', image: 'busybox', image_name: 'busybox'},
      {name: 'report', image: 'r/report:7', image_name: 'report'},
      {name: 'wait', image: 'busybox:1.36', image_name: 'busybox'},
      {name: 'shell', image: 'alpine:3', image_name: 'alpine'},
    ])
  })

  it('numbers documents and lines, skipping empty ones', () => {
    const docs = parseManifests('---\n# nothing\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n', 'x')
    expect(docs.map((d) => [d.index, d.line, d.object.metadata.name])).to.deep.equal([[1, 4, 'a'], [2, 9, 'b']])
  })

  it('refuses what is not Kubernetes objects, naming the document and line', () => {
    const src = 'The YAML of service "web"'
    expect(msg(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n', src))).to.equal('The YAML of service "web", document 2 (line 5) has no kind.')
    expect(msg(() => parseManifests('kind: ConfigMap\nmetadata: {name: a}\n', src))).to.equal('The YAML of service "web", document 1 (line 1) has no apiVersion.')
    expect(msg(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n', src))).to.equal('The YAML of service "web", document 1 (line 1) (ConfigMap) has no metadata.name.')
    expect(msg(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: My_Conf}\n', src))).to.equal('The YAML of service "web", document 1 (line 1): metadata.name "My_Conf" is not a valid Kubernetes name (lower-case letters, digits, "-" and ".").')
    expect(msg(() => parseManifests('- a\n- b\n', src))).to.equal('The YAML of service "web", document 1 (line 1) is not a Kubernetes object: it is a list, not a mapping.')
    expect(msg(() => parseManifests('just words\n', src))).to.equal('The YAML of service "web", document 1 (line 1) is not a Kubernetes object: it is a string, not a mapping.')
    expect(msg(() => parseManifests('', src))).to.equal('The YAML of service "web" has no Kubernetes objects (the YAML is empty).')
    expect(msg(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', src))).to.equal('The YAML of service "web", document 2 (line 5) repeats ConfigMap "a" of document 1.')
    expect(msg(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [\n', src))).to.match(/^The YAML of service "web" is not valid YAML \(document 2, line \d\): /)
  })
})
