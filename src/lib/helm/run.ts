/**
 * Running the helm program: found through BERTH_HELM or on PATH, in its own process
 * group, killed after a timeout, its environment cut down to what helm needs, and
 * its stderr bounded and stripped of terminal escapes before it reaches a message.
 * A kubeconfig is handed over as a private temporary file, never in argv.
 */
import {spawn as nodeSpawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ExternalError} from '../errors.js'
import {printable} from '../names.js'
import {ConnectionError} from '../net/errors.js'
import {runBounded} from '../process/bounded.js'

export interface HelmRunOptions {
  args: string[]
  /** Kill helm and fail after this long (default 5 minutes). */
  timeoutMs?: number
  /** Kubeconfig text, for commands that talk to a cluster. */
  kubeconfig?: string
  /** Where the private temporary directory is made (default: the OS temp directory). */
  tmpDir?: string
  /** What the run is, for messages: "helm template web". */
  what: string
}

export interface HelmDeps {
  spawn?: typeof nodeSpawn
  /** The environment helm starts from (default process.env); BERTH_HELM is read from it. */
  env?: NodeJS.ProcessEnv
}

export interface HelmResult {
  stdout: string
  stderr: string
}

const MAX_STDOUT = 64 * 1024 * 1024
const MAX_STDERR = 64 * 1024
// helm reads these; anything else from the caller's environment (HELM_*, KUBECONFIG) is dropped.
const KEPT_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy']

/** The helm program: BERTH_HELM when set, else "helm" on PATH. */
export function helmProgram(env: NodeJS.ProcessEnv): {program: string; fromEnv: boolean} {
  const fromEnv = env.BERTH_HELM
  return fromEnv ? {program: fromEnv, fromEnv: true} : {program: 'helm', fromEnv: false}
}

export async function runHelm(options: HelmRunOptions, deps: HelmDeps = {}): Promise<HelmResult> {
  const env = deps.env ?? process.env
  const {program, fromEnv} = helmProgram(env)
  const spawn = deps.spawn ?? nodeSpawn
  const timeoutMs = options.timeoutMs ?? 5 * 60_000
  const dir = await fs.mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), 'berth-helm-'))
  try {
    const childEnv: NodeJS.ProcessEnv = {}
    for (const key of KEPT_ENV) if (env[key] !== undefined) childEnv[key] = env[key]
    // helm's caches and config in the private directory: nothing of the user's repositories or plugins is used.
    childEnv.HELM_CACHE_HOME = path.join(dir, 'cache')
    childEnv.HELM_CONFIG_HOME = path.join(dir, 'config')
    childEnv.HELM_DATA_HOME = path.join(dir, 'data')
    if (options.kubeconfig !== undefined) {
      const file = path.join(dir, 'kubeconfig')
      await fs.writeFile(file, options.kubeconfig, {mode: 0o600})
      childEnv.KUBECONFIG = file
    }
    const run = await runBounded(program, options.args, {cwd: dir, env: childEnv, timeoutMs, maxStdout: MAX_STDOUT, maxStderr: MAX_STDERR}, spawn)
    const result = {...run, stdout: run.stdout.toString('utf8')}
    if (result.spawnError) {
      if (result.spawnError.code === 'ENOENT') {
        throw fromEnv
          ? new ExternalError(`Cannot run helm: BERTH_HELM is ${program}, which does not exist.`, {hint: 'Point BERTH_HELM at a helm 3 binary, or unset it to use helm from PATH.'})
          : new ExternalError('Cannot run helm: it is not installed or not on PATH.', {hint: 'Install helm 3 (https://helm.sh/docs/intro/install/), or set BERTH_HELM to the path of a helm binary.'})
      }
      throw new ExternalError(`Cannot run helm (${program}): ${result.spawnError.message}`)
    }
    if (result.timedOut) throw new ConnectionError('timeout', `${options.what} did not finish within ${Math.round(timeoutMs / 1000)} s; helm was stopped.`)
    if (result.stdoutTooLarge) throw new ExternalError(`${options.what} printed more than ${MAX_STDOUT / 1024 / 1024} MiB; stopped.`)
    if (result.code !== 0) throw new ExternalError(`${options.what} failed: ${helmErrorText(result.stderr, dir)}`)
    return {stdout: result.stdout, stderr: result.stderr}
  } finally {
    await fs.rm(dir, {recursive: true, force: true})
  }
}

/** helm's error lines, without its "Error: " prefix, the private directory's path, or terminal escapes. */
export function helmErrorText(stderr: string, privateDir?: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(WARNING|walk\.go)/.test(l))
  const errors = lines.filter((l) => /^Error:/i.test(l)).map((l) => l.replace(/^Error:\s*/i, ''))
  let text = (errors.length > 0 ? errors.join('; ') : lines.at(-1)) ?? 'helm exited without a message'
  if (privateDir) text = text.split(privateDir + path.sep).join('').split(privateDir).join('.')
  return printable(text, 600)
}
