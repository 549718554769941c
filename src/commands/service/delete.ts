import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag} from '../../cli/service-flags.js'

export default class ServiceDelete extends BerthCommand<typeof ServiceDelete> {
  static override summary = 'Delete a service from berth (what it deployed stays in the cluster).'
  static override examples = ['<%= config.bin %> <%= command.id %> service2', '<%= config.bin %> <%= command.id %> service2 --production']
  static override args = {name: Args.string({description: 'Service name.', required: true})}
  static override flags = {production: productionFlag}

  async run(): Promise<{service_name: string; production: boolean; deleted: true}> {
    const {deleteService} = await import('../../lib/services/service.js')
    await deleteService(this.context, {name: this.args.name, production: this.flags.production})
    this.notice(`Deleted ${this.flags.production ? 'production' : 'test'} service "${this.args.name}".`)
    return {service_name: this.args.name, production: this.flags.production, deleted: true}
  }
}
