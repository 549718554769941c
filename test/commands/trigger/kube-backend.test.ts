// The trigger commands on the kubernetes backend: history is Execution objects in berth's
// namespace (not files), written by fire and serve, listed by history, deleted with the trigger.
import {expect} from 'chai'
import http from 'node:http'

import {BackendHome, backendHome, kubectl, storedState} from '../../helpers/backends.js'
import {berthEnv, runBerth} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'
import {startServe} from '../../integration/trigger-helpers.js'
import {distributionEvent} from '../../lib/triggers/fixtures.js'

function post(url: string, body: string, token: string): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method: 'POST', headers: {'content-type': 'application/json', authorization: `Bearer ${token}`}, agent: false}, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: text}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

interface Execution {
  metadata: {name: string; labels: Record<string, string>}
  spec: {trigger: string; status: string; source: string; eventId?: string; inputs: Record<string, string>}
}

describe('berth trigger on the kubernetes backend', function () {
  this.timeout(90_000)
  let b: BackendHome
  const env = () => berthEnv(b.home, {BERTH_PROJECT: 'payments', REG_PASSWORD: 'p@ss:w0rd/with#symbols'})
  const berth = (args: string[]) => runBerth(args, {env: env()})
  const executions = async () => (JSON.parse(await kubectl(['get', 'executions.berth.dev', '-n', b.namespace!, '-o', 'json'])) as {items: Execution[]}).items

  beforeEach(async function () {
    b = await backendHome(this, 'kubernetes')
    const made = await berth(['endpoint', 'create', 'docker-registry', 'payments-registry', '--address', 'http://127.0.0.1:35001', '--username', 'ci-bot@payments.example.com', '--password-env', 'REG_PASSWORD'])
    expect(made.code, made.stderr).to.equal(0)
  })
  afterEach(async () => b.cleanup())

  it('fire and serve record runs as Execution objects; history lists them newest first; a redelivered event is a duplicate; delete removes them', async () => {
    const created = await berth(['trigger', 'create', 'checkout-dev', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', 'echo "deploying $BERTH_TAG"', '--json'])
    expect(created.code, created.stderr).to.equal(0)
    const token = new URL((JSON.parse(created.stdout) as {hookUrl: string}).hookUrl).searchParams.get('secureToken') as string

    const fired = await berth(['trigger', 'fire', 'checkout-dev', '--tag', '1.4.1', '--json'])
    expect(fired.code, fired.stderr).to.equal(0)
    expect(JSON.parse(fired.stdout)).to.deep.include({status: 'succeeded', summary: 'exit 0: deploying 1.4.1', source: 'manual'})

    const serve = startServe(env(), ['--lease-seconds', '3', '--sweep-ms', '300'])
    try {
      const url = await serve.url
      const envelope = JSON.stringify({events: [distributionEvent(2, {tag: '1.4.2', id: 'b7c4d2e1-9a3f-4c5e-8d7b-000000000002'})]})
      const first = await post(`${url}/hooks/checkout-dev`, envelope, token)
      expect(first.status, first.body).to.equal(202)
      expect(JSON.parse(first.body)).to.include({accepted: 1, duplicates: 0})
      const again = await post(`${url}/hooks/checkout-dev`, envelope, token)
      expect(JSON.parse(again.body)).to.include({accepted: 0, duplicates: 1})
      const end = Date.now() + 30_000
      while (!(await executions()).some((e) => e.spec.inputs.tag === '1.4.2' && e.spec.status === 'succeeded')) {
        if (Date.now() > end) throw new Error(`the pushed run did not finish:\n${serve.stderr()}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    } finally {
      expect(await serve.stop()).to.equal(0)
    }

    const items = await executions()
    expect(items.map((e) => [e.spec.source, e.spec.inputs.tag, e.spec.status]).sort()).to.deep.equal([
      ['distribution', '1.4.2', 'succeeded'],
      ['manual', '1.4.1', 'succeeded'],
    ])
    const pushed = items.find((e) => e.spec.source === 'distribution')!
    expect(pushed.metadata.name).to.match(/^payments\.e-[0-9a-f]{40}$/)
    expect(pushed.metadata.labels).to.include({'berth.dev/project': 'payments', 'berth.dev/trigger': 'checkout-dev', 'berth.dev/run-status': 'succeeded'})
    // No history file: the runs are in the cluster only. No token in any object but its Secret.
    expect(Object.keys(await stateFiles(b.home)).filter((f) => f.includes('trigger-history'))).to.deep.equal([])
    for (const [where, text] of Object.entries(await storedState(b))) if (!where.startsWith('Secret/')) expect(text, where).to.not.include(token)

    const history = await berth(['trigger', 'history', 'checkout-dev', '--json'])
    expect(history.code, history.stderr).to.equal(0)
    expect((JSON.parse(history.stdout) as Array<{inputs: {tag: string}}>).map((r) => r.inputs.tag)).to.deep.equal(['1.4.2', '1.4.1'])
    const table = await berth(['trigger', 'history', 'checkout-dev', '--limit', '1', '--status', 'succeeded'])
    expect(table.code, table.stderr).to.equal(0)
    expect(table.stdout).to.include('1.4.2').and.not.include('1.4.1')

    const deleted = await berth(['trigger', 'delete', 'checkout-dev'])
    expect(deleted.code, deleted.stderr).to.equal(0)
    expect(await executions()).to.deep.equal([])
  })
})
