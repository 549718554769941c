import {expect} from 'chai'
import {cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {RunResult, berthEnv, runBerth, tempHome} from '../helpers/cli.js'

// The fast path (src/cli/fast-path.ts) must be invisible: every case below runs twice from the
// same starting state, once as berth normally runs and once with BERTH_NO_FAST_PATH=1 (oclif's
// full path), and stdout, stderr and the exit code must be byte-identical. Each case also names
// the path the first run must take, so a fast path that quietly stopped being used fails here.

type Taken = 'fast' | 'full' | 'none'

interface Case {
  args: string[]
  env?: NodeJS.ProcessEnv
  /** Which path the normal run takes ('none': answered by bin/run.cjs before either). */
  taken: Taken
  /** The exit code both runs must have. */
  code: number
}

const CASES: Case[] = [
  // data commands: tables, JSON, one object
  {args: ['endpoint', 'list'], taken: 'fast', code: 0},
  {args: ['endpoint', 'list', '--json'], taken: 'fast', code: 0},
  {args: ['endpoint', 'show', 'reg-one'], taken: 'fast', code: 0},
  {args: ['endpoint', 'show', 'reg-one', '--json'], taken: 'fast', code: 0},
  {args: ['endpoint', 'show', '--json', 'git-two'], taken: 'fast', code: 0},
  {args: ['endpoint', 'list', '--project', 'team-a'], taken: 'fast', code: 0},
  {args: ['endpoint', 'list', '-p', 'team-a', '--json'], taken: 'fast', code: 0},
  {args: ['endpoint', 'list', '--project=team-a'], taken: 'fast', code: 0},
  {args: ['endpoint', 'list'], env: {BERTH_CONTENT_TYPE: 'json'}, taken: 'fast', code: 0},
  {args: ['config', 'list'], taken: 'fast', code: 0},
  {args: ['config', 'list', '--json'], taken: 'fast', code: 0},
  {args: ['config', 'get', 'project'], taken: 'fast', code: 0},
  {args: ['config', 'get', 'secret-store', '--json'], taken: 'fast', code: 0},
  {args: ['config', 'set', 'project', 'team-a'], taken: 'fast', code: 0},
  {args: ['config', 'set', 'project', 'team-a', '--json'], taken: 'fast', code: 0},
  // the other start-up commands (dist/bundle/berth-core.cjs), and commands of the full bundle
  {args: ['template', 'list'], taken: 'fast', code: 0},
  {args: ['service', 'list', '--json'], taken: 'fast', code: 0},
  {args: ['service', 'show', 'checkout-api'], taken: 'fast', code: 1},
  {args: ['environment', 'list'], taken: 'fast', code: 0},
  {args: ['runtime', 'list', '--json'], taken: 'fast', code: 0},
  {args: ['resource-interface', 'list'], taken: 'fast', code: 0},
  {args: ['resource-interface', 'connectors', '--json'], taken: 'fast', code: 2},
  {args: ['trigger', 'list'], taken: 'fast', code: 0},
  {args: ['trigger', 'history', 'on-push'], taken: 'fast', code: 1},
  {args: ['credential', 'docker', 'list'], taken: 'fast', code: 0},
  {args: ['endpoint', 'test', 'nope'], taken: 'fast', code: 1},
  {args: ['template', 'delete', 'nope', '--force'], taken: 'fast', code: 1},
  {args: ['endpoint', 'list', '--json', '--bogus'], env: {BERTH_PROJECT: 'team-a'}, taken: 'fast', code: 2},
  // errors of the command: not found, bad values, bad project names, damaged input
  {args: ['endpoint', 'show', 'nope'], taken: 'fast', code: 1},
  {args: ['endpoint', 'show', 'nope', '--json'], taken: 'fast', code: 1},
  {args: ['endpoint', 'show', 'Bad_Name'], taken: 'fast', code: 2},
  {args: ['endpoint', 'list', '--project', 'Bad_Project'], taken: 'fast', code: 2},
  {args: ['endpoint', 'list', '--project', '../../etc'], taken: 'fast', code: 2},
  {args: ['endpoint', 'list', '--json', '--project', 'a\u001b[2Jb'], taken: 'fast', code: 2},
  {args: ['endpoint', 'list'], env: {BERTH_PROJECT: 'NOT valid'}, taken: 'fast', code: 2},
  {args: ['config', 'get', 'nope'], taken: 'fast', code: 2},
  {args: ['config', 'set', 'secret-store', 'floppy'], taken: 'fast', code: 2},
  {args: ['config', 'set', 'project', 'Bad_Project', '--json'], taken: 'fast', code: 2},
  // oclif's parser: bad flags, missing and extra arguments, flags without values
  {args: ['endpoint', 'list', '--bogus'], taken: 'fast', code: 2},
  {args: ['endpoint', 'list', '--json', '--bogus'], taken: 'fast', code: 2},
  {args: ['endpoint', 'show'], taken: 'fast', code: 2},
  {args: ['endpoint', 'show', '--json'], taken: 'fast', code: 2},
  {args: ['endpoint', 'show', 'reg-one', 'extra'], taken: 'fast', code: 2},
  {args: ['endpoint', 'list', '--project'], taken: 'fast', code: 2},
  {args: ['config', 'get'], taken: 'fast', code: 2},
  {args: ['config', 'set', 'project'], taken: 'fast', code: 2},
  {args: ['endpoint', 'list', '--', '--json'], taken: 'fast', code: 2},
  // everything oclif itself answers
  {args: [], taken: 'full', code: 0},
  {args: ['--help'], taken: 'full', code: 0},
  {args: ['help'], taken: 'full', code: 0},
  {args: ['help', 'endpoint'], taken: 'full', code: 0},
  {args: ['endpoint'], taken: 'full', code: 0},
  {args: ['endpoint', '--help'], taken: 'full', code: 0},
  {args: ['endpoint', 'list', '--help'], taken: 'full', code: 0},
  {args: ['endpoint', 'show', 'reg-one', '--help'], taken: 'full', code: 0},
  {args: ['config', 'set', '--help'], taken: 'full', code: 0},
  {args: ['--version'], taken: 'none', code: 0},
  {args: ['--version', 'extra'], taken: 'full', code: 0},
  {args: ['autocomplete', 'bash'], taken: 'full', code: 0},
  {args: ['autocomplete', '--help'], taken: 'full', code: 0},
  {args: ['nope'], taken: 'full', code: 2},
  {args: ['endpoint', 'nope'], taken: 'full', code: 2},
  {args: ['endpoint', 'list', 'extra'], taken: 'full', code: 2},
  {args: ['endpoints', 'list'], taken: 'full', code: 2},
  {args: ['endpoint:list'], taken: 'full', code: 0},
  {args: ['endpoint', 'list'], env: {DEBUG: 'nothing-matches'}, taken: 'full', code: 0},
  {args: ['endpoint', 'list'], env: {BERTH_NO_FAST_PATH: '1'}, taken: 'full', code: 0},
]

describe('berth start-up fast path: byte-identical to oclif', function () {
  this.timeout(120_000)
  let template: {home: string; cleanup: () => void}
  let work: string
  let cacheHome: string

  before(async () => {
    template = tempHome('berth-fast-template-')
    work = mkdtempSync(path.join(os.tmpdir(), 'berth-fast-work-'))
    cacheHome = mkdtempSync(path.join(os.tmpdir(), 'berth-fast-cache-'))
    const env = berthEnv(template.home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pässword with spaces & $ymbols', S: 'Sup3r$ecret!'})
    const made = [
      ['endpoint', 'create', 'docker-registry', 'reg-one', '--address', 'https://registry.example.com:5443', '--username', 'ci-bot@example.com', '--password-env', 'S'],
      ['endpoint', 'create', 'git', 'git-two', '--url', 'https://git.example.com/team/app.git', '--username', 'tenant/user', '--password-env', 'S', '--description', 'The app repository, "main" branch'],
      ['endpoint', 'create', 'docker-registry', 'team-reg', '--project', 'team-a', '--address', 'http://127.0.0.1:45000', '--username', 'u', '--password-env', 'S'],
    ]
    for (const args of made) {
      const r = await runBerth(args, {env})
      expect(r.code, r.stderr).to.equal(0)
    }
  })

  after(() => {
    template.cleanup()
    rmSync(work, {recursive: true, force: true})
    rmSync(cacheHome, {recursive: true, force: true})
  })

  /** Runs berth in a fresh copy of the template home, always at the same path. */
  async function runFresh(c: Case, extra: NodeJS.ProcessEnv): Promise<RunResult & {taken: Taken}> {
    const home = path.join(work, 'home')
    rmSync(home, {recursive: true, force: true})
    cpSync(template.home, home, {recursive: true})
    const report = path.join(work, 'taken')
    rmSync(report, {force: true})
    const env = berthEnv(home, {HOME: home, XDG_CACHE_HOME: cacheHome, BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pässword with spaces & $ymbols', BERTH_FAST_PATH_REPORT: report, ...c.env, ...extra})
    const result = await runBerth(c.args, {env, cwd: work})
    let taken: Taken = 'none'
    try {
      taken = readFileSync(report, 'utf8').trim() as Taken
    } catch {
      // bin/run.cjs answered alone
    }
    return {...result, taken}
  }

  for (const c of CASES) {
    const title = `berth ${c.args.map((a) => JSON.stringify(a)).join(' ') || '(no arguments)'}${c.env ? ` with ${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`
    it(title, async () => {
      const normal = await runFresh(c, {})
      const full = await runFresh(c, {BERTH_NO_FAST_PATH: '1'})
      expect(normal.taken, 'path taken').to.equal(c.taken)
      expect(full.taken, 'path taken with BERTH_NO_FAST_PATH=1').to.equal(c.taken === 'none' ? 'none' : 'full')
      expect(normal.stdout, 'stdout').to.equal(full.stdout)
      expect(normal.stderr, 'stderr').to.equal(full.stderr)
      expect(normal.code, 'exit code').to.equal(full.code)
      expect(normal.code, `exit code (stderr: ${normal.stderr})`).to.equal(c.code)
      expect(normal.stderr).not.to.match(/\n\s+at .+:\d+:\d+\)?\n/)
    })
  }
})
