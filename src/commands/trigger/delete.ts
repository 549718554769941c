import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {deleteTrigger} from '../../lib/triggers/service.js'

export default class TriggerDelete extends BerthCommand<typeof TriggerDelete> {
  static override summary = 'Delete a trigger, its token and its history.'
  static override examples = ['<%= config.bin %> <%= command.id %> checkout-dev', '<%= config.bin %> <%= command.id %> checkout-dev --keep-history']
  static override args = {name: Args.string({description: 'Trigger name.', required: true})}
  static override flags = {
    'keep-history': Flags.boolean({summary: 'Keep the run history file.'}),
    'keep-docker-hub-webhook': Flags.boolean({summary: 'Leave the webhook --register created at Docker Hub.'}),
  }

  async run(): Promise<{name: string; deleted: true; tokenRemoved: boolean; historyRemoved: boolean; dockerHubWebhookDeleted: boolean}> {
    const result = await deleteTrigger(this.context, this.args.name, {keepHistory: this.flags['keep-history'], keepDockerHubWebhook: this.flags['keep-docker-hub-webhook']})
    if (result.dockerHubWebhookDeleted) this.notice(`Deleted its Docker Hub webhook "${result.trigger.spec.dockerHub?.webhookName}".`)
    this.notice(`Deleted trigger "${this.args.name}"${result.tokenRemoved ? ', its token' : ''}${result.historyRemoved ? ' and its history' : ''}.`)
    return {name: this.args.name, deleted: true, tokenRemoved: result.tokenRemoved, historyRemoved: result.historyRemoved, dockerHubWebhookDeleted: result.dockerHubWebhookDeleted}
  }
}
