import {expect} from 'chai'
import {Server, createServer} from 'node:http'
import {AddressInfo} from 'node:net'

import type {CredentialsOf} from '../../../../src/lib/endpoints/types.js'
import {AuthError, BerthError, ExternalError, ValidationError} from '../../../../src/lib/errors.js'
import {maskAccessKeyId, testIamEndpoint} from '../../../../src/lib/endpoints/probes/iam.js'
import {ConnectionError} from '../../../../src/lib/net/errors.js'
import {FakeIam} from '../../../fixtures/fake-iam.js'

const AK = 'HPUA1234567890ABWXYZ'
const SK = 'Sk0123456789abcdefghijklmnopqrstuvwxyzAB'
const OTHER_AK = 'HPUB0000000000000001'

const creds = (over: Partial<CredentialsOf<'iam'>> = {}): CredentialsOf<'iam'> => ({type: 'iam', name: 'cloud', accessKeyId: AK, secretAccessKey: SK, ...over})

async function expectError<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(type)
    return error as T
  }
  throw new Error(`expected a ${type.name}`)
}

/** The secret must not appear in an error's message, hint or anything it carries. */
function expectNoSecret(value: unknown): void {
  const text = value instanceof BerthError ? `${value.message}\n${value.hint ?? ''}` : JSON.stringify(value)
  expect(text).to.not.include(SK)
  expect(text).to.not.include(SK.slice(0, 8))
}

