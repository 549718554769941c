import {Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag} from '../../cli/service-flags.js'
import {renderTable} from '../../lib/output/table.js'
import type {ServiceListItem} from '../../lib/services/service.js'

export default class ServiceList extends BerthCommand<typeof ServiceList> {
  static override summary = 'List the services of the project: name, type, containers.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --production --json',
    '<%= config.bin %> <%= command.id %> -l team=payments,tier!=db',
  ]
  static override flags = {
    selector: Flags.string({char: 'l', summary: 'Only services whose labels match: key=value, key!=value, key, !key; comma-separated, all must hold.'}),
    production: productionFlag,
  }

  async run(): Promise<ServiceListItem[]> {
    const {listItem, listServices, parseLabelSelector} = await import('../../lib/services/service.js')
    const selector = this.flags.selector === undefined ? undefined : parseLabelSelector(this.flags.selector)
    const items = (await listServices(this.context, {production: this.flags.production, selector})).map(listItem)
    if (!this.jsonEnabled()) {
      if (items.length === 0) {
        this.notice(`No ${this.flags.production ? 'production' : 'test'} services${selector ? ` matching ${selector.text}` : ''} in project "${await this.context.project()}".`)
      } else {
        const style = await this.out()
        this.log(renderTable(items, [
          {header: 'name', get: (i) => i.service_name},
          {header: 'type', get: (i) => i.type},
          {header: 'containers', get: (i) => i.containers.map((c) => `${c.name}=${c.image}`).join(', ')},
        ], {header: style.bold}))
      }
    }
    return items
  }
}
