import {expect} from 'chai'
import {Readable} from 'node:stream'

import {BerthContext} from '../../../src/lib/context.js'
import {addressForServer, endpointNameForHost, parseStoreInput, pickRegistryEndpoint, runDockerCredentialAction} from '../../../src/lib/credential-helpers/docker-helper.js'
import type {EndpointDocument} from '../../../src/lib/endpoints/types.js'
import {ConflictError, ValidationError} from '../../../src/lib/errors.js'
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

  describe('pickRegistryEndpoint: one documented rule for several endpoints of one registry', () => {
    const doc = (name: string, address: string, labels?: Record<string, string>) =>
      ({apiVersion: 'berth.dev/v1alpha1', kind: 'Endpoint', metadata: {name, project: 'default', ...(labels ? {labels} : {})}, spec: {type: 'docker-registry', address, username: 'u'}}) as unknown as EndpointDocument

    it('picks the only match, ignoring scheme, case and :443', () => {
      const docs = [doc('a', 'https://Registry.example.com:443'), doc('b', 'http://127.0.0.1:5000')]
      expect(pickRegistryEndpoint('registry.example.com', docs)?.metadata.name).to.equal('a')
      expect(pickRegistryEndpoint('127.0.0.1:5001', docs)).to.equal(undefined)
    })

    it('prefers the longest address path that is a prefix of the server path, then the marked one', () => {
      const docs = [doc('hub', 'https://index.docker.io'), doc('hub-v1', 'https://index.docker.io/v1'), doc('other', 'https://index.docker.io/v2')]
      expect(pickRegistryEndpoint('https://index.docker.io/v1/', docs)?.metadata.name).to.equal('hub-v1')
      const twins = [doc('ci', 'https://registry.example.com'), doc('deploy', 'https://registry.example.com', {'berth.dev/default-for-host': 'true'})]
      expect(pickRegistryEndpoint('registry.example.com', twins)?.metadata.name).to.equal('deploy')
    })

    it('refuses to pick silently between several unmarked (or several marked) endpoints', () => {
      const twins = [doc('ci', 'https://registry.example.com'), doc('deploy', 'https://registry.example.com'), doc('zz', 'https://registry.example.com')]
      const error = (() => {
        try {
          pickRegistryEndpoint('registry.example.com', twins)
        } catch (e) {
          return e as ConflictError
        }
      })()
      expect(error).to.be.instanceOf(ConflictError)
      expect(error!.message).to.equal('Endpoints "ci", "deploy" and "zz" all serve the registry registry.example.com; berth does not pick one silently.')
      expect(error!.hint).to.equal('Mark the one docker should use: berth endpoint update ci --default-for-host')
      const marked = twins.slice(0, 2).map((d) => ({...d, metadata: {...d.metadata, labels: {'berth.dev/default-for-host': 'true'}}}))
      expect(() => pickRegistryEndpoint('registry.example.com', marked)).to.throw('Endpoints "ci" and "deploy" all serve the registry registry.example.com and are all marked as its default; berth does not pick one silently.')
    })
  })
})
