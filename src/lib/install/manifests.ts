/**
 * What `berth install` puts on a cluster for the Kubernetes state backend: the CRDs (from the
 * kinds' schemas), the namespace, a ServiceAccount for berth running in the cluster, and three
 * Roles in that namespace:
 * - berth-viewer: read berth's objects and their bodies; no Secret.
 * - berth-editor: also create, change and delete them, and read and write their Secrets; take
 *   the trigger server's Leases (coordination.k8s.io) (its history is Execution objects).
 * - berth-admin: also grant these roles to others in the namespace (Roles, RoleBindings).
 */
import {ValidationError} from '../errors.js'
import {assertDns1123Label, quote} from '../names.js'
import {KINDS, Kind} from '../state/document.js'
import {GROUP, crdPlural, customResourceDefinition} from '../state/schemas.js'
import {toYaml} from '../yaml.js'

export interface InstallOptions {
  namespace: string
  /** Also the trigger server: a Deployment of `berth trigger serve` replicas, its Service, an optional Ingress. */
  triggerServer?: TriggerServerOptions
}

export interface TriggerServerOptions {
  /** The berth image (built from the repository's Dockerfile). */
  image: string
  /** The project whose triggers it serves. */
  project: string
  /** Default 2. */
  replicas?: number
  /** An Ingress for this host routes webhooks to the Service. */
  ingressHost?: string
  /** The Ingress's class (default: the cluster's default class). */
  ingressClass?: string
}

export const TRIGGER_SERVER_NAME = 'berth-trigger-server'
const SERVE_PORT = 8080

const IMAGE_REFERENCE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/
const HOST_NAME = /^(?:\*\.)?[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*$/

/** Check the trigger server's options: an image reference, a replica count, a host name. */
export function checkTriggerServerOptions(options: TriggerServerOptions): void {
  if (!IMAGE_REFERENCE.test(options.image) || options.image.length > 512) {
    throw new ValidationError(`--image ${quote(options.image)} is not an image reference.`, {hint: 'Give one such as registry.example.com:5000/platform/berth:1.4.0 (built with the Dockerfile at the root of berth\'s repository).'})
  }
  const replicas = options.replicas ?? 2
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 50) throw new ValidationError(`--replicas must be a whole number from 1 to 50.`)
  if (options.ingressHost !== undefined && (!HOST_NAME.test(options.ingressHost) || options.ingressHost.length > 253)) {
    throw new ValidationError(`--ingress-host ${quote(options.ingressHost)} is not a host name.`, {hint: 'Give a DNS name such as hooks.team.example.com (lower case, no scheme, no port).'})
  }
  if (options.ingressClass !== undefined) assertDns1123Label(options.ingressClass, 'ingress class')
}

/**
 * `berth trigger serve` in the cluster: a Deployment of replicas on the berth ServiceAccount
 * (BERTH_BACKEND=kubernetes, the pod's service account for the API; each replica's pod name is
 * its Lease holder identity), a Service in front, and an Ingress when a host is given.
 */
