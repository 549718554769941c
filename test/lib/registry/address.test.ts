import {expect} from 'chai'

import {ValidationError} from '../../../src/lib/errors.js'
import {DOCKER_HUB_AUTH_KEY, parseRegistryAddress, registryMatchKey} from '../../../src/lib/registry/address.js'

describe('parseRegistryAddress', () => {
  it('normalises http and https addresses', () => {
    expect(parseRegistryAddress('http://127.0.0.1:5000')).to.deep.equal({baseUrl: 'http://127.0.0.1:5000', host: '127.0.0.1:5000', imagePrefix: '127.0.0.1:5000', dockerHub: false})
    expect(parseRegistryAddress('https://Registry.Example.com/')).to.deep.equal({baseUrl: 'https://registry.example.com', host: 'registry.example.com', imagePrefix: 'registry.example.com', dockerHub: false})
    expect(parseRegistryAddress(' https://registry.example.com:8443/v2/ ').baseUrl).to.equal('https://registry.example.com:8443')
    expect(parseRegistryAddress('https://registry.example.com:443').host).to.equal('registry.example.com')
    expect(parseRegistryAddress('http://[::1]:5000').host).to.equal('[::1]:5000')
  })

  it('reads a bare host as https', () => {
    expect(parseRegistryAddress('registry.example.com:5000').baseUrl).to.equal('https://registry.example.com:5000')
  })

  it('maps every Docker Hub alias to registry-1.docker.io and the index.docker.io/v1/ key', () => {
    const hub = {baseUrl: 'https://registry-1.docker.io', host: DOCKER_HUB_AUTH_KEY, imagePrefix: 'docker.io', dockerHub: true}
    for (const a of ['docker.io', 'https://docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'https://registry-1.docker.io']) {
      expect(parseRegistryAddress(a), a).to.deep.equal(hub)
    }
    expect(DOCKER_HUB_AUTH_KEY).to.equal('https://index.docker.io/v1/')
  })

  it('rejects other schemes, paths, queries and credentials with exact messages', () => {
    const fail = (a: string) => {
      try {
        parseRegistryAddress(a)
      } catch (error) {
        expect(error).to.be.instanceOf(ValidationError)
        return (error as Error).message
      }
      throw new Error(`accepted ${a}`)
    }
    expect(fail('ftp://r.example')).to.equal('Invalid registry address "ftp://r.example": the scheme must be http or https, not ftp.')
    expect(fail('https://r.example/team')).to.equal('Invalid registry address "https://r.example/team": a registry is addressed by its host and port only, not a path (/team).')
    expect(fail('https://r.example/?a=1')).to.equal('Invalid registry address "https://r.example/?a=1": it must not have a query or fragment.')
    expect(fail('')).to.equal('The registry address is empty.')
    expect(fail('http://exa mple')).to.equal('Invalid registry address "http://exa mple": it is not a URL.')
    const withPassword = fail('https://user:s3cret-value@r.example')
    expect(withPassword).to.equal('The registry address must not contain a username or password.')
    expect(fail('user:s3cret value@r.example')).to.not.include('s3cret')
  })
})

describe('registryMatchKey', () => {
  it('matches the forms docker uses for one registry', () => {
    for (const s of ['127.0.0.1:5000', 'http://127.0.0.1:5000', 'https://127.0.0.1:5000/', 'http://127.0.0.1:5000/v2/']) expect(registryMatchKey(s), s).to.equal('127.0.0.1:5000')
    for (const s of ['registry.example.com', 'https://Registry.example.com', 'registry.example.com:443', 'https://registry.example.com:443/v1/']) expect(registryMatchKey(s), s).to.equal('registry.example.com')
  })

  it('maps Docker Hub aliases to docker.io', () => {
    for (const s of ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io', 'registry-1.docker.io']) expect(registryMatchKey(s), s).to.equal('docker.io')
  })

  it('keeps other ports distinct and refuses non-hosts', () => {
    expect(registryMatchKey('registry.example.com:5000')).to.equal('registry.example.com:5000')
    expect(registryMatchKey('')).to.equal(undefined)
    expect(registryMatchKey('user@host')).to.equal(undefined)
    expect(registryMatchKey('a b')).to.equal(undefined)
  })
})
