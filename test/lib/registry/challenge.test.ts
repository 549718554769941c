import {expect} from 'chai'

import {checkTokenRealm, findChallenge, parseAuthChallenges} from '../../../src/lib/registry/challenge.js'

describe('parseAuthChallenges', () => {
  it('parses a Basic challenge', () => {
    expect(parseAuthChallenges('Basic realm="berth-test-registry"')).to.deep.equal([{scheme: 'Basic', params: {realm: 'berth-test-registry'}}])
  })

  it('parses the registry Bearer challenge with realm, service and scope', () => {
    const header = 'Bearer realm="http://127.0.0.1:33439/token",service="berth-test-registry",scope="repository:team/app:pull,push"'
    expect(parseAuthChallenges(header)).to.deep.equal([
      {scheme: 'Bearer', params: {realm: 'http://127.0.0.1:33439/token', service: 'berth-test-registry', scope: 'repository:team/app:pull,push'}},
    ])
  })

  it('keeps commas, equals signs and escaped quotes inside quoted strings', () => {
    const [c] = parseAuthChallenges('Bearer realm="https://a.example/t?x=1,y=2", error="insufficient_scope", error_description="say \\"hi\\", then \\\\ go"')
    expect(c?.params).to.deep.equal({realm: 'https://a.example/t?x=1,y=2', error: 'insufficient_scope', error_description: 'say "hi", then \\ go'})
  })

  it('splits several challenges in one header', () => {
    const parsed = parseAuthChallenges('Basic realm="a, b", Bearer realm="https://auth.example/token",service="reg", Negotiate')
    expect(parsed.map((c) => c.scheme)).to.deep.equal(['Basic', 'Bearer', 'Negotiate'])
    expect(parsed[0]?.params).to.deep.equal({realm: 'a, b'})
    expect(parsed[1]?.params).to.deep.equal({realm: 'https://auth.example/token', service: 'reg'})
    expect(parsed[2]?.params).to.deep.equal({})
  })

  it('accepts unquoted values with ":" and "/" and spaces around "="', () => {
    const [c] = parseAuthChallenges('bearer Realm = https://auth.example/token , service=registry.example')
    expect(c).to.deep.equal({scheme: 'bearer', params: {realm: 'https://auth.example/token', service: 'registry.example'}})
  })

  it('reads a token68 challenge and the challenge after it', () => {
    const parsed = parseAuthChallenges('Negotiate YIIabc+/==, Basic realm="x"')
    expect(parsed).to.deep.equal([
      {scheme: 'Negotiate', params: {}, token68: 'YIIabc+/=='},
      {scheme: 'Basic', params: {realm: 'x'}},
    ])
  })

  it('keeps the first of a repeated parameter and lower-cases names', () => {
    const [c] = parseAuthChallenges('Basic REALM="one", realm="two", charset="UTF-8"')
    expect(c?.params).to.deep.equal({realm: 'one', charset: 'UTF-8'})
  })

  it('takes an unterminated quoted value to the end and does not throw on junk', () => {
    expect(parseAuthChallenges('Basic realm="open')).to.deep.equal([{scheme: 'Basic', params: {realm: 'open'}}])
    expect(parseAuthChallenges('')).to.deep.equal([])
    expect(parseAuthChallenges(' , ,')).to.deep.equal([])
    expect(parseAuthChallenges('"quoted", Basic realm=x')).to.deep.equal([{scheme: 'Basic', params: {realm: 'x'}}])
  })

  it('allows empty list items between parameters and an empty quoted value', () => {
    const [c] = parseAuthChallenges('Bearer realm="https://t.example/token",, service="", scope="a"')
    expect(c?.params).to.deep.equal({realm: 'https://t.example/token', service: '', scope: 'a'})
  })

  it('finds a challenge by scheme, case-insensitively', () => {
    const parsed = parseAuthChallenges('Basic realm="a", BEARER realm="b"')
    expect(findChallenge(parsed, 'bearer')?.params.realm).to.equal('b')
    expect(findChallenge(parsed, 'Digest')).to.equal(undefined)
  })
})

describe('checkTokenRealm', () => {
  const https = new URL('https://registry.example.com:5443')
  const http = new URL('http://127.0.0.1:5000')
  it('accepts https realms anywhere, and http realms only for an http registry', () => {
    expect(checkTokenRealm('https://auth.example.com/token', https)).to.deep.equal({url: new URL('https://auth.example.com/token')})
    expect(checkTokenRealm('https://auth.example.com/token', http)).to.deep.equal({url: new URL('https://auth.example.com/token')})
    expect(checkTokenRealm('http://127.0.0.1:9000/token', http)).to.deep.equal({url: new URL('http://127.0.0.1:9000/token')})
  })
  it('refuses a downgrade from https to http, other schemes and unusable realms', () => {
    expect(checkTokenRealm('http://auth.example.com/token?x=1', https)).to.deep.equal({
      problem: 'a Bearer realm over plain http (http://auth.example.com/token) although the registry itself is https; berth does not send the credentials down to http',
    })
    expect(checkTokenRealm('HTTP://AUTH.example.com/t', https)).to.have.property('problem')
    expect(checkTokenRealm('ftp://auth.example.com/t', https)).to.deep.equal({problem: 'a Bearer realm that is not http(s): ftp:'})
    expect(checkTokenRealm(undefined, https)).to.deep.equal({problem: 'a Bearer challenge without a usable realm (none)'})
    expect(checkTokenRealm('/token', https)).to.deep.equal({problem: 'a Bearer challenge without a usable realm ("/token")'})
  })
})
