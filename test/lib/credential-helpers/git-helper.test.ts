import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {PassThrough} from 'node:stream'

import {BerthContext} from '../../../src/lib/context.js'
import {
  GitEndpointCandidate,
  eraseGitCredential,
  formatCredentialResponse,
  getGitCredential,
  matchGitEndpoint,
  parseCredentialRequest,
  readCredentialRequest,
  storeGitCredential,
} from '../../../src/lib/credential-helpers/git-helper.js'
import {ValidationError} from '../../../src/lib/errors.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {FIXTURE_PASSPHRASE, writeGitEndpoint} from './endpoint-fixtures.js'

const PASSPHRASE = FIXTURE_PASSPHRASE

function malformed(text: string): ValidationError {
  try {
    parseCredentialRequest(text)
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError)
    return error as ValidationError
  }
  expect.fail('expected a ValidationError')
}

describe('git credential helper', () => {
  describe('parseCredentialRequest', () => {
    it('reads key=value lines up to the blank line', () => {
      expect(parseCredentialRequest('protocol=https\nhost=git.example.com:8443\npath=group/repo.git\nusername=alice\n\nhost=ignored\n')).to.deep.equal({
        protocol: 'https',
        host: 'git.example.com:8443',
        path: 'group/repo.git',
        username: 'alice',
      })
    })

    it('accepts input ended by EOF, CRLF line ends, "=" in values, and ignores unknown keys', () => {
      expect(parseCredentialRequest('protocol=https\r\nhost=h\r\npassword=a=b=c\r\ncapability[]=authtype\nwwwauth[]=Basic realm="x"\nfuture=1')).to.deep.equal({
        protocol: 'https',
        host: 'h',
        password: 'a=b=c',
      })
    })

    it('treats an empty input as an empty request', () => {
      expect(parseCredentialRequest('')).to.deep.equal({})
      expect(parseCredentialRequest('\n')).to.deep.equal({})
    })

    it('splits url= into its parts, as git does', () => {
      expect(parseCredentialRequest('username=old\nurl=https://bob@Git.Example.com/group/a%20b.git\n\n')).to.deep.equal({
        protocol: 'https',
        host: 'Git.Example.com',
        path: 'group/a b.git',
        username: 'bob',
      })
      expect(parseCredentialRequest('url=https://host\n')).to.deep.equal({protocol: 'https', host: 'host'})
    })

    it('refuses malformed lines with exit 2, without echoing them', () => {
      const err = malformed('protocol=https\nhunter2\n\n')
      expect(err.message).to.equal('Malformed git credential input on line 2: expected key=value.')
      expect(err.message).not.to.contain('hunter2')
      expect(err.exitCode).to.equal(2)
      expect(err.hint).to.contain("git config credential.helper '!berth credential git'")
      expect(malformed('=value\n').message).to.equal('Malformed git credential input on line 1: the key is empty.')
      expect(malformed('host=a\0b\n').message).to.equal('Malformed git credential input on line 1: it contains a NUL byte.')
    })
  })

  describe('readCredentialRequest', () => {
    it('stops at the blank line without waiting for EOF', async () => {
      const stream = new PassThrough()
      const pending = readCredentialRequest(stream)
      stream.write('protocol=https\nho')
      stream.write('st=h\n\n')
      expect(await pending).to.deep.equal({protocol: 'https', host: 'h'})
    })

    it('reads up to EOF when there is no blank line', async () => {
      const stream = new PassThrough()
      const pending = readCredentialRequest(stream)
      stream.end('protocol=https\nhost=h')
      expect(await pending).to.deep.equal({protocol: 'https', host: 'h'})
    })

    it('refuses endless input', async () => {
      const stream = new PassThrough()
      const pending = readCredentialRequest(stream, 1024)
      stream.write(`path=${'x'.repeat(2000)}`)
      const err = await pending.catch((error: Error) => error)
      expect(err).to.be.instanceOf(ValidationError)
      expect((err as Error).message).to.equal('The git credential input is longer than 1 KiB.')
    })
  })

  describe('matchGitEndpoint', () => {
    const candidates: GitEndpointCandidate[] = [
      {name: 'b-codearts', type: 'codearts-repo', url: 'https://codehub.example.com', username: 'tenant/alice'},
      {name: 'a-team', type: 'codearts-repo', url: 'https://codehub.example.com/team/', username: 'tenant/bob'},
      {name: 'c-repo', type: 'git', url: 'https://codehub.example.com/team/app.git', username: 'carol'},
      {name: 'd-other-port', type: 'git', url: 'https://codehub.example.com:8443/team/app.git', username: 'dave'},
      {name: 'e-local', type: 'git', url: 'http://127.0.0.1:3000/demo.git', username: 'erin'},
      {name: 'f-broken', type: 'git', url: 'ext::sh -c id', username: 'x'},
    ]
    const match = (request: Record<string, string>) => matchGitEndpoint(request, candidates)?.name

    it('picks the longest path prefix', () => {
      expect(match({protocol: 'https', host: 'codehub.example.com', path: 'team/app.git'})).to.equal('c-repo')
      expect(match({protocol: 'https', host: 'codehub.example.com', path: 'team/app'})).to.equal('c-repo')
      expect(match({protocol: 'https', host: 'codehub.example.com', path: 'team/other.git'})).to.equal('a-team')
      expect(match({protocol: 'https', host: 'codehub.example.com', path: 'elsewhere/x.git'})).to.equal('b-codearts')
      // A prefix is whole path segments: "team" is not a prefix of "teamwork".
      expect(match({protocol: 'https', host: 'codehub.example.com', path: 'teamwork/x.git'})).to.equal('b-codearts')
      expect(match({protocol: 'https', host: 'codehub.example.com', path: 'team/app.git/'})).to.equal('c-repo')
    })

    it('compares protocol, host and port', () => {
      expect(match({protocol: 'https', host: 'CODEHUB.example.com:443', path: 'team/app.git'})).to.equal('c-repo')
      expect(match({protocol: 'https', host: 'codehub.example.com:8443', path: 'team/app.git'})).to.equal('d-other-port')
      expect(match({protocol: 'https', host: 'codehub.example.com:8443', path: 'team/other.git'})).to.equal(undefined)
      expect(match({protocol: 'http', host: 'codehub.example.com', path: 'team/app.git'})).to.equal(undefined)
      expect(match({protocol: 'http', host: '127.0.0.1:3000', path: 'demo.git'})).to.equal('e-local')
      expect(match({protocol: 'http', host: '127.0.0.1:3001', path: 'demo.git'})).to.equal(undefined)
      expect(match({protocol: 'ssh', host: 'codehub.example.com'})).to.equal(undefined)
      expect(match({protocol: 'https', host: 'evil.com/x@codehub.example.com'})).to.equal(undefined)
      expect(match({protocol: 'https', host: 'codehub.example.com.evil.com'})).to.equal(undefined)
      expect(match({host: 'codehub.example.com'})).to.equal(undefined)
      expect(match({})).to.equal(undefined)
    })

    it('without a path (credential.useHttpPath off) matches by host: the first by name', () => {
      expect(match({protocol: 'https', host: 'codehub.example.com'})).to.equal('a-team')
    })

    it('keeps only endpoints with the username of the request', () => {
      expect(match({protocol: 'https', host: 'codehub.example.com', username: 'carol'})).to.equal('c-repo')
      expect(match({protocol: 'https', host: 'codehub.example.com', username: 'tenant/alice', path: 'team/app.git'})).to.equal('b-codearts')
      expect(match({protocol: 'https', host: 'codehub.example.com', username: 'mallory'})).to.equal(undefined)
    })
  })

  describe('formatCredentialResponse', () => {
    it('prints username and password lines', () => {
      expect(formatCredentialResponse({username: 'tenant/alice', password: 'p=w d'}, 'x')).to.equal('username=tenant/alice\npassword=p=w d\n')
    })

    it('refuses values that would forge protocol lines', () => {
      expect(() => formatCredentialResponse({username: 'a', password: 'p\nusername=evil'}, 'repo')).to.throw(
        ValidationError,
        'The password of endpoint "repo" contains a line break or NUL character, which git\'s credential protocol cannot carry.',
      )
    })
  })

  describe('get, store and erase against stored endpoints', () => {
    let home: string
    let ctx: BerthContext
    before(async () => {
      home = mkdtempSync(path.join(os.tmpdir(), 'berth-git-helper-test-'))
      await writeGitEndpoint(home, {name: 'app', type: 'git', url: 'https://git.example.com/team/app.git', username: 'alice', password: 'app-secret'})
      await writeGitEndpoint(home, {name: 'codehub', type: 'codearts-repo', url: 'https://git.example.com', username: 'tenant/bob', password: 'hub-secret'})
      await writeGitEndpoint(home, {name: 'elsewhere', type: 'git', url: 'https://other.example.com/x.git', username: 'x', password: 'other-secret', project: 'other'})
    })
    after(() => rmSync(home, {recursive: true, force: true}))
    beforeEach(() => {
      ctx = new BerthContext({env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: PASSPHRASE}})
    })

    it('get answers with the matching endpoint', async () => {
      expect(await getGitCredential({request: {protocol: 'https', host: 'git.example.com', path: 'team/app.git'}}, ctx)).to.deep.equal({
        output: 'username=alice\npassword=app-secret\n',
        endpoint: 'app',
      })
      expect(await getGitCredential({request: {protocol: 'https', host: 'git.example.com', path: 'team/lib.git'}}, ctx)).to.deep.equal({
        output: 'username=tenant/bob\npassword=hub-secret\n',
        endpoint: 'codehub',
      })
    })

    it('get answers nothing for another host or another project\'s endpoint', async () => {
      expect(await getGitCredential({request: {protocol: 'https', host: 'other.example.com', path: 'x.git'}}, ctx)).to.deep.equal({output: ''})
      const other = new BerthContext({env: {BERTH_HOME: home, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: PASSPHRASE, BERTH_PROJECT: 'other'}})
      expect((await getGitCredential({request: {protocol: 'https', host: 'other.example.com', path: 'x.git'}}, other)).output).to.equal('username=x\npassword=other-secret\n')
    })

    it('store saves nothing and says so when git used other credentials', async () => {
      const before = await new StateStore({home}).list('Endpoint', {project: 'default'})
      expect(await storeGitCredential({request: {protocol: 'https', host: 'git.example.com', path: 'team/app.git', username: 'alice', password: 'app-secret'}}, ctx)).to.deep.equal({output: '', endpoint: 'app'})
      const differs = await storeGitCredential({request: {protocol: 'https', host: 'git.example.com', path: 'team/app.git', username: 'alice', password: 'typed-by-hand'}}, ctx)
      expect(differs.notice).to.equal(
        'berth: git used credentials for https://git.example.com/team/app.git that differ from endpoint "app"; berth did not save them. To change the endpoint: berth endpoint update app',
      )
      expect(differs.notice).not.to.contain('typed-by-hand')
      expect(await storeGitCredential({request: {protocol: 'https', host: 'nowhere.example.com', username: 'a', password: 'b'}}, ctx)).to.deep.equal({output: ''})
      expect(await new StateStore({home}).list('Endpoint', {project: 'default'})).to.deep.equal(before)
      expect((await getGitCredential({request: {protocol: 'https', host: 'git.example.com', path: 'team/app.git'}}, ctx)).output).to.equal('username=alice\npassword=app-secret\n')
    })

    it('erase deletes nothing and points at the endpoint whose credentials were rejected', async () => {
      const rejected = await eraseGitCredential({request: {protocol: 'https', host: 'git.example.com', path: 'team/app.git', username: 'alice', password: 'app-secret'}}, ctx)
      expect(rejected.notice).to.equal(
        'berth: https://git.example.com/team/app.git rejected the credentials of endpoint "app"; berth keeps them. Check them with: berth endpoint test app; change them with: berth endpoint update app',
      )
      expect(await eraseGitCredential({request: {protocol: 'https', host: 'git.example.com', path: 'team/app.git', username: 'alice', password: 'not-ours'}}, ctx)).to.deep.equal({output: '', endpoint: 'app'})
      expect((await getGitCredential({request: {protocol: 'https', host: 'git.example.com', path: 'team/app.git'}}, ctx)).output).to.equal('username=alice\npassword=app-secret\n')
    })
  })
})
