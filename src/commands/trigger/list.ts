import {BerthCommand} from '../../cli/base-command.js'
import {renderTable} from '../../lib/output/table.js'
import {TriggerView, listTriggers, triggerView} from '../../lib/triggers/service.js'

export default class TriggerList extends BerthCommand<typeof TriggerList> {
  static override summary = 'List the Docker triggers of the project.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<TriggerView[]> {
    const items = (await listTriggers(this.context)).map(triggerView)
    if (!this.jsonEnabled()) {
      if (items.length === 0) {
        this.notice(`No triggers in project "${await this.context.project()}". Create one with: berth trigger create`)
      } else {
        const style = await this.out()
        this.log(renderTable(items, [
          {header: 'name', get: (i) => i.name},
          {header: 'image', get: (i) => `${i.image}${i.tagPattern ? `:${i.tagPattern}` : i.tagRegex ? ` /${i.tagRegex}/` : ''}`},
          {header: 'endpoint', get: (i) => i.endpoint},
          {header: 'action', get: (i) => i.does},
          {header: 'enabled', get: (i) => (i.enabled ? (i.dryRun ? 'yes (dry run)' : 'yes') : 'no')},
        ], {header: style.bold}))
      }
    }
    return items
  }
}
