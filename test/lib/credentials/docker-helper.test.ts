import {expect} from 'chai'
import {Readable} from 'node:stream'

import {BerthContext} from '../../../src/lib/context.js'
import {addressForServer, endpointNameForHost, parseStoreInput, runDockerCredentialAction} from '../../../src/lib/credentials/docker-helper.js'
import {ValidationError} from '../../../src/lib/errors.js'
import {tempHome} from '../../helpers/cli.js'

describe('docker credential helper (library)', () => {
  it('names an endpoint after the registry host (DNS-1123)', () => {
    expect(endpointNameForHost('127.0.0.1:5000')).to.equal('127-0-0-1-5000')
    expect(endpointNameForHost('registry.example.com')).to.equal('registry-example-com')
    expect(endpointNameForHost('docker.io')).to.equal('docker-hub')
    expect(endpointNameForHost('[::1]:5000')).to.equal('1-5000')
    expect(endpointNameForHost(`${'a'.repeat(70)}.example`)).to.equal('a'.repeat(63))
    expect(endpointNameForHost('...')).to.equal('registry')
  })

  it('chooses the address scheme: given, http on loopback, else https', () => {
    expect(addressForServer('https://127.0.0.1:5000', '127.0.0.1:5000')).to.equal('https://127.0.0.1:5000')
    expect(addressForServer('127.0.0.1:5000', '127.0.0.1:5000')).to.equal('http://127.0.0.1:5000')
    expect(addressForServer('localhost:5000', 'localhost:5000')).to.equal('http://localhost:5000')
    expect(addressForServer('registry.example.com', 'registry.example.com')).to.equal('https://registry.example.com')
    expect(addressForServer('https://index.docker.io/v1/', 'docker.io')).to.equal('https://index.docker.io')
  })

  it('parses the store JSON without ever echoing it', () => {
    expect(parseStoreInput('{"ServerURL":"h","Username":"u","Secret":"s"}')).to.deep.equal({ServerURL: 'h', Username: 'u', Secret: 's'})
    expect(parseStoreInput('{"ServerURL":"h"}')).to.deep.equal({ServerURL: 'h', Username: '', Secret: ''})
    for (const bad of ['{"Secret": "hunter22"', '["hunter22"]', 'null']) {
      expect(() => parseStoreInput(bad)).to.throw(ValidationError).that.satisfies((e: Error) => !e.message.includes('hunter22'))
    }
  })

  it('answers get with "credentials not found" for an empty project, and list with {}', async () => {
    const {home, cleanup} = tempHome()
    try {
      const ctx = new BerthContext({env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'x'}})
      expect(await runDockerCredentialAction(ctx, 'get', Readable.from(['127.0.0.1:5000']))).to.deep.equal({stdout: 'credentials not found in native keychain\n', stderr: '', exitCode: 1})
      expect(await runDockerCredentialAction(ctx, 'list', Readable.from([]))).to.deep.equal({stdout: '{}\n', stderr: '', exitCode: 0})
      const big = await runDockerCredentialAction(ctx, 'get', Readable.from([Buffer.alloc(70 * 1024, 'a')]))
      expect(big).to.deep.equal({stdout: 'The credential helper input is larger than 65536 bytes.\n', stderr: '', exitCode: 1})
    } finally {
      cleanup()
    }
  })
})
