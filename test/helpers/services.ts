// Typed access to the real services started by test/env/up.sh. Each service writes
// KEY=VALUE lines to $BERTH_TEST_STATE/<service>.env (default /tmp/berth-test).
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

export interface DockerService {
  /** unix:///.../docker.sock, for DOCKER_HOST */
  host: string
  /** the engine's unix socket, for new Docker({socketPath}) */
  socketPath: string
  /** a local image built from busybox-static (no registry can be reached) */
  testImage: string
}

export interface RegistryService {
  /** host:port of the HTTP registry with htpasswd Basic auth */
  basicAddr: string
  /** host:port of the HTTP registry with Bearer-token auth */
  tokenAddr: string
  /** the token server's endpoint, as in the registry's WWW-Authenticate realm */
  tokenRealm: string
  /** the `service` the token registry asks tokens for */
  tokenService: string
  /** host:port of the Basic-auth registry over HTTPS with a self-signed certificate */
  tlsAddr: string
  /** PEM file of that self-signed certificate */
  tlsCaFile: string
  user: string
  password: string
  /** notification endpoint of the Basic-auth registry, when up.sh ran with REGISTRY_NOTIFY_URL */
  notifyUrl?: string
}

export interface GitService {
  /** http://127.0.0.1:PORT */
  baseUrl: string
  user: string
  password: string
  /** demo.git: branches main and release-1.0, tag v1.0.0, manifests under deploy/ */
  repoUrl: string
  /** empty.git: no commits */
  emptyRepoUrl: string
}

export interface KubeService {
  /** https URL of kube-apiserver */
  server: string
  /** kubeconfig of a cluster admin (system:masters) */
  adminKubeconfig: string
  /** kubeconfig of a user without RBAC grants (gets 403) */
  restrictedKubeconfig: string
  /** the apiserver's CA certificate (PEM) */
  caFile?: string
  adminToken?: string
  restrictedToken?: string
  /** path of the kubectl built with the control plane */
  kubectl?: string
  /** every key kube.sh wrote, for values not modelled here */
  raw: Readonly<Record<string, string>>
}

/** helm v3 built from Go modules by test/env/build-helm.sh */
export interface HelmService {
  /** path of the helm binary */
  helm: string
  version: string
}

/** the Go text/template runner of the differential template test (test/env/build-gotemplate.sh) */
export interface GoTemplateService {
  /** path of the binary: JSON lines {template, data} in, {output} or {error} out */
  binary: string
}

export interface ServiceMap {
  docker: DockerService
  registry: RegistryService
  git: GitService
  kube: KubeService
  helm: HelmService
  gotemplate: GoTemplateService
}

export type ServiceName = keyof ServiceMap

export function stateDir(): string {
  return process.env.BERTH_TEST_STATE || '/tmp/berth-test'
}

export function serviceEnvFile(name: ServiceName): string {
  return join(stateDir(), `${name}.env`)
}

/** The service's KEY=VALUE pairs, or undefined when its env file does not exist. */
export function readServiceEnv(name: ServiceName): Record<string, string> | undefined {
  const file = serviceEnvFile(name)
  if (!existsSync(file)) return undefined
  const values: Record<string, string> = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue
    const i = line.indexOf('=')
    if (i <= 0) continue
    values[line.slice(0, i).trim()] = line.slice(i + 1)
  }
  return values
}

export function serviceAvailable(name: ServiceName): boolean {
  return existsSync(serviceEnvFile(name))
}

function loadEnv(name: ServiceName): Record<string, string> {
  const env = readServiceEnv(name)
  if (!env) {
    throw new Error(`test service "${name}" is not running: ${serviceEnvFile(name)} does not exist (start it with test/env/up.sh)`)
  }
  return env
}

function pick(name: ServiceName, env: Record<string, string>, key: string): string {
  const value = env[key]
  if (!value) throw new Error(`test service "${name}": ${serviceEnvFile(name)} has no ${key}`)
  return value
}

