/**
 * `berth endpoint exec NAME... -- CMD ARGS`: run a command with endpoints' credentials
 * where standard tools look for them, for as long as the command runs.
 *
 * - docker-registry: DOCKER_CONFIG is a private directory whose config.json has an
 *   `auths` entry per endpoint (REGISTRY_AUTH_FILE names the same file for podman,
 *   buildah and skopeo). The user's own docker settings other than credentials are
 *   kept, and the other entries of their docker config directory (cli-plugins,
 *   contexts, buildx, TLS certificates) are linked in, so plugins and contexts work.
 *   Only the named endpoints' credentials are available: the user's own auths,
 *   credsStore and credHelpers are left out.
 * - kubernetes: KUBECONFIG is one file holding a context per endpoint, named after the
 *   endpoint (its cluster and user too, so same-named entries of different kubeconfigs
 *   cannot shadow each other); the first endpoint's context is current. Select another
 *   with `kubectl --context NAME`.
 * - git, codearts-repo: GIT_CONFIG_COUNT/KEY/VALUE replace the credential helpers of each
 *   endpoint's origin (only) with berth's, which answers git's credential requests from a
 *   private file (prepareGitCredentials); nothing is stored by the user's helpers.
 * - iam: BERTH_ACCESS_KEY_ID/BERTH_SECRET_ACCESS_KEY, HUAWEICLOUD_SDK_AK/SK and
 *   AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; inherited session tokens are removed, as
 *   they belong to another key. Two iam endpoints would clash and are refused.
 * - BERTH_ENDPOINTS: the names given, comma-separated.
 *
 * Files are mode 0600 in a mkdtemp directory (0700) under $XDG_RUNTIME_DIR where there is
 * one, removed when the command ends, also when berth is interrupted: SIGINT, SIGTERM and SIGHUP are forwarded to the
 * child, berth waits for it, cleans up and returns its status (128+signal if it was
 * killed). A directory left by a berth killed with SIGKILL is removed by the next run.
 * Secrets reach the child only through those files and the iam variables; berth's own
 * secret settings (BERTH_PASSPHRASE, BERTH_HOME, BERTH_SECRET_*) are removed from its
 * environment.
 */