describe('testIamEndpoint', () => {
  describe('without --iam-url: the key\'s shape', () => {
    it('accepts a Huawei Cloud shaped key and says a live check needs the IAM URL', async () => {
      const check = await testIamEndpoint(creds())
      expect(check).to.deep.equal({
        summary: 'access key HPUA…WXYZ has a valid shape; not checked live: a live check needs the cloud\'s IAM URL (--iam-url https://iam.<region>.myhuaweicloud.com)',
        details: {accessKeyId: 'HPUA…WXYZ', live: false, iamUrl: null, notes: []},
      })
      expectNoSecret(check)
    })

    it('notes unusual lengths and lower-case letters without failing and without revealing the secret\'s length', async () => {
      const check = await testIamEndpoint(creds({accessKeyId: 'hpua1234567890abwxyz12', secretAccessKey: 'short-secret_value'}))
      expect(check.details.notes).to.deep.equal([
        'the access key id is 22 characters long; Huawei Cloud access key ids are usually 20',
        'the access key id has lower-case letters; Huawei Cloud access key ids are usually upper-case letters and digits',
        'the secret access key is not 40 characters long, as Huawei Cloud secret access keys usually are',
      ])
      expect(JSON.stringify(check)).to.not.match(/\b18\b/)
      expect(check.summary).to.equal('access key hpua…yz12 has a valid shape; not checked live: a live check needs the cloud\'s IAM URL (--iam-url https://iam.<region>.myhuaweicloud.com)')
    })

    it('notes a key whose parts look swapped', async () => {
      const check = await testIamEndpoint(creds({accessKeyId: SK, secretAccessKey: AK}))
      expect(check.details.notes).to.include('the access key id and the secret access key may be swapped')
      expect(check.details.accessKeyId).to.equal('Sk01…yzAB')
    })

    it('notes a 40-character secret with characters other than letters and digits', async () => {
      const check = await testIamEndpoint(creds({secretAccessKey: `${SK.slice(0, 39)}/`}))
      expect(check.details.notes).to.deep.equal(['the secret access key has characters other than letters and digits, unlike Huawei Cloud secret access keys'])
    })

    it('rejects an access key id with characters other than letters and digits (exit 2)', async () => {
      const error = await expectError(testIamEndpoint(creds({accessKeyId: 'HPUA-1234 567890ABWX'})), ValidationError)
      expect(error.message).to.equal('The access key id "HPUA-1234 567890ABWX" of endpoint "cloud" is not valid: an access key id has only letters and digits.')
      expect(error.hint).to.equal('Store the right key with: berth endpoint update cloud --access-key-id AK --secret-access-key-env VAR')
      expect(error.exitCode).to.equal(2)
    })

    it('rejects an empty access key id', async () => {
      const error = await expectError(testIamEndpoint(creds({accessKeyId: ''})), ValidationError)
      expect(error.message).to.equal('The access key id of endpoint "cloud" is empty.')
    })

    it('rejects an empty secret access key', async () => {
      const error = await expectError(testIamEndpoint(creds({secretAccessKey: ''})), ValidationError)
      expect(error.message).to.equal('The secret access key of endpoint "cloud" is empty.')
    })

    it('rejects a secret with a line break around it, without quoting it', async () => {
      const error = await expectError(testIamEndpoint(creds({secretAccessKey: `${SK}\n`})), ValidationError)
      expect(error.message).to.equal('The secret access key of endpoint "cloud" has spaces or a line break around it.')
      expectNoSecret(error)
    })

    it('rejects a secret with spaces or non-ASCII characters inside, without quoting it', async () => {
      const error = await expectError(testIamEndpoint(creds({secretAccessKey: `${SK.slice(0, 20)} ${SK.slice(20)}`})), ValidationError)
      expect(error.message).to.equal('The secret access key of endpoint "cloud" contains spaces, control characters or non-ASCII characters, which no secret access key has.')
      expectNoSecret(error)
      await expectError(testIamEndpoint(creds({secretAccessKey: `${SK.slice(0, 39)}é`})), ValidationError)
    })

    it('checks the shape before any live request', async () => {
      let called = false
      const fakeFetch = (async () => {
        called = true
        return new Response('{}')
      }) as typeof fetch
      await expectError(testIamEndpoint(creds({accessKeyId: 'bad id'}), {iamUrl: 'https://iam.example.com', fetch: fakeFetch}), ValidationError)
      expect(called).to.equal(false)
    })
  })

  describe('--iam-url validation', () => {
    for (const [url, message] of [
      ['iam.example.com', 'The IAM URL "iam.example.com" is not a URL.'],
      ['ftp://iam.example.com', 'The IAM URL "ftp://iam.example.com" must start with https://.'],
      [
        'http://iam.example.com',
        'The IAM URL "http://iam.example.com" uses plain http, which is allowed only for a loopback address (127.0.0.1, ::1, localhost); the signed request must not cross a network unencrypted.',
      ],
      ['https://iam.example.com/?region=x', 'The IAM URL "https://iam.example.com/?region=x" must be just the endpoint\'s address, with no user, query or fragment.'],
      ['https://user:pw@iam.example.com', 'The IAM URL "https://user:pw@iam.example.com" must be just the endpoint\'s address, with no user, query or fragment.'],
    ] as const) {
      it(`rejects ${url}`, async () => {
        const error = await expectError(testIamEndpoint(creds(), {iamUrl: url}), ValidationError)
        expect(error.message).to.equal(message)
        expect(error.hint).to.equal('Give the IAM endpoint of the key\'s cloud, e.g. --iam-url https://iam.<region>.myhuaweicloud.com')
      })
    }
  })

  describe('live, against a fake IAM', () => {
    let iam: FakeIam
    let clockOffsetMs = 0

    before(async () => {
      iam = await FakeIam.start({
        keys: [
          {accessKeyId: AK, secretAccessKey: SK, userId: 'user-0001', createTime: '2024-03-01T08:00:00.000000Z'},
          {accessKeyId: OTHER_AK, secretAccessKey: SK, userId: 'user-0002'},
        ],
        now: () => new Date(Date.now() + clockOffsetMs),
      })
    })
    after(() => iam.stop())
    beforeEach(() => {
      clockOffsetMs = 0
      iam.requests.length = 0
    })

    it('reports an active key, with a request signed as IAM documents', async () => {
      const check = await testIamEndpoint(creds(), {iamUrl: iam.url})
      expect(check).to.deep.equal({
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
      expect(iam.requests).to.have.length(1)
      const [request] = iam.requests
      expect(request.rejected).to.equal(undefined)
      expect(request.method).to.equal('GET')
      expect(request.path).to.equal(`/v3.0/OS-CREDENTIAL/credentials/${AK}`)
      expect(request.headers['content-type']).to.equal('application/json;charset=utf8')
      expect(request.headers.authorization).to.match(new RegExp(`^SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=host;x-sdk-date, Signature=[0-9a-f]{64}$`))
      expect(request.headers['x-sdk-date']).to.match(/^\d{8}T\d{6}Z$/)
      expect(JSON.stringify(request.headers)).to.not.include(SK)
      expectNoSecret(check)
    })

    it('accepts an IAM URL with a trailing slash', async () => {
      const check = await testIamEndpoint(creds(), {iamUrl: `${iam.url}/`})
      expect(check.details.status).to.equal('active')
      expect(iam.requests[0].path).to.equal(`/v3.0/OS-CREDENTIAL/credentials/${AK}`)
    })

    it('fails with an AuthError carrying IAM\'s 401 message for a wrong secret', async () => {
      const error = await expectError(testIamEndpoint(creds({secretAccessKey: `${SK.slice(0, 39)}C`}), {iamUrl: iam.url}), AuthError)
      expect(error.message).to.match(
        new RegExp(
          `^IAM endpoint ${iam.url} rejected the credentials \\(HTTP 401 Unauthorized\\): Incorrect IAM authentication information: verify aksk signature fail, signature mismatch \\(APIGW\\.0301, request [0-9a-f]{32}\\)\\.$`,
        ),
      )
      expect(error.hint).to.equal(
        'The secret access key does not match the access key id. Store the right one with: berth endpoint update cloud --secret-access-key-env VAR (after 5 failures in a row Huawei Cloud locks the key for 5 minutes).',
      )
      expect(error.exitCode).to.equal(1)
      expect(iam.requests[0].rejected).to.equal('Incorrect IAM authentication information: verify aksk signature fail, signature mismatch')
      expectNoSecret(error)
    })

    it('fails with an AuthError for an access key IAM does not know', async () => {
      const error = await expectError(testIamEndpoint(creds({accessKeyId: 'HPUAUNKNOWN000000000'}), {iamUrl: iam.url}), AuthError)
      expect(error.message).to.match(/rejected the credentials \(HTTP 401 Unauthorized\): Incorrect IAM authentication information: Get secretKey failed,ak:\*{6},err:ak not exist \(APIGW\.0301, request [0-9a-f]{32}\)\.$/)
      expect(error.hint).to.equal(
        'This IAM endpoint does not know the access key id: check it, and that --iam-url is of the key\'s cloud. Store the right one with: berth endpoint update cloud --access-key-id AK --secret-access-key-env VAR',
      )
    })

    it('fails with a clock hint when the signature is dated more than 15 minutes away', async () => {
      clockOffsetMs = 16 * 60 * 1000
      const error = await expectError(testIamEndpoint(creds(), {iamUrl: iam.url}), AuthError)
      expect(error.message).to.include('Incorrect IAM authentication information: signature expired, signature time:')
      expect(error.hint).to.equal('The request\'s X-Sdk-Date differs from the server\'s time by more than 15 minutes: correct this machine\'s clock (e.g. enable NTP).')
    })

    it('passes with a clock 14 minutes off, and with the client\'s clock given', async () => {
      clockOffsetMs = -14 * 60 * 1000
      expect((await testIamEndpoint(creds(), {iamUrl: iam.url})).details.status).to.equal('active')
      clockOffsetMs = 0
      const error = await expectError(testIamEndpoint(creds(), {iamUrl: iam.url, now: () => new Date(Date.now() - 20 * 60 * 1000)}), AuthError)
      expect(error.message).to.include('signature expired')
    })

    // The fake must refuse anything the signature does not cover exactly, or these tests could not fail.
    const tampering =
      (change: (url: URL, headers: Headers) => void): typeof fetch =>
      (input, init) => {
        const url = new URL(String(input))
        const headers = new Headers(init?.headers)
        change(url, headers)
        return fetch(url, {...init, headers})
      }

    it('is refused when the path differs from the one signed', async () => {
      const error = await expectError(
        testIamEndpoint(creds({accessKeyId: OTHER_AK}), {iamUrl: iam.url, fetch: tampering((url) => (url.pathname = url.pathname.replace(OTHER_AK, AK)))}),
        AuthError,
      )
      expect(error.message).to.include('verify aksk signature fail, signature mismatch')
    })

    it('is refused when X-Sdk-Date differs from the one signed', async () => {
      const error = await expectError(
        testIamEndpoint(creds(), {
          iamUrl: iam.url,
          fetch: tampering((_url, headers) => headers.set('X-Sdk-Date', headers.get('X-Sdk-Date')!.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10)))),
        }),
        AuthError,
      )
      expect(error.message).to.include('verify aksk signature fail, signature mismatch')
    })

    it('is refused when the host differs from the one signed', async () => {
      // Signed for localhost:PORT, sent to 127.0.0.1:PORT (whose Host header fetch sets from the URL).
      const localhostUrl = iam.url.replace('127.0.0.1', 'localhost')
      const error = await expectError(testIamEndpoint(creds(), {iamUrl: localhostUrl, fetch: tampering((url) => (url.hostname = '127.0.0.1'))}), AuthError)
      expect(error.message).to.include('verify aksk signature fail, signature mismatch')
    })
  })

  describe('live, network failures', () => {
    it('names the dns step for a host that does not resolve', async () => {
      const error = await expectError(testIamEndpoint(creds(), {iamUrl: 'https://iam.no-such-host.invalid', timeoutMs: 10_000}), ConnectionError)
      expect(error.step).to.equal('dns')
      expect(error.message).to.match(/^Could not resolve the host of IAM endpoint https:\/\/iam\.no-such-host\.invalid \(DNS: (ENOTFOUND|EAI_AGAIN)\)\.$/)
    })

    it('names the connect step for a closed port', async () => {
      const server = createServer()
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const {port} = server.address() as AddressInfo
      await new Promise((resolve) => server.close(resolve))
      const error = await expectError(testIamEndpoint(creds(), {iamUrl: `http://127.0.0.1:${port}`}), ConnectionError)
      expect(error.step).to.equal('connect')
      expect(error.message).to.equal(`Could not connect to IAM endpoint http://127.0.0.1:${port}: ECONNREFUSED.`)
    })

    it('names the timeout step for a server that never answers', async () => {
      const server: Server = createServer(() => {
        // never answer
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const {port} = server.address() as AddressInfo
      try {
        const error = await expectError(testIamEndpoint(creds(), {iamUrl: `http://127.0.0.1:${port}`, timeoutMs: 300}), ConnectionError)
        expect(error.step).to.equal('timeout')
        expect(error.message).to.equal(`IAM endpoint http://127.0.0.1:${port} did not answer in time.`)
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    })
  })

  describe('live, unusual answers', () => {
    const answering =
      (status: number, body: string, headers: Record<string, string> = {}): typeof fetch =>
      async () =>
        new Response(status === 204 ? null : body, {status, headers})
    const iamUrl = 'https://iam.example.com'

    it('fails when the key is inactive', async () => {
      const body = JSON.stringify({credential: {access: AK, status: 'inactive', user_id: 'u'}})
      const error = await expectError(testIamEndpoint(creds(), {iamUrl, fetch: answering(200, body)}), AuthError)
      expect(error.message).to.equal('The access key HPUA…WXYZ is inactive (checked live at https://iam.example.com).')
    })

    it('fails with the protocol step when the answer is not IAM\'s', async () => {
      const error = await expectError(testIamEndpoint(creds(), {iamUrl, fetch: answering(200, '<html>hello</html>')}), ConnectionError)
      expect(error.step).to.equal('protocol')
      expect(error.message).to.equal(`IAM endpoint https://iam.example.com did not answer like Huawei Cloud IAM: GET /v3.0/OS-CREDENTIAL/credentials/${AK} returned no credential.`)
    })

    it('fails when the answer is about another key', async () => {
      const body = JSON.stringify({credential: {access: OTHER_AK, status: 'active'}})
      const error = await expectError(testIamEndpoint(creds(), {iamUrl, fetch: answering(200, body)}), ConnectionError)
      expect(error.message).to.equal('IAM endpoint https://iam.example.com answered about another access key (HPUB…0001) than the one asked for (HPUA…WXYZ).')
    })

    it('reports a 404 with what the server said and a hint about --iam-url', async () => {
      const body = JSON.stringify({error_msg: 'The API does not exist or has not been published in the environment', error_code: 'APIGW.0101', request_id: 'r1'})
      const error = await expectError(testIamEndpoint(creds(), {iamUrl, fetch: answering(404, body)}), ExternalError)
      expect(error.message).to.equal(
        `IAM endpoint https://iam.example.com answered HTTP 404 to GET /v3.0/OS-CREDENTIAL/credentials/${AK}: The API does not exist or has not been published in the environment (APIGW.0101, request r1).`,
      )
      expect(error.hint).to.equal('Check --iam-url: it should be the IAM endpoint of the key\'s region, like https://iam.<region>.myhuaweicloud.com')
    })

    it('maps a 403 to an AuthError', async () => {
      const body = JSON.stringify({error_msg: 'You are not authorized to perform the requested action.', error_code: 'IAM.0002', request_id: 'r2'})
      const error = await expectError(testIamEndpoint(creds(), {iamUrl, fetch: answering(403, body)}), AuthError)
      expect(error.message).to.equal(
        'IAM endpoint https://iam.example.com accepted the credentials but refused access (HTTP 403 Forbidden): You are not authorized to perform the requested action (IAM.0002, request r2).',
      )
      expect(error.hint).to.equal('The key was accepted but may not query itself here (an IAM policy denies it, or the account is frozen).')
    })

    it('does not follow a redirect with the signed request', async () => {
      const error = await expectError(testIamEndpoint(creds(), {iamUrl, fetch: answering(302, '', {location: 'https://iam.other.example.com/v3.0/x'})}), ExternalError)
      expect(error.message).to.equal('IAM endpoint https://iam.example.com answered with a redirect (HTTP 302) to https://iam.other.example.com/v3.0/x.')
      expect(error.hint).to.equal('If that is the IAM endpoint, use it: --iam-url https://iam.other.example.com')
    })
  })

  it('masks access key ids to their first and last four characters', () => {
    expect(maskAccessKeyId('HPUA1234567890ABWXYZ')).to.equal('HPUA…WXYZ')
    expect(maskAccessKeyId('ABCDEFGHIJ')).to.equal('AB…')
  })
})
