// `berth endpoint exec` leaves nothing behind and hands out nothing extra: its directory is
// under XDG_RUNTIME_DIR, one left by a berth killed with SIGKILL is swept by the next run,
// and the command does not get the settings that open berth's secret stores.
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'

import {ROOT, berthEnv, runBerth, tempHome} from '../../helpers/cli.js'

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('berth endpoint exec: nothing left behind, nothing extra handed out', function () {
  this.timeout(60_000)
  let home: string
  let cleanup: () => void
  let runtime: string
  const PASSWORD = 'R3gistry/p@ss+word'

  beforeEach(async () => {
    ;({home, cleanup} = tempHome())
    runtime = path.join(home, 'run-user')
    mkdirSync(runtime, {mode: 0o700})
    const made = await runBerth(['endpoint', 'create', 'docker-registry', 'hub', '--address', 'https://registry.example.com:5443', '--username', 'ci@corp.com', '--password-env', 'P'], {env: env({P: PASSWORD})})
    expect(made.code, made.stderr).to.equal(0)
  })
  afterEach(() => cleanup())

  const env = (extra: NodeJS.ProcessEnv = {}) =>
    berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'the passphrase', BERTH_SECRET_OTHER_PASSWORD: 'another secret', XDG_RUNTIME_DIR: runtime, TMPDIR: path.join(home, 'no-tmp'), ...extra})

  it('keeps its files under XDG_RUNTIME_DIR; after SIGKILL the next run removes them', async () => {
    const pidFile = path.join(home, 'child.pid')
    const berth = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'endpoint', 'exec', 'hub', '--', 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], {env: env(), stdio: 'ignore'})
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the command to start')
    const left = readdirSync(runtime)
    expect(left).to.have.length(1)
    expect(left[0]).to.match(new RegExp(`^berth-exec-${berth.pid}-`))
    const exited = new Promise((resolve) => berth.once('exit', resolve))
    berth.kill('SIGKILL')
    await exited
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL')
    // Killed: the registry auth is still there...
    expect(readFileSync(path.join(runtime, left[0]!, 'docker', 'config.json'), 'utf8')).to.contain(Buffer.from(`ci@corp.com:${PASSWORD}`).toString('base64'))

    // ...until the next run.
    const next = await runBerth(['endpoint', 'exec', 'hub', '--', 'sh', '-c', 'ls "$(dirname "$DOCKER_CONFIG")/.."'], {env: env()})
    expect(next.code, next.stderr).to.equal(0)
    expect(next.stdout).to.match(/^berth-exec-\d+-\w+\n$/)
    expect(readdirSync(runtime)).to.deep.equal([])
  })

  it('does not give the command BERTH_PASSPHRASE, BERTH_HOME or the secret store settings', async () => {
    const result = await runBerth(['endpoint', 'exec', 'hub', '--', 'env'], {env: env()})
    expect(result.code, result.stderr).to.equal(0)
    const names = result.stdout.split('\n').map((line) => line.split('=')[0])
    for (const name of ['BERTH_PASSPHRASE', 'BERTH_HOME', 'BERTH_SECRET_STORE', 'BERTH_SECRET_OTHER_PASSWORD']) expect(names, name).not.to.include(name)
    expect(names).to.include.members(['BERTH_ENDPOINTS', 'DOCKER_CONFIG', 'PATH'])
    expect(result.stdout).not.to.contain('the passphrase')
    expect(result.stdout).not.to.contain('another secret')
  })
})
