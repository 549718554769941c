import {BerthCommand} from '../../cli/base-command.js'
import {renderTable} from '../../lib/output/table.js'

import type {TemplateSummary} from '../../lib/templates/view.js'

export default class TemplateList extends BerthCommand<typeof TemplateList> {
  static override summary = 'List the templates of the project.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<TemplateSummary[]> {
    const {listTemplates} = await import('../../lib/templates/service.js')
    const {templateSummary} = await import('../../lib/templates/view.js')
    const items = (await listTemplates(this.context)).map(templateSummary)
    if (!this.jsonEnabled()) {
      if (items.length === 0) this.notice(`No templates in project "${await this.context.project()}". Create one with: berth template create NAME -f FILE`)
      else {
        const style = await this.out()
        this.log(renderTable(items, [
          {header: 'name', get: (i) => i.template_name},
          {header: 'type', get: (i) => i.type},
          {header: 'variables', get: (i) => i.variables.map((v) => v.key).join(', ')},
          {header: 'description', get: (i) => i.description},
        ], {header: style.bold}))
      }
    }
    return items
  }
}
