import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag} from '../../cli/service-flags.js'
import type {ServiceView} from '../../lib/services/service.js'
import {VARIABLE_TYPES} from '../../lib/templates/variables.js'

export default class ServiceSetVar extends BerthCommand<typeof ServiceSetVar> {
  static override summary = 'Set service variables (the source\'s "update service variable").'
  static override description = 'With one --var, --type, --options and --desc also set that variable\'s type (bool, string, enum, yaml), enum options and description. The value must fit the type and the service must still render; otherwise nothing changes.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> service2 --var cpuLimit=55m',
    '<%= config.bin %> <%= command.id %> service2 --var tier=large --type enum --options small,medium,large --desc "size of the pod"',
    '<%= config.bin %> <%= command.id %> web --var image.tag=1.5 --production',
  ]
  static override args = {name: Args.string({description: 'Service name.', required: true})}
  static override flags = {
    var: Flags.string({summary: 'KEY=VALUE (repeatable).', multiple: true, required: true}),
    type: Flags.string({summary: 'The variable\'s type.', options: [...VARIABLE_TYPES]}),
    options: Flags.string({summary: 'Comma-separated allowed values (enum).'}),
    desc: Flags.string({summary: 'The variable\'s description ("" removes it).'}),
    production: productionFlag,
  }

  async run(): Promise<ServiceView> {
    const {serviceView, setServiceVariables} = await import('../../lib/services/service.js')
    const {parseAssignment} = await import('../../lib/templates/variables.js')
    const f = this.flags
    const {service} = await setServiceVariables(this.context, {
      name: this.args.name,
      production: f.production,
      assignments: f.var.map((v) => parseAssignment(v, '--var', true)),
      type: f.type,
      options: f.options === undefined ? undefined : f.options.split(',').map((o) => o.trim()).filter(Boolean),
      desc: f.desc,
    })
    this.notice(`Updated ${f.var.length === 1 ? 'variable' : 'variables'} of service "${this.args.name}".`)
    return serviceView(service)
  }
}
