import {Flags} from '@oclif/core'

import {BerthCommand} from '../cli/base-command.js'
import {UsageError} from '../lib/errors.js'
import {ROLES, TriggerServerOptions, checkTriggerServerOptions, installManifests, installYaml} from '../lib/install/manifests.js'
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
  berth-admin   also grants these roles in the namespace
With --with-trigger-server, also a Deployment of \`berth trigger serve\` replicas (the berth ServiceAccount, BERTH_BACKEND=kubernetes, the current project's triggers), a Service berth-trigger-server on port 80, and with --ingress-host an Ingress for the webhook paths. Build the image with the Dockerfile at the root of berth's repository.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --print | kubectl apply --server-side -f -',
    '<%= config.bin %> <%= command.id %> --print --namespace berth-team-a > berth.yaml',
    '<%= config.bin %> <%= command.id %> --print --with-trigger-server --image registry.example.com:5000/platform/berth:1.4.0 --replicas 3 --ingress-host hooks.team.example.com | kubectl apply --server-side -f -',
    'kubectl create rolebinding alice-edits --role berth-editor --user alice -n berth-system',
  ]

  static override flags = {
    print: Flags.boolean({summary: 'Print the YAML to stdout (berth does not apply it: review it, then use kubectl).'}),
    namespace: Flags.string({summary: 'The namespace for berth\'s objects (default: the kube-namespace setting, berth-system).'}),
    'with-trigger-server': Flags.boolean({summary: 'Also run `berth trigger serve` in the cluster: a Deployment, a Service and (with --ingress-host) an Ingress.'}),
    image: Flags.string({summary: 'The berth image for the trigger server (built from the repository\'s Dockerfile).', dependsOn: ['with-trigger-server']}),
    replicas: Flags.integer({summary: 'Trigger server replicas (default 2).', dependsOn: ['with-trigger-server']}),
    'ingress-host': Flags.string({summary: 'Host name of an Ingress routing webhooks to the trigger server.', dependsOn: ['with-trigger-server']}),
    'ingress-class': Flags.string({summary: 'The Ingress\'s class (default: the cluster\'s default).', dependsOn: ['ingress-host']}),
  }

  async run(): Promise<InstallResult> {
    if (!this.flags.print) {
      throw new UsageError('berth install only prints the manifests for now: add --print.', {hint: 'berth install --print | kubectl apply --server-side -f -'})
    }
    const namespace = this.flags.namespace ?? (await this.context.settings.resolve('kube-namespace')).value
    assertDns1123Label(namespace, 'namespace')
    let triggerServer: TriggerServerOptions | undefined
    if (this.flags['with-trigger-server']) {
      if (!this.flags.image) throw new UsageError('--with-trigger-server needs --image IMAGE: the berth image the replicas run.', {hint: 'Build it with the Dockerfile at the root of berth\'s repository and push it to a registry the cluster pulls from.'})
      triggerServer = {
        image: this.flags.image,
        project: await this.context.project(),
        ...(this.flags.replicas === undefined ? {} : {replicas: this.flags.replicas}),
        ...(this.flags['ingress-host'] === undefined ? {} : {ingressHost: this.flags['ingress-host']}),
        ...(this.flags['ingress-class'] === undefined ? {} : {ingressClass: this.flags['ingress-class']}),
      }
      checkTriggerServerOptions(triggerServer)
    }
    const options = {namespace, ...(triggerServer ? {triggerServer} : {})}
    const objects = installManifests(options).map((o) => ({kind: String(o.kind), name: String((o.metadata as {name: string}).name)}))
    const yaml = installYaml(options)
    if (!this.jsonEnabled()) {
      process.stdout.write(yaml)
      this.notice(`${objects.length} objects for namespace ${namespace}; roles: ${ROLES.join(', ')}${triggerServer ? `; trigger server: ${triggerServer.replicas ?? 2} replica(s) of ${triggerServer.image} for project "${triggerServer.project}"` : ''}. Apply them with kubectl as a cluster admin.`)
    }
    return {namespace, objects, yaml}
  }
}
