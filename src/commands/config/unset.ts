import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {ResolvedSetting} from '../../lib/config/settings.js'

export default class ConfigUnset extends BerthCommand<typeof ConfigUnset> {
  static override summary = 'Remove a setting from berth\'s settings file, restoring its default.'
  static override examples = ['<%= config.bin %> <%= command.id %> project']
  static override args = {
    key: Args.string({description: 'Setting name.', required: true}),
  }

  async run(): Promise<ResolvedSetting> {
    await this.context.settings.unset(this.args.key)
    const setting = await this.context.settings.resolve(this.args.key)
    this.notice(`Unset ${this.args.key}; it is now ${setting.value} (${setting.source}).`)
    return setting
  }
}
