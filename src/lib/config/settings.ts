import {readFileSync} from 'node:fs'
import path from 'node:path'

import {DamagedStateError, UsageError, ValidationError, messageOf} from '../errors.js'
import {dns1123LabelProblem, quote} from '../names.js'
import {SECRET_BACKENDS} from '../secrets/store.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {STATE_BACKENDS} from '../state/backend.js'
import {stateLock} from '../state/lock.js'
import {isPlainObject, parseFlatStringMapping, parseYaml, toYaml} from '../yaml.js'

const SETTINGS_MAX_BYTES = 64 * 1024

/** A setting berth knows: its key, what it means, and how a value is checked. */
export interface SettingDefinition {
  key: string
  description: string
  /** The environment variable that overrides the file, if any. */
  env?: string
  defaultValue: string
  /** Why `value` is not acceptable, or undefined. */
  problem(value: string): string | undefined
}

/** The check of a setting that must be a DNS-1123 label (what: its name in the message). */
function dns1123Setting(what: string): (value: string) => string | undefined {
  return (value) => {
    const problem = dns1123LabelProblem(value)
    return problem ? `${what} must be a DNS-1123 label: ${problem}` : undefined
  }
}

export const SETTINGS: readonly SettingDefinition[] = [
  {
    key: 'project',
    description: 'The project used when --project and BERTH_PROJECT are not given.',
    env: 'BERTH_PROJECT',
    defaultValue: 'default',
    problem: dns1123Setting('a project name'),
  },
  {
    key: 'secret-store',
    description: 'Where secrets are kept: keychain (the OS keychain), file (encrypted, needs BERTH_PASSPHRASE) or env (read-only, BERTH_SECRET_<NAME>_<FIELD>).',
    env: 'BERTH_SECRET_STORE',
    defaultValue: 'keychain',
    problem: (value) => ((SECRET_BACKENDS as readonly string[]).includes(value) ? undefined : `expected one of: ${SECRET_BACKENDS.join(', ')}`),
  },
  {
    key: 'backend',
    description: 'Where objects are kept: file (YAML under BERTH_HOME) or kubernetes (custom resources, shared by a team; secrets in Kubernetes Secrets).',
    env: 'BERTH_BACKEND',
    defaultValue: 'file',
    problem: (value) => ((STATE_BACKENDS as readonly string[]).includes(value) ? undefined : `expected one of: ${STATE_BACKENDS.join(', ')}`),
  },
  {
    key: 'kube-kubeconfig',
    description: 'The kubeconfig file of the Kubernetes backend (default: the service account in a pod, else $KUBECONFIG, else ~/.kube/config).',
    env: 'BERTH_KUBECONFIG',
    defaultValue: '',
    problem: (value) => (value.trim() === '' || /[\0\n]/.test(value) ? 'expected a file path' : undefined),
  },
  {
    key: 'kube-context',
    description: 'The context of that kubeconfig (default: its current-context).',
    env: 'BERTH_KUBE_CONTEXT',
    defaultValue: '',
    problem: (value) => (value.trim() === '' || /[\0\n]/.test(value) ? 'expected a context name' : undefined),
  },
  {
    key: 'kube-namespace',
    description: "The namespace holding berth's objects on the Kubernetes backend.",
    env: 'BERTH_KUBE_NAMESPACE',
    defaultValue: 'berth-system',
    problem: dns1123Setting('a namespace'),
  },
]

export type SettingSource = 'flag' | 'env' | 'file' | 'default'

export interface ResolvedSetting {
  key: string
  value: string
  source: SettingSource
  description: string
}

export function settingDefinition(key: string): SettingDefinition {
  const def = SETTINGS.find((s) => s.key === key)
  if (!def) {
    throw new UsageError(`Unknown setting ${quote(key)}.`, {hint: `Known settings: ${SETTINGS.map((s) => s.key).join(', ')}.`})
  }
  return def
}

