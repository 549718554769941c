import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {setTriggerEnabled} from '../../lib/triggers/service.js'

export default class TriggerEnable extends BerthCommand<typeof TriggerEnable> {
  static override summary = 'Enable a trigger: pushes run its action again.'
  static override description = 'A running "berth trigger serve" notices within a second.'
  static override examples = ['<%= config.bin %> <%= command.id %> checkout-dev']
  static override args = {name: Args.string({description: 'Trigger name.', required: true})}

  async run(): Promise<{name: string; enabled: boolean; changed: boolean}> {
    const {changed} = await setTriggerEnabled(this.context, this.args.name, true)
    this.notice(changed ? `Enabled trigger "${this.args.name}".` : `Trigger "${this.args.name}" was already enabled.`)
    return {name: this.args.name, enabled: true, changed}
  }
}
