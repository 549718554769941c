import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {deleteEndpoint} from '../../lib/endpoints/manage.js'

export default class EndpointDelete extends BerthCommand<typeof EndpointDelete> {
  static override summary = 'Delete an endpoint and its secrets.'
  static override description = 'Refuses while other objects (services, environments, runtimes, triggers) use the endpoint, listing them, unless --force.'
  static override examples = ['<%= config.bin %> <%= command.id %> hub', '<%= config.bin %> <%= command.id %> hub --force']
  static override args = {name: Args.string({description: 'Endpoint name.', required: true})}
  static override flags = {force: Flags.boolean({summary: 'Delete even if other objects use it (they will fail until changed).'})}

  async run() {
    const result = await deleteEndpoint(this.context, this.args.name, {force: this.flags.force})
    const secrets = result.secretsRemoved.length > 0 ? ` and its ${result.secretsRemoved.join(', ')} from the secret store` : ''
    if (result.damaged) this.notice(`${result.damaged.message}\nDeleted the damaged file${secrets}.`)
    else this.notice(`Deleted endpoint "${this.args.name}"${secrets}.`)
    if (result.references.length > 0) this.notice(`Still referring to it: ${result.references.map((r) => `${r.kind}/${r.name}`).join(', ')}.`)
    return {name: this.args.name, type: result.endpoint?.spec.type ?? null, deleted: true, secretsRemoved: result.secretsRemoved, references: result.references}
  }
}
