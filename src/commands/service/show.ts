import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag} from '../../cli/service-flags.js'
import type {ServiceView} from '../../lib/services/service.js'

export default class ServiceShow extends BerthCommand<typeof ServiceShow> {
  static override summary = 'Show a service: YAML, variables, containers, labels, creator, time and last deploy.'
  static override examples = ['<%= config.bin %> <%= command.id %> service2', '<%= config.bin %> <%= command.id %> service2 --production --json']
  static override args = {name: Args.string({description: 'Service name.', required: true})}
  static override flags = {production: productionFlag}

  async run(): Promise<ServiceView> {
    const {getService, serviceView} = await import('../../lib/services/service.js')
    const view = serviceView(await getService(this.context, {name: this.args.name, production: this.flags.production}))
    if (!this.jsonEnabled()) {
      const s = await this.out()
      this.log(`${s.bold('Service:')} ${view.service_name} (${view.type}, ${view.production ? 'production' : 'test'})`)
      this.log(`${s.bold('Created:')} ${new Date(view.created_time * 1000).toISOString()} by ${view.created_by}`)
      if (view.template_name) this.log(`${s.bold('Template:')} ${view.template_name}${view.auto_sync ? ' (auto-sync)' : ''}`)
      if (view.labels.length > 0) this.log(`${s.bold('Labels:')} ${view.labels.map((l) => `${l.key}=${l.value}`).join(', ')}`)
      this.log(s.bold('Containers:'))
      for (const c of view.containers) this.log(`  ${c.name}: ${c.image}`)
      if (view.service_variable_kvs.length > 0) {
        this.log(s.bold('Variables:'))
        for (const v of view.service_variable_kvs) this.log(`  ${v.key} (${v.type}${v.options.length > 0 ? `: ${v.options.join('|')}` : ''}) = ${JSON.stringify(v.value)}${v.desc ? `  # ${v.desc}` : ''}`)
      }
      const d = view.last_deploy
      this.log(`${s.bold('Last deploy:')} ${d ? `${d.result} ${d.at} to ${d.endpoint}/${d.namespace} (${d.digest.slice(0, 19)})${d.message ? `: ${d.message}` : ''}` : 'never'}`)
      if (view.values) this.log(`${s.bold('Values:')}\n${view.values.trimEnd()}`)
      if (view.yaml) this.log(`${s.bold('YAML:')}\n${view.yaml.trimEnd()}`)
    }
    return view
  }
}
