import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {registryConfig, triggerToken} from '../../lib/triggers/service.js'

export default class TriggerToken extends BerthCommand<typeof TriggerToken> {
  static override summary = 'Print a trigger\'s secure token and hook URL; --rotate replaces the token.'
  static override description = 'After --rotate the old token is refused at once (a running serve reloads within a second): give the registry the new hook URL.'
  static override examples = ['<%= config.bin %> <%= command.id %> checkout-dev', '<%= config.bin %> <%= command.id %> checkout-dev --rotate', '<%= config.bin %> <%= command.id %> checkout-dev --registry-config']
  static override args = {name: Args.string({description: 'Trigger name.', required: true})}
  static override flags = {
    rotate: Flags.boolean({summary: 'Make a new token; the old one stops working.'}),
    'registry-config': Flags.boolean({summary: 'Print the registry notifications block with the token filled in.'}),
  }

  async run(): Promise<{name: string; token: string; hookUrl: string; rotated: boolean; registryConfig?: string}> {
    const result = await triggerToken(this.context, this.args.name, {rotate: this.flags.rotate})
    const config = this.flags['registry-config'] ? registryConfig(result.trigger, result.token) : undefined
    if (result.rotated) this.notice(`New token for trigger "${this.args.name}"; the old one no longer works. Give the registry the new hook URL.`)
    if (!this.jsonEnabled()) this.log(config ? config.trimEnd() : `${result.token}\n${result.hookUrl}`)
    return {name: this.args.name, token: result.token, hookUrl: result.hookUrl, rotated: result.rotated, ...(config ? {registryConfig: config} : {})}
  }
}
