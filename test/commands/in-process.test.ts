import {expect} from 'chai'

import {berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'

/**
 * The in-process runner (helpers/in-process.ts) must give what the spawned CLI gives:
 * exit code, stdout and stderr, for success, usage errors, validation errors and --json
 * errors. If it drifts, tests using it stop testing berth.
 */
describe('in-process command runner matches the spawned CLI', function () {
  this.timeout(120_000)
  const cases: string[][] = [
    ['endpoint', 'create', 'docker-registry', 'hub', '--address', 'https://registry.example.com:5061', '--username', 'mytenant/ci-user', '--password-env', 'S'],
    ['endpoint', 'list', '--json'],
    ['endpoint', 'show', 'hub'],
    ['endpoint', 'create', 'docker-registry', 'zero', '--address', 'http://127.0.0.1:0', '--username', 'ci', '--password-env', 'S'],
    ['endpoint', 'create', 'git', 'app'],
    ['endpoint', 'show', 'missing-one', '--json'],
    ['endpoint', 'list', '--bogus'],
    ['config', 'set', 'project', 'Not A Label'],
    ['endpoint', 'delete', 'hub', '--json'],
  ]

  it('for success, usage, validation and not-found, with and without --json', async () => {
    const spawnedHome = tempHome()
    const inProcessHome = tempHome()
    try {
      for (const args of cases) {
        const spawned = await runBerth(args, {env: berthEnv(spawnedHome.home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p@ss', S: 's3cret!'})})
        const local = await runInProcess(args, {env: berthEnv(inProcessHome.home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p@ss', S: 's3cret!'})})
        const normalise = (text: string, home: string) => text.replaceAll(home, 'HOME').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, 'TIME')
        expect({code: local.code, stdout: normalise(local.stdout, inProcessHome.home), stderr: normalise(local.stderr, inProcessHome.home)}, args.join(' ')).to.deep.equal({
          code: spawned.code,
          stdout: normalise(spawned.stdout, spawnedHome.home),
          stderr: normalise(spawned.stderr, spawnedHome.home),
        })
      }
    } finally {
      spawnedHome.cleanup()
      inProcessHome.cleanup()
    }
  })
})
