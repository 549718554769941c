/**
 * Run a berth command inside the test process: the command class from src/, oclif's
 * parsing and the base command's error handling, with the context built from the given
 * environment and stdin through BerthCommand.contextFactory. About 100 times faster than
 * spawning the CLI; spawned runs (helpers/cli.ts runBerth) stay for exit codes of the real
 * binary, stdout/stderr separation and signals.
 */
import {Config, Errors} from '@oclif/core'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'
import {pathToFileURL} from 'node:url'

import type {BerthCommand} from '../../src/cli/base-command.js'
import type {BerthContext} from '../../src/lib/context.js'
import {ROOT, RunResult} from './cli.js'

/** src/ modules by file URL, as the command files import them: a static import from a test can give a second copy of a class. */
const fromSrc = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(ROOT, 'src', file)).href) as Promise<T>

let config: Promise<Config> | undefined

/** The command file for the longest prefix of `args` that names one, and the rest as its argv. */
function locate(args: string[]): {file: string; id: string; argv: string[]} {
  for (let n = Math.min(args.length, 3); n > 0; n--) {
    const file = path.join(ROOT, 'src', 'commands', ...args.slice(0, n)) + '.ts'
    if (existsSync(file)) return {file, id: args.slice(0, n).join(':'), argv: args.slice(n)}
  }
  throw new Error(`no command for ${args.join(' ')}`)
}

/** Options: the environment berth sees (as berthEnv builds it) and what stdin holds (not a terminal). */
export async function runInProcess(args: string[], options: {env: NodeJS.ProcessEnv; input?: string}): Promise<RunResult> {
  config ??= Config.load(ROOT)
  const {file, id, argv} = locate(args)
  const {default: Command} = (await import(pathToFileURL(file).href)) as {default: typeof BerthCommand & {run: (argv: string[], config: Config) => Promise<unknown>; id?: string}}
  Command.id = id
  const {BerthCommand: Base} = await fromSrc<{BerthCommand: typeof BerthCommand}>('cli/base-command.ts')
  const {BerthContext: Context} = await fromSrc<{BerthContext: typeof BerthContext}>('lib/context.ts')
  const stdin = Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)])
  const previousFactory = Base.contextFactory
  Base.contextFactory = ({project}) => new Context({env: options.env, project, stdin})
  let stdout = ''
  let stderr = ''
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  const savedEnv = {NO_COLOR: process.env.NO_COLOR, DEBUG: process.env.DEBUG}
  process.env.NO_COLOR = '1'
  delete process.env.DEBUG
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write
  let code = 0
  try {
    await Command.run(argv, await config)
  } catch (error) {
    if (error instanceof Errors.ExitError) code = error.oclif.exit ?? 1
    else if (error instanceof Errors.CLIError) {
      code = error.oclif?.exit ?? 2
      stderr += `${error.message}\n`
    } else throw error
  } finally {
    process.stdout.write = out
    process.stderr.write = err
    Base.contextFactory = previousFactory
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
  return {code, stdout, stderr}
}
