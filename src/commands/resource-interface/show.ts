import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import type {InterfaceSource, ResourceInterface} from '../../lib/resource-interfaces/types.js'
import {toYaml} from '../../lib/yaml.js'

export interface ResourceInterfaceShowResult {
  source: InterfaceSource
  resourceInterface: ResourceInterface
}

export default class ResourceInterfaceShow extends BerthCommand<typeof ResourceInterfaceShow> {
  static override aliases = ['ri:show']
  static override summary = 'Print a resource interface in its own form (connectors.alauda.io/v1alpha1).'
  static override description = 'The YAML printed can be edited and given back to "berth resource-interface apply -f".'
  static override examples = ['<%= config.bin %> <%= command.id %> gitcoderepository', '<%= config.bin %> ri show ociartifact > ociartifact.yaml', '<%= config.bin %> <%= command.id %> ociartifact --json']
  static override args = {name: Args.string({description: 'Resource interface name.', required: true})}
  static override flags = {
    output: Flags.string({char: 'o', summary: 'Output format.', options: ['yaml'], default: 'yaml'}),
  }

  async run(): Promise<ResourceInterfaceShowResult> {
    const {getInterface} = await import('../../lib/resource-interfaces/service.js')
    const entry = await getInterface(this.context, this.args.name)
    if (!this.jsonEnabled()) {
      this.notice(`# ${entry.source}`)
      process.stdout.write(toYaml(entry.interface))
    }
    return {source: entry.source, resourceInterface: entry.interface}
  }
}
