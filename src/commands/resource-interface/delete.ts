import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import type {DeleteResult} from '../../lib/resource-interfaces/service.js'

export default class ResourceInterfaceDelete extends BerthCommand<typeof ResourceInterfaceDelete> {
  static override aliases = ['ri:delete']
  static override summary = 'Delete a resource interface you applied.'
  static override description = 'Built-in interfaces cannot be deleted; deleting your version of one brings the built-in back.'
  static override examples = ['<%= config.bin %> <%= command.id %> githubcoderepository', '<%= config.bin %> ri delete gitcoderepository --json']
  static override args = {name: Args.string({description: 'Resource interface name.', required: true})}

  async run(): Promise<DeleteResult> {
    const {deleteInterface} = await import('../../lib/resource-interfaces/service.js')
    const result = await deleteInterface(this.context, this.args.name)
    this.notice(`Deleted ResourceInterface "${result.name}".${result.builtinRestored ? ' The built-in one of that name is in effect again.' : ''}`)
    return result
  }
}
