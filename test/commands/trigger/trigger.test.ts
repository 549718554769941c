import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import http from 'node:http'
import path from 'node:path'

import {berthEnv, ROOT, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'
import {requireKeychain} from '../../helpers/keychain.js'
import {distributionEvent} from '../../lib/triggers/fixtures.js'

function post(url: string, body: string): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method: 'POST', headers: {'content-type': 'application/json'}, agent: false}, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: text}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('berth trigger commands', function () {
  this.timeout(60_000)
  let home: string
  let cleanup: () => void
  const fileEnv = () => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'c0rrect horse: battery/staple!', REG_PASSWORD: 'p@ss:w0rd/with#symbols', BERTH_PROJECT: 'payments'})
  const berth = (args: string[], env = fileEnv()) => runBerth(args, {env})

  beforeEach(async () => {
    ;({home, cleanup} = tempHome())
    const made = await berth(['endpoint', 'create', 'docker-registry', 'payments-registry', '--address', 'http://127.0.0.1:35001', '--username', 'ci-bot@payments.example.com', '--password-env', 'REG_PASSWORD'])
    expect(made.code, made.stderr).to.equal(0)
  })
  afterEach(() => cleanup())

  it('creates, lists, shows (no token), enables, disables, rotates and deletes a trigger', async () => {
    const created = await berth(['trigger', 'create', 'checkout-dev', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--tag-pattern', '1.*', '--exec', './deploy.sh', '--input', 'CHANNEL=stable', '--json'])
    expect(created.code, created.stderr).to.equal(0)
    const result = JSON.parse(created.stdout)
    expect(result).to.include({name: 'checkout-dev', project: 'payments', image: 'payments/checkout-api', tagPattern: '1.*', enabled: true, does: 'exec: ./deploy.sh'})
    const token = new URL(result.hookUrl).searchParams.get('secureToken') as string
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/)
    expect(result.hookUrl).to.equal(`http://127.0.0.1:8080/hooks/checkout-dev?secureToken=${token}`)
    expect(result.dockerHubHookUrl).to.equal(`http://127.0.0.1:8080/pipelines/api/docker-hub-webhooks?secureToken=${token}`)
    // The token is in no state file.
    for (const text of Object.values(await stateFiles(home))) expect(text).to.not.include(token)

    const shown = await berth(['trigger', 'show', 'checkout-dev'])
    expect(shown.code).to.equal(0)
    expect(shown.stdout).to.include('action         exec: ./deploy.sh\n')
    expect(shown.stdout).to.not.include(token)
    const shownJson = await berth(['trigger', 'show', 'checkout-dev', '--json'])
    expect(shownJson.stdout).to.not.include(token)
    const config = await berth(['trigger', 'show', 'checkout-dev', '--registry-config'])
    expect(config.stdout).to.include('      url: http://127.0.0.1:8080/hooks/checkout-dev\n')
    expect(config.stdout).to.include('        Authorization: [Bearer <the token: berth trigger token checkout-dev>]\n')
    expect(config.stdout).to.not.include(token)

    const listed = await berth(['trigger', 'list'])
    expect(listed.stdout).to.equal('NAME          IMAGE                      ENDPOINT           ACTION             ENABLED\ncheckout-dev  payments/checkout-api:1.*  payments-registry  exec: ./deploy.sh  yes\n')

    expect((await berth(['trigger', 'disable', 'checkout-dev'])).stderr).to.equal('Disabled trigger "checkout-dev".\n')
    expect((await berth(['trigger', 'disable', 'checkout-dev'])).stderr).to.equal('Trigger "checkout-dev" was already disabled.\n')
    expect(JSON.parse((await berth(['trigger', 'enable', 'checkout-dev', '--json'])).stdout)).to.deep.equal({name: 'checkout-dev', enabled: true, changed: true})

    const printed = await berth(['trigger', 'token', 'checkout-dev'])
    expect(printed.stdout).to.equal(`${token}\n${result.hookUrl}\n`)
    const filled = await berth(['trigger', 'token', 'checkout-dev', '--registry-config'])
    expect(filled.stdout).to.include(`        Authorization: [Bearer ${token}]\n`)
    const rotated = JSON.parse((await berth(['trigger', 'token', 'checkout-dev', '--rotate', '--json'])).stdout)
    expect(rotated.rotated).to.equal(true)
    expect(rotated.token).to.not.equal(token)

    const deleted = await berth(['trigger', 'delete', 'checkout-dev'])
    expect(deleted.code).to.equal(0)
    expect(deleted.stderr).to.equal('Deleted trigger "checkout-dev", its token and its history.\n')
    expect((await berth(['trigger', 'show', 'checkout-dev'])).stderr).to.equal('Error: Trigger "checkout-dev" not found in project "payments".\nHint: List them with: berth trigger list\n')
  })

  it('endpoint delete names the trigger that uses the endpoint and refuses', async () => {
    await berth(['trigger', 'create', 'checkout-dev', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', 'true'])
    const before = await stateFiles(home)
    const refused = await berth(['endpoint', 'delete', 'payments-registry'])
    expect(refused.code).to.equal(1)
    expect(refused.stderr).to.equal('Error: Endpoint "payments-registry" is used by 1 object: Trigger "checkout-dev" (spec.endpoint).\nHint: Change those first, or delete anyway with: berth endpoint delete payments-registry --force\n')
    expect(await stateFiles(home)).to.deep.equal(before)
  })

  it('keeps the token in the OS keychain by default', async function () {
    requireKeychain(this)
    const service = `berth-test-${randomBytes(4).toString('hex')}`
    const env = berthEnv(home, {BERTH_SECRET_STORE: 'keychain', BERTH_KEYCHAIN_SERVICE: service, BERTH_PROJECT: 'payments'})
    await runBerth(['endpoint', 'create', 'docker-registry', 'kc-registry', '--address', 'http://127.0.0.1:35001', '--username', 'ci', '--password-stdin'], {env, input: 'pw'})
    const created = await runBerth(['trigger', 'create', 'kc', '--endpoint', 'kc-registry', '--image', 'payments/checkout-api', '--exec', 'true', '--json'], {env})
    expect(created.code, created.stderr).to.equal(0)
    const token = new URL(JSON.parse(created.stdout).hookUrl).searchParams.get('secureToken')
    const read = await runBerth(['trigger', 'token', 'kc'], {env})
    expect(read.stdout.split('\n')[0]).to.equal(token)
    expect(await runBerth(['trigger', 'delete', 'kc'], {env})).to.include({code: 0})
    await runBerth(['endpoint', 'delete', 'kc-registry'], {env})
  })

  it('fires an exec action by hand and lists it in history; a failing command exits 1', async () => {
    const out = path.join(home, 'fired.txt')
    await berth(['trigger', 'create', 'checkout-dev', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', `printf '%s %s' "$BERTH_IMAGE" "$CHANNEL" > '${out}'`, '--input', 'CHANNEL=stable'])
    const fired = await berth(['trigger', 'fire', 'checkout-dev', '--tag', '1.4.2', '--json'])
    expect(fired.code, fired.stderr).to.equal(0)
    const record = JSON.parse(fired.stdout)
    expect(record).to.include({trigger: 'checkout-dev', project: 'payments', status: 'succeeded', source: 'manual', attempts: 1})
    const {readFileSync} = await import('node:fs')
    expect(readFileSync(out, 'utf8')).to.equal('127.0.0.1:35001/payments/checkout-api:1.4.2 stable')

    const dry = JSON.parse((await berth(['trigger', 'fire', 'checkout-dev', '--tag', '1.4.3', '--dry-run', '--json'])).stdout)
    expect(dry.summary).to.match(/^dry run: would run sh -c .* with BERTH_OWNER, BERTH_NAMESPACE, BERTH_REPOSITORY_NAME, BERTH_REPOSITORY, BERTH_REGISTRY, BERTH_IMAGE, BERTH_TAG, BERTH_TIME, CHANNEL$/)

    await berth(['trigger', 'create', 'broken', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', 'echo "kubectl: connection refused" >&2; exit 3'])
    const failed = await berth(['trigger', 'fire', 'broken', '--tag', '1.4.2'])
    expect(failed.code).to.equal(1)
    expect(failed.stdout).to.equal('')
    expect(failed.stderr).to.match(/^Error: Trigger "broken" run [0-9a-z]+-[0-9a-f]{10} failed: The command exited with 3\. Last output: kubectl: connection refused\nHint: See: berth trigger history broken\n$/)

    const history = JSON.parse((await berth(['trigger', 'history', 'checkout-dev', '--json'])).stdout)
    expect(history.map((r: {inputs: {tag: string}; status: string}) => [r.inputs.tag, r.status])).to.deep.equal([
      ['1.4.3', 'succeeded'],
      ['1.4.2', 'succeeded'],
    ])
    expect(JSON.parse((await berth(['trigger', 'history', 'broken', '--status', 'failed', '--json'])).stdout)).to.have.length(1)
    expect(JSON.parse((await berth(['trigger', 'history', 'checkout-dev', '--limit', '1', '--json'])).stdout)).to.have.length(1)
    expect(JSON.parse((await berth(['trigger', 'history', 'checkout-dev', '--since', '1h', '--json'])).stdout)).to.have.length(2)
    expect(JSON.parse((await berth(['trigger', 'history', 'checkout-dev', '--since', '2099-01-01T00:00:00Z', '--json'])).stdout)).to.have.length(0)
  })

  it('serve: SIGTERM lets the running action finish and keeps the queued event, which the next serve runs', async () => {
    const marker = path.join(home, 'ran.txt')
    // The action takes a second, so a second push waits behind it.
    const created = await berth(['trigger', 'create', 'checkout-dev', '--endpoint', 'payments-registry', '--image', 'payments/checkout-api', '--exec', `sleep 1; echo "$BERTH_TAG" >> '${marker}'`, '--json'])
    const token = new URL(JSON.parse(created.stdout).hookUrl).searchParams.get('secureToken') as string
    const serve = () => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'trigger', 'serve', '--port', '0'], {env: fileEnv(), stdio: ['ignore', 'pipe', 'pipe']})
      let stderr = ''
      const url = new Promise<string>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString()
          const m = /Listening on (http:\/\/[0-9.:]+)/.exec(stderr)
          if (m) resolve(m[1] as string)
        })
      })
      const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
      return {child, url, exit, stderr: () => stderr}
    }
    const first = serve()
    const url = await first.url
    expect((await post(`${url}/hooks/checkout-dev?secureToken=${token}`, JSON.stringify({events: [distributionEvent(1)]}))).status).to.equal(202)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await post(`${url}/hooks/checkout-dev?secureToken=${token}`, JSON.stringify({events: [distributionEvent(2)]}))).status).to.equal(202)
    first.child.kill('SIGTERM')
    expect(await first.exit).to.equal(0)
    expect(first.stderr()).to.include('SIGTERM: not accepting; waiting for running actions to finish\n')
    expect(first.stderr()).to.include('; 1 kept queued for the next serve\n')
    const {readFileSync} = await import('node:fs')
    expect(readFileSync(marker, 'utf8')).to.equal('1.4.1\n')
    const kept = JSON.parse((await berth(['trigger', 'history', 'checkout-dev', '--json'])).stdout)
    expect(kept.map((r: {inputs: {tag: string}; status: string}) => [r.inputs.tag, r.status])).to.deep.equal([['1.4.2', 'queued'], ['1.4.1', 'succeeded']])

    const second = serve()
    await second.url
    expect(second.stderr()).to.include('1 queued run(s) restored')
    const deadline = Date.now() + 20_000
    while (!readFileSync(marker, 'utf8').includes('1.4.2') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    second.child.kill('SIGTERM')
    expect(await second.exit).to.equal(0)
    expect(readFileSync(marker, 'utf8')).to.equal('1.4.1\n1.4.2\n')
  })
})