import type {ChildProcess, SpawnOptions} from 'node:child_process'
import {promises as fs, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {BerthError, UsageError, ValidationError} from '../errors.js'
import {makePrivateTempDir, privateTempRoot} from '../fs/private-temp.js'
import {gitCredentialOf, prepareGitCredentials} from '../git/askpass.js'
import {Kubeconfig, SelectedContext, parseKubeconfig, selectContext, serializeKubeconfig} from '../kube/kubeconfig.js'
import {quote} from '../names.js'
import {parseRegistryAddress} from '../registry/address.js'
import type {CredentialsOf, EndpointCredentials} from './types.js'

/** The signals berth passes on to the command instead of dying at once. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** The variables an iam endpoint sets, access key id first, secret second. */
export const IAM_VARIABLES: ReadonlyArray<readonly [string, string]> = [
  ['BERTH_ACCESS_KEY_ID', 'BERTH_SECRET_ACCESS_KEY'],
  ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK'],
  ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
]

/** Session tokens of another identity: combined with the endpoint's key they would break every signature. */
export const IAM_UNSET = ['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'] as const

/**
 * berth's settings that open its secret stores (the file store's passphrase, the state
 * directory, the env store's values): kept from the command, which gets only the named
 * endpoints' credentials.
 */
const BERTH_PRIVATE = /^(BERTH_PASSPHRASE|BERTH_HOME|BERTH_SECRET_.+|BERTH_KEYCHAIN_SERVICE)$/

/** config.json fields that carry or look up credentials; only the endpoints' auths replace them. */
const DOCKER_CREDENTIAL_FIELDS = ['auths', 'credsStore', 'credHelpers']
const MAX_DOCKER_CONFIG_BYTES = 1024 * 1024

export interface PrepareExecOptions {
  /** Where the private temporary directory is made; default $XDG_RUNTIME_DIR, else the OS temp directory (privateTempRoot). */
  tmpRoot?: string
  /** The environment the command starts from: where the user's docker config lives, existing GIT_CONFIG_COUNT. */
  baseEnv?: NodeJS.ProcessEnv
}

export interface ExecEnvironment {
  /** Variables to set in the command's environment. */
  env: Record<string, string>
  /** Variables to remove from the inherited environment. */
  unset: string[]
  /** The private temporary directory holding the files. */
  dir: string
  /** Remove the directory; safe to call more than once. */
  cleanup(): Promise<void>
  /** The same, synchronously, for a process 'exit' hook. */
  cleanupSync(): void
}

interface ExecPlan {
  docker: Array<{name: string; host: string; auth: string}>
  kube: Array<CredentialsOf<'kubernetes'>>
  git: Array<CredentialsOf<'git'> | CredentialsOf<'codearts-repo'>>
  iam?: CredentialsOf<'iam'>
}

/** At least one name, none twice (UsageError, exit 2). */
export function checkEndpointNames(names: readonly string[]): void {
  if (names.length === 0) throw new UsageError('Give at least one endpoint name before --.')
  const seen = new Set<string>()
  for (const name of names) {
    if (seen.has(name)) throw new UsageError(`Endpoint ${quote(name)} is named twice.`)
    seen.add(name)
  }
}

/**
 * Check that the endpoints can be used together and sort them by type; throws before
 * anything is written. Errors: a name given twice, two iam endpoints, two
 * docker-registry endpoints for one registry (UsageError, exit 2).
 */
function planFor(creds: readonly EndpointCredentials[]): ExecPlan {
  checkEndpointNames(creds.map((c) => c.name))
  const plan: ExecPlan = {docker: [], kube: [], git: []}
  for (const c of creds) {
    switch (c.type) {
      case 'docker-registry': {
        const {host} = parseRegistryAddress(c.address)
        const other = plan.docker.find((d) => d.host === host)
        if (other) {
          throw new UsageError(`Endpoints "${other.name}" and "${c.name}" are both for the registry ${host}; docker keeps one login per registry, so give only one of them.`)
        }
        plan.docker.push({name: c.name, host, auth: Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')})
        break
      }
      case 'kubernetes':
        plan.kube.push(c)
        break
      case 'git':
      case 'codearts-repo':
        plan.git.push(c)
        break
      case 'iam':
        if (plan.iam) {
          throw new UsageError(`Endpoints "${plan.iam.name}" and "${c.name}" are both iam endpoints; their keys would go to the same variables (${IAM_VARIABLES.flat().join(', ')}).`, {
            hint: 'Give one iam endpoint per command, e.g. run berth endpoint exec once for each.',
          })
        }
        plan.iam = c
        break
    }
  }
  return plan
}

/**
 * Write the endpoints' credentials into a new private temporary directory and return
 * the environment that points standard tools at them. The caller runs the command and
 * then calls cleanup(). Nothing is left behind when this throws.
 */
export async function prepareExecEnvironment(creds: readonly EndpointCredentials[], options: PrepareExecOptions = {}): Promise<ExecEnvironment> {
  const plan = planFor(creds)
  const baseEnv = options.baseEnv ?? {}
  const kubeconfig = plan.kube.length > 0 ? mergedKubeconfig(plan.kube) : undefined

  const dir = await makePrivateTempDir('berth-exec-', options.tmpRoot ?? (await privateTempRoot(baseEnv)))
  const cleanupSync = () => rmSync(dir, {recursive: true, force: true})
  const cleanup = () => fs.rm(dir, {recursive: true, force: true})
  const env: Record<string, string> = {BERTH_ENDPOINTS: creds.map((c) => c.name).join(',')}
  // berth's own secret settings would let the command read every endpoint's secrets, not only these.
  const unset: string[] = Object.keys(baseEnv).filter((key) => BERTH_PRIVATE.test(key))
  try {
    if (plan.docker.length > 0) {
      const dockerDir = await privateDir(dir, 'docker')
      const settings = await linkUserDockerConfig(dockerDir, baseEnv)
      const auths = Object.fromEntries(plan.docker.map((d) => [d.host, {auth: d.auth}]))
      const file = path.join(dockerDir, 'config.json')
      await writePrivate(file, `${JSON.stringify({...settings, auths}, null, 2)}\n`)
      env.DOCKER_CONFIG = dockerDir
      env.REGISTRY_AUTH_FILE = file
    }
    if (kubeconfig !== undefined) {
      const file = path.join(await privateDir(dir, 'kube'), 'config')
      await writePrivate(file, kubeconfig)
      env.KUBECONFIG = file
    }
    if (plan.git.length > 0) {
      // The user's helpers and prompts stay as they are for hosts berth has no endpoint for.
      const prepared = await prepareGitCredentials(plan.git.map(gitCredentialOf), dir, {baseEnv})
      Object.assign(env, prepared.env)
    }
    if (plan.iam) {
      for (const [idName, secretName] of IAM_VARIABLES) {
        env[idName] = plan.iam.accessKeyId
        env[secretName] = plan.iam.secretAccessKey
      }
      unset.push(...IAM_UNSET)
    }
  } catch (error) {
    cleanupSync()
    throw error
  }
  return {env, unset, dir, cleanup, cleanupSync}
}

/** The command's environment: the inherited one without `unset`, plus `env`. */
export function childEnvironment(baseEnv: NodeJS.ProcessEnv, prepared: Pick<ExecEnvironment, 'env' | 'unset'>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(baseEnv)) if (value !== undefined && !prepared.unset.includes(key)) out[key] = value
  return {...out, ...prepared.env}
}

async function privateDir(parent: string, name: string): Promise<string> {
  const dir = path.join(parent, name)
  await fs.mkdir(dir, {mode: 0o700})
  await fs.chmod(dir, 0o700)
  return dir
}

async function writePrivate(file: string, content: string): Promise<void> {
  await fs.writeFile(file, content, {mode: 0o600, flag: 'wx'})
  await fs.chmod(file, 0o600)
}

/**
 * The user's docker config directory (DOCKER_CONFIG, else ~/.docker): link its entries
 * other than config.json into `dockerDir` and return config.json's settings without
 * credentials. A missing or unreadable directory or file is not an error: docker
 * then runs with defaults, as it would for a new user.
 */
async function linkUserDockerConfig(dockerDir: string, baseEnv: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const home = baseEnv.HOME || os.homedir()
  const userDir = path.resolve(baseEnv.DOCKER_CONFIG || path.join(home, '.docker'))
  let entries: string[]
  try {
    entries = await fs.readdir(userDir)
  } catch {
    return {}
  }
  let settings: Record<string, unknown> = {}
  for (const entry of entries) {
    // config.json's lock and temporary files belong to the user's config, not ours.
    if (entry.startsWith('config.json')) {
      if (entry === 'config.json') settings = await userDockerSettings(path.join(userDir, entry))
      continue
    }
    await fs.symlink(path.join(userDir, entry), path.join(dockerDir, entry))
  }
  return settings
}

async function userDockerSettings(file: string): Promise<Record<string, unknown>> {
  try {
    const stat = await fs.stat(file)
    if (!stat.isFile() || stat.size > MAX_DOCKER_CONFIG_BYTES) return {}
    const value: unknown = JSON.parse(await fs.readFile(file, 'utf8'))
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
    const settings: Record<string, unknown> = {}
    for (const [key, field] of Object.entries(value)) if (!DOCKER_CREDENTIAL_FIELDS.includes(key)) settings[key] = field
    return settings
  } catch {
    return {}
  }
}

/** One kubeconfig with a context per endpoint, each named after its endpoint; the first current. */
function mergedKubeconfig(endpoints: ReadonlyArray<CredentialsOf<'kubernetes'>>): string {
  const merged: Kubeconfig = {apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], 'current-context': endpoints[0]!.name}
  for (const creds of endpoints) {
    const source = `the stored kubeconfig of endpoint "${creds.name}"`
    let selected: SelectedContext
    try {
      selected = selectContext(parseKubeconfig(creds.kubeconfig, source), {context: creds.context, useCurrentContext: true, source})
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      // The source starts some messages ("the stored kubeconfig … is not valid YAML").
      throw new ValidationError(error.message.charAt(0).toUpperCase() + error.message.slice(1), {hint: `Store a working kubeconfig with: berth endpoint update ${creds.name} --kubeconfig FILE`, cause: error})
    }
    merged.clusters.push({name: creds.name, cluster: {...selected.cluster.cluster}})
    merged.users.push({name: creds.name, user: {...selected.user.user}})
    merged.contexts.push({name: creds.name, context: {...selected.context, cluster: creds.name, user: creds.name}})
  }
  return serializeKubeconfig(merged)
}

/** What runs the command: child_process.spawn, or a fake in tests. */
export type Spawner = (command: string, args: string[], options: SpawnOptions) => ChildProcess

export interface RunWithEndpointsOptions {
  credentials: readonly EndpointCredentials[]
  command: string
  args: readonly string[]
  /** The environment the command inherits (berth's own). */
  baseEnv: NodeJS.ProcessEnv
  tmpRoot?: string
}

export interface RunWithEndpointsDeps {
  spawn: Spawner
  /** Where SIGINT/SIGTERM/SIGHUP and 'exit' arrive; default process. */
  signals?: NodeJS.EventEmitter
}

export interface ExecResult {
  /** berth's exit code: the command's, or 128+N when it (or berth, before it started) was ended by signal N. */
  exitCode: number
  /** The signal that ended the command, if one did. */
  signal?: NodeJS.Signals
  /** The first signal berth received and forwarded, if any. */
  received?: NodeJS.Signals
}

/** The command could not be started: 127 when it was not found, 126 when it could not be executed. */
export class CommandStartError extends BerthError {
  constructor(message: string, exitCode: 126 | 127, options: {hint?: string; cause?: unknown} = {}) {
    super(exitCode === 127 ? 'not-found' : 'external', exitCode, message, options)
  }
}

function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0)
}

