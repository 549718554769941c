import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {AuthError, ExternalError, NotFoundError} from '../../../src/lib/errors.js'
import {classifyGitFailure, lsRemote, lsRemoteArgs, parseLsRemote} from '../../../src/lib/git/ls-remote.js'
import {parseGitHttpUrl} from '../../../src/lib/git/url.js'
import {ConnectionError} from '../../../src/lib/net/errors.js'

/** True once `pid` has exited (a zombie waiting for its reaper counts as exited); polls up to 3 s. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    let state: string | undefined
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]
    } catch {
      return true
    }
    if (state === 'Z') return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)

describe('git ls-remote', () => {
  describe('parseLsRemote', () => {
    it('reads the default branch, branches and tags (peeled for annotated tags)', () => {
      const out = [
        'ref: refs/heads/main\tHEAD',
        `${A}\tHEAD`,
        `${A}\trefs/heads/main`,
        `${B}\trefs/heads/release-1.0`,
        `${C}\trefs/tags/v1`,
        `${A}\trefs/tags/v1^{}`,
        `${B}\trefs/tags/light`,
        `${B}\trefs/merge-requests/1/head`,
        `${B}\trefs/pull/2/head`,
        '',
      ].join('\n')
      expect(parseLsRemote(out)).to.deep.equal({
        head: 'main',
        branches: [
          {name: 'main', commit: A},
          {name: 'release-1.0', commit: B},
        ],
        tags: [
          {name: 'v1', commit: A},
          {name: 'light', commit: B},
        ],
      })
    })

    it('has no head and no refs for an empty repository', () => {
      expect(parseLsRemote('')).to.deep.equal({branches: [], tags: []})
    })

    it('ignores lines that are not refs', () => {
      expect(parseLsRemote(`warning: something\nnot-a-sha\trefs/heads/x\n${A}\trefs/heads/ok\r\n`)).to.deep.equal({branches: [{name: 'ok', commit: A}], tags: []})
    })
  })

  describe('lsRemoteArgs', () => {
    it('puts the URL after "--" and no credentials on the command line', () => {
      expect(lsRemoteArgs(parseGitHttpUrl('https://host/repo.git'))).to.deep.equal(['ls-remote', '--symref', '--', 'https://host/repo.git'])
    })
  })

  describe('classifyGitFailure', () => {
    const url = parseGitHttpUrl('https://git.example.com/group/repo.git')
    const ctx = {url, name: 'repo'}

    it('maps rejected credentials to AuthError (401) and never echoes the password', () => {
      const err = classifyGitFailure("remote: bad password hunter2\nfatal: Authentication failed for 'https://git.example.com/group/repo.git/'\n", ctx)
      expect(err).to.be.instanceOf(AuthError)
      expect(err.message).to.equal('Listing https://git.example.com/group/repo.git: the Git server at https://git.example.com rejected the credentials (HTTP 401 Unauthorized).')
      expect(err.hint).to.equal('Check the username and password (or access token), then: berth endpoint update repo')
      expect(err.exitCode).to.equal(1)
    })

    it('maps 403 to AuthError (forbidden)', () => {
      const err = classifyGitFailure("fatal: unable to access 'https://git.example.com/group/repo.git/': The requested URL returned error: 403\n", ctx)
      expect(err).to.be.instanceOf(AuthError)
      expect(err.message).to.equal('Listing https://git.example.com/group/repo.git: the Git server at https://git.example.com accepted the credentials but refused access (HTTP 403 Forbidden).')
    })

    it('maps a refused askpass prompt (redirect to another host) to AuthError', () => {
      const err = classifyGitFailure("error: unable to read askpass response from '/tmp/x/askpass.sh'\nfatal: could not read Username for 'https://other.example.com': terminal prompts disabled\n", ctx)
      expect(err).to.be.instanceOf(AuthError)
      expect(err.message).to.equal('Listing https://git.example.com/group/repo.git: git asked for credentials for https://other.example.com, which berth gives only to https://git.example.com.')
    })

    it('names the step of network failures', () => {
      const cases: Array<[string, string, string]> = [
        ["fatal: unable to access 'https://nohost.invalid/x/': Could not resolve host: nohost.invalid", 'dns', 'Could not resolve the host of the Git server at https://git.example.com (DNS): Could not resolve host: nohost.invalid'],
        ["fatal: unable to access 'https://h/x/': Failed to connect to h port 443 after 0 ms: Couldn't connect to server", 'connect', "Could not connect to the Git server at https://git.example.com: Failed to connect to h port 443 after 0 ms: Couldn't connect to server"],
        ["fatal: unable to access 'https://h/x/': Failed to connect to h port 443: Connection refused", 'connect', 'Could not connect to the Git server at https://git.example.com: Failed to connect to h port 443: Connection refused'],
        ["fatal: unable to access 'https://h/x/': SSL certificate problem: self-signed certificate", 'tls', 'TLS failed talking to the Git server at https://git.example.com: SSL certificate problem: self-signed certificate'],
        ["fatal: unable to access 'https://h/x/': server certificate verification failed. CAfile: none CRLfile: none", 'tls', 'TLS failed talking to the Git server at https://git.example.com: server certificate verification failed. CAfile: none CRLfile: none'],
        ["fatal: unable to access 'https://h/x/': gnutls_handshake() failed: An unexpected TLS packet was received.", 'tls', 'TLS failed talking to the Git server at https://git.example.com: gnutls_handshake() failed: An unexpected TLS packet was received.'],
        ["fatal: unable to access 'https://h/x/': Failed to connect to h port 443 after 130001 ms: Connection timed out", 'timeout', 'The Git server at https://git.example.com did not answer in time: Failed to connect to h port 443 after 130001 ms: Connection timed out'],
      ]
      for (const [stderr, step, message] of cases) {
        const err = classifyGitFailure(`${stderr}\n`, ctx)
        expect(err, stderr).to.be.instanceOf(ConnectionError)
        expect((err as ConnectionError).step, stderr).to.equal(step)
        expect(err.message.replace(/^the/, 'The'), stderr).to.equal(message)
      }
    })

    it('does not take a host name containing "tls" for a TLS failure', () => {
      const err = classifyGitFailure("fatal: unable to access 'https://tls.example.com/x/': Failed to connect to tls.example.com port 443: Connection refused\n", ctx)
      expect((err as ConnectionError).step).to.equal('connect')
    })

    it('maps a missing repository to NotFoundError', () => {
      for (const stderr of ["remote: Repository not found.\nfatal: repository 'https://git.example.com/group/repo.git/' not found\n", "fatal: unable to access 'https://h/x/': The requested URL returned error: 404\n"]) {
        const err = classifyGitFailure(stderr, ctx)
        expect(err, stderr).to.be.instanceOf(NotFoundError)
        expect(err.message).to.equal('Repository https://git.example.com/group/repo.git not found on the Git server at https://git.example.com (HTTP 404).')
      }
    })

    it('quotes git\'s words as they are, whatever the password (nothing is masked: the quoted lines cannot hold it)', () => {
      const err = classifyGitFailure("fatal: unable to access 'https://h/x/': server certificate verification failed. CAfile: none\n", ctx)
      expect((err as ConnectionError).step).to.equal('tls')
      expect(err.message).to.equal('TLS failed talking to the Git server at https://git.example.com: server certificate verification failed. CAfile: none')
    })

    it('escapes control characters the server sent', () => {
      const err = classifyGitFailure('remote: \u001b[2J\u001b[31mcall 555\nfatal: protocol error\u0007\n', ctx)
      expect(err.message).to.equal('git ls-remote https://git.example.com/group/repo.git failed: protocol error\\u0007')
    })

    it('quotes git\'s last fatal line for anything else, never what the server wrote', () => {
      const err = classifyGitFailure('remote: your password is hunter2\nfatal: protocol error: bad line length character: hunt\n', ctx)
      expect(err).to.be.instanceOf(ExternalError)
      expect(err.message).to.equal('git ls-remote https://git.example.com/group/repo.git failed: protocol error: bad line length character: hunt')
      const onlyRemote = classifyGitFailure('remote: your password is hunter2\n', {...ctx, exitCode: 128})
      expect(onlyRemote.message).to.equal('git ls-remote https://git.example.com/group/repo.git failed: git exited with 128')
    })
  })

  describe('running git (a stand-in program)', () => {
    let dir: string
    let tmp: string
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'berth-ls-remote-test-'))
      tmp = path.join(dir, 'tmp')
      mkdirSync(tmp)
    })
    afterEach(() => rmSync(dir, {recursive: true, force: true}))

    /** A fake git that records its arguments and environment, asks the configured credential helper like git does, then behaves as `body` says. */
    function fakeGit(body: string): string {
      const file = path.join(dir, 'git')
      writeFileSync(
        file,
        [
          '#!/bin/sh',
          `printf '%s\\n' "$@" > '${dir}/args'`,
          `env > '${dir}/env'`,
          `printf 'protocol=https\\nhost=git.example.com\\n\\n' | sh -c "\${GIT_CONFIG_VALUE_2#!} get" > '${dir}/credential'`,
          body,
          '',
        ].join('\n'),
      )
      chmodSync(file, 0o755)
      return file
    }

    it('gives git the credentials through its credential helper only and removes them afterwards', async () => {
      const git = fakeGit(`printf 'ref: refs/heads/main\\tHEAD\\n${A}\\tHEAD\\n${A}\\trefs/heads/main\\n'`)
      const spawned: Array<{args: readonly string[]; env: NodeJS.ProcessEnv}> = []
      const recordingSpawn = ((command: string, args: readonly string[], options: {env: NodeJS.ProcessEnv}) => {
        spawned.push({args, env: options.env})
        return spawn(command, args, options)
      }) as unknown as typeof spawn
      const refs = await lsRemote(
        {url: 'https://git.example.com/group/repo.git', username: 'alice', password: 'S3cret-pw'},
        {tmpDir: tmp},
        {git, spawn: recordingSpawn, env: {PATH: process.env.PATH, GIT_TRACE_CURL: '1', GIT_CURL_VERBOSE: '1', GIT_DIR: '/elsewhere', GIT_CONFIG_PARAMETERS: "'credential.helper'='store'"}},
      )
      expect(refs).to.deep.equal({head: 'main', branches: [{name: 'main', commit: A}], tags: []})
      expect(readFileSync(path.join(dir, 'credential'), 'utf8')).to.equal('username=alice\npassword=S3cret-pw\n')

      expect(spawned).to.have.length(1)
      expect(spawned[0]!.args).to.deep.equal(['ls-remote', '--symref', '--', 'https://git.example.com/group/repo.git'])
      expect(JSON.stringify(spawned[0]!.args)).not.to.contain('S3cret-pw')
      expect(JSON.stringify(spawned[0]!.env)).not.to.contain('S3cret-pw')
      const env = spawned[0]!.env
      expect(env).to.include({
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: '',
        GIT_ALLOW_PROTOCOL: 'http:https',
        LC_ALL: 'C',
        GIT_CONFIG_COUNT: '3',
        GIT_CONFIG_KEY_0: 'credential.helper',
        GIT_CONFIG_VALUE_0: '',
        GIT_CONFIG_KEY_1: 'credential.https://git.example.com.helper',
        GIT_CONFIG_VALUE_1: '',
        GIT_CONFIG_KEY_2: 'credential.https://git.example.com.helper',
      })
      for (const dropped of ['GIT_TRACE_CURL', 'GIT_CURL_VERBOSE', 'GIT_DIR', 'GIT_CONFIG_PARAMETERS']) expect(env, dropped).not.to.have.property(dropped)
      expect(readFileSync(path.join(dir, 'args'), 'utf8')).not.to.contain('S3cret-pw')
      expect(readFileSync(path.join(dir, 'env'), 'utf8')).not.to.contain('S3cret-pw')
      // The helper and the credential files are gone.
      expect(readdirSync(tmp)).to.deep.equal([])
    })

    it('maps git\'s failure and removes the credentials when git fails', async () => {
      const git = fakeGit(`echo "fatal: Authentication failed for 'https://git.example.com/group/repo.git/' S3cret-pw" >&2; exit 128`)
      const err = await lsRemote({url: 'https://git.example.com/group/repo.git', username: 'alice', password: 'S3cret-pw'}, {tmpDir: tmp}, {git}).catch((error: Error) => error)
      expect(err).to.be.instanceOf(AuthError)
      expect((err as Error).message).not.to.contain('S3cret-pw')
      expect(readdirSync(tmp)).to.deep.equal([])
    })

    it('kills git and what it started after the timeout', async function () {
      this.timeout(10_000)
      const git = fakeGit(`sleep 30 & echo $! > '${dir}/child'; wait`)
      const started = Date.now()
      const err = await lsRemote({url: 'https://git.example.com/group/repo.git', username: 'alice', password: 'pw'}, {tmpDir: tmp, timeoutMs: 300}, {git}).catch((error: Error) => error)
      expect(Date.now() - started).to.be.lessThan(5000)
      expect(err).to.be.instanceOf(ConnectionError)
      expect((err as ConnectionError).step).to.equal('timeout')
      expect((err as Error).message).to.equal('git ls-remote https://git.example.com/group/repo.git did not finish within 300 ms; it was stopped.')
      const child = Number(readFileSync(path.join(dir, 'child'), 'utf8'))
      expect(await gone(child)).to.equal(true)
      expect(readdirSync(tmp)).to.deep.equal([])
    })

    it('says so when git is not installed', async () => {
      const err = await lsRemote({url: 'https://git.example.com/r.git', username: 'a', password: 'b'}, {tmpDir: tmp}, {git: path.join(dir, 'no-such-git')}).catch((error: Error) => error)
      expect(err).to.be.instanceOf(ExternalError)
      expect((err as Error).message).to.equal('Cannot run git: it is not installed or not on PATH.')
      expect(readdirSync(tmp)).to.deep.equal([])
    })

    it('validates the URL before running anything', async () => {
      const git = fakeGit('exit 0')
      for (const url of ["ext::sh -c 'touch /tmp/x'", 'file:///etc', 'https://u:p@host/x', 'https://host/x\nprotocol=file', '-u']) {
        const err = await lsRemote({url, username: 'a', password: 'b'}, {tmpDir: tmp}, {git}).catch((error: Error) => error)
        expect(err, url).to.have.property('exitCode', 2)
      }
      expect(readdirSync(dir).sort()).to.deep.equal(['git', 'tmp'])
    })
  })
})
