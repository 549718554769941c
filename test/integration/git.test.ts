// The git library and `berth credential git` against the real git HTTP server of test/env (git-server.mjs).
import {expect} from 'chai'
import {execFile, spawn} from 'node:child_process'
import {existsSync, promises as fs, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {promisify} from 'node:util'

import type {CredentialsOf} from '../../src/lib/endpoints/types.js'
import {AuthError, NotFoundError} from '../../src/lib/errors.js'
import {shellQuote} from '../../src/lib/git/askpass.js'
import {testGitEndpoint} from '../../src/lib/endpoints/probes/git.js'
import {lsRemote} from '../../src/lib/git/ls-remote.js'
import {ConnectionError} from '../../src/lib/net/errors.js'
import {ROOT, berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {fileContents} from '../helpers/files.js'
import {GitService, requireService} from '../helpers/services.js'
import {FIXTURE_PASSPHRASE, writeGitEndpoint} from '../lib/credential-helpers/endpoint-fixtures.js'
import {berthRejection} from '../helpers/files.js'

const run = promisify(execFile)


/** Every file under a directory with its content. */
const filesUnder = async (dir: string) => Object.entries(await fileContents(dir, {encoding: 'latin1'}))

/** How git starts berth as its credential helper: the built CLI, or the TypeScript sources with BERTH_TEST_DEV=1. */
function helperCommand(): string {
  const dev = process.env.BERTH_TEST_DEV === '1'
  // tsx by file URL: git starts the helper in the repository's directory, where "tsx" does not resolve.
  const words = dev
    ? [process.execPath, '--import', pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, '--no-warnings', path.join(ROOT, 'bin', 'dev.js')]
    : [process.execPath, path.join(ROOT, 'bin', 'run.js')]
  return `!${words.map(shellQuote).join(' ')} credential git`
}

describe('integration: git endpoints against the real git HTTP server', function () {
  this.timeout(120_000)
  let git: GitService
  let tmp: string
  beforeEach(function () {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-git-it-'))
    git = requireService(this, 'git')
  })
  afterEach(() => rmSync(tmp, {recursive: true, force: true}))

  describe('lsRemote', () => {
    it('lists the branches, tags and default branch, without the password in argv, the environment or a surviving file', async () => {
      const spawned: Array<{args: readonly string[]; env: NodeJS.ProcessEnv}> = []
      const recordingSpawn = ((command: string, args: readonly string[], options: {env: NodeJS.ProcessEnv}) => {
        spawned.push({args, env: options.env})
        return spawn(command, args, options)
      }) as unknown as typeof spawn
      const refs = await lsRemote({url: git.repoUrl, username: git.user, password: git.password}, {tmpDir: tmp}, {spawn: recordingSpawn})
      expect(refs.head).to.equal('main')
      expect(refs.branches.map((b) => b.name)).to.deep.equal(['main', 'release-1.0'])
      for (const b of refs.branches) expect(b.commit).to.match(/^[0-9a-f]{40}$/)
      expect(refs.tags.map((t) => t.name)).to.include('v1.0.0')

      expect(spawned).to.have.length(1)
      expect(spawned[0]!.args).to.deep.equal(['ls-remote', '--symref', '--', git.repoUrl])
      expect(spawned[0]!.args.join(' ')).not.to.contain(git.password)
      expect(Object.values(spawned[0]!.env).join('\n')).not.to.contain(git.password)
      expect(readdirSync(tmp)).to.deep.equal([])
    })

    it('lists nothing for an empty repository', async () => {
      expect(await lsRemote({url: git.emptyRepoUrl, username: git.user, password: git.password})).to.deep.equal({branches: [], tags: []})
    })

    it('fails with AuthError on a wrong password, and removes the credentials', async () => {
      const wrong = `wrong-${git.password}-wrong`
      const err = await berthRejection(lsRemote({url: git.repoUrl, username: git.user, password: wrong, name: 'demo'}, {tmpDir: tmp}))
      expect(err).to.be.instanceOf(AuthError)
      expect(err.message).to.equal(`Listing ${git.repoUrl}: the Git server at ${git.baseUrl} rejected the credentials (HTTP 401 Unauthorized).`)
      expect(err.hint).to.equal('Check the username and password (or access token), then: berth endpoint update demo')
      expect(`${err.message} ${err.hint}`).not.to.contain(wrong)
      expect(readdirSync(tmp)).to.deep.equal([])
    })

    it('names the DNS step for a wrong host', async () => {
      const err = await berthRejection(lsRemote({url: 'https://no-such-host.invalid/demo.git', username: git.user, password: git.password}))
      expect(err).to.be.instanceOf(ConnectionError)
      expect((err as ConnectionError).step).to.equal('dns')
      expect(err.message).to.equal('Could not resolve the host of the Git server at https://no-such-host.invalid (DNS): Could not resolve host: no-such-host.invalid')
    })

    it('quotes git\'s message unmangled when the password is one character', async () => {
      const err = await berthRejection(lsRemote({url: 'https://nonexistent.invalid/demo.git', username: 'x', password: 'x'}))
      expect((err as ConnectionError).step).to.equal('dns')
      expect(err.message).to.equal('Could not resolve the host of the Git server at https://nonexistent.invalid (DNS): Could not resolve host: nonexistent.invalid')
    })

    it('names the connect step for a closed port', async () => {
      const err = await berthRejection(lsRemote({url: 'http://127.0.0.1:1/demo.git', username: git.user, password: git.password}))
      expect((err as ConnectionError).step).to.equal('connect')
      expect(err.message).to.match(/^Could not connect to the Git server at http:\/\/127\.0\.0\.1:1: Failed to connect to 127\.0\.0\.1 port 1/)
    })

    it('names the TLS step when the server does not speak HTTPS', async () => {
      const err = await berthRejection(lsRemote({url: git.repoUrl.replace(/^http:/, 'https:'), username: git.user, password: git.password}))
      expect((err as ConnectionError).step).to.equal('tls')
      expect(err.message).to.match(/^TLS failed talking to the Git server at https:\/\/127\.0\.0\.1:\d+: /)
    })

    it('names the TLS step for an untrusted certificate', async function () {
      const registry = requireService(this, 'registry')
      const err = await berthRejection(lsRemote({url: `https://${registry.tlsAddr}/demo.git`, username: git.user, password: git.password}))
      expect((err as ConnectionError).step).to.equal('tls')
      expect(err.message).to.match(/certificate/i)
      expect(err.hint).to.contain('GIT_SSL_CAINFO')
    })

    it('fails with NotFoundError for a missing repository', async () => {
      const url = `${git.baseUrl}/missing.git`
      const err = await berthRejection(lsRemote({url, username: git.user, password: git.password}))
      expect(err).to.be.instanceOf(NotFoundError)
      expect(err.message).to.equal(`Repository ${url} not found on the Git server at ${git.baseUrl} (HTTP 404).`)
    })

    it('stops git after the timeout', async () => {
      const err = await berthRejection(lsRemote({url: git.repoUrl, username: git.user, password: git.password}, {timeoutMs: 1, tmpDir: tmp}))
      expect((err as ConnectionError).step).to.equal('timeout')
      expect(readdirSync(tmp)).to.deep.equal([])
    })
  })

  describe('testGitEndpoint', () => {
    it('reports the branches of a git endpoint', async () => {
      const creds: CredentialsOf<'git'> = {type: 'git', name: 'demo', url: git.repoUrl, username: git.user, password: git.password}
      const check = await testGitEndpoint(creds)
      expect(check.summary).to.equal('2 branches (default main): main, release-1.0')
      expect(check.details).to.deep.include({url: git.repoUrl, defaultBranch: 'main', branches: ['main', 'release-1.0']})
      expect(JSON.stringify(check)).not.to.contain(git.password)
    })

    it('lists a codearts-repo repository given with --repository, and only probes the host without one', async () => {
      const creds: CredentialsOf<'codearts-repo'> = {type: 'codearts-repo', name: 'hub', urlPrefix: git.baseUrl, username: git.user, password: git.password}
      const listed = await testGitEndpoint(creds, {repository: 'demo.git'})
      expect(listed.summary).to.equal('demo.git: 2 branches (default main): main, release-1.0')
      expect(listed.details).to.deep.include({urlPrefix: git.baseUrl, repository: 'demo.git', url: `${git.baseUrl}/demo.git`, branches: ['main', 'release-1.0']})

      const probed = await testGitEndpoint(creds)
      expect(probed.summary).to.equal(`${git.baseUrl} answers (HTTP 401); credentials not checked: listing branches needs --repository PATH (e.g. group/repo.git)`)
      expect(probed.details).to.deep.equal({urlPrefix: git.baseUrl, status: 401, credentialsChecked: false})

      const err = await berthRejection(testGitEndpoint({...creds, password: 'wrong'}, {repository: 'demo.git'}))
      expect(err).to.be.instanceOf(AuthError)
    })
  })

  describe('berth credential git, run by the real git', () => {
    let home: string
    let cleanup: () => void
    let gitHome: string
    beforeEach(async () => {
      ;({home, cleanup} = tempHome())
      gitHome = path.join(tmp, 'home')
      await fs.mkdir(gitHome)
    })
    afterEach(() => cleanup())

    const berthEnvFor = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: FIXTURE_PASSPHRASE, ...extra})
    const berth = (args: string[], extra: NodeJS.ProcessEnv = {}) => runBerth(args, {env: berthEnvFor(extra)})

    /** Run the real git with berth as its only credential helper, in an isolated HOME with no prompts. */
    async function gitWithHelper(args: string[], extraConfig: string[] = []): Promise<{code: number; stdout: string; stderr: string}> {
      const env = {...berthEnvFor(), HOME: gitHome, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', LC_ALL: 'C'}
      const config = ['-c', 'credential.helper=', '-c', `credential.helper=${helperCommand()}`, ...extraConfig.flatMap((c) => ['-c', c])]
      try {
        const {stdout, stderr} = await run('git', [...config, ...args], {env, cwd: tmp})
        return {code: 0, stdout, stderr}
      } catch (error) {
        const e = error as {code: number; stdout: string; stderr: string}
        return {code: e.code, stdout: e.stdout, stderr: e.stderr}
      }
    }

    async function createGitEndpoint(name: string, url: string, password = git.password): Promise<void> {
      const created = await berth(['endpoint', 'create', 'git', name, '--url', url, '--username', git.user, '--password-env', 'THE_PASSWORD'], {THE_PASSWORD: password})
      expect(created.code, created.stderr).to.equal(0)
    }

    it('lets git ls-remote and git clone use a git endpoint', async () => {
      await createGitEndpoint('demo', git.repoUrl)
      const listed = await gitWithHelper(['ls-remote', git.repoUrl])
      expect(listed.code, listed.stderr).to.equal(0)
      expect(listed.stdout).to.match(/\trefs\/heads\/main\n/)
      expect(listed.stdout).to.match(/\trefs\/heads\/release-1\.0\n/)

      const cloned = await gitWithHelper(['clone', '--quiet', git.repoUrl, 'demo'])
      expect(cloned.code, cloned.stderr).to.equal(0)
      const {stdout: branch} = await run('git', ['-C', path.join(tmp, 'demo'), 'rev-parse', '--abbrev-ref', 'HEAD'], {env: {...process.env, HOME: gitHome}})
      expect(branch.trim()).to.equal('main')
      // git stored nothing: no credentials file, and the clone's config has no password. The one
      // thing in HOME is berth's start-up code cache (~/.cache/berth/code-*.bin, compiled code only).
      expect(readdirSync(gitHome).filter((name) => name !== '.cache')).to.deep.equal([])
      if (existsSync(path.join(gitHome, '.cache'))) {
        expect(readdirSync(path.join(gitHome, '.cache'))).to.deep.equal(['berth'])
        for (const name of readdirSync(path.join(gitHome, '.cache', 'berth'))) {
          expect(name).to.match(/^code-(core|full)-[0-9a-f]{8}\.bin$/)
          expect(readFileSync(path.join(gitHome, '.cache', 'berth', name)).includes(git.password), name).to.equal(false)
        }
      }
      for (const [file, content] of await filesUnder(path.join(tmp, 'demo', '.git'))) expect(content, file).not.to.contain(git.password)
      for (const [file, content] of await filesUnder(home)) expect(content, file).not.to.contain(git.password)
    })

    it('matches a codearts-repo URL prefix, with credential.useHttpPath picking the longest prefix', async () => {
      // Written directly: the test server's user "berth" is not of the tenant/iam-user form `endpoint create` insists on.
      await writeGitEndpoint(home, {name: 'hub', type: 'codearts-repo', url: git.baseUrl, username: git.user, password: git.password})
      // A git endpoint for another repository on the same host, with a wrong password: must not be chosen for demo.git.
      await createGitEndpoint('aaa-empty', git.emptyRepoUrl, 'not-the-password')
      const listed = await gitWithHelper(['ls-remote', git.repoUrl], ['credential.useHttpPath=true'])
      expect(listed.code, listed.stderr).to.equal(0)
      expect(listed.stdout).to.match(/\trefs\/heads\/main\n/)
      // Without the path, git's request names only the host: the first endpoint by name answers (documented).
      const byHost = await gitWithHelper(['ls-remote', git.repoUrl])
      expect(byHost.code).to.equal(128)
      expect(byHost.stderr).to.contain('rejected the credentials of endpoint "aaa-empty"')
    })

    it('fails without a matching endpoint, and git falls back to (disabled) prompts', async () => {
      await createGitEndpoint('elsewhere', 'https://git.example.com/demo.git')
      const listed = await gitWithHelper(['ls-remote', git.repoUrl])
      expect(listed.code).to.equal(128)
      expect(listed.stderr).to.contain(`fatal: could not read Username for '${git.baseUrl}': terminal prompts disabled`)
    })

    it('reports rejected endpoint credentials on erase, and keeps the endpoint', async () => {
      const wrong = 'definitely-wrong-password'
      await createGitEndpoint('demo', git.repoUrl, wrong)
      const listed = await gitWithHelper(['ls-remote', git.repoUrl])
      expect(listed.code).to.equal(128)
      expect(listed.stderr).to.contain(`fatal: Authentication failed for '${git.repoUrl}/'`)
      expect(listed.stderr).to.contain('rejected the credentials of endpoint "demo"; berth keeps them.')
      expect(listed.stderr).not.to.contain(wrong)
      const shown = await berth(['endpoint', 'show', 'demo', '--json'])
      expect(shown.code, shown.stderr).to.equal(0)
    })
  })
})
