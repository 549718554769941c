/**
 * Running an external program bounded in time and output: in its own process group (so a
 * timeout also kills what it started, such as git-remote-http), killed with SIGKILL after
 * the timeout or once its stdout passes a size, stderr kept up to a size. The caller turns
 * the outcome into its own errors (which program, which hint).
 */
import {spawn as nodeSpawn} from 'node:child_process'

export interface BoundedRunOptions {
  cwd?: string
  env: NodeJS.ProcessEnv
  timeoutMs: number
  /** Kill the program once its stdout passes this many bytes. */
  maxStdout: number
  /** Keep stderr up to about this many characters. */
  maxStderr: number
  /** Written to stdin, which is closed after; without it, stdin is /dev/null. */
  input?: Buffer | string
}

export interface BoundedRun {
  /** The exit code; null when the program was killed or did not start. */
  code: number | null
  stdout: Buffer
  stderr: string
  timedOut: boolean
  /** stdout passed maxStdout: the program was killed and stdout holds only what came before. */
  stdoutTooLarge: boolean
  spawnError?: NodeJS.ErrnoException
}

export function runBounded(program: string, args: string[], options: BoundedRunOptions, spawn: typeof nodeSpawn = nodeSpawn): Promise<BoundedRun> {
  return new Promise<BoundedRun>((resolve) => {
    const piped = options.input !== undefined
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    })
    const out: Buffer[] = []
    let size = 0
    let stderr = ''
    let timedOut = false
    let stdoutTooLarge = false
    let settled = false
    const kill = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL')
        else child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      kill()
    }, options.timeoutMs)
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdoutTooLarge) return
      size += chunk.length
      if (size > options.maxStdout) {
        stdoutTooLarge = true
        kill()
      } else out.push(chunk)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < options.maxStderr) stderr += chunk.toString('utf8')
    })
    const finish = (code: number | null, spawnError?: NodeJS.ErrnoException) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({code, stdout: Buffer.concat(out), stderr, timedOut, stdoutTooLarge, ...(spawnError ? {spawnError} : {})})
    }
    child.on('error', (error) => finish(null, error))
    child.on('close', (code) => finish(code))
    if (piped && child.stdin) {
      child.stdin.on('error', () => {})
      child.stdin.end(options.input)
    }
  })
}
