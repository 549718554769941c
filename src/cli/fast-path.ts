import {appendFileSync, existsSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * berth's start-up path. A known command id of this CLI (from the bundle's command index) runs
 * its command class directly, the way oclif's `Command.run` does, but with a small
 * config object instead of oclif's `Config.load` (which reads every plugin and costs
 * 25 ms, twice). Everything else goes to oclif's `execute`: no arguments, `--help`,
 * `--version`, `help`, plugin commands, aliases, unknown ids, DEBUG, OCLIF_* settings,
 * a user theme, hooks, and BERTH_NO_FAST_PATH=1.
 *
 * What this reimplements of oclif 4.14.0 (main.js `run`, command.js `Command.run`,
 * config.js `scopedEnvVar*`, index.js `checkNodeVersion`) is pinned: scripts/bundle.mjs
 * refuses to build against another @oclif/core version or when a plugin gains a hook
 * this path would skip, and test/commands/fast-path.test.ts requires byte-identical
 * output and exit codes from both paths.
 */

/** The oclif pieces the fast path uses, handed in by the bundle entry (scripts/bundle.mjs). */
export interface OclifInternals {
  Cache: {getInstance(): Map<string, unknown>}
  Config: {load(root: string): Promise<unknown>}
  /** The bundle's commands (a start-up bundle has some of them). */
  COMMANDS: Record<string, CommandClass>
  /**
   * Every berth command id with what oclif's normalizeArgv reads of it (the manifest's `args` and
   * `strict`), written into the bundle by scripts/bundle.mjs: reading the 150 KiB
   * oclif.manifest.json cost each start ~1.5 ms. test/scripts/command-index.test.ts holds it to the manifest.
   */
  INDEX: Record<string, ManifestCommand>
  /**
   * The start-up bundle's: the full bundle's main, which runs whatever this bundle has no fast
   * path for (another command, help, oclif's full path). Called before anything is printed.
   */
  delegate?: () => (options: CliOptions) => Promise<unknown>
  enabled: boolean
  execute(options: {args: string[]; dir: string}): Promise<unknown>
  flush(): Promise<void>
  handle(error: Error): Promise<void>
  normalizeArgv(config: FastConfig, argv: string[]): string[]
}

interface CommandClass {
  id?: string
  new (argv: string[], config: FastConfig): {_run(): Promise<unknown>; id?: string}
}

interface PackageJson {
  engines?: {node?: string}
  name: string
  oclif: {
    additionalHelpFlags?: string[]
    additionalVersionFlags?: string[]
    bin?: string
    binAliases?: string[]
    commands?: {strategy?: string} | string
    dirname?: string
    exitCodes?: Record<string, number>
    flexibleTaxonomy?: boolean
    hooks?: Record<string, unknown>
    theme?: unknown
    topicSeparator?: string
  }
  version: string
}

interface ManifestCommand {
  aliases?: string[]
  args?: Record<string, unknown>
  strict?: boolean
}

/** The part of oclif's Config that berth's commands and oclif's Command use while running. */
export interface FastConfig {
  arch: string
  bin: string
  binAliases?: string[]
  commandIDs: string[]
  dirname: string
  findCommand(id: string): ManifestCommand | undefined
  flexibleTaxonomy: boolean
  isSingleCommandCLI: boolean
  name: string
  pjson: PackageJson
  platform: string
  root: string
  runHook(): Promise<{failures: []; successes: []}>
  scopedEnvVar(k: string): string | undefined
  scopedEnvVarKey(k: string): string
  scopedEnvVarKeys(k: string): string[]
  scopedEnvVarTrue(k: string): boolean
  theme: undefined
  topicSeparator: string
  userAgent: string
  version: string
  windows: boolean
}

export interface CliOptions {
  argv: string[]
  /** The package's directory (where package.json is). */
  root: string
}

interface Plan {
  argv: string[]
  Command: CommandClass
  config: FastConfig
  id: string
}

const truthy = (v: string | undefined): boolean => v === '1' || v === 'true'

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

/** oclif's config.scopedEnvVarKeys: BERTH_<KEY> (and one per bin alias). */
function scopedEnvVarKeys(bins: string[], k: string): string[] {
  return bins.filter(Boolean).map((alias) => [alias.replaceAll('@', '').replaceAll(/[/-]/g, '_'), k].join('_').toUpperCase())
}

function fastConfig(root: string, pjson: PackageJson, commands: Record<string, ManifestCommand>): FastConfig {
  const bin = pjson.oclif.bin ?? pjson.name
  const bins = [bin, ...(pjson.oclif.binAliases ?? [])]
  const scopedEnvVar = (k: string): string | undefined => process.env[scopedEnvVarKeys(bins, k).find((key) => process.env[key]) ?? '']
  return {
    arch: os.arch() === 'ia32' ? 'x86' : os.arch(),
    bin,
    binAliases: pjson.oclif.binAliases,
    commandIDs: Object.keys(commands),
    dirname: pjson.oclif.dirname ?? pjson.name,
    findCommand: (id) => commands[id],
    flexibleTaxonomy: pjson.oclif.flexibleTaxonomy ?? false,
    isSingleCommandCLI: false,
    name: pjson.name,
    pjson,
    platform: process.platform,
    root,
    runHook: async () => ({failures: [], successes: []}),
    scopedEnvVar,
    scopedEnvVarKey: (k) => [bin, k].map((p) => p.replaceAll('@', '').replaceAll(/[/-]/g, '_')).join('_').toUpperCase(),
    scopedEnvVarKeys: (k) => scopedEnvVarKeys(bins, k),
    scopedEnvVarTrue: (k) => truthy(scopedEnvVar(k)),
    theme: undefined,
    topicSeparator: pjson.oclif.topicSeparator ?? ':',
    userAgent: `${pjson.name}/${pjson.version} ${process.platform}-${os.arch() === 'ia32' ? 'x86' : os.arch()} node-${process.version}`,
    version: pjson.version,
    windows: process.platform === 'win32',
  }
}

