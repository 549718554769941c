// Usernames that git percent-encodes in its prompts ("mytenant/ci-user", "ci@corp.com"):
// berth's git credentials must reach git for them, in ls-remote, `endpoint test` and
// `endpoint exec`, against a real git HTTP server (a private test/env/git-server.mjs with
// those accounts, serving the shared service's repositories).
import {expect} from 'chai'

import {lsRemote} from '../../src/lib/git/ls-remote.js'
import {berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {PrivateGitServer, startGitServer} from '../helpers/git-server.js'
import {requireService} from '../helpers/services.js'

const ACCOUNTS = {
  'mytenant/ci-user': 'p@ss/w%rd+:1 "x"',
  'ci@corp.com': 's3cr#t?&=',
  'dev+build%team': 'tok:en@/',
}

describe('integration: git usernames with characters git escapes', function () {
  this.timeout(120_000)
  let server: PrivateGitServer
  let home: string
  let cleanup: () => void
  before(async function () {
    requireService(this, 'git')
    server = await startGitServer(ACCOUNTS)
  })
  after(async () => server?.stop())
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  const berth = (args: string[], extra: NodeJS.ProcessEnv = {}) => runBerth(args, {env: berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pass phrase', ...extra})})

  for (const [username, password] of Object.entries(ACCOUNTS)) {
    it(`lsRemote authenticates as ${username}`, async () => {
      const refs = await lsRemote({url: server.repoUrl, username, password})
      expect(refs.branches.map((b) => b.name)).to.deep.equal(['main', 'release-1.0'])
    })
  }

  it('a codearts-repo endpoint for mytenant/ci-user passes endpoint test --repository and endpoint exec -- git ls-remote', async () => {
    const password = ACCOUNTS['mytenant/ci-user']
    const created = await berth(['endpoint', 'create', 'codearts-repo', 'codehub', '--url-prefix', server.baseUrl, '--username', 'mytenant/ci-user', '--password-env', 'CODEARTS_PASSWORD'], {CODEARTS_PASSWORD: password})
    expect(created.code, created.stderr).to.equal(0)

    const tested = await berth(['endpoint', 'test', 'codehub', '--repository', 'demo.git'])
    expect(tested.stderr).to.equal('Testing codearts-repo endpoint "codehub"…\n')
    expect(tested.stdout).to.equal('OK: demo.git: 2 branches (default main): main, release-1.0\n')
    expect(tested.code).to.equal(0)

    const listed = await berth(['endpoint', 'exec', 'codehub', '--', 'git', 'ls-remote', '--heads', server.repoUrl], {GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C'})
    expect(listed.stderr).to.equal('')
    expect(listed.stdout).to.match(/^[0-9a-f]{40}\trefs\/heads\/main\n[0-9a-f]{40}\trefs\/heads\/release-1\.0\n$/)
    expect(listed.code).to.equal(0)
  })

  it('a git endpoint for ci@corp.com passes endpoint test and endpoint exec -- git clone', async () => {
    const created = await runBerth(['endpoint', 'create', 'git', 'app', '--url', server.repoUrl, '--username', 'ci@corp.com', '--password-stdin'], {
      env: berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pass phrase'}),
      input: ACCOUNTS['ci@corp.com'],
    })
    expect(created.code, created.stderr).to.equal(0)
    const tested = await berth(['endpoint', 'test', 'app'])
    expect(tested.stdout).to.equal('OK: 2 branches (default main): main, release-1.0\n')
    expect(tested.code).to.equal(0)

    const cloned = await berth(['endpoint', 'exec', 'app', '--', 'git', 'clone', '--quiet', server.repoUrl, `${home}/clone`], {GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C'})
    expect(cloned.stderr).to.equal('')
    expect(cloned.code).to.equal(0)
  })

  it('a username in the remote URL other than the endpoint\'s gets nothing from berth', async () => {
    const created = await runBerth(['endpoint', 'create', 'git', 'app', '--url', server.repoUrl, '--username', 'ci@corp.com', '--password-stdin'], {
      env: berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pass phrase'}),
      input: ACCOUNTS['ci@corp.com'],
    })
    expect(created.code, created.stderr).to.equal(0)
    const other = server.repoUrl.replace('http://', 'http://someone-else@')
    const listed = await berth(['endpoint', 'exec', 'app', '--', 'git', 'ls-remote', other], {GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C'})
    expect(listed.code).to.equal(128)
    expect(listed.stderr).to.contain(`could not read Password for 'http://someone-else@${server.baseUrl.slice('http://'.length)}': terminal prompts disabled`)
  })
})
