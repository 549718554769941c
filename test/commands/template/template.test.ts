import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'

const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{.name}}
spec:
  selector: {matchLabels: {app: {{.name}}}}
  template:
    metadata: {labels: {app: {{.name}}}}
    spec:
      containers:
      - name: app
        image: registry.example.com:5443/shop/{{.name}}:{{.tag}}
        resources: {limits: {cpu: {{.cpuLimit}}}}
`

describe('berth template', () => {
  let home: string
  let cleanup: () => void
  const env = () => berthEnv(home, {BERTH_PROJECT: 'shop'})
  const file = (name: string) => path.join(home, name)
  const ok = async (args: string[], input?: string) => {
    const r = await runBerth(args, {env: env(), input})
    expect(r.code, r.stderr).to.equal(0)
    return r
  }

  beforeEach(async () => {
    ;({home, cleanup} = tempHome())
    await fs.writeFile(file('micro.yaml'), TEMPLATE)
    await fs.writeFile(file('vars.yaml'), '- {key: name, value: cart, type: string}\n- {key: tag, value: "1.0", type: string, desc: image tag}\n- {key: replicas, value: "1", type: string}\n')
  })
  afterEach(() => cleanup())

  it('creates from stdin, reports unused and undeclared variables, lists and shows', async () => {
    const created = await ok(['template', 'create', 'micro', '-f', '-', '--variables', file('vars.yaml'), '--description', 'one Deployment', '--json'], TEMPLATE)
    const out = JSON.parse(created.stdout)
    expect(out.template_name).to.equal('micro')
    expect(out.report).to.deep.equal({used: ['cpuLimit', 'name', 'tag'], unused: ['replicas'], undeclared: ['cpuLimit']})
    const plain = await ok(['template', 'create', 'micro2', '-f', file('micro.yaml'), '--variables', file('vars.yaml')])
    expect(plain.stderr).to.equal('Created k8s template "micro2".\nDeclared but not used by the YAML: replicas.\nUsed by the YAML but not declared (services must give them a value): cpuLimit.\n')
    expect(plain.stdout).to.equal('')

    const list = await ok(['template', 'list'])
    expect(list.stdout).to.equal('NAME    TYPE  VARIABLES            DESCRIPTION\nmicro   k8s   name, tag, replicas  one Deployment\nmicro2  k8s   name, tag, replicas\n')
    const shown = JSON.parse((await ok(['template', 'show', 'micro', '--json'])).stdout)
    expect(shown.yaml).to.equal(TEMPLATE)
    expect(shown.variables[1]).to.deep.equal({key: 'tag', value: '1.0', type: 'string', options: [], desc: 'image tag'})
    expect(shown.services).to.deep.equal([])
  })

  it('update re-renders auto-sync services and names the ones behind; delete refuses while used', async () => {
    await ok(['template', 'create', 'micro', '-f', file('micro.yaml'), '--variables', file('vars.yaml')])
    await ok(['service', 'create', 'cart', '--template', 'micro', '--auto-sync', '--var', 'cpuLimit=100m'])
    await ok(['service', 'create', 'cart', '--production', '--template', 'micro', '--auto-sync', '--var', 'cpuLimit=500m', '--var', 'tag=0.9'])
    await ok(['service', 'create', 'legacy', '--template', 'micro', '--var', 'cpuLimit=100m', '--var', 'name=legacy'])
    await fs.writeFile(file('micro-v2.yaml'), TEMPLATE.replace('shop/', 'shop-v2/'))
    const updated = await ok(['template', 'update', 'micro', '-f', file('micro-v2.yaml')])
    expect(updated.stderr).to.equal('Updated template "micro".\nDeclared but not used by the YAML: replicas.\nUsed by the YAML but not declared (services must give them a value): cpuLimit.\nRe-rendered auto-sync services: "cart", production "cart".\nNow behind the template (not auto-sync): "legacy".\n')
    const prod = JSON.parse((await ok(['service', 'show', 'cart', '--production', '--json'])).stdout)
    expect(prod.containers).to.deep.equal([{name: 'app', image: 'registry.example.com:5443/shop-v2/cart:0.9', image_name: 'cart'}])
    const again = JSON.parse((await ok(['template', 'update', 'micro', '-f', file('micro-v2.yaml'), '--json'])).stdout)
    expect(again.synced).to.deep.equal([])
    expect(again.unchanged).to.deep.equal([{name: 'cart', production: false}, {name: 'cart', production: true}])

    const refused = await runBerth(['template', 'delete', 'micro'], {env: env()})
    expect(refused.code).to.equal(1)
    expect(refused.stderr).to.equal('Error: Template "micro" is used by services "cart", "legacy", production "cart".\nHint: Delete them first, or delete anyway with --force (they keep their YAML and stop following the template): berth template delete micro --force\n')
    const forced = JSON.parse((await ok(['template', 'delete', 'micro', '--force', '--json'])).stdout)
    expect(forced.detached).to.have.length(3)
    expect((await ok(['template', 'list', '--json'])).stdout).to.equal('[]\n')
  })
})
