import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {ResolvedSetting} from '../../lib/config/settings.js'

export default class ConfigSet extends BerthCommand<typeof ConfigSet> {
  static override summary = 'Change a setting in berth\'s settings file.'
  static override examples = ['<%= config.bin %> <%= command.id %> project payments', '<%= config.bin %> <%= command.id %> secret-store file']
  static override args = {
    key: Args.string({description: 'Setting name.', required: true}),
    value: Args.string({description: 'New value.', required: true}),
  }

  async run(): Promise<ResolvedSetting> {
    const setting = await this.context.settings.set(this.args.key, this.args.value)
    const overridden = await this.context.settings.resolve(this.args.key)
    this.notice(`Set ${setting.key} to ${setting.value}.`)
    if (overridden.source === 'env') this.notice(`Note: the environment overrides it here (value ${JSON.stringify(overridden.value)}).`)
    return setting
  }
}
