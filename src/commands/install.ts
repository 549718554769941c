import {Flags} from '@oclif/core'

import {BerthCommand} from '../cli/base-command.js'
import {UsageError} from '../lib/errors.js'
import {ROLES, installManifests, installYaml} from '../lib/install/manifests.js'
import {assertDns1123Label} from '../lib/names.js'

export interface InstallResult {
  namespace: string
  objects: Array<{kind: string; name: string}>
  yaml: string
}

export default class Install extends BerthCommand<typeof Install> {
  static override summary = "Print what the Kubernetes backend needs on a cluster: berth's CRDs, its namespace, a ServiceAccount and the roles berth-viewer, berth-editor and berth-admin."
  static override description = `Apply the output with kubectl as a cluster admin; then point berth at the cluster (BERTH_BACKEND=kubernetes, BERTH_KUBECONFIG) and bind each person's user to one of the roles:
  berth-viewer  reads objects (list, show); never a Secret
  berth-editor  also creates, changes and deletes objects, and reads and writes their Secrets
  berth-admin   also grants these roles in the namespace`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --print | kubectl apply --server-side -f -',
    '<%= config.bin %> <%= command.id %> --print --namespace berth-team-a > berth.yaml',
    'kubectl create rolebinding alice-edits --role berth-editor --user alice -n berth-system',
  ]

  static override flags = {
    print: Flags.boolean({summary: 'Print the YAML to stdout (berth does not apply it: review it, then use kubectl).'}),
    namespace: Flags.string({summary: 'The namespace for berth\'s objects (default: the kube-namespace setting, berth-system).'}),
  }

  async run(): Promise<InstallResult> {
    if (!this.flags.print) {
      throw new UsageError('berth install only prints the manifests for now: add --print.', {hint: 'berth install --print | kubectl apply --server-side -f -'})
    }
    const namespace = this.flags.namespace ?? (await this.context.settings.resolve('kube-namespace')).value
    assertDns1123Label(namespace, 'namespace')
    const objects = installManifests({namespace}).map((o) => ({kind: String(o.kind), name: String((o.metadata as {name: string}).name)}))
    const yaml = installYaml({namespace})
    if (!this.jsonEnabled()) {
      process.stdout.write(yaml)
      this.notice(`${objects.length} objects for namespace ${namespace}; roles: ${ROLES.join(', ')}. Apply them with kubectl as a cluster admin.`)
    }
    return {namespace, objects, yaml}
  }
}
