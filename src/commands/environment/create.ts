import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

export default class EnvironmentCreate extends BerthCommand<typeof EnvironmentCreate> {
  static override summary = 'Create an environment: a name for a cluster (kubernetes endpoint) and its default namespace.'
  static override description = 'Runtimes deploy to an environment\'s cluster; `service deploy --env` uses its cluster and default namespace. The --cluster endpoint must exist and be a kubernetes endpoint.'
  static override examples = ['<%= config.bin %> <%= command.id %> env-dev --cluster dev-cluster --namespace dr-dev', '<%= config.bin %> <%= command.id %> prod --cluster prod-k8s --json']
  static override args = {name: Args.string({description: 'Environment name (a DNS-1123 label).', required: true})}
  static override flags = {
    cluster: Flags.string({summary: 'The kubernetes endpoint of the cluster.', required: true}),
    namespace: Flags.string({summary: 'Default namespace for what is deployed here.'}),
    description: Flags.string({summary: 'A line saying what the environment is for.'}),
  }

  async run() {
    const {createEnvironment} = await import('../../lib/environments/environments.js')
    const doc = await createEnvironment(this.context, {name: this.args.name, cluster: this.flags.cluster, namespace: this.flags.namespace, description: this.flags.description})
    this.notice(`Created environment "${doc.metadata.name}" on cluster endpoint "${doc.spec.clusterEndpoint}"${doc.spec.namespace ? `, default namespace "${doc.spec.namespace}"` : ''}.`)
    return {name: doc.metadata.name, project: doc.metadata.project, cluster: doc.spec.clusterEndpoint, namespace: doc.spec.namespace ?? null}
  }
}
