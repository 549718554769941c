import {BerthCommand} from '../../cli/base-command.js'
import {ResolvedSetting} from '../../lib/config/settings.js'
import {renderTable} from '../../lib/output/table.js'

export default class ConfigList extends BerthCommand<typeof ConfigList> {
  static override summary = 'List every setting with its effective value and where it comes from.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<{settings: ResolvedSetting[]; file: string}> {
    const settings = await this.context.settings.list()
    if (!this.jsonEnabled()) {
      const style = await this.out()
      this.log(renderTable(settings, [
        {header: 'key', get: (s) => s.key},
        {header: 'value', get: (s) => s.value},
        {header: 'source', get: (s) => s.source},
      ], {header: style.bold}))
    }
    return {settings, file: this.context.settings.file}
  }
}
