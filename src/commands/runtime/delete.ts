import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

export default class RuntimeDelete extends BerthCommand<typeof RuntimeDelete> {
  static override summary = 'Delete a runtime and what it deployed.'
  static override description = 'Removes the objects the runtime deployed (its ApplySet) from the cluster, removes its published resource file from Git (if published), then the runtime. --keep-resources leaves the cluster as it is.'
  static override examples = ['<%= config.bin %> <%= command.id %> dr-dev', '<%= config.bin %> <%= command.id %> dr-dev --keep-resources']
  static override args = {name: Args.string({description: 'Runtime name.', required: true})}
  static override flags = {'keep-resources': Flags.boolean({summary: 'Keep the deployed objects in the cluster.'})}

  async run() {
    const {describeRef} = await import('../../lib/kube/resources.js')
    const {deleteRuntime} = await import('../../lib/runtimes/publish.js')
    const result = await deleteRuntime(this.context, {name: this.args.name, keepResources: this.flags['keep-resources']})
    for (const ref of result.deleted) this.notice(`${describeRef(ref)} deleted`)
    if (result.unpublished) this.notice(`Removed ${result.unpublished.file} from the published repository.`)
    this.notice(`Deleted runtime "${result.name}".`)
    return result
  }
}
