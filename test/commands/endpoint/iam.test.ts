import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import {createServer} from 'node:http'
import {AddressInfo} from 'node:net'
import path from 'node:path'

import {FakeIam} from '../../fixtures/fake-iam.js'
import {BackendHome, backendHome, storedState, testBackends} from '../../helpers/backends.js'
import {berthEnv, runBerth} from '../../helpers/cli.js'

const AK = 'HPUA1234567890ABWXYZ'
const SK = 'Sk0123456789abcdefghijklmnopqrstuvwxyzAB'
const WRONG_SK = 'Sk0123456789abcdefghijklmnopqrstuvwxyzAC'
const SHAPE_SUMMARY = 'access key HPUA…WXYZ has a valid shape; not checked live: a live check needs the cloud\'s IAM URL (--iam-url https://iam.<region>.myhuaweicloud.com)'

/** The text of every file under a directory (binary-safe) and, on kubernetes, of every berth object but the Secrets (where secrets belong). */
async function allStoredText(b: BackendHome): Promise<string> {
  const texts: string[] = []
  for (const entry of await fs.readdir(b.home, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) texts.push(await fs.readFile(path.join(entry.parentPath, entry.name), 'latin1'))
  }
  if (b.backend === 'kubernetes') texts.push(...Object.entries(await storedState(b)).filter(([where]) => !where.startsWith('Secret/')).map(([, text]) => text))
  return texts.join('\n')
}

