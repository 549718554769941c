// The machine's own failures under BERTH_HOME (a file where a directory should be, a
// read-only or full file system, a directory owned by someone else) are named with the
// path, exit 1, and never called a bug in berth. Real file systems: a tmpfs mounted in a
// private mount namespace (unshare -rm) and a real other user (setpriv, when root).
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {ROOT, RunResult, berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'
import {shq} from '../../helpers/tmux.js'

const CREATE = ['endpoint', 'create', 'git', 'app', '--url', 'https://git.example.com/team/app.git', '--username', 'ci@corp.com', '--password-env', 'GIT_TOKEN']

/** Run berth after `setup` (shell, run as root of a private user and mount namespace). */
function berthInNamespace(setup: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const script = `${setup} && exec ${shq(process.execPath)} ${shq(path.join(ROOT, 'bin', 'run.js'))} "$@"`
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-rm', 'sh', '-c', script, 'sh', ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? 1, stdout, stderr}))
  })
}

function expectNamed(result: RunResult, stderr: string | RegExp): void {
  if (typeof stderr === 'string') expect(result.stderr).to.equal(stderr)
  else expect(result.stderr).to.match(stderr)
  expect(result.stderr).not.to.contain('bug in berth')
  expect(result.stderr).not.to.match(/\n\s+at /)
  expect(result.stdout).to.equal('')
  expect(result.code).to.equal(1)
}

describe('berth endpoint: operating-system errors are named, not bugs', function () {
  this.timeout(60_000)
  let dir: string
  let cleanup: () => void
  beforeEach(() => ({home: dir, cleanup} = tempHome()))
  afterEach(() => cleanup())

  const env = (home: string) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'os errors', GIT_TOKEN: 'T0ken/with+symbols'})

  it('BERTH_HOME pointing at a file', async () => {
    const file = path.join(dir, 'berth-home')
    await fs.writeFile(file, 'not a directory\n')
    const result = await runBerth(CREATE, {env: env(file)})
    expectNamed(result, `Error: Cannot open ${file}/config.yaml: a part of the path is not a directory.\nHint: A part of that path is a file: BERTH_HOME must name a directory.\n`)
    expect(await fs.readFile(file, 'utf8')).to.equal('not a directory\n')
  })

  it('a read-only BERTH_HOME: create and delete say so; endpoint test still prints its result', async () => {
    const home = path.join(dir, 'home')
    const made = await runBerth(['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'HPUAEXAMPLEKEY000001', '--secret-access-key-env', 'GIT_TOKEN'], {env: env(home)})
    expect(made.code, made.stderr).to.equal(0)
    const before = await stateFiles(home)
    const readOnly = `mount --bind ${shq(home)} ${shq(home)} && mount -o remount,bind,ro ${shq(home)}`

    const created = await berthInNamespace(readOnly, CREATE, env(home))
    expectNamed(created, `Error: Cannot open ${home}/.lock: read-only file system.\nHint: That file system is mounted read-only; set BERTH_HOME to a writable directory.\n`)
    const deleted = await berthInNamespace(readOnly, ['endpoint', 'delete', 'cloud', '--json'], env(home))
    expect(JSON.parse(deleted.stdout)).to.deep.equal({
      error: {code: 'filesystem', message: `Cannot open ${home}/.lock: read-only file system.`, hint: 'That file system is mounted read-only; set BERTH_HOME to a writable directory.', step: null, exitCode: 1},
    })
    expect(deleted.code).to.equal(1)

    const tested = await berthInNamespace(readOnly, ['endpoint', 'test', 'cloud'], env(home))
    expect(tested.stdout).to.match(/^OK: /)
    expect(tested.stderr).to.match(new RegExp(`^Testing iam endpoint "cloud"…\nWarning: the result was not recorded: Cannot open ${home}/\\.lock: read-only file system\\.\n`))
    expect(tested.code).to.equal(0)
    expect(await stateFiles(home)).to.deep.equal(before)
  })

  it('a full file system', async () => {
    const home = path.join(dir, 'full')
    await fs.mkdir(home)
    const full = `mount -t tmpfs -o size=16k tmpfs ${shq(home)} && (head -c 65536 /dev/zero > ${shq(`${home}/filler`)} 2>/dev/null || true)`
    const result = await berthInNamespace(full, CREATE, env(home))
    expectNamed(result, new RegExp(`^Error: Cannot \\w+ (${home}\\S*|berth's files under ${home}): no space left on device\\.\\nHint: Free some space on that file system, then try again\\.\\n$`))
  })

  it('a BERTH_HOME owned by another user', async function () {
    const home = path.join(dir, 'theirs')
    await fs.mkdir(home, {mode: 0o755})
    await fs.chmod(dir, 0o755)
    // As root, run berth as nobody; otherwise take the write permission away from ourselves.
    const asRoot = process.getuid?.() === 0
    if (!asRoot) await fs.chmod(home, 0o555)
    const result = await new Promise<RunResult>((resolve, reject) => {
      const argv = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath]
      const child = spawn(argv[0]!, [...argv.slice(1), path.join(ROOT, 'bin', 'run.js'), ...CREATE], {env: {...env(home), HOME: dir}, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.on('error', reject)
      child.on('close', (code) => resolve({code: code ?? 1, stdout, stderr}))
    })
    expectNamed(result, `Error: Cannot open ${home}/.lock: permission denied.\nHint: Check the owner and permissions of that path, or set BERTH_HOME to a directory you own.\n`)
    expect(await fs.readdir(home)).to.deep.equal([])
  })
})
