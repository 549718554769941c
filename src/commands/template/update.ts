import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {UsageError} from '../../lib/errors.js'

import type {TemplateUpdateResult} from '../../lib/services/template-sync.js'

import type {TemplateSummary} from '../../lib/templates/view.js'

export interface TemplateUpdateOutput extends TemplateSummary {
  report: TemplateUpdateResult['report']
  synced: TemplateUpdateResult['synced']
  unchanged: TemplateUpdateResult['unchanged']
  behind: TemplateUpdateResult['behind']
}

export default class TemplateUpdate extends BerthCommand<typeof TemplateUpdate> {
  static override summary = 'Change a template; its auto-sync services are re-rendered with their own variable values.'
  static override description = `Every auto-sync service made from the template (test and production) takes the new YAML and variable declarations, keeping its values; the template changes only if all of them still render. Services made without --auto-sync are listed as behind the template.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> microservice -f microservice.yaml',
    '<%= config.bin %> <%= command.id %> microservice --variables variables.yaml --json',
    '<%= config.bin %> <%= command.id %> web-chart --helm-chart ./charts/web',
  ]
  static override args = {name: Args.string({description: 'Template name.', required: true})}
  static override flags = {
    file: Flags.string({char: 'f', summary: 'The new template YAML ("-" reads stdin).'}),
    variables: Flags.string({summary: 'The new variable declarations (a list of {key, value, type, options, desc}).'}),
    'helm-chart': Flags.string({summary: 'The new chart directory (helm templates).'}),
    description: Flags.string({summary: 'A new description.'}),
  }

  async run(): Promise<TemplateUpdateOutput> {
    const {readTextInput} = await import('../../lib/input/text-file.js')
    const {updateTemplate} = await import('../../lib/services/template-sync.js')
    const {readChartDirectory} = await import('../../lib/templates/chart.js')
    const {readVariablesFile} = await import('../../lib/templates/variables.js')
    const {reportNotices, templateSummary} = await import('../../lib/templates/view.js')
    const {file, variables, description} = this.flags
    const chartDir = this.flags['helm-chart']
    if (!file && !variables && !chartDir && description === undefined) throw new UsageError('Nothing to change: give -f FILE, --variables FILE, --helm-chart DIR or --description.')
    const result = await updateTemplate(this.context, {
      name: this.args.name,
      description,
      yaml: file ? await readTextInput(file, {flag: '-f', stdin: this.context.stdin}) : undefined,
      variables: variables ? readVariablesFile(await readTextInput(variables, {flag: '--variables', stdin: this.context.stdin}), variables) : undefined,
      chart: chartDir ? await readChartDirectory(chartDir) : undefined,
    })
    const ref = (s: {name: string; production: boolean}) => `${s.production ? 'production ' : ''}"${s.name}"`
    this.notice(`Updated template "${this.args.name}".`)
    for (const line of reportNotices(result.report)) this.notice(line)
    if (result.synced.length > 0) this.notice(`Re-rendered auto-sync services: ${result.synced.map(ref).join(', ')}.`)
    if (result.unchanged.length > 0) this.notice(`Auto-sync services already up to date: ${result.unchanged.map(ref).join(', ')}.`)
    if (result.behind.length > 0) this.notice(`Now behind the template (not auto-sync): ${result.behind.map(ref).join(', ')}.`)
    return {...templateSummary(result.template), report: result.report, synced: result.synced, unchanged: result.unchanged, behind: result.behind}
  }
}
