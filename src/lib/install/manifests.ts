/**
 * What `berth install` puts on a cluster for the Kubernetes state backend: the CRDs (from the
 * kinds' schemas), the namespace, a ServiceAccount for berth running in the cluster, and three
 * Roles in that namespace:
 * - berth-viewer: read berth's objects and their bodies; no Secret.
 * - berth-editor: also create, change and delete them, and read and write their Secrets; take
 *   the trigger server's Leases (coordination.k8s.io) (its history is Execution objects).
 * - berth-admin: also grant these roles to others in the namespace (Roles, RoleBindings).
 */
import {KINDS, Kind} from '../state/document.js'
import {GROUP, crdPlural, customResourceDefinition} from '../state/schemas.js'
import {toYaml} from '../yaml.js'

export interface InstallOptions {
  namespace: string
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
  ]
}

/** The manifests as one YAML stream, for `kubectl apply -f -`. */
export function installYaml(options: InstallOptions): string {
  return installManifests(options)
    .map((object) => toYaml(object))
    .join('---\n')
}
