import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {renderTable} from '../../lib/output/table.js'
import {RUN_STATUSES, RunRecord} from '../../lib/triggers/history.js'
import {triggerHistory} from '../../lib/triggers/service.js'

export default class TriggerHistory extends BerthCommand<typeof TriggerHistory> {
  static override summary = 'List a trigger\'s runs, newest first.'
  static override description = 'Each run shows its latest status: queued, running, succeeded, failed, ignored (disabled, not matching, superseded by a newer push) or interrupted (serve stopped mid-run).'
  static override examples = ['<%= config.bin %> <%= command.id %> checkout-dev', '<%= config.bin %> <%= command.id %> checkout-dev --limit 50 --status failed', '<%= config.bin %> <%= command.id %> checkout-dev --since 2h --json']
  static override args = {name: Args.string({description: 'Trigger name.', required: true})}
  static override flags = {
    limit: Flags.integer({summary: 'At most this many runs (default 20).', default: 20}),
    status: Flags.string({summary: `Only runs in this status (${RUN_STATUSES.join(', ')}).`}),
    since: Flags.string({summary: 'Only runs since this time (2026-11-24T09:00:00Z) or duration ago (30m, 12h, 7d).'}),
  }

  async run(): Promise<RunRecord[]> {
    const records = await triggerHistory(this.context, this.args.name, {limit: this.flags.limit, status: this.flags.status, since: this.flags.since})
    if (!this.jsonEnabled()) {
      if (records.length === 0) {
        this.notice(`No runs of trigger "${this.args.name}"${this.flags.status || this.flags.since ? ' match' : ' yet'}.`)
      } else {
        const style = await this.out()
        this.log(renderTable(records, [
          {header: 'run', get: (r) => r.run},
          {header: 'status', get: (r) => r.status},
          {header: 'tag', get: (r) => r.inputs.tag ?? ''},
          {header: 'source', get: (r) => r.source},
          {header: 'at', get: (r) => r.at.slice(0, 19).replace('T', ' ')},
          {header: 'detail', get: (r) => (r.error ?? r.reason ?? r.summary ?? '').slice(0, 100)},
        ], {header: style.bold}))
      }
    }
    return records
  }
}
