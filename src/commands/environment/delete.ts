import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

export default class EnvironmentDelete extends BerthCommand<typeof EnvironmentDelete> {
  static override summary = 'Delete an environment.'
  static override description = 'Refused while a runtime or a service uses it; the error lists them.'
  static override examples = ['<%= config.bin %> <%= command.id %> env-dev']
  static override args = {name: Args.string({description: 'Environment name.', required: true})}

  async run() {
    const {deleteEnvironment} = await import('../../lib/environments/environments.js')
    const doc = await deleteEnvironment(this.context, this.args.name)
    this.notice(`Deleted environment "${doc.metadata.name}".`)
    return {name: doc.metadata.name, deleted: true}
  }
}
