import type {Readable} from 'node:stream'

import {Settings} from './config/settings.js'
import {InquirerPrompter, Prompter} from './input/prompter.js'
import {assertDns1123Label} from './names.js'
import {berthHome} from './paths.js'
import {parseBackendName, openSecretStore} from './secrets/index.js'
import type {SecretStore} from './secrets/store.js'
import {StateStore} from './state/store.js'

export interface BerthContextOptions {
  env?: NodeJS.ProcessEnv
  /** --project, when given. */
  project?: string
  stdin?: Readable & {isTTY?: boolean}
  /** Replace any dependency (tests). */
  overrides?: Partial<{state: StateStore; secrets: SecretStore; prompter: Prompter; now: () => Date}>
}

/**
 * Everything a berth operation depends on, built lazily so that a command
 * loads only what it uses (the keychain module, inquirer, the Kubernetes client).
 * Library functions take the parts they need from here; tests swap them.
 */
export class BerthContext {
  readonly env: NodeJS.ProcessEnv
  readonly home: string
  readonly settings: Settings
  readonly stdin: Readable & {isTTY?: boolean}
  readonly now: () => Date
  private readonly projectFlag?: string
  private readonly overrides: NonNullable<BerthContextOptions['overrides']>
  private stateStore?: StateStore
  private secretStore?: Promise<SecretStore>
  private projectName?: Promise<string>

  constructor(options: BerthContextOptions = {}) {
    this.env = options.env ?? process.env
    this.home = berthHome(this.env)
    this.settings = new Settings(this.home, this.env)
    this.stdin = options.stdin ?? process.stdin
    this.projectFlag = options.project
    this.overrides = options.overrides ?? {}
    this.now = this.overrides.now ?? (() => new Date())
  }

  /** Prompts are allowed only when stdin is a terminal. */
  get interactive(): boolean {
    return Boolean(this.stdin.isTTY)
  }

  /** The project: --project, then BERTH_PROJECT, then the config file, then "default". */
  project(): Promise<string> {
    this.projectName ??= this.settings.resolve('project', this.projectFlag).then((setting) => {
      assertDns1123Label(setting.value, setting.source === 'env' ? 'project name in BERTH_PROJECT' : 'project name')
      return setting.value
    })
    return this.projectName
  }

  state(): StateStore {
    this.stateStore ??= this.overrides.state ?? new StateStore({home: this.home, now: this.now})
    return this.stateStore
  }

  secrets(): Promise<SecretStore> {
    if (this.overrides.secrets) return Promise.resolve(this.overrides.secrets)
    this.secretStore ??= this.settings.resolve('secret-store').then((setting) => {
      const source = setting.source === 'env' ? 'BERTH_SECRET_STORE' : `secret-store in ${this.settings.file}`
      return openSecretStore({backend: parseBackendName(setting.value, source), home: this.home, env: this.env})
    })
    return this.secretStore
  }

  prompter(): Prompter {
    return this.overrides.prompter ?? new InquirerPrompter()
  }
}
