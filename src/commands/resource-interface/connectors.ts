import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {renderTable} from '../../lib/output/table.js'
import type {InterfaceConnectors} from '../../lib/resource-interfaces/service.js'

export default class ResourceInterfaceConnectors extends BerthCommand<typeof ResourceInterfaceConnectors> {
  static override aliases = ['ri:connectors']
  static override summary = 'List the endpoints of the project that can serve a resource interface.'
  static override description = 'An endpoint serves an interface when its type\'s ConnectorClass carries the label resourceinterface.connectors.cpaas.io/<interface>: "true" (git and codearts-repo: gitcoderepository; docker-registry: ociartifact), or that of a built-in interface of the same category.'
  static override examples = ['<%= config.bin %> <%= command.id %> gitcoderepository', '<%= config.bin %> ri connectors ociartifact --project team-a --json']
  static override args = {name: Args.string({description: 'Resource interface name.', required: true})}

  async run(): Promise<InterfaceConnectors> {
    const {interfaceConnectors} = await import('../../lib/resource-interfaces/service.js')
    const result = await interfaceConnectors(this.context, this.args.name)
    if (!this.jsonEnabled()) {
      if (result.connectors.length === 0) {
        const types = result.connectorClasses.join(' or ')
        this.notice(types ? `No endpoint in project "${await this.context.project()}" serves "${result.interface}"; create one of type ${types} with: berth endpoint create` : `No endpoint type serves "${result.interface}".`)
      } else {
        const style = await this.out()
        this.log(renderTable(result.connectors, [
          {header: 'endpoint', get: (c) => c.endpoint},
          {header: 'type', get: (c) => c.type},
          {header: 'address', get: (c) => c.address},
        ], {header: style.bold}))
      }
    }
    return result
  }
}