/** Where oclif's Config looks for a user theme (configDir/theme.json). */
function userThemeFile(config: FastConfig): string {
  const configDir =
    config.scopedEnvVar('CONFIG_DIR') ??
    path.join(process.env.XDG_CONFIG_HOME || path.join(process.env.HOME || os.homedir(), '.config'), config.dirname)
  return path.resolve(configDir, 'theme.json')
}

/** Kept equal to FULL_PATH_ONLY_HOOKS in scripts/fast-path-check.mjs (test/scripts/fast-path-check.test.ts checks). */
export const FULL_PATH_ONLY_HOOKS: ReadonlySet<string> = new Set(['command_not_found', 'command_incomplete', 'plugins:postinstall', 'plugins:preinstall'])

/** A plan to run a known command directly, or undefined for oclif's full path. */
export function fastPlan(root: string, pjson: PackageJson | undefined, argv: string[], internals: OclifInternals): Plan | undefined {
  const env = process.env
  if (!internals.enabled || truthy(env.BERTH_NO_FAST_PATH) || env.DEBUG) return undefined
  if (Object.keys(env).some((key) => key.startsWith('OCLIF_'))) return undefined
  if (argv.length === 0) return undefined
  if (!pjson?.oclif || typeof pjson.oclif.commands !== 'object' || pjson.oclif.commands.strategy !== 'explicit') return undefined
  // Hooks that fire only when argv names no command (or a plugin is installed) do not matter
  // here: the fast path runs only a command it found. Any other hook is oclif's to run.
  if (pjson.oclif.hooks && Object.keys(pjson.oclif.hooks).some((event) => !FULL_PATH_ONLY_HOOKS.has(event))) return undefined
  if (pjson.oclif.theme) return undefined
  const helpFlags = new Set([...(pjson.oclif.additionalHelpFlags ?? []), '--help'])
  for (const arg of argv) {
    if (arg === '--') break
    if (helpFlags.has(arg)) return undefined
  }
  if (['--version', ...(pjson.oclif.additionalVersionFlags ?? [])].includes(argv[0])) return undefined
  const config = fastConfig(root, pjson, internals.INDEX)
  // Plugin command ids (help, autocomplete) are not in the index: only take argv whose first
  // word starts one of berth's own ids, where plugin ids cannot change the id oclif finds.
  if (!config.commandIDs.some((id) => id.split(':')[0] === argv[0])) return undefined
  const [id, ...rest] = internals.normalizeArgv(config, [...argv])
  const Command = Object.hasOwn(internals.INDEX, id) ? internals.COMMANDS[id] : undefined
  if (!Command) return undefined
  if (config.scopedEnvVarTrue('DISABLE_THEME') === false && existsSync(userThemeFile(config))) return undefined
  return {argv: rest, Command, config, id}
}

/** oclif's start-up warning when Node does not satisfy engines.node (here berth's own ">=X.Y.Z"). */
export function checkNodeVersion(pjson: PackageJson | undefined): void {
  if (truthy(process.env.OCLIF_DISABLE_ENGINE_WARNING)) return
  const range = pjson?.engines?.node
  const min = range && /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim())
  if (!min) return
  const have = process.versions.node.split('.').map(Number)
  const want = min.slice(1).map(Number)
  const below = have[0] !== want[0] ? have[0] < want[0] : have[1] !== want[1] ? have[1] < want[1] : have[2] < want[2]
  if (below) process.emitWarning(`Node version must be ${range} to use this CLI. Current node version: ${process.versions.node}`)
}

function report(taken: 'fast' | 'full'): void {
  // Lets the equivalence test check which path a case took, without touching stdout or stderr.
  const file = process.env.BERTH_FAST_PATH_REPORT
  if (file) appendFileSync(file, `${taken}\n`)
}

/** The CLI: the fast path for a known command, oclif's execute for everything else. */
export async function runCli(options: CliOptions, internals: OclifInternals): Promise<unknown> {
  const {root} = options
  const pjson = readJson<PackageJson>(path.join(root, 'package.json'))
  const plan = fastPlan(root, pjson, options.argv, internals)
  if (!plan && internals.delegate) return internals.delegate()(options)
  checkNodeVersion(pjson)
  report(plan ? 'fast' : 'full')
  if (!plan) return internals.execute({args: options.argv, dir: root})
  // What main.run and Config.runCommand do around the command, without the hooks
  // (there are none: the build checks) and without Config.load.
  const cache = internals.Cache.getInstance()
  cache.set('exitCodes', plan.config.pjson.oclif.exitCodes ?? {})
  plan.Command.id = plan.id
  try {
    const command = new plan.Command(plan.argv, plan.config)
    if (!command.id) command.id = plan.id
    const result = await command._run()
    void internals.flush()
    return result
  } catch (error) {
    // oclif's handler shows command help for some parse errors; that needs the real config.
    if ((error as {showHelp?: boolean}).showHelp && !cache.has('config')) cache.set('config', await internals.Config.load(root))
    return internals.handle(error as Error)
  }
}
