import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {UsageError, ValidationError} from '../../../src/lib/errors.js'
import {gitCredentialOf, prepareGitCredentials, shellQuote, withGitCredentials} from '../../../src/lib/git/askpass.js'

const run = promisify(execFile)

/** What the askpass script prints for a prompt, as git would call it. */
async function ask(askpass: string, prompt: string): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const {stdout, stderr} = await run(askpass, [prompt])
    return {code: 0, stdout, stderr}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stdout: e.stdout, stderr: e.stderr}
  }
}

describe('git askpass credentials', () => {
  let parent: string
  beforeEach(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'berth-askpass-test-'))
  })
  afterEach(() => rmSync(parent, {recursive: true, force: true}))

  it('quotes shell words', () => {
    expect(shellQuote(`it's`)).to.equal(`'it'\\''s'`)
    expect(shellQuote('$(id) `x` "y"')).to.equal(`'$(id) \`x\` "y"'`)
  })

  it('answers git\'s prompts for the origin only, from private files', async () => {
    const password = `p'a$(touch ${parent}/pwned)ss"word`
    await withGitCredentials(
      {url: 'https://git.example.com/group/repo.git', username: 'tenant/iam-user', password},
      async ({env, dir}) => {
        expect(statSync(dir).mode & 0o777).to.equal(0o700)
        const gitDir = path.join(dir, 'git')
        expect(statSync(gitDir).mode & 0o777).to.equal(0o700)
        expect(readdirSync(gitDir).sort()).to.deep.equal(['0.password', '0.username', 'askpass.sh'])
        expect(statSync(path.join(gitDir, '0.password')).mode & 0o777).to.equal(0o600)
        expect(statSync(path.join(gitDir, '0.username')).mode & 0o777).to.equal(0o600)
        expect(env).to.deep.equal({
          GIT_ASKPASS: path.join(gitDir, 'askpass.sh'),
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: 'credential.https://git.example.com.helper',
          GIT_CONFIG_VALUE_0: '',
        })
        expect(JSON.stringify(env)).not.to.contain(password)

        const askpass = env.GIT_ASKPASS!
        expect(await ask(askpass, "Username for 'https://git.example.com': ")).to.deep.equal({code: 0, stdout: 'tenant/iam-user', stderr: ''})
        expect(await ask(askpass, "Username for 'https://git.example.com:443': ")).to.include({code: 0, stdout: 'tenant/iam-user'})
        expect(await ask(askpass, "Username for 'https://git.example.com/group/repo.git': ")).to.include({code: 0, stdout: 'tenant/iam-user'})
        expect(await ask(askpass, "Password for 'https://tenant/iam-user@git.example.com': ")).to.deep.equal({code: 0, stdout: password, stderr: ''})
        // Another host, a look-alike host, another user, another scheme, or anything else: refused.
        for (const prompt of [
          "Username for 'https://evil.example.com': ",
          "Username for 'https://git.example.com.evil.com': ",
          "Password for 'https://tenant/iam-user@git.example.com.evil.com': ",
          "Password for 'https://someone@git.example.com': ",
          "Password for 'https://git.example.com': ",
          "Username for 'http://git.example.com': ",
          'Are you sure you want to continue connecting (yes/no)? ',
          '',
        ]) {
          const answer = await ask(askpass, prompt)
          expect(answer.code, prompt).to.equal(1)
          expect(answer.stdout, prompt).to.equal('')
          expect(answer.stderr, prompt).to.equal(`berth: no berth endpoint answers the git prompt: ${prompt}\n`)
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
    expect(env.GIT_CONFIG_COUNT).to.equal('4')
    expect(env.GIT_CONFIG_KEY_2).to.equal('credential.https://a.example.com.helper')
    expect(env.GIT_CONFIG_KEY_3).to.equal('credential.http://127.0.0.1:8080.helper')
    expect(env).not.to.have.property('GIT_CONFIG_KEY_0')
    expect((await ask(env.GIT_ASKPASS!, "Password for 'https://alice@a.example.com': ")).stdout).to.equal('pa')
    expect((await ask(env.GIT_ASKPASS!, "Username for 'http://127.0.0.1:8080': ")).stdout).to.equal('')
    // An empty username: git asks for the password without "user@".
    expect((await ask(env.GIT_ASKPASS!, "Password for 'http://127.0.0.1:8080': ")).stdout).to.equal('token')
    expect((await ask(env.GIT_ASKPASS!, "Password for 'https://alice@127.0.0.1:8080': ")).code).to.equal(1)
  })

  it('takes git and codearts-repo endpoints, and can leave terminal prompts on', async () => {
    expect(gitCredentialOf({type: 'codearts-repo', name: 'hub', urlPrefix: 'https://codehub.example.com', username: 't/u', password: 'p'})).to.deep.equal({
      url: 'https://codehub.example.com',
      username: 't/u',
      password: 'p',
      name: 'hub',
    })
    expect(gitCredentialOf({type: 'git', name: 'app', url: 'https://h/a.git', username: 'u', password: 'p'})).to.deep.equal({url: 'https://h/a.git', username: 'u', password: 'p', name: 'app'})
    const dir = mkdtempSync(path.join(parent, 'x-'))
    const {env} = await prepareGitCredentials({url: 'https://h/a.git', username: 'u', password: 'p'}, dir, {allowTerminalPrompt: true})
    expect(env).not.to.have.property('GIT_TERMINAL_PROMPT')
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
