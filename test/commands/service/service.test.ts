import {expect} from 'chai'
import {promises as fs, readFileSync} from 'node:fs'
import path from 'node:path'

import {ROOT, berthEnv, runBerth, tempHome} from '../../helpers/cli.js'

const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', 'services', name)

describe('berth service', () => {
  let home: string
  let cleanup: () => void
  const env = () => berthEnv(home, {BERTH_PROJECT: 'demo'})
  const ok = async (args: string[], input?: string) => {
    const r = await runBerth(args, {env: env(), input})
    expect(r.code, r.stderr).to.equal(0)
    return r
  }
  const json = async (args: string[], input?: string) => JSON.parse((await ok([...args, '--json'], input)).stdout)

  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  it('the seed\'s service2: created from its YAML, shown with the source\'s field names and containers', async () => {
    await ok(['service', 'create', 'service2', '-f', fixture('seed-service2.yaml'), '--var', 'port=20221', '--var', 'memoryLimit=100Mi', '--var', 'cpuLimit=55m', '--var', 'world=test'])
    const shown = await json(['service', 'show', 'service2'])
    expect(Object.keys(shown)).to.include.members(['service_name', 'type', 'created_by', 'created_time', 'yaml', 'containers', 'service_variable_kvs'])
    expect(shown.service_name).to.equal('service2')
    expect(shown.type).to.equal('k8s')
    expect(shown.created_time).to.be.a('number').and.to.be.within(Math.floor(Date.now() / 1000) - 120, Math.floor(Date.now() / 1000) + 1)
    expect(shown.yaml).to.equal(readFileSync(fixture('seed-service2.yaml'), 'utf8'))
    expect(shown.containers).to.deep.equal([{name: 'service2', image: 'koderover.******.com/koderover-demo/service2:latest', image_name: 'service2'}])
    expect(shown.service_variable_kvs.find((v: {key: string}) => v.key === 'cpuLimit')).to.deep.equal({key: 'cpuLimit', value: '55m', type: 'string', options: [], desc: ''})
    const list = await json(['service', 'list'])
    expect(list).to.deep.equal([{service_name: 'service2', type: 'k8s', containers: shown.containers}])
    const rendered = await ok(['service', 'render', 'service2'])
    expect(rendered.stdout).to.contain('        hello: test\n').and.to.contain('              containerPort: 20221\n').and.to.contain('              cpu: 55m\n').and.to.contain('      targetPort: 20221')
  })

  it('the seed\'s service-3: created from stdin with its variable_yaml; render overrides a value without saving it', async () => {
    await ok(['service', 'create', 'service-3', '-f', '-', '--variables', fixture('seed-service-3.variables.yaml')], readFileSync(fixture('seed-service-3.yaml'), 'utf8'))
    const shown = await json(['service', 'show', 'service-3'])
    expect(shown.service_variable_kvs).to.deep.equal([{key: 'cpu', value: '12m', type: 'string', options: [], desc: 'cpu value'}])
    expect(shown.containers).to.deep.equal([{name: 'myapp-1', image: 'koderover.******.com/koderover-demo/myapp-1:v0.1__linux_amd64', image_name: 'myapp-1'}])
    const out = path.join(home, 'out.yaml')
    const rendered = await json(['service', 'render', 'service-3', '--var', 'cpu=40m', '-o', out])
    expect(rendered.objects).to.deep.equal([{apiVersion: 'v1', kind: 'Service', name: 'a'}, {apiVersion: 'apps/v1', kind: 'Deployment', name: 'a'}])
    expect(await fs.readFile(out, 'utf8')).to.contain('            cpu: 40m\n')
    expect((await ok(['service', 'render', 'service-3'])).stdout).to.contain('            cpu: 12m\n')
  })

  it('keeps test and production sets apart', async () => {
    await ok(['service', 'create', 'service-3', '-f', fixture('seed-service-3.yaml'), '--var', 'cpu=12m'])
    await ok(['service', 'create', 'service-3', '--production', '-f', fixture('seed-service-3.yaml'), '--var', 'cpu=500m'])
    expect((await json(['service', 'show', 'service-3', '--production'])).service_variable_kvs[0].value).to.equal('500m')
    expect((await json(['service', 'show', 'service-3'])).service_variable_kvs[0].value).to.equal('12m')
    await ok(['service', 'delete', 'service-3', '--production'])
    expect(await json(['service', 'list', '--production'])).to.deep.equal([])
    expect(await json(['service', 'list'])).to.have.length(1)
  })

  it('labels, -l selection, set-var with type and options, update', async () => {
    await ok(['service', 'create', 'service-3', '-f', fixture('seed-service-3.yaml'), '--var', 'cpu=12m', '-l', 'team=payments'])
    await ok(['service', 'create', 'other', '-f', fixture('seed-service-3.yaml'), '--var', 'cpu=12m'])
    expect(await json(['service', 'label', 'service-3', 'tier=web', 'team-'])).to.deep.equal({service_name: 'service-3', labels: [{key: 'tier', value: 'web'}]})
    expect((await json(['service', 'list', '-l', 'tier=web'])).map((s: {service_name: string}) => s.service_name)).to.deep.equal(['service-3'])
    const setVar = await json(['service', 'set-var', 'service-3', '--var', 'cpu=250m', '--type', 'enum', '--options', '12m,250m', '--desc', 'cpu value'])
    expect(setVar.service_variable_kvs).to.deep.equal([{key: 'cpu', value: '250m', type: 'enum', options: ['12m', '250m'], desc: 'cpu value'}])
    const yaml = readFileSync(fixture('seed-service-3.yaml'), 'utf8').replace('memory: 122Mi', 'memory: {{.memory}}')
    const updated = await json(['service', 'update', 'service-3', '-f', '-', '--var', 'memory=256Mi'], yaml)
    expect(updated.service_variable_kvs.map((v: {key: string; value: string}) => `${v.key}=${v.value}`)).to.deep.equal(['cpu=250m', 'memory=256Mi'])
    const plain = await ok(['service', 'list'])
    expect(plain.stdout).to.equal('NAME       TYPE  CONTAINERS\nother      k8s   myapp-1=koderover.******.com/koderover-demo/myapp-1:v0.1__linux_amd64\nservice-3  k8s   myapp-1=koderover.******.com/koderover-demo/myapp-1:v0.1__linux_amd64\n')
  })
})
