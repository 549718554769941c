import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {ResolvedSetting} from '../../lib/config/settings.js'

export default class ConfigGet extends BerthCommand<typeof ConfigGet> {
  static override summary = 'Print the effective value of one setting.'
  static override description = 'The value comes from the environment variable that overrides the setting, then the settings file, then the default; --json also says which.'
  static override examples = ['<%= config.bin %> <%= command.id %> project', '<%= config.bin %> <%= command.id %> secret-store --json']
  static override args = {
    key: Args.string({description: 'Setting name (see "berth config list").', required: true}),
  }

  async run(): Promise<ResolvedSetting> {
    const setting = await this.context.settings.resolve(this.args.key)
    if (!this.jsonEnabled()) this.log(setting.value)
    return setting
  }
}
