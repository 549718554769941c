import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {TriggerView, getTrigger, registryConfig, triggerView} from '../../lib/triggers/service.js'

export default class TriggerShow extends BerthCommand<typeof TriggerShow> {
  static override summary = 'Show a trigger (never its token: see "berth trigger token").'
  static override description = 'With --registry-config, prints the notifications: block to paste into a self-hosted registry\'s config.yml, with a placeholder for the token ("berth trigger token NAME --registry-config" prints it filled in).'
  static override examples = ['<%= config.bin %> <%= command.id %> checkout-dev', '<%= config.bin %> <%= command.id %> checkout-dev --registry-config', '<%= config.bin %> <%= command.id %> checkout-dev --json']
  static override args = {name: Args.string({description: 'Trigger name.', required: true})}
  static override flags = {'registry-config': Flags.boolean({summary: 'Print the registry notifications block instead (token left as a placeholder).'})}

  async run(): Promise<TriggerView | {registryConfig: string}> {
    const doc = await getTrigger(this.context, this.args.name)
    if (this.flags['registry-config']) {
      const text = registryConfig(doc)
      if (!this.jsonEnabled()) this.log(text.trimEnd())
      this.notice(`Replace the placeholder with the token (berth trigger token ${this.args.name}), or print the block filled in with: berth trigger token ${this.args.name} --registry-config`)
      return {registryConfig: text}
    }
    const view = triggerView(doc)
    if (!this.jsonEnabled()) {
      const style = await this.out()
      const rows: Array<[string, string]> = [
        ['name', view.name],
        ['project', view.project],
        ['endpoint', view.endpoint],
        ['image', view.image],
        ...(view.tagPattern ? [['tag pattern', view.tagPattern] as [string, string]] : []),
        ...(view.tagRegex ? [['tag regex', view.tagRegex] as [string, string]] : []),
        ['action', view.does],
        ...Object.entries(view.inputs).map(([k, v]): [string, string] => [`input ${k}`, v]),
        ['enabled', view.enabled ? 'yes' : 'no'],
        ...(view.dryRun ? [['dry run', 'yes'] as [string, string]] : []),
        ['hook URL', `${view.hookPath}?secureToken=… (berth trigger token ${view.name})`],
        ...(view.dockerHub ? [['docker hub', `${view.dockerHub.namespace}/${view.dockerHub.repository} webhook "${view.dockerHub.webhookName}" at ${view.dockerHub.apiUrl}`] as [string, string]] : []),
        ['created', view.createdAt],
        ...(view.updatedAt ? [['updated', view.updatedAt] as [string, string]] : []),
      ]
      const width = Math.max(...rows.map(([k]) => k.length))
      this.log(rows.map(([k, v]) => `${style.bold(k.padEnd(width))}  ${v}`).join('\n'))
    }
    return view
  }
}
