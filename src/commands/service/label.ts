import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag} from '../../cli/service-flags.js'
import {UsageError} from '../../lib/errors.js'

export default class ServiceLabel extends BerthCommand<typeof ServiceLabel> {
  static override summary = 'Set (KEY=VALUE) and remove (KEY-) labels of a service.'
  static override examples = ['<%= config.bin %> <%= command.id %> service2 team=payments tier=web', '<%= config.bin %> <%= command.id %> service2 tier-', '<%= config.bin %> <%= command.id %> service2 --json']
  static override strict = false
  static override args = {name: Args.string({description: 'Service name.', required: true})}
  static override flags = {production: productionFlag}

  async run(): Promise<{service_name: string; labels: Array<{key: string; value: string}>}> {
    const {labelService, parseLabelChanges} = await import('../../lib/services/service.js')
    const {argv} = await this.parse(ServiceLabel)
    const changes = parseLabelChanges((argv as string[]).slice(1))
    if (Object.keys(changes.set).length === 0 && changes.remove.length === 0) throw new UsageError('Give labels to set (KEY=VALUE) or remove (KEY-).')
    const doc = await labelService(this.context, {name: this.args.name, production: this.flags.production}, changes)
    const labels = Object.entries(doc.metadata.labels ?? {}).map(([key, value]) => ({key, value}))
    if (!this.jsonEnabled()) this.log(labels.map((l) => `${l.key}=${l.value}`).join('\n') || '(no labels)')
    return {service_name: this.args.name, labels}
  }
}
