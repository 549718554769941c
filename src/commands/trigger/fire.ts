import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {ExternalError} from '../../lib/errors.js'
import type {RunRecord} from '../../lib/triggers/history.js'
import {fireTrigger} from '../../lib/triggers/service.js'

export default class TriggerFire extends BerthCommand<typeof TriggerFire> {
  static override summary = 'Run a trigger\'s action by hand for one tag, as a push of it would.'
  static override description = 'The run is recorded in the trigger\'s history (source "manual"). Exit 1 when the action fails.'
  static override examples = ['<%= config.bin %> <%= command.id %> checkout-dev --tag 1.4.2', '<%= config.bin %> <%= command.id %> checkout-dev --tag 1.4.2 --dry-run --json']
  static override args = {name: Args.string({description: 'Trigger name.', required: true})}
  static override flags = {
    tag: Flags.string({summary: 'The image tag to act on.', required: true}),
    'dry-run': Flags.boolean({summary: 'Only say what the action would do.'}),
  }

  async run(): Promise<RunRecord> {
    const record = await fireTrigger(this.context, this.args.name, {tag: this.flags.tag, dryRun: this.flags['dry-run']})
    if (record.status === 'failed') throw new ExternalError(`Trigger "${this.args.name}" run ${record.run} failed: ${record.error ?? 'unknown error'}`, {hint: `See: berth trigger history ${this.args.name}`})
    this.notice(`Run ${record.run} ${record.status}${record.summary ? `: ${record.summary}` : ''}`)
    if (!this.jsonEnabled()) this.log(record.run)
    return record
  }
}