for (const backend of testBackends()) describe(`berth endpoint test (iam, ${backend} backend)`, () => {
  let b: BackendHome
  let home: string
  let iam: FakeIam

  before(async () => {
    iam = await FakeIam.start({keys: [{accessKeyId: AK, secretAccessKey: SK, userId: 'user-0001', createTime: '2024-03-01T08:00:00.000000Z'}]})
  })
  after(() => iam.stop())
  beforeEach(async function () {
    b = await backendHome(this, backend)
    home = b.home
  })
  afterEach(async () => b?.cleanup())

  const env = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'test-passphrase', ...extra})
  const berth = (args: string[], extra: NodeJS.ProcessEnv = {}) => runBerth(args, {env: env(extra)})
  const create = async (name: string, secret: string) => {
    const result = await berth(['endpoint', 'create', 'iam', name, '--access-key-id', AK, '--secret-access-key-env', 'CLOUD_SK'], {CLOUD_SK: secret})
    expect(result.code, result.stderr).to.equal(0)
  }
  const lastTest = async (name: string) => {
    const show = await berth(['endpoint', 'show', name, '--json'])
    expect(show.code, show.stderr).to.equal(0)
    return JSON.parse(show.stdout).status?.lastTest as {ok: boolean; summary: string} | undefined
  }

  it('checks the key\'s shape without --iam-url, and says a live check needs it', async () => {
    await create('cloud', SK)
    const human = await berth(['endpoint', 'test', 'cloud'])
    expect(human).to.deep.equal({code: 0, stdout: `OK: ${SHAPE_SUMMARY}\n`, stderr: 'Testing iam endpoint "cloud"…\n'})

    const json = await berth(['endpoint', 'test', 'cloud', '--json'])
    expect(json.code).to.equal(0)
    expect(JSON.parse(json.stdout)).to.deep.equal({
      name: 'cloud',
      type: 'iam',
      ok: true,
      summary: SHAPE_SUMMARY,
      details: {accessKeyId: 'HPUA…WXYZ', live: false, iamUrl: null, notes: []},
    })
    expect(await lastTest('cloud')).to.include({ok: true, summary: SHAPE_SUMMARY})
    expect(iam.requests).to.have.length(0)
  })

  it('checks the key live with --iam-url against a (fake) IAM', async () => {
    await create('cloud', SK)
    const before = iam.requests.length
    const result = await berth(['endpoint', 'test', 'cloud', '--iam-url', iam.url, '--json'])
    expect(result.code, result.stderr).to.equal(0)
    expect(JSON.parse(result.stdout)).to.deep.equal({
      name: 'cloud',
      type: 'iam',
      ok: true,
      summary: `access key HPUA…WXYZ is active (checked live at ${iam.url})`,
      details: {
        accessKeyId: 'HPUA…WXYZ',
        live: true,
        iamUrl: iam.url,
        status: 'active',
        userId: 'user-0001',
        createdAt: '2024-03-01T08:00:00.000000Z',
        lastUsedAt: '2024-03-01T08:00:00.000000Z',
        notes: [],
      },
    })
    expect(iam.requests.slice(before).map((r) => r.rejected)).to.deep.equal([undefined])
    expect(await lastTest('cloud')).to.include({ok: true, summary: `access key HPUA…WXYZ is active (checked live at ${iam.url})`})
    expect(await allStoredText(b)).to.not.include(SK)
  })

  it('fails with exit 1 and IAM\'s message for a wrong secret, recording the failure, never showing the secret', async () => {
    await create('cloud', WRONG_SK)
    const human = await berth(['endpoint', 'test', 'cloud', '--iam-url', iam.url])
    expect(human.code).to.equal(1)
    expect(human.stdout).to.equal('')
    expect(human.stderr).to.match(
      new RegExp(
        '^Testing iam endpoint "cloud"…\\n' +
          `Error: IAM endpoint ${iam.url.replaceAll('.', '\\.')} rejected the credentials \\(HTTP 401 Unauthorized\\): Incorrect IAM authentication information: verify aksk signature fail, signature mismatch \\(APIGW\\.0301, request [0-9a-f]{32}\\)\\.\\n` +
          'Hint: The secret access key does not match the access key id\\. Store the right one with: berth endpoint update cloud --secret-access-key-env VAR \\(after 5 failures in a row Huawei Cloud locks the key for 5 minutes\\)\\.\\n$',
      ),
    )

    const json = await berth(['endpoint', 'test', 'cloud', '--iam-url', iam.url, '--json'])
    expect(json.code).to.equal(1)
    const {error} = JSON.parse(json.stdout)
    expect(error).to.include({code: 'auth', exitCode: 1})
    expect(error.message).to.include('verify aksk signature fail')

    const recorded = await lastTest('cloud')
    expect(recorded?.ok).to.equal(false)
    expect(recorded?.summary).to.include('rejected the credentials (HTTP 401 Unauthorized)')
    for (const text of [human.stdout, human.stderr, json.stdout, json.stderr, await allStoredText(b)]) expect(text).to.not.include(WRONG_SK)
  })

  it('names the connect step for a closed port (exit 1)', async () => {
    await create('cloud', SK)
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    await new Promise((resolve) => server.close(resolve))
    const result = await berth(['endpoint', 'test', 'cloud', '--iam-url', `http://127.0.0.1:${port}`])
    expect(result.code).to.equal(1)
    expect(result.stderr).to.equal(`Testing iam endpoint "cloud"…\nError: Could not connect to IAM endpoint http://127.0.0.1:${port}: ECONNREFUSED.\nHint: Check the port and that the service is running.\n`)
    expect((await lastTest('cloud'))?.summary).to.equal(`connect: Could not connect to IAM endpoint http://127.0.0.1:${port}: ECONNREFUSED.`)
  })

  it('rejects a plain-http --iam-url to a non-loopback host with exit 2, sending nothing', async () => {
    await create('cloud', SK)
    const before = iam.requests.length
    const result = await berth(['endpoint', 'test', 'cloud', '--iam-url', 'http://iam.example.com'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.equal(
      'Error: The IAM URL "http://iam.example.com" uses plain http, which is allowed only for a loopback address (127.0.0.1, ::1, localhost); the signed request must not cross a network unencrypted.\n' +
        'Hint: Give the IAM endpoint of the key\'s cloud, e.g. --iam-url https://iam.<region>.myhuaweicloud.com\n',
    )
    expect(iam.requests.length).to.equal(before)
    // Refused before anything ran, so no failed test is recorded on the endpoint.
    const shown = JSON.parse((await berth(['endpoint', 'show', 'cloud', '--json'])).stdout)
    expect(shown.status?.lastTest).to.equal(undefined)
  })
})
