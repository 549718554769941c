import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {renderTable} from '../../lib/output/table.js'

export default class RuntimeStatusCommand extends BerthCommand<typeof RuntimeStatusCommand> {
  static override summary = 'Show a runtime\'s last sync and the live health of each resource it deployed.'
  static override description = 'Each resource is Healthy, Progressing, Degraded (a failed rollout or job), Missing (deleted from the cluster) or OutOfSync (fields berth applied were changed by someone else).'
  static override examples = ['<%= config.bin %> <%= command.id %> dr-dev', '<%= config.bin %> <%= command.id %> dr-dev --json']
  static override args = {name: Args.string({description: 'Runtime name.', required: true})}

  async run() {
    const {runtimeStatus} = await import('../../lib/runtimes/sync.js')
    const result = await runtimeStatus(this.context, this.args.name)
    if (!this.jsonEnabled()) {
      if (!result.lastSync) this.log(`Runtime "${result.name}" has never been synced. Sync it with: berth runtime sync ${result.name}`)
      else {
        const s = result.lastSync
        this.log(`Last sync: ${s.result} at ${s.at}, commit ${s.commit} (${s.revision})${s.error ? `: ${s.error}` : ''}`)
        this.log(
          renderTable(result.resources, [
            {header: 'kind', get: (r) => r.kind},
            {header: 'namespace', get: (r) => r.namespace ?? '-'},
            {header: 'name', get: (r) => r.name},
            {header: 'status', get: (r) => r.status},
            {header: 'message', get: (r) => r.message},
          ], {header: (await this.out()).bold}),
        )
      }
    }
    return result
  }
}