export function dockerService(): DockerService {
  const env = loadEnv('docker')
  return {
    host: pick('docker', env, 'DOCKER_HOST'),
    socketPath: pick('docker', env, 'DOCKER_SOCKET'),
    testImage: pick('docker', env, 'TEST_IMAGE'),
  }
}

export function registryService(): RegistryService {
  const env = loadEnv('registry')
  const service: RegistryService = {
    basicAddr: pick('registry', env, 'REGISTRY_BASIC_ADDR'),
    tokenAddr: pick('registry', env, 'REGISTRY_TOKEN_ADDR'),
    tokenRealm: pick('registry', env, 'REGISTRY_TOKEN_REALM'),
    tokenService: pick('registry', env, 'REGISTRY_TOKEN_SERVICE'),
    tlsAddr: pick('registry', env, 'REGISTRY_TLS_ADDR'),
    tlsCaFile: pick('registry', env, 'REGISTRY_TLS_CA'),
    user: pick('registry', env, 'REGISTRY_USER'),
    password: pick('registry', env, 'REGISTRY_PASSWORD'),
  }
  if (env.REGISTRY_NOTIFY_URL) service.notifyUrl = env.REGISTRY_NOTIFY_URL
  return service
}

export function gitService(): GitService {
  const env = loadEnv('git')
  return {
    baseUrl: pick('git', env, 'GIT_BASE_URL'),
    user: pick('git', env, 'GIT_USER'),
    password: pick('git', env, 'GIT_PASSWORD'),
    repoUrl: pick('git', env, 'GIT_REPO_URL'),
    emptyRepoUrl: pick('git', env, 'GIT_EMPTY_REPO_URL'),
  }
}

export function kubeService(): KubeService {
  const env = loadEnv('kube')
  const service: KubeService = {
    server: pick('kube', env, 'KUBE_SERVER'),
    adminKubeconfig: pick('kube', env, 'KUBE_ADMIN_KUBECONFIG'),
    restrictedKubeconfig: pick('kube', env, 'KUBE_RESTRICTED_KUBECONFIG'),
    raw: Object.freeze({...env}),
  }
  if (env.KUBE_CA_FILE) service.caFile = env.KUBE_CA_FILE
  if (env.KUBE_ADMIN_TOKEN) service.adminToken = env.KUBE_ADMIN_TOKEN
  if (env.KUBE_RESTRICTED_TOKEN) service.restrictedToken = env.KUBE_RESTRICTED_TOKEN
  if (env.KUBECTL) service.kubectl = env.KUBECTL
  return service
}

export function helmService(): HelmService {
  const env = loadEnv('helm')
  return {helm: pick('helm', env, 'HELM'), version: pick('helm', env, 'HELM_VERSION')}
}

export function goTemplateService(): GoTemplateService {
  const env = loadEnv('gotemplate')
  return {binary: pick('gotemplate', env, 'GOTEMPLATE')}
}

const accessors: {[N in ServiceName]: () => ServiceMap[N]} = {
  docker: dockerService,
  registry: registryService,
  git: gitService,
  kube: kubeService,
  helm: helmService,
  gotemplate: goTemplateService,
}

/**
 * The service's values for a test that needs it. When the service's env file is missing:
 * under CI (process.env.CI set) it throws, so the test fails; elsewhere it warns loudly on
 * stderr and skips the test.
 */
export function requireService<N extends ServiceName>(ctx: Mocha.Context, name: N): ServiceMap[N] {
  if (!serviceAvailable(name)) {
    const reason = `test service "${name}" did not start: ${serviceEnvFile(name)} is missing (see test/env/up.sh and ${join(stateDir(), 'logs')})`
    if (process.env.CI) throw new Error(reason)
    process.stderr.write(`\n!!! SKIPPING "${ctx.test?.fullTitle() ?? name}": ${reason}\n\n`)
    ctx.skip()
  }
  return accessors[name]()
}

/** True inside a D-Bus session (where GNOME Keyring can serve the Secret Service). */
export function keychainAvailable(): boolean {
  return Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)
}
