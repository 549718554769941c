import {expect} from 'chai'
import {createHash, createHmac} from 'node:crypto'

import {canonicalQueryString, canonicalUri, formatSdkDate, signRequest} from '../../../src/lib/iam/signer.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

describe('iam signer (SDK-HMAC-SHA256)', () => {
  // Vectors from huaweicloud-sdk-go-v3, core/auth/signer/signer_test.go (TestSigner_Sign):
  // AK "AccessKey", SK "SecretKey", X-Sdk-Date 20060102T150405Z, host not signed.
  const goSdkDate = new Date('2006-01-02T15:04:05Z')

  it('reproduces the Go SDK vector for a GET with a query', () => {
    const headers = signRequest({
      method: 'GET',
      url: 'https://example.huaweicloud.com/path?limit=1',
      accessKeyId: 'AccessKey',
      secretAccessKey: 'SecretKey',
      date: goSdkDate,
      signHost: false,
    })
    expect(headers).to.deep.equal({
      'X-Sdk-Date': '20060102T150405Z',
      Authorization: 'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    })
  })

  it('reproduces the Go SDK vector for a POST with a JSON body', () => {
    // Go's json.Encoder ends the body with a newline.
    const headers = signRequest({
      method: 'post',
      url: 'https://example.huaweicloud.com/path?key=value',
      body: '{"Name":"test","Id":1}\n',
      accessKeyId: 'AccessKey',
      secretAccessKey: 'SecretKey',
      date: goSdkDate,
      signHost: false,
    })
    expect(headers.Authorization).to.equal('SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59')
  })

  it('signs host and x-sdk-date for the IAM credential query (canonical request written out by hand)', () => {
    const date = new Date('2024-03-01T08:09:10.789Z')
    const headers = signRequest({
      method: 'GET',
      url: new URL('https://iam.ap-southeast-1.myhuaweicloud.com/v3.0/OS-CREDENTIAL/credentials/HPUAEXAMPLEKEY000001'),
      accessKeyId: 'HPUAEXAMPLEKEY000001',
      secretAccessKey: 'ExampleSecretKey0000000000000000000000SK',
      date,
    })
    const canonical = [
      'GET',
      '/v3.0/OS-CREDENTIAL/credentials/HPUAEXAMPLEKEY000001/',
      '',
      'host:iam.ap-southeast-1.myhuaweicloud.com',
      'x-sdk-date:20240301T080910Z',
      '',
      'host;x-sdk-date',
      EMPTY_SHA256,
    ].join('\n')
    const signature = createHmac('sha256', 'ExampleSecretKey0000000000000000000000SK')
      .update(`SDK-HMAC-SHA256\n20240301T080910Z\n${sha256(canonical)}`)
      .digest('hex')
    expect(headers).to.deep.equal({
      'X-Sdk-Date': '20240301T080910Z',
      Authorization: `SDK-HMAC-SHA256 Access=HPUAEXAMPLEKEY000001, SignedHeaders=host;x-sdk-date, Signature=${signature}`,
    })
  })

  it('lower-cases, trims and sorts extra signed headers; the host keeps a non-default port', () => {
    const date = new Date('2024-03-01T08:09:10Z')
    const headers = signRequest({
      method: 'GET',
      url: 'http://127.0.0.1:8080/a?b=2&a=1',
      headers: {'X-Project-Id': ' p1 ', 'Content-Type': 'application/json'},
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      date,
    })
    const canonical = 'GET\n/a/\na=1&b=2\ncontent-type:application/json\nhost:127.0.0.1:8080\nx-project-id:p1\nx-sdk-date:20240301T080910Z\n\ncontent-type;host;x-project-id;x-sdk-date\n' + EMPTY_SHA256
    const signature = createHmac('sha256', 'SK').update(`SDK-HMAC-SHA256\n20240301T080910Z\n${sha256(canonical)}`).digest('hex')
    expect(headers.Authorization).to.equal(`SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=${signature}`)
  })

  it('leaves a default port out of the signed host, as fetch does', () => {
    const date = new Date('2024-03-01T08:09:10Z')
    const withPort = signRequest({method: 'GET', url: 'https://iam.example.com:443/x', accessKeyId: 'AK', secretAccessKey: 'SK', date})
    const without = signRequest({method: 'GET', url: 'https://iam.example.com/x', accessKeyId: 'AK', secretAccessKey: 'SK', date})
    expect(withPort).to.deep.equal(without)
  })

  it('changes the signature with the secret, the date and the path', () => {
    const base = {method: 'GET', url: 'https://iam.example.com/x', accessKeyId: 'AK', secretAccessKey: 'SK', date: new Date('2024-03-01T08:09:10Z')}
    const a = signRequest(base).Authorization
    expect(signRequest({...base, secretAccessKey: 'SK2'}).Authorization).to.not.equal(a)
    expect(signRequest({...base, date: new Date('2024-03-01T08:09:11Z')}).Authorization).to.not.equal(a)
    expect(signRequest({...base, url: 'https://iam.example.com/y'}).Authorization).to.not.equal(a)
  })

  it('formats X-Sdk-Date as YYYYMMDDTHHMMSSZ in UTC', () => {
    expect(formatSdkDate(new Date('2006-01-02T15:04:05.999Z'))).to.equal('20060102T150405Z')
    expect(formatSdkDate(new Date('2024-12-31T23:59:59+08:00'))).to.equal('20241231T155959Z')
  })

  it('builds the canonical URI with a trailing slash and escaped segments', () => {
    expect(canonicalUri('')).to.equal('/')
    expect(canonicalUri('/')).to.equal('/')
    expect(canonicalUri('/v3.0/OS-CREDENTIAL/credentials/AK')).to.equal('/v3.0/OS-CREDENTIAL/credentials/AK/')
    expect(canonicalUri('/a%20b/%C3%BC/')).to.equal('/a%20b/%C3%BC/')
    expect(canonicalUri("/it's(1)*")).to.equal('/it%27s%281%29%2A/')
  })

  it('builds the canonical query string as the Go SDK test expects', () => {
    // huaweicloud-sdk-go-v3 TestSigner_canonicalQueryString
    const search = new URLSearchParams([
      ['limit', '1'],
      ['enable', 'true'],
      ['test', '一 (&=?!#%.*)'],
      ['path', '/tmp/123'],
      ['multi', '3'],
      ['multi', '1'],
      ['multi', '2'],
    ]).toString()
    expect(canonicalQueryString(`?${search}`)).to.equal('enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29')
    expect(canonicalQueryString('')).to.equal('')
  })
})
