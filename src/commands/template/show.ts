import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

import type {TemplateDetail} from '../../lib/templates/view.js'

export default class TemplateShow extends BerthCommand<typeof TemplateShow> {
  static override summary = 'Show a template: its YAML or chart files, variables, and the services made from it.'
  static override examples = ['<%= config.bin %> <%= command.id %> microservice', '<%= config.bin %> <%= command.id %> microservice --json']
  static override args = {name: Args.string({description: 'Template name.', required: true})}

  async run(): Promise<TemplateDetail> {
    const {getTemplate} = await import('../../lib/templates/service.js')
    const {reportNotices, templateDetail} = await import('../../lib/templates/view.js')
    const detail = await templateDetail(this.context, await getTemplate(this.context, this.args.name))
    if (!this.jsonEnabled()) {
      const style = await this.out()
      this.log(`${style.bold('Template:')} ${detail.template_name} (${detail.type})`)
      if (detail.description) this.log(`${style.bold('Description:')} ${detail.description}`)
      this.log(`${style.bold('Created:')} ${detail.created_at} by ${detail.created_by}`)
      if (detail.variables.length > 0) {
        this.log(style.bold('Variables:'))
        for (const v of detail.variables) this.log(`  ${v.key} (${v.type}${v.options.length > 0 ? `: ${v.options.join('|')}` : ''}) = ${JSON.stringify(v.value)}${v.desc ? `  # ${v.desc}` : ''}`)
      }
      for (const line of reportNotices(detail.report)) this.log(line)
      if (detail.services.length > 0) this.log(`${style.bold('Services:')} ${detail.services.map((s) => `${s.production ? 'production/' : ''}${s.name}${s.auto_sync ? ' (auto-sync)' : ''}`).join(', ')}`)
      if (detail.chart_files.length > 0) this.log(`${style.bold('Chart files:')} ${detail.chart_files.join(', ')}`)
      if (detail.yaml) this.log(`${style.bold('YAML:')}\n${detail.yaml.trimEnd()}`)
    }
    return detail
  }
}
