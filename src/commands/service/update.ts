import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag, varFlag} from '../../cli/service-flags.js'

import type {ServiceView} from '../../lib/services/service.js'

export default class ServiceUpdate extends BerthCommand<typeof ServiceUpdate> {
  static override summary = 'Replace the YAML of a K8s YAML service.'
  static override description = 'Variables keep their values; variables the new YAML uses for the first time take --var values. The new YAML must render; otherwise nothing changes.'
  static override examples = ['<%= config.bin %> <%= command.id %> service1 -f service1.yaml', 'cat service1.yaml | <%= config.bin %> <%= command.id %> service1 -f - --var replicas=2 --production']
  static override args = {name: Args.string({description: 'Service name.', required: true})}
  static override flags = {
    file: Flags.string({char: 'f', summary: 'The new YAML ("-" reads stdin).', required: true}),
    var: varFlag,
    production: productionFlag,
  }

  async run(): Promise<ServiceView> {
    const {readTextInput} = await import('../../lib/input/text-file.js')
    const {serviceView, updateServiceYaml} = await import('../../lib/services/service.js')
    const {parseAssignment} = await import('../../lib/templates/variables.js')
    const yaml = await readTextInput(this.flags.file, {flag: '-f', stdin: this.context.stdin})
    const {service} = await updateServiceYaml(this.context, {name: this.args.name, production: this.flags.production, yaml, assignments: this.flags.var.map((v) => parseAssignment(v))})
    this.notice(`Updated service "${this.args.name}".`)
    return serviceView(service)
  }
}
