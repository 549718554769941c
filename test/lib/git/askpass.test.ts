import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {UsageError, ValidationError} from '../../../src/lib/errors.js'
import {gitCredentialOf, prepareGitCredentials, shellQuote, withGitCredentials} from '../../../src/lib/git/askpass.js'

/** What git's credential helper answers for a request (key=value lines), run the way git runs a "!" helper. */
async function helperAnswer(helper: string, request: string, action = 'get'): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `${helper.slice(1)} "$@"`, helper, action], {stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({code: code ?? 1, stdout, stderr}))
    child.stdin.end(request)
  })
}

const req = (fields: Record<string, string>) => `${Object.entries(fields).map(([k, v]) => `${k}=${v}\n`).join('')}\n`

describe('git credentials through a per-origin credential helper', () => {
  let parent: string
  beforeEach(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'berth-askpass-test-'))
  })
  afterEach(() => rmSync(parent, {recursive: true, force: true}))

  it('quotes shell words', () => {
    expect(shellQuote(`it's`)).to.equal(`'it'\\''s'`)
    expect(shellQuote('$(id) `x` "y"')).to.equal(`'$(id) \`x\` "y"'`)
  })

  it('answers git\'s credential requests for the origin and the username only, from private files', async () => {
    const password = `p'a$(touch ${parent}/pwned)ss"word`
    await withGitCredentials(
      {url: 'https://git.example.com/group/repo.git', username: 'tenant/iam-user', password},
      async ({env, dir}) => {
        expect(statSync(dir).mode & 0o777).to.equal(0o700)
        const gitDir = path.join(dir, 'git')
        expect(statSync(gitDir).mode & 0o777).to.equal(0o700)
        expect(readdirSync(gitDir).sort()).to.deep.equal(['0.credential', '0.helper.sh', '0.username'])
        expect(statSync(path.join(gitDir, '0.credential')).mode & 0o777).to.equal(0o600)
        expect(statSync(path.join(gitDir, '0.username')).mode & 0o777).to.equal(0o600)
        const helper = `!'${path.join(gitDir, '0.helper.sh')}'`
        expect(env).to.deep.equal({
          GIT_CONFIG_COUNT: '2',
          GIT_CONFIG_KEY_0: 'credential.https://git.example.com.helper',
          GIT_CONFIG_VALUE_0: '',
          GIT_CONFIG_KEY_1: 'credential.https://git.example.com.helper',
          GIT_CONFIG_VALUE_1: helper,
        })
        expect(JSON.stringify(env)).not.to.contain(password)

        const answer = `username=tenant/iam-user\npassword=${password}\n`
        // git sends the username percent-decoded from the URL, and the host with the port as written.
        const asked: Array<Record<string, string>> = [
          {protocol: 'https', host: 'git.example.com'},
          {protocol: 'https', host: 'git.example.com:443', path: 'group/repo.git'},
          {protocol: 'https', host: 'git.example.com', username: 'tenant/iam-user'},
        ]
        for (const fields of asked) {
          expect(await helperAnswer(helper, req(fields)), JSON.stringify(fields)).to.deep.equal({code: 0, stdout: answer, stderr: ''})
        }
        // Another host, a look-alike host, another user, another scheme, or another action: nothing.
        for (const [fields, action] of [
          [{protocol: 'https', host: 'evil.example.com'}, 'get'],
          [{protocol: 'https', host: 'git.example.com.evil.com'}, 'get'],
          [{protocol: 'https', host: 'git.example.com', username: 'someone'}, 'get'],
          [{protocol: 'http', host: 'git.example.com'}, 'get'],
          [{host: 'git.example.com'}, 'get'],
          [{protocol: 'https', host: 'git.example.com'}, 'store'],
          [{protocol: 'https', host: 'git.example.com'}, 'erase'],
          [{protocol: 'https', host: 'git.example.com'}, 'frobnicate'],
        ] as const) {
          expect(await helperAnswer(helper, req(fields), action), `${action} ${JSON.stringify(fields)}`).to.deep.equal({code: 0, stdout: '', stderr: ''})
        }
        expect(readdirSync(parent).every((f) => !f.includes('pwned'))).to.equal(true)
        expect(readdirSync(dir)).to.deep.equal(['git'])
      },
      {parentDir: parent},
    )
    expect(readdirSync(parent)).to.deep.equal([])
  })

  it('removes the directory when the git run fails', async () => {
    let seen = ''
    const failure = await withGitCredentials(
      {url: 'https://host/x.git', username: 'u', password: 'secret-value'},
      async ({dir}) => {
        seen = dir
        throw new Error('git failed')
      },
      {parentDir: parent},
    ).catch((error: Error) => error)
    expect((failure as Error).message).to.equal('git failed')
    expect(seen).not.to.equal('')
    expect(readdirSync(parent)).to.deep.equal([])
  })

  it('serves several origins and appends to existing GIT_CONFIG entries', async () => {
    const dir = mkdtempSync(path.join(parent, 'x-'))
    const {env} = await prepareGitCredentials(
      [
        {url: 'https://a.example.com/r.git', username: 'alice', password: 'pa'},
        {url: 'http://127.0.0.1:8080', username: '', password: 'token'},
      ],
      dir,
      {baseEnv: {GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'a.b', GIT_CONFIG_VALUE_0: '1'}},
    )
    expect(env.GIT_CONFIG_COUNT).to.equal('6')
    expect([env.GIT_CONFIG_KEY_2, env.GIT_CONFIG_VALUE_2, env.GIT_CONFIG_KEY_3]).to.deep.equal(['credential.https://a.example.com.helper', '', 'credential.https://a.example.com.helper'])
    expect([env.GIT_CONFIG_KEY_4, env.GIT_CONFIG_VALUE_4, env.GIT_CONFIG_KEY_5]).to.deep.equal(['credential.http://127.0.0.1:8080.helper', '', 'credential.http://127.0.0.1:8080.helper'])
    expect(env).not.to.have.property('GIT_CONFIG_KEY_0')
    expect((await helperAnswer(env.GIT_CONFIG_VALUE_3!, req({protocol: 'https', host: 'a.example.com'}))).stdout).to.equal('username=alice\npassword=pa\n')
    // An empty username: only the password is given, git asks for the username as usual.
    expect((await helperAnswer(env.GIT_CONFIG_VALUE_5!, req({protocol: 'http', host: '127.0.0.1:8080'}))).stdout).to.equal('password=token\n')
    expect((await helperAnswer(env.GIT_CONFIG_VALUE_5!, req({protocol: 'http', host: '127.0.0.1:80'}))).stdout).to.equal('')
    expect((await helperAnswer(env.GIT_CONFIG_VALUE_3!, req({protocol: 'https', host: '127.0.0.1:8080'}))).stdout).to.equal('')
  })

  it('takes git and codearts-repo endpoints; for berth\'s own git runs, switches off every other source of credentials', async () => {
    expect(gitCredentialOf({type: 'codearts-repo', name: 'hub', urlPrefix: 'https://codehub.example.com', username: 't/u', password: 'p'})).to.deep.equal({
      url: 'https://codehub.example.com',
      username: 't/u',
      password: 'p',
      name: 'hub',
    })
    expect(gitCredentialOf({type: 'git', name: 'app', url: 'https://h/a.git', username: 'u', password: 'p'})).to.deep.equal({url: 'https://h/a.git', username: 'u', password: 'p', name: 'app'})
    const dir = mkdtempSync(path.join(parent, 'x-'))
    const {env} = await prepareGitCredentials({url: 'https://h/a.git', username: 'u', password: 'p'}, dir, {onlyTheseCredentials: true})
    expect(env).to.deep.include({GIT_ASKPASS: '', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_COUNT: '3', GIT_CONFIG_KEY_0: 'credential.helper', GIT_CONFIG_VALUE_0: ''})
  })

  it('refuses two credentials for one origin, and values git cannot take', async () => {
    const dir = mkdtempSync(path.join(parent, 'x-'))
    const twice = await prepareGitCredentials(
      [
        {url: 'https://host/a.git', username: 'u', password: 'p', name: 'repo-a'},
        {url: 'https://host/b.git', username: 'u', password: 'p', name: 'repo-b'},
      ],
      dir,
    ).catch((error: Error) => error)
    expect(twice).to.be.instanceOf(UsageError)
    expect((twice as Error).message).to.equal('Endpoint "repo-a" and endpoint "repo-b" are both for https://host; git asks for credentials per host, so only one of them can be used at a time.')

    const newline = await prepareGitCredentials({url: 'https://host/a.git', username: 'u', password: 'p\nq', name: 'repo-a'}, dir).catch((error: Error) => error)
    expect(newline).to.be.instanceOf(ValidationError)
    expect((newline as Error).message).to.equal('The password of endpoint "repo-a" contains a line break or NUL character, which git cannot be given.')
    expect((newline as Error).message).not.to.contain('p\nq')

    const hostile = await prepareGitCredentials({url: 'ext::sh -c id', username: 'u', password: 'p'}, dir).catch((error: Error) => error)
    expect(hostile).to.be.instanceOf(ValidationError)
    // Nothing was written for the refused inputs.
    expect(readdirSync(dir)).to.deep.equal([])
  })
})
