import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {BerthContext} from '../../../src/lib/context.js'
import {createService, deleteService, getService, labelService, listServices, parseLabelChanges, parseLabelSelector, renderStoredService, serviceView, setServiceVariables, updateServiceYaml} from '../../../src/lib/services/service.js'
import {deleteTemplate, updateTemplate} from '../../../src/lib/services/template-sync.js'
import {createTemplate} from '../../../src/lib/templates/service.js'
import {ROOT, tempHome} from '../../helpers/cli.js'
import {berthRejection, stateFiles} from '../../helpers/files.js'

const fixture = (name: string) => readFileSync(path.join(ROOT, 'test', 'fixtures', 'services', name), 'utf8')

const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{.name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: {{.name}}}}
  template:
    metadata: {labels: {app: {{.name}}}}
    spec:
      containers:
      - name: app
        image: registry.example.com:5443/shop/{{.name}}:{{.tag}}
        resources: {limits: {cpu: {{.cpuLimit}}}}
`

describe('services (library)', () => {
  let home: string
  let cleanup: () => void
  let ctx: BerthContext

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    ctx = new BerthContext({env: {BERTH_HOME: home, BERTH_PROJECT: 'shop'}})
  })
  afterEach(() => cleanup())

  const declare = [
    {key: 'name', value: 'cart', type: 'string' as const},
    {key: 'tag', value: '1.0', type: 'string' as const},
    {key: 'cpuLimit', value: '100m', type: 'string' as const, desc: 'CPU limit'},
  ]

  it('creates the seed\'s service2 from raw YAML; containers as in the source\'s response example', async () => {
    const {service, rendered} = await createService(ctx, {
      name: 'service2',
      source: {from: 'yaml', yaml: fixture('seed-service2.yaml')},
      assignments: [{key: 'port', value: '20221'}, {key: 'memoryLimit', value: '100Mi'}, {key: 'cpuLimit', value: '55m'}, {key: 'world', value: 'test'}],
    })
    const view = serviceView(service)
    expect(view.containers).to.deep.equal([{name: 'service2', image: 'koderover.******.com/koderover-demo/service2:latest', image_name: 'service2'}])
    expect(view.type).to.equal('k8s')
    expect(view.service_variable_kvs.find((v) => v.key === 'cpuLimit')).to.deep.equal({key: 'cpuLimit', value: '55m', type: 'string', options: [], desc: ''})
    expect(rendered.text).to.contain('containerPort: 20221\n').and.to.contain('cpu: 55m').and.to.contain('targetPort: 20221')
    expect(rendered.documents.map((d) => d.object.kind)).to.deep.equal(['Deployment', 'Service'])
  })

  it('creates the seed\'s service-3 with its variable_yaml and renders {{.cpu}}', async () => {
    const {service, rendered} = await createService(ctx, {name: 'service-3', source: {from: 'yaml', yaml: fixture('seed-service-3.yaml')}, variables: [{key: 'cpu', value: '12m', type: 'string', desc: 'cpu value'}]})
    expect(serviceView(service).containers).to.deep.equal([{name: 'myapp-1', image: 'koderover.******.com/koderover-demo/myapp-1:v0.1__linux_amd64', image_name: 'myapp-1'}])
    expect(rendered.text).to.contain('cpu: 12m\n')
  })

  it('keeps test and production sets apart: the same name in both', async () => {
    await createTemplate(ctx, {name: 'micro', type: 'k8s', yaml: TEMPLATE, variables: declare})
    await createService(ctx, {name: 'cart', source: {from: 'template', template: 'micro'}})
    await createService(ctx, {name: 'cart', production: true, source: {from: 'template', template: 'micro'}, assignments: [{key: 'tag', value: '0.9'}]})
    expect((await listServices(ctx)).map((d) => d.spec.containers[0]?.image)).to.deep.equal(['registry.example.com:5443/shop/cart:1.0'])
    expect((await listServices(ctx, {production: true})).map((d) => d.spec.containers[0]?.image)).to.deep.equal(['registry.example.com:5443/shop/cart:0.9'])
    const error = await berthRejection(createService(ctx, {name: 'cart', production: true, source: {from: 'template', template: 'micro'}}))
    expect(error.message).to.equal('Production service "cart" already exists in project "shop".')
    await deleteService(ctx, {name: 'cart', production: true})
    expect(await listServices(ctx, {production: true})).to.deep.equal([])
    expect((await listServices(ctx)).length).to.equal(1)
  })

  it('refuses --var for a variable the template does not have, and a --var that breaks the type', async () => {
    await createTemplate(ctx, {name: 'micro', type: 'k8s', yaml: TEMPLATE, variables: [...declare.slice(0, 2), {key: 'cpuLimit', value: '100m', type: 'enum', options: ['100m', '500m']}]})
    const before = await stateFiles(home)
    expect((await berthRejection(createService(ctx, {name: 'cart', source: {from: 'template', template: 'micro'}, assignments: [{key: 'replicas', value: '2'}]}))).message).to.equal('Template "micro" has no variable "replicas"; its variables are: name, tag, cpuLimit.')
    expect((await berthRejection(createService(ctx, {name: 'cart', source: {from: 'template', template: 'micro'}, assignments: [{key: 'cpuLimit', value: '2'}]}))).message).to.equal('Variable "cpuLimit" must be one of 100m, 500m; "2" is not.')
    expect(await stateFiles(home)).to.deep.equal(before)
  })

  it('auto-sync: a template update re-renders auto-sync services keeping their values, and reports the others as behind', async () => {
    await createTemplate(ctx, {name: 'micro', type: 'k8s', yaml: TEMPLATE, variables: declare})
    await createService(ctx, {name: 'cart', source: {from: 'template', template: 'micro'}, autoSync: true, assignments: [{key: 'name', value: 'cart'}, {key: 'tag', value: '2.0'}]})
    await createService(ctx, {name: 'pay', production: true, source: {from: 'template', template: 'micro'}, autoSync: true, assignments: [{key: 'name', value: 'pay'}]})
    await createService(ctx, {name: 'legacy', source: {from: 'template', template: 'micro'}, assignments: [{key: 'name', value: 'legacy'}]})
    const newText = TEMPLATE.replace('image: registry.example.com:5443/shop/', 'image: registry.example.com:5443/shop-v2/').replace('replicas: 1', 'replicas: {{.replicas}}')
    const result = await updateTemplate(ctx, {name: 'micro', yaml: newText, variables: [...declare, {key: 'replicas', value: '2', type: 'string'}]})
    expect(result.synced).to.deep.equal([{name: 'cart', production: false}, {name: 'pay', production: true}])
    expect(result.behind).to.deep.equal([{name: 'legacy', production: false}])
    const cart = await getService(ctx, {name: 'cart'})
    expect(cart.spec.containers[0]?.image).to.equal('registry.example.com:5443/shop-v2/cart:2.0')
    expect(cart.spec.variables.find((v) => v.key === 'replicas')?.value).to.equal('2')
    expect((await renderStoredService(ctx, cart)).text).to.contain('replicas: 2\n')
    expect((await getService(ctx, {name: 'legacy'})).spec.containers[0]?.image).to.equal('registry.example.com:5443/shop/legacy:1.0')
  })

  it('auto-sync: a template change an auto-sync service cannot take leaves everything as it was', async () => {
    await createTemplate(ctx, {name: 'micro', type: 'k8s', yaml: TEMPLATE, variables: declare})
    await createService(ctx, {name: 'cart', source: {from: 'template', template: 'micro'}, autoSync: true, assignments: [{key: 'cpuLimit', value: '250m'}]})
    const before = await stateFiles(home)
    const error = await berthRejection(updateTemplate(ctx, {name: 'micro', variables: [...declare.slice(0, 2), {key: 'cpuLimit', value: '100m', type: 'enum', options: ['100m', '500m']}]}))
    expect(error.exitCode).to.equal(2)
    expect(error.message).to.equal('Auto-sync service "cart" keeps cpuLimit="250m", which the new template refuses: Variable "cpuLimit" must be one of 100m, 500m; "250m" is not.')
    expect(await stateFiles(home)).to.deep.equal(before)
  })

  it('template delete refuses while services use it; --force detaches K8s YAML services', async () => {
    await createTemplate(ctx, {name: 'micro', type: 'k8s', yaml: TEMPLATE, variables: declare})
    await createService(ctx, {name: 'cart', source: {from: 'template', template: 'micro'}, autoSync: true})
    expect((await berthRejection(deleteTemplate(ctx, 'micro'))).message).to.equal('Template "micro" is used by service "cart".')
    await deleteTemplate(ctx, 'micro', {force: true})
    const cart = await getService(ctx, {name: 'cart'})
    expect(cart.spec.template).to.equal(undefined)
    expect(cart.spec.autoSync).to.equal(false)
    expect((await renderStoredService(ctx, cart)).documents.length).to.equal(1)
  })

  it('labels: set, remove, select with -l', async () => {
    await createService(ctx, {name: 'a', source: {from: 'yaml', yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n'}, labels: {team: 'payments', tier: 'web'}})
    await createService(ctx, {name: 'b', source: {from: 'yaml', yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n'}, labels: {team: 'search'}})
    await labelService(ctx, {name: 'b'}, parseLabelChanges(['tier=db', 'team-']))
    expect((await getService(ctx, {name: 'b'})).metadata.labels).to.deep.equal({tier: 'db'})
    const names = async (sel: string) => (await listServices(ctx, {selector: parseLabelSelector(sel)})).map((d) => d.metadata.name)
    expect(await names('team=payments')).to.deep.equal(['a'])
    expect(await names('tier')).to.deep.equal(['a', 'b'])
    expect(await names('!team')).to.deep.equal(['b'])
    expect(await names('tier!=db')).to.deep.equal(['a'])
    expect(await names('tier=db,team=payments')).to.deep.equal([])
  })

  it('set-var: changes type, options and description; refuses values that do not fit', async () => {
    await createService(ctx, {name: 'service-3', source: {from: 'yaml', yaml: fixture('seed-service-3.yaml')}, assignments: [{key: 'cpu', value: '12m'}]})
    const {service} = await setServiceVariables(ctx, {name: 'service-3', assignments: [{key: 'cpu', value: '250m'}], type: 'enum', options: ['12m', '250m'], desc: 'cpu value'})
    expect(serviceView(service).service_variable_kvs).to.deep.equal([{key: 'cpu', value: '250m', type: 'enum', options: ['12m', '250m'], desc: 'cpu value'}])
    const before = await stateFiles(home)
    expect((await berthRejection(setServiceVariables(ctx, {name: 'service-3', assignments: [{key: 'cpu', value: '1'}]}))).message).to.equal('Variable "cpu" of service "service-3" must be one of 12m, 250m; "1" is not.')
    expect((await berthRejection(setServiceVariables(ctx, {name: 'service-3', assignments: [{key: 'mem', value: '1'}]}))).message).to.equal('Variable "mem" is not used by the YAML of service "service-3"; it uses: cpu.')
    expect(await stateFiles(home)).to.deep.equal(before)
  })

  it('update: new YAML keeps variable values; new variables need --var', async () => {
    await createService(ctx, {name: 'service-3', source: {from: 'yaml', yaml: fixture('seed-service-3.yaml')}, assignments: [{key: 'cpu', value: '12m'}]})
    const yaml = fixture('seed-service-3.yaml').replace('memory: 122Mi', 'memory: {{.mem}}')
    expect((await berthRejection(updateServiceYaml(ctx, {name: 'service-3', yaml}))).message).to.equal('The YAML of service "service-3" uses variable "mem" with no value.')
    const {rendered} = await updateServiceYaml(ctx, {name: 'service-3', yaml, assignments: [{key: 'mem', value: '256Mi'}]})
    expect(rendered.text).to.contain('cpu: 12m\n').and.to.contain('memory: 256Mi\n')
  })
})