function startError(command: string, error: NodeJS.ErrnoException): CommandStartError {
  const shown = quote(command)
  if (error.code === 'ENOENT') {
    return new CommandStartError(`Command not found: ${shown}.`, 127, {
      hint: 'berth runs the command directly, without a shell: check its name and PATH, or run it through one: berth endpoint exec NAME -- sh -c \'...\'',
      cause: error,
    })
  }
  const why = error.code === 'EACCES' ? 'permission denied (it is not executable, or is a directory)' : (error.code ?? error.message)
  return new CommandStartError(`Command ${shown} could not be run: ${why}.`, 126, {cause: error})
}

/**
 * Prepare the endpoints' credentials, run the command with them (stdio inherited),
 * and remove them when it ends. Signals berth receives meanwhile are forwarded to the
 * command; berth waits for it and then cleans up. Throws CommandStartError (exit
 * 127/126) when the command cannot be started, after cleaning up.
 */
export async function runWithEndpoints(options: RunWithEndpointsOptions, deps: RunWithEndpointsDeps): Promise<ExecResult> {
  const signals = deps.signals ?? process
  let received: NodeJS.Signals | undefined
  let child: ChildProcess | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    received ??= signal
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  // Installed first: a signal while the files are written must not leave them behind.
  const handlers = FORWARDED_SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const)
  for (const [signal, handler] of handlers) signals.on(signal, handler)
  try {
    const prepared = await prepareExecEnvironment(options.credentials, {tmpRoot: options.tmpRoot, baseEnv: options.baseEnv})
    // If berth exits some other way (an uncaught error), the files still go.
    signals.on('exit', prepared.cleanupSync)
    try {
      if (received) return {exitCode: signalExitCode(received), received}
      return await new Promise<ExecResult>((resolve, reject) => {
        try {
          child = deps.spawn(options.command, [...options.args], {env: childEnvironment(options.baseEnv, prepared), stdio: 'inherit'})
        } catch (error) {
          reject(startError(options.command, error as NodeJS.ErrnoException))
          return
        }
        child.once('error', (error: NodeJS.ErrnoException) => {
          // 'error' also reports a failed kill; only a command that never started has no pid.
          if (child?.pid === undefined) reject(startError(options.command, error))
        })
        child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
          const extra = received ? {received} : {}
          if (signal) resolve({exitCode: signalExitCode(signal), signal, ...extra})
          else resolve({exitCode: code ?? 1, ...extra})
        })
      })
    } finally {
      signals.off('exit', prepared.cleanupSync)
      await prepared.cleanup()
    }
  } finally {
    for (const [signal, handler] of handlers) signals.off(signal, handler)
  }
}