export function triggerServerManifests(namespace: string, options: TriggerServerOptions): Array<Record<string, unknown>> {
  checkTriggerServerOptions(options)
  const labels = {'app.kubernetes.io/part-of': 'berth', 'app.kubernetes.io/name': TRIGGER_SERVER_NAME}
  const selector = {'app.kubernetes.io/name': TRIGGER_SERVER_NAME}
  const probe = (path: string, period: number) => ({httpGet: {path, port: 'http'}, periodSeconds: period, timeoutSeconds: 2})
  const objects: Array<Record<string, unknown>> = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: TRIGGER_SERVER_NAME, namespace, labels},
      spec: {
        replicas: options.replicas ?? 2,
        selector: {matchLabels: selector},
        // A replacement replica starts before an old one stops; an old one finishes its runs on SIGTERM.
        strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 0, maxSurge: 1}},
        template: {
          metadata: {labels},
          spec: {
            serviceAccountName: 'berth',
            terminationGracePeriodSeconds: 120,
            securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: {type: 'RuntimeDefault'}},
            containers: [
              {
                name: 'serve',
                image: options.image,
                args: ['trigger', 'serve', '--host', '0.0.0.0', '--port', String(SERVE_PORT), '--replica-id', '$(POD_NAME)'],
                env: [
                  {name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}},
                  {name: 'BERTH_BACKEND', value: 'kubernetes'},
                  {name: 'BERTH_KUBE_NAMESPACE', value: namespace},
                  {name: 'BERTH_PROJECT', value: options.project},
                  {name: 'BERTH_HOME', value: '/var/lib/berth'},
                ],
                ports: [{name: 'http', containerPort: SERVE_PORT, protocol: 'TCP'}],
                readinessProbe: probe('/healthz', 5),
                livenessProbe: {...probe('/healthz', 10), failureThreshold: 6},
                resources: {requests: {cpu: '100m', memory: '128Mi'}, limits: {memory: '512Mi'}},
                securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: ['ALL']}},
                volumeMounts: [
                  {name: 'home', mountPath: '/var/lib/berth'},
                  {name: 'tmp', mountPath: '/tmp'},
                ],
              },
            ],
            volumes: [
              {name: 'home', emptyDir: {}},
              {name: 'tmp', emptyDir: {}},
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: TRIGGER_SERVER_NAME, namespace, labels},
      spec: {type: 'ClusterIP', selector, ports: [{name: 'http', port: 80, targetPort: 'http', protocol: 'TCP'}]},
    },
  ]
  if (options.ingressHost) {
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {name: TRIGGER_SERVER_NAME, namespace, labels},
      spec: {
        ...(options.ingressClass ? {ingressClassName: options.ingressClass} : {}),
        rules: [
          {
            host: options.ingressHost,
            http: {
              paths: [
                {path: '/hooks/', pathType: 'Prefix', backend: {service: {name: TRIGGER_SERVER_NAME, port: {name: 'http'}}}},
                {path: '/pipelines/api/docker-hub-webhooks', pathType: 'Exact', backend: {service: {name: TRIGGER_SERVER_NAME, port: {name: 'http'}}}},
              ],
            },
          },
        ],
      },
    })
  }
  return objects
}

export const ROLES = ['berth-viewer', 'berth-editor', 'berth-admin'] as const

const READ = ['get', 'list', 'watch']
const WRITE = ['create', 'update', 'patch', 'delete']

export function installManifests(options: InstallOptions): Array<Record<string, unknown>> {
  const namespace = options.namespace
  const labels = {'app.kubernetes.io/part-of': 'berth'}
  const kinds = Object.keys(KINDS) as Kind[]
  const resources = kinds.map(crdPlural)
  const withStatus = [...resources, ...resources.map((r) => `${r}/status`)]
  const viewerRules = [
    {apiGroups: [GROUP], resources: withStatus, verbs: READ},
    // Bodies (a service's manifests) are ConfigMaps beside the objects.
    {apiGroups: [''], resources: ['configmaps'], verbs: READ},
  ]
  const editorRules = [
    {apiGroups: [GROUP], resources: withStatus, verbs: [...READ, ...WRITE]},
    // trigger serve replicas: one Lease per target, so one replica at a time runs its actions.
    {apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update']},
    {apiGroups: [''], resources: ['configmaps'], verbs: [...READ, 'create', 'delete']},
    {apiGroups: [''], resources: ['secrets'], verbs: [...READ, ...WRITE]},
  ]
  const adminRules = [
    ...editorRules.map((rule) => ({...rule, verbs: [...rule.verbs, 'deletecollection']})),
    {apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE]},
  ]
  const role = (name: string, rules: unknown[]) => ({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: {name, namespace, labels}, rules})
  return [
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace, labels}},
    ...kinds.map((kind) => customResourceDefinition(kind)),
    {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'berth', namespace, labels}},
    role('berth-viewer', viewerRules),
    role('berth-editor', editorRules),
    role('berth-admin', adminRules),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {name: 'berth', namespace, labels},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'berth-editor'},
      subjects: [{kind: 'ServiceAccount', name: 'berth', namespace}],
    },
    ...(options.triggerServer ? triggerServerManifests(namespace, options.triggerServer) : []),
  ]
}

/** The manifests as one YAML stream, for `kubectl apply -f -`. */
export function installYaml(options: InstallOptions): string {
  return installManifests(options)
    .map((object) => toYaml(object))
    .join('---\n')
}
