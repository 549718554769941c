import {expect} from 'chai'
import {helmTemplate} from '../../../src/lib/helm/release.js'
import {helmErrorText, runHelm} from '../../../src/lib/helm/run.js'
import {berthRejection} from '../../helpers/files.js'
import {requireService} from '../../helpers/services.js'

const CHART = {
  'Chart.yaml': 'apiVersion: v2\nname: berth-web\nversion: 0.1.0\n',
  'values.yaml': 'image: {repository: registry.example.com:5443/shop/web, tag: "1.0"}\n',
  'templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .Release.Name }}, namespace: {{ .Release.Namespace }}}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"}]\n',
}

describe('helm runner', () => {
  it('names the missing binary: not on PATH', async () => {
    const error = await berthRejection(runHelm({args: ['version'], what: 'helm version'}, {env: {PATH: '/nonexistent'}}))
    expect(error.exitCode).to.equal(1)
    expect(error.message).to.equal('Cannot run helm: it is not installed or not on PATH.')
    expect(error.hint).to.equal('Install helm 3 (https://helm.sh/docs/intro/install/), or set BERTH_HELM to the path of a helm binary.')
  })

  it('names the missing binary: BERTH_HELM pointing nowhere', async () => {
    const error = await berthRejection(runHelm({args: ['version'], what: 'helm version'}, {env: {PATH: process.env.PATH, BERTH_HELM: '/opt/helm/bin/helm-3.19'}}))
    expect(error.message).to.equal('Cannot run helm: BERTH_HELM is /opt/helm/bin/helm-3.19, which does not exist.')
  })

  it('keeps helm\'s error lines, without its private directory or terminal escapes', () => {
    expect(helmErrorText('walk.go:75: found symbolic link\nError: INSTALLATION FAILED: \u001b[31mtemplates/x.yaml\u001b[0m bad\n', '/tmp/berth-helm-abc')).to.equal('INSTALLATION FAILED: \\u001b[31mtemplates/x.yaml\\u001b[0m bad')
    expect(helmErrorText('Error: parse error at (demo/templates/a.yaml:3): function "nope" not defined\n', '/tmp/x')).to.equal('parse error at (demo/templates/a.yaml:3): function "nope" not defined')
    expect(helmErrorText('Error: open /tmp/berth-helm-abc/values-0.yaml: no such file', '/tmp/berth-helm-abc')).to.equal('open values-0.yaml: no such file')
  })

  it('renders a chart with values and --set-string through the real helm', async function () {
    const {helm} = requireService(this, 'helm')
    const text = await helmTemplate({chart: CHART, release: 'web', namespace: 'shop', values: ['image: {tag: "2.0"}\n'], set: [{key: 'image.repository', value: 'r.example.com/x'}]}, {env: {PATH: process.env.PATH, BERTH_HELM: helm}})
    expect(text).to.contain('metadata: {name: web, namespace: shop}').and.to.contain('image: "r.example.com/x:2.0"')
    const error = await berthRejection(helmTemplate({chart: {...CHART, 'templates/bad.yaml': '{{ nope }}'}, release: 'web', namespace: 'shop'}, {env: {PATH: process.env.PATH, BERTH_HELM: helm}}))
    expect(error.message).to.match(/^helm template web failed: .*function "nope" not defined/)
    expect(error.message).to.not.contain('berth-chart-')
  })
})
