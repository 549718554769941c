import {renderTransfer, transferBetweenBackends} from '../lib/backends/transfer.js'
import type {TransferResult} from '../lib/state/transfer.js'
import {BerthCommand} from './base-command.js'

/** `state export` and `state import`: one run, which differs only in the direction it copies. */
export abstract class StateTransferCommand extends BerthCommand<typeof StateTransferCommand> {
  protected abstract readonly direction: 'export' | 'import'

  async run(): Promise<TransferResult> {
    const result = await transferBetweenBackends(this.context, this.direction)
    if (!this.jsonEnabled()) {
      const {table, summary} = renderTransfer(result)
      if (table) this.log(table)
      this.notice(summary)
    }
    for (const damaged of result.damaged) this.warning(`skipped: ${damaged.message}`)
    return result
  }
}