/** berth's own settings, in <home>/config.yaml. */
export class Settings {
  readonly file: string
  private cache?: Record<string, string>

  constructor(private readonly home: string, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.file = path.join(home, 'config.yaml')
  }

  /**
   * The values written in the file. Read synchronously: it is a few bytes, read once per process,
   * and node's fs.promises costs a command ~1 ms to load (start-up time).
   */
  async fileValues(): Promise<Record<string, string>> {
    return this.fileValuesSync()
  }

  /** The values written in the file, read synchronously (for choosing the state backend, which is built synchronously). */
  fileValuesSync(): Record<string, string> {
    if (this.cache) return this.cache
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return (this.cache = {})
      throw error
    }
    return (this.cache = this.parse(text))
  }

  private parse(text: string): Record<string, string> {
    // The file as berth writes it is read without loading the YAML parser (start-up time).
    const flat = parseFlatStringMapping(text, SETTINGS_MAX_BYTES)
    if (flat) return flat
    let parsed: unknown
    try {
      parsed = parseYaml(text, {source: this.file, maxBytes: SETTINGS_MAX_BYTES})
    } catch (error) {
      throw new DamagedStateError(this.file, `berth's settings file is damaged: ${messageOf(error)}`, {hint: 'Fix or delete the file; it only holds settings.'})
    }
    if (parsed === null || parsed === undefined) return {}
    if (!isPlainObject(parsed)) throw new DamagedStateError(this.file, `berth's settings file ${this.file} is damaged: it is not a YAML mapping.`)
    const values: Record<string, string> = {}
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw new DamagedStateError(this.file, `berth's settings file ${this.file} is damaged: "${key}" is not a string.`)
      values[key] = value
    }
    return values
  }

  /** resolve, synchronously (no flag). */
  resolveSync(key: string): ResolvedSetting {
    const def = settingDefinition(key)
    const base = {key, description: def.description}
    const fromEnv = def.env ? this.env[def.env] : undefined
    if (fromEnv) return {...base, value: fromEnv, source: 'env'}
    const fromFile = this.fileValuesSync()[key]
    if (fromFile !== undefined) return {...base, value: fromFile, source: 'file'}
    return {...base, value: def.defaultValue, source: 'default'}
  }

  /** A setting's effective value: a flag, then the environment, then the file, then the default. */
  async resolve(key: string, flagValue?: string): Promise<ResolvedSetting> {
    const def = settingDefinition(key)
    const base = {key, description: def.description}
    if (flagValue !== undefined) return {...base, value: flagValue, source: 'flag'}
    const fromEnv = def.env ? this.env[def.env] : undefined
    if (fromEnv) return {...base, value: fromEnv, source: 'env'}
    const fromFile = (await this.fileValues())[key]
    if (fromFile !== undefined) return {...base, value: fromFile, source: 'file'}
    return {...base, value: def.defaultValue, source: 'default'}
  }

  async list(): Promise<ResolvedSetting[]> {
    return Promise.all(SETTINGS.map((s) => this.resolve(s.key)))
  }

  async set(key: string, value: string): Promise<ResolvedSetting> {
    const def = settingDefinition(key)
    const problem = def.problem(value)
    if (problem) throw new ValidationError(`Invalid value ${quote(value)} for ${key}: ${problem}.`)
    await this.change((values) => {
      values[key] = value
    })
    return {key, value, source: 'file', description: def.description}
  }

  async unset(key: string): Promise<void> {
    settingDefinition(key)
    await this.change((values) => {
      delete values[key]
    })
  }

  /** Read-change-write under the state lock of this home, the one the state store takes: re-entrant inside a store transaction. */
  private async change(mutate: (values: Record<string, string>) => void): Promise<void> {
    await stateLock(this.home).run(async () => {
      this.cache = undefined
      const values = {...(await this.fileValues())}
      mutate(values)
      await writeFileAtomic(this.file, toYaml(values))
      this.cache = values
    })
  }
}
