import {expect} from 'chai'
import {execFile} from 'node:child_process'
import path from 'node:path'
import {promisify} from 'node:util'

import {ROOT} from '../helpers/cli.js'
import {requireService} from '../helpers/services.js'

const run = promisify(execFile)
const CHART = path.join(ROOT, 'test', 'fixtures', 'charts', 'berth-demo')

describe('test services: helm and the berth-demo chart', () => {
  it('helm is the version build-helm.sh built', async function () {
    const {helm, version} = requireService(this, 'helm')
    const {stdout} = await run(helm, ['version', '--short'])
    expect(stdout.trim()).to.match(new RegExp(`^${version.replaceAll('.', '\\.')}`))
  })

  it('renders the fixture chart with values set on the command line', async function () {
    const {helm} = requireService(this, 'helm')
    const {stdout} = await run(helm, ['template', 'shop', CHART, '--set', 'replicas=3', '--set', 'image.tag=v2.0.1'], {env: {...process.env, HELM_CACHE_HOME: '/tmp/berth-helm-cache', HELM_CONFIG_HOME: '/tmp/berth-helm-config', HELM_DATA_HOME: '/tmp/berth-helm-data'}})
    expect(stdout).to.contain('kind: Deployment').and.contain('kind: Service')
    expect(stdout).to.contain('  name: shop-berth-demo\n')
    expect(stdout).to.contain('  replicas: 3\n')
    expect(stdout).to.contain('image: "registry.example.com:5443/tenant/berth-demo:v2.0.1"')
  })
})
