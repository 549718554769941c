import {Command, Errors, Flags, Interfaces} from '@oclif/core'

import {BerthContext} from '../lib/context.js'
import {FileSystemError, InterruptedError, UsageError, isBerthError, isPromptInterrupt, osErrorCode} from '../lib/errors.js'
import {dns1123LabelProblem, quote} from '../lib/names.js'
import {defaultHint} from './hints.js'
import {Style, plainStyle, styleFor} from '../lib/output/style.js'

export type BerthFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BerthCommand)['baseFlags'] & T['flags']>
export type BerthArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * The base of every berth command: owns --json and --project, builds the
 * dependency context lazily, prints data to stdout and notices to stderr, and
 * turns errors into a message, a hint and an exit code (0 ok, 1 failed, 2 usage).
 */
export abstract class BerthCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    project: Flags.string({
      char: 'p',
      summary: 'Project the objects belong to (default: BERTH_PROJECT, then the "project" setting, then "default").',
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BerthFlags<T>
  protected args!: BerthArgs<T>
  private contextValue?: BerthContext
  private stdoutStyle?: Style
  private stderrStyle?: Style

  /** Tests replace the context through this seam. */
  static contextFactory: (options: {project?: string}) => BerthContext = (options) => new BerthContext(options)

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BerthCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BerthFlags<T>
    this.args = args as BerthArgs<T>
  }

  protected get context(): BerthContext {
    this.contextValue ??= (this.ctor as unknown as typeof BerthCommand).contextFactory({project: (this.flags as {project?: string}).project})
    return this.contextValue
  }

  /** Styles for stdout, decided once: no colour with NO_COLOR, --json or a non-terminal. */
  protected async out(): Promise<Style> {
    this.stdoutStyle ??= this.jsonEnabled() ? plainStyle : await styleFor(process.stdout)
    return this.stdoutStyle
  }

  protected async err(): Promise<Style> {
    this.stderrStyle ??= await styleFor(process.stderr)
    return this.stderrStyle
  }

  /**
   * JSON on stdout, 2-space indented. oclif's own logJson tokenises the text to colour it even
   * without a theme (several ms for a list of a hundred endpoints); without a JSON theme the text
   * is the same, so it is written directly.
   */
  public override logJson(json: unknown): void {
    if (this.config.theme?.json) {
      super.logJson(json)
      return
    }
    process.stdout.write(`${JSON.stringify(typeof json === 'string' ? JSON.parse(json) : json, null, 2)}\n`)
  }

  /** A warning: stderr, also under --json (stdout stays data only). */
  protected warning(message: string, hint?: string): void {
    process.stderr.write(`Warning: ${message}\n${hint ? `Hint: ${hint}\n` : ''}`)
  }

  /** A notice or progress line for people: stderr, silent under --json. */
  protected notice(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  /**
   * Lower layers cannot know which endpoint a command was given, so their hints say
   * "berth endpoint update NAME"; the command knows: its NAME argument or --endpoint flag.
   */
  private withEndpointName(hint: string | undefined): string | undefined {
    if (!hint?.includes(' NAME')) return hint
    const args = this.args as {name?: unknown; endpoint?: unknown} | undefined
    const given = args?.name ?? args?.endpoint ?? (this.flags as {endpoint?: unknown} | undefined)?.endpoint
    if (typeof given !== 'string' || dns1123LabelProblem(given)) return hint
    return hint.replace(/(berth endpoint (?:update|test|show|delete)) NAME\b/g, `$1 ${given}`)
  }

  /** oclif's parse errors, said with the flags as they are typed ("--endpoint (-e)"), and a hint for values that look like flags. */
  private clearerParseError(err: Errors.CLIError): UsageError | undefined {
    const command = `${this.config.bin} ${this.id?.split(':').join(' ') ?? ''}`.trim()
    const flags = (this.ctor.flags ?? {}) as Record<string, {char?: string}>
    const missing = [...err.message.matchAll(/Missing required flag ([\w-]+)/g)].map((m) => m[1]!)
    if (missing.length > 0) {
      const named = missing.map((name) => `--${name}${flags[name]?.char ? ` (-${flags[name].char})` : ''}`)
      return new UsageError(`Missing required flag${named.length > 1 ? 's' : ''} ${named.join(', ')}.`, {hint: `See: ${command} --help`, cause: err})
    }
    const unknown = (err as Errors.CLIError & {flags?: unknown}).flags
    if (Array.isArray(unknown) && unknown.length > 0 && /Nonexistent flag/.test(err.message)) {
      const first = String(unknown[0])
      // "-hub" may be a name that starts with "-"; "--bogus" is a flag that does not exist.
      const value = /^-[^-]/.test(first) && first.length > 2
      return new UsageError(`Unknown flag${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => quote(String(f))).join(', ')}.`, {
        hint: value ? `A value beginning with "-" (such as a name) goes after --, with the flags before it: ${command} [FLAGS] -- … ${first}. See: ${command} --help` : `See: ${command} --help`,
        cause: err,
      })
    }
    return undefined
  }

  protected override async catch(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (thrown instanceof Errors.ExitError) throw thrown
    // Ctrl-C at a prompt and the machine's own failures (permissions, a full or read-only disk) are not bugs.
    let err = thrown
    if (isPromptInterrupt(thrown)) err = new InterruptedError(undefined, {cause: thrown})
    else if (osErrorCode(thrown)) err = FileSystemError.from(thrown, {home: this.contextValue?.home ?? process.env.BERTH_HOME})
    else if (thrown instanceof Errors.CLIError) err = this.clearerParseError(thrown) ?? thrown
    const exitCode = isBerthError(err) ? err.exitCode : (err.oclif?.exit ?? (err instanceof Errors.CLIError ? 2 : 1))
    const known = isBerthError(err) || err instanceof Errors.CLIError
    const message = known ? err.message : `Internal error: ${err.message || String(err)}`
    const hint = this.withEndpointName(isBerthError(err) ? (err.hint ?? defaultHint(err)) : undefined)
    if (this.jsonEnabled()) {
      const code = isBerthError(err) ? err.code : known ? 'usage' : 'internal'
      // One shape for every error: a missing hint or step is null, never an absent key.
      this.logJson({error: {code, message, hint: hint ?? null, step: (isBerthError(err) ? err.step : undefined) ?? null, exitCode}})
    }
    const style = await this.err()
    process.stderr.write(`${style.red('Error:')} ${message}\n`)
    if (hint) process.stderr.write(`${style.dim('Hint:')} ${hint}\n`)
    if (!known && !process.env.DEBUG) process.stderr.write('This is a bug in berth; run again with DEBUG=1 for the stack trace.\n')
    if (process.env.DEBUG && err.stack) process.stderr.write(`${err.stack}\n`)
    return this.exit(exitCode)
  }
}

