import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {setTriggerEnabled} from '../../lib/triggers/service.js'

export default class TriggerDisable extends BerthCommand<typeof TriggerDisable> {
  static override summary = 'Disable a trigger: pushes are recorded as ignored and run nothing.'
  static override description = 'A running "berth trigger serve" notices within a second.'
  static override examples = ['<%= config.bin %> <%= command.id %> checkout-dev']
  static override args = {name: Args.string({description: 'Trigger name.', required: true})}

  async run(): Promise<{name: string; enabled: boolean; changed: boolean}> {
    const {changed} = await setTriggerEnabled(this.context, this.args.name, false)
    this.notice(changed ? `Disabled trigger "${this.args.name}".` : `Trigger "${this.args.name}" was already disabled.`)
    return {name: this.args.name, enabled: false, changed}
  }
}
