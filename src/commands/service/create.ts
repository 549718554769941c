import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag, varFlag} from '../../cli/service-flags.js'
import {UsageError} from '../../lib/errors.js'
import type {ServiceSource, ServiceView} from '../../lib/services/service.js'

export default class ServiceCreate extends BerthCommand<typeof ServiceCreate> {
  static override summary = 'Create a service from a K8s YAML template, from raw YAML, or from a Helm template.'
  static override description = `The three ways of the source: --template T ("create from template": the template's YAML and declared variables, values from --variables and --var), -f FILE ("create manually": raw Kubernetes YAML that may use {{.var}} placeholders, typed by --variables), --helm-template T (a chart, values from --values and --var path=value).
The service is rendered before it is stored: an undefined variable, a value that does not fit its type, or YAML that is not Kubernetes objects is refused (exit 2) and nothing is saved.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> service1 --template microservice-template --var cpuLimit=100m --var memoryLimit=100Mi --var port=20221 --auto-sync',
    '<%= config.bin %> <%= command.id %> service-3 -f service-3.yaml --var cpu=12m',
    'cat app.yaml | <%= config.bin %> <%= command.id %> app -f - --variables variables.yaml --production',
    '<%= config.bin %> <%= command.id %> web --helm-template web-chart --values values.yaml --var image.tag=1.4',
  ]
  static override args = {name: Args.string({description: 'Service name (a DNS-1123 label).', required: true})}
  static override flags = {
    template: Flags.string({char: 't', summary: 'Create from this K8s YAML template.'}),
    file: Flags.string({char: 'f', summary: 'Create from this raw YAML ("-" reads stdin).'}),
    'helm-template': Flags.string({summary: 'Create from this helm template.'}),
    values: Flags.string({summary: 'A values file for a helm service.'}),
    var: varFlag,
    variables: Flags.string({summary: 'A YAML file of variables: a list of {key, value, type, options, desc}, or a mapping of names to values.'}),
    'auto-sync': Flags.boolean({summary: 'Follow the template: re-render when it is updated.'}),
    label: Flags.string({char: 'l', summary: 'A label KEY=VALUE (repeatable).', multiple: true, default: []}),
    production: productionFlag,
  }

  async run(): Promise<ServiceView> {
    const {readTextInput} = await import('../../lib/input/text-file.js')
    const {createService, parseNewLabels, serviceView} = await import('../../lib/services/service.js')
    const {parseAssignment, readVariablesFile} = await import('../../lib/templates/variables.js')
    const f = this.flags
    const given = [f.template && '--template', f.file && '-f', f['helm-template'] && '--helm-template'].filter(Boolean)
    if (given.length > 1) throw new UsageError(`Give one source: ${given.join(', ')} were all given.`)
    if (given.length === 0) throw new UsageError('Missing required input: --template T, -f FILE or --helm-template T.')
    if (f.values && !f['helm-template']) throw new UsageError('--values applies to --helm-template services.')
    const helm = Boolean(f['helm-template'])
    const stdin = this.context.stdin
    let source: ServiceSource
    if (f.template) source = {from: 'template', template: f.template}
    else if (f.file) source = {from: 'yaml', yaml: await readTextInput(f.file, {flag: '-f', stdin})}
    else source = {from: 'helm-template', template: f['helm-template']!, ...(f.values ? {values: await readTextInput(f.values, {flag: '--values', stdin})} : {})}
    const {service} = await createService(this.context, {
      name: this.args.name,
      production: f.production,
      source,
      variables: f.variables ? readVariablesFile(await readTextInput(f.variables, {flag: '--variables', stdin}), f.variables) : undefined,
      assignments: f.var.map((v) => parseAssignment(v, '--var', helm)),
      autoSync: f['auto-sync'],
      labels: parseNewLabels(f.label),
    })
    const view = serviceView(service)
    this.notice(`Created ${f.production ? 'production' : 'test'} service "${view.service_name}" (${view.type}, ${view.containers.length} ${view.containers.length === 1 ? 'container' : 'containers'}${view.template_name ? `, from template "${view.template_name}"${view.auto_sync ? ', auto-sync' : ''}` : ''}).`)
    return view
  }
}
