import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer
  cwd?: string
  timeoutMs?: number
}

/**
 * Run berth as a user would: a separate process, stdin not a terminal.
 * Uses the built CLI (bin/run.js): `npm test` builds first; while developing, run
 * `npm run build:incremental` after changing src/ (it does not delete dist/).
 */
export function runBerth(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const bin = path.join(ROOT, 'bin', 'run.js')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? ROOT,
      env: {NO_COLOR: '1', ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const started = Date.now()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      // Said in stderr (only when it happens), so a failed assertion that prints stderr tells why.
      if (signal) stderr += `\n[runBerth: ended by ${signal}${timedOut ? ` after the test's ${options.timeoutMs ?? 60_000} ms limit` : ''}, ${Date.now() - started} ms after start]\n`
      resolve({code: code ?? (signal ? 128 : 1), stdout, stderr})
    })
    // berth may stop reading early (input over a size cap): that is its answer, not a test failure.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

/** A fresh, empty BERTH_HOME for one test; remove it with the returned cleanup. */
export function tempHome(prefix = 'berth-test-home-'): {home: string; cleanup: () => void} {
  const home = mkdtempSync(path.join(os.tmpdir(), prefix))
  return {home, cleanup: () => rmSync(home, {recursive: true, force: true})}
}

const homeEnv = new Map<string, NodeJS.ProcessEnv>()

/** Extra environment for every berth run with this home (the backend it is on); undefined forgets it. */
export function registerHomeEnv(home: string, env: NodeJS.ProcessEnv | undefined): void {
  if (env) homeEnv.set(home, env)
  else homeEnv.delete(home)
}

/**
 * The environment for a berth child: an isolated BERTH_HOME, PATH and the D-Bus
 * session (for the keychain) kept, everything else dropped unless given; a home on the
 * kubernetes backend (see backends.ts) adds BERTH_BACKEND and the kube settings.
 */
export function berthEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'DBUS_SESSION_BUS_ADDRESS', 'CI', 'BERTH_KEYCHAIN_SERVICE', 'TMPDIR', 'LANG']
  const env: NodeJS.ProcessEnv = {}
  for (const key of keep) if (process.env[key] !== undefined) env[key] = process.env[key]
  return {...env, BERTH_HOME: home, NO_COLOR: '1', ...homeEnv.get(home), ...extra}
}
