import {expect} from 'chai'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'
import {recordingServer} from '../../lib/triggers/fixtures.js'

const HUB_USER = 'svendowideit'
const HUB_PASSWORD = 'dckr_pat_2c4E-9f:Qx/7#kL'

/** A local API following Docker Hub's format: login for a JWT, then webhook_pipeline CRUD with it. */
async function fakeHub() {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdmVuZG93aWRlaXQifQ.c2lnbmF0dXJl'
  return recordingServer((req, body, res) => {
    const send = (status: number, value: unknown) => {
      res.writeHead(status, {'content-type': 'application/json'})
      res.end(JSON.stringify(value))
    }
    if (req.method === 'POST' && req.url === '/v2/users/login/') {
      const {username, password} = JSON.parse(body) as {username: string; password: string}
      return username === HUB_USER && password === HUB_PASSWORD ? send(200, {token: jwt}) : send(401, {detail: 'Incorrect authentication credentials'})
    }
    if (req.headers.authorization !== `Bearer ${jwt}`) return send(401, {detail: 'Authentication credentials were not provided.'})
    if (req.method === 'POST' && req.url === '/v2/repositories/svendowideit/testhook/webhook_pipeline/') {
      const parsed = JSON.parse(body) as {name: string}
      return send(201, {name: parsed.name, slug: parsed.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), expect_final_callback: false, webhooks: (JSON.parse(body) as {webhooks: unknown[]}).webhooks, created: '2026-11-24T09:30:00Z'})
    }
    if (req.method === 'PATCH' && req.url === '/v2/repositories/svendowideit/testhook/webhook_pipeline/berth-hub-deploy/') return send(200, JSON.parse(body))
    if (req.method === 'DELETE' && req.url === '/v2/repositories/svendowideit/testhook/webhook_pipeline/berth-hub-deploy/') {
      res.writeHead(204)
      return res.end()
    }
    return send(404, {detail: 'Not found.'})
  })
}

describe('berth trigger create --register (Docker Hub webhook_pipeline API)', function () {
  this.timeout(60_000)
  let home: string
  let cleanup: () => void
  const env = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'c0rrect horse: battery/staple!', HUB_PASSWORD, BERTH_PROJECT: 'payments', ...extra})

  beforeEach(async () => {
    ;({home, cleanup} = tempHome())
    const made = await runBerth(['endpoint', 'create', 'docker-registry', 'hub', '--address', 'https://registry-1.docker.io', '--username', HUB_USER, '--password-env', 'HUB_PASSWORD'], {env: env()})
    expect(made.code, made.stderr).to.equal(0)
  })
  afterEach(() => cleanup())

  it('creates the webhook with the source\'s body, updates it on token rotation and deletes it with the trigger', async () => {
    const hub = await fakeHub()
    try {
      const created = await runBerth(['trigger', 'create', 'hub-deploy', '--endpoint', 'hub', '--image', 'svendowideit/testhook', '--exec', './deploy.sh', '--public-url', 'https://ci.example.com:8443', '--register', '--json'], {env: env({BERTH_DOCKER_HUB_API_URL: hub.url})})
      expect(created.code, created.stderr).to.equal(0)
      const result = JSON.parse(created.stdout)
      const token = new URL(result.hookUrl).searchParams.get('secureToken') as string
      expect(result.dockerHub).to.deep.equal({apiUrl: hub.url, namespace: 'svendowideit', repository: 'testhook', webhookName: 'berth-hub-deploy', slug: 'berth-hub-deploy'})
      expect(hub.requests.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['POST /v2/users/login/', 'POST /v2/repositories/svendowideit/testhook/webhook_pipeline/'])
      expect(JSON.parse(hub.requests[0]!.body)).to.deep.equal({username: HUB_USER, password: HUB_PASSWORD})
      expect(JSON.parse(hub.requests[1]!.body)).to.deep.equal({
        name: 'berth-hub-deploy',
        webhooks: [{name: 'berth-hub-deploy', hook_url: `https://ci.example.com:8443/pipelines/api/docker-hub-webhooks?secureToken=${token}`}],
      })

      const rotated = await runBerth(['trigger', 'token', 'hub-deploy', '--rotate', '--json'], {env: env()})
      expect(rotated.code, rotated.stderr).to.equal(0)
      const newToken = JSON.parse(rotated.stdout).token as string
      const patch = hub.requests.at(-1)!
      expect(`${patch.method} ${patch.url}`).to.equal('PATCH /v2/repositories/svendowideit/testhook/webhook_pipeline/berth-hub-deploy/')
      expect(JSON.parse(patch.body).webhooks[0].hook_url).to.equal(`https://ci.example.com:8443/pipelines/api/docker-hub-webhooks?secureToken=${newToken}`)

      const deleted = await runBerth(['trigger', 'delete', 'hub-deploy', '--json'], {env: env()})
      expect(deleted.code, deleted.stderr).to.equal(0)
      expect(JSON.parse(deleted.stdout).dockerHubWebhookDeleted).to.equal(true)
      expect(`${hub.requests.at(-1)!.method} ${hub.requests.at(-1)!.url}`).to.equal('DELETE /v2/repositories/svendowideit/testhook/webhook_pipeline/berth-hub-deploy/')
    } finally {
      await hub.close()
    }
  })

  it('keeps nothing when Docker Hub refuses the login', async () => {
    const hub = await fakeHub()
    try {
      await runBerth(['endpoint', 'update', 'hub', '--password-env', 'WRONG'], {env: env({WRONG: 'not-the-password'})})
      const before = await stateFiles(home)
      const created = await runBerth(['trigger', 'create', 'hub-deploy', '--endpoint', 'hub', '--image', 'svendowideit/testhook', '--exec', './deploy.sh', '--register', '--hub-api-url', hub.url], {env: env()})
      expect(created.code).to.equal(1)
      expect(created.stdout).to.equal('')
      expect(created.stderr).to.equal(`Error: Docker Hub refused the credentials of "${HUB_USER}" (HTTP 401).\nHint: Check the endpoint's username and password (an access token works as the password).\n`)
      expect(await stateFiles(home)).to.deep.equal(before)
    } finally {
      await hub.close()
    }
  })

  it('refuses --register for a repository path Docker Hub cannot have', async () => {
    const created = await runBerth(['trigger', 'create', 'deep', '--endpoint', 'hub', '--image', 'team/sub/app', '--exec', 'true', '--register', '--hub-api-url', 'http://127.0.0.1:9'], {env: env()})
    expect(created.code).to.equal(2)
    expect(created.stderr).to.equal('Error: --register needs a Docker Hub repository of the form NAMESPACE/NAME; "team/sub/app" has 2 "/".\n')
  })
})
