import type {KubeConfig} from '@kubernetes/client-node'
import {ChildProcess, SpawnOptions, spawn} from 'node:child_process'
import type {Readable} from 'node:stream'

import {Settings} from './config/settings.js'
import {InquirerPrompter, Prompter} from './input/prompter.js'
import {assertDns1123Label} from './names.js'
import {berthHome} from './paths.js'
import type {KubeClient} from './kube/client.js'
import {UsageError} from './errors.js'
import {parseBackendName, openSecretStore} from './secrets/index.js'
import {KubeSecretStore} from './secrets/kube.js'
import type {SecretStore} from './secrets/store.js'
import type {StateBackend} from './state/backend.js'
import {connectKubeBackend} from './state/kube-connection.js'
import {KubeStateStore} from './state/kube-store.js'
import {StateStore} from './state/store.js'
import type {DockerEngine} from './docker/engine.js'
import type {RegistryClient} from './registry/client.js'

/** Runs an external program: child_process.spawn, or a fake in tests. */
export type ProcessRunner = (command: string, args: string[], options: SpawnOptions) => ChildProcess

/** The dependencies a test can replace. */
export interface ContextOverrides {
  state: StateBackend
  secrets: SecretStore
  prompter: Prompter
  now: () => Date
  /** The registry client of a docker-registry endpoint. */
  registry: (endpoint: string, options: {timeoutMs?: number}) => Promise<RegistryClient>
  /** The KubeConfig of a kubernetes endpoint. */
  kube: (endpoint: string) => Promise<KubeConfig>
  docker: () => Promise<DockerEngine>
  spawn: ProcessRunner
}

export interface BerthContextOptions {
  env?: NodeJS.ProcessEnv
  /** --project, when given. */
  project?: string
  stdin?: Readable & {isTTY?: boolean}
  /** Replace any dependency (tests). */
  overrides?: Partial<ContextOverrides>
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
  readonly now: () => Date
  private readonly stdinOption?: Readable & {isTTY?: boolean}
  private readonly projectFlag?: string
  private readonly overrides: NonNullable<BerthContextOptions['overrides']>
  private stateStore?: StateBackend
  private kubeBackendClient?: Promise<KubeClient>
  private kubeSecretStore?: KubeSecretStore
  private secretStore?: Promise<SecretStore>
  private projectName?: Promise<string>
  private dockerEngine?: Promise<DockerEngine>

  constructor(options: BerthContextOptions = {}) {
    this.env = options.env ?? process.env
    this.home = berthHome(this.env)
    this.settings = new Settings(this.home, this.env)
    this.stdinOption = options.stdin
    this.projectFlag = options.project
    this.overrides = options.overrides ?? {}
    this.now = this.overrides.now ?? (() => new Date())
  }

  /** The input: process.stdin unless a test hands another. Made on first use: Node builds a stream for it (start-up time). */
  get stdin(): Readable & {isTTY?: boolean} {
    return this.stdinOption ?? process.stdin
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

  /** The state backend: files under BERTH_HOME, or custom resources (the backend setting, BERTH_BACKEND). */
  state(): StateBackend {
    this.stateStore ??= this.overrides.state ?? (this.stateBackendName() === 'kubernetes' ? this.kubeState() : this.fileState())
    return this.stateStore
  }

  /** The file backend under BERTH_HOME, whatever backend is chosen (state export and import use both). */
  fileState(): StateStore {
    if (this.overrides.state instanceof StateStore) return this.overrides.state
    return new StateStore({home: this.home, now: this.now})
  }

  /** The Kubernetes backend as configured (kube-kubeconfig, kube-context, kube-namespace), whatever backend is chosen. */
  kubeState(): KubeStateStore {
    if (this.overrides.state instanceof KubeStateStore) return this.overrides.state
    return new KubeStateStore({connect: () => this.kubeBackend(), namespace: this.settings.resolveSync('kube-namespace').value, now: this.now})
  }

  /** The Kubernetes backend's secret store (Kubernetes Secrets in its namespace). */
  kubeSecrets(): KubeSecretStore {
    this.kubeSecretStore ??= new KubeSecretStore({connect: () => this.kubeBackend(), namespace: this.settings.resolveSync('kube-namespace').value})
    return this.kubeSecretStore
  }

  stateBackendName(): 'file' | 'kubernetes' {
    const setting = this.settings.resolveSync('backend')
    if (setting.value === 'file' || setting.value === 'kubernetes') return setting.value
    throw new UsageError(`${setting.source === 'env' ? 'BERTH_BACKEND' : `backend in ${this.settings.file}`} is ${JSON.stringify(setting.value)}; expected file or kubernetes.`)
  }

  /** The API connection of the Kubernetes backend, opened once. */
  private kubeBackend(): Promise<KubeClient> {
    this.kubeBackendClient ??= Promise.resolve().then(() => {
      const file = this.settings.resolveSync('kube-kubeconfig').value
      const context = this.settings.resolveSync('kube-context').value
      return connectKubeBackend({kubeconfigFile: file || undefined, context: context || undefined, env: this.env})
    })
    return this.kubeBackendClient
  }

  /**
   * The secret store. On the Kubernetes backend secrets are Kubernetes Secrets (a team shares
   * them with the objects), unless BERTH_SECRET_STORE=env reads them from the environment in CI.
   */
  secrets(): Promise<SecretStore> {
    if (this.overrides.secrets) return Promise.resolve(this.overrides.secrets)
    this.secretStore ??= this.settings.resolve('secret-store').then((setting) => {
      if (this.stateBackendName() === 'kubernetes' && !(setting.source === 'env' && setting.value === 'env')) return this.kubeSecrets()
      return this.localSecrets()
    })
    return this.secretStore
  }

  /** The secret store of the file backend (the secret-store setting), whatever backend is chosen. */
  async localSecrets(): Promise<SecretStore> {
    const setting = await this.settings.resolve('secret-store')
    const source = setting.source === 'env' ? 'BERTH_SECRET_STORE' : `secret-store in ${this.settings.file}`
    return openSecretStore({backend: parseBackendName(setting.value, source), home: this.home, env: this.env, kube: () => this.kubeSecrets()})
  }

  prompter(): Prompter {
    return this.overrides.prompter ?? new InquirerPrompter()
  }

  /**
   * The registry client of a docker-registry endpoint, credentials read from the secret
   * store. Commands take clients from here instead of constructing them.
   */
  async registry(endpoint: string, options: {timeoutMs?: number} = {}): Promise<RegistryClient> {
    if (this.overrides.registry) return this.overrides.registry(endpoint, options)
    const {registryClientOf} = await import('./endpoints/clients.js')
    return registryClientOf(this, endpoint, options)
  }

  /** The KubeConfig of a kubernetes endpoint (its stored kubeconfig, the endpoint's context current). */
  async kube(endpoint: string): Promise<KubeConfig> {
    if (this.overrides.kube) return this.overrides.kube(endpoint)
    const {kubeConfigOf} = await import('./endpoints/clients.js')
    return kubeConfigOf(this, endpoint)
  }

  /** The local Docker engine (DOCKER_HOST), connected once per context; dockerode is loaded only here. */
  docker(): Promise<DockerEngine> {
    this.dockerEngine ??= this.overrides.docker ? this.overrides.docker() : import('./docker/engine.js').then(({openDockerEngine}) => openDockerEngine(this.env))
    return this.dockerEngine
  }

  /** Runs external programs (endpoint exec, git, helm). */
  get spawn(): ProcessRunner {
    return this.overrides.spawn ?? spawn
  }
}
