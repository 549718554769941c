import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {UsageError} from '../../lib/errors.js'

import type {TemplateInput, VariableReport} from '../../lib/templates/service.js'

import type {TemplateSummary} from '../../lib/templates/view.js'

export default class TemplateCreate extends BerthCommand<typeof TemplateCreate> {
  static override summary = 'Create a K8s YAML template (with typed variables) or a Helm template (a chart directory).'
  static override description = `A K8s YAML template is Kubernetes YAML with Go-template placeholders ({{.port}}, {{if .debug}}…{{end}}). Its variables are declared in a --variables file, a list of {key, value (the default), type (bool, string, enum, yaml), options (enum), desc}; the variables the YAML uses are found from its text, and any declared but unused, or used but undeclared, are reported.
A Helm template stores a small chart directory (Chart.yaml, values.yaml, templates/) with the template.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> microservice -f microservice.yaml --variables variables.yaml',
    'cat microservice.yaml | <%= config.bin %> <%= command.id %> microservice -f -',
    '<%= config.bin %> <%= command.id %> web-chart --helm-chart ./charts/web',
  ]
  static override args = {name: Args.string({description: 'Template name (a DNS-1123 label).', required: true})}
  static override flags = {
    file: Flags.string({char: 'f', summary: 'The template YAML ("-" reads stdin).'}),
    variables: Flags.string({summary: 'A YAML file declaring the variables: a list of {key, value, type, options, desc}.'}),
    'helm-chart': Flags.string({summary: 'A Helm chart directory: makes a helm template.'}),
    description: Flags.string({summary: 'What the template is for.'}),
  }

  async run(): Promise<TemplateSummary & {report: VariableReport}> {
    const {readTextInput} = await import('../../lib/input/text-file.js')
    const {readChartDirectory} = await import('../../lib/templates/chart.js')
    const {createTemplate} = await import('../../lib/templates/service.js')
    const {readVariablesFile} = await import('../../lib/templates/variables.js')
    const {reportNotices, templateSummary} = await import('../../lib/templates/view.js')
    const {file, variables, description} = this.flags
    const chartDir = this.flags['helm-chart']
    if (file && chartDir) throw new UsageError('Give -f FILE (a K8s YAML template) or --helm-chart DIR (a helm template), not both.')
    if (!file && !chartDir) throw new UsageError('Missing required input: -f FILE (a K8s YAML template) or --helm-chart DIR (a helm template).')
    if (chartDir && variables) throw new UsageError('--variables applies to K8s YAML templates; a chart declares its values in values.yaml.')
    const input: TemplateInput = chartDir
      ? {name: this.args.name, type: 'helm', description, chart: await readChartDirectory(chartDir)}
      : {
          name: this.args.name,
          type: 'k8s',
          description,
          yaml: await readTextInput(file!, {flag: '-f', stdin: this.context.stdin}),
          variables: variables ? readVariablesFile(await readTextInput(variables, {flag: '--variables', stdin: this.context.stdin}), variables) : [],
        }
    const {template, report} = await createTemplate(this.context, input)
    this.notice(`Created ${template.spec.type} template "${template.metadata.name}".`)
    for (const line of reportNotices(report)) this.notice(line)
    return {...templateSummary(template), report}
  }
}
