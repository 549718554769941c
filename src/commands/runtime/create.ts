import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {runtimeSaveFlags, saveOptionsFrom} from '../../cli/runtime-flags.js'

export default class RuntimeCreate extends BerthCommand<typeof RuntimeCreate> {
  static override summary = 'Create a deployment runtime (fails if it exists).'
  static override description = 'Like runtime save, but refuses to change an existing runtime.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> dr-dev --repo api-server --revision HEAD --path manifests/development --env env-dev --namespace dr-dev --project-ref api-server',
    '<%= config.bin %> <%= command.id %> dr-demo --repo api-server --revision HEAD --path manifests/development --env env-dev --namespace dr-dev --insecure-skip-check',
  ]
  static override args = {name: Args.string({description: 'Runtime name (a DNS-1123 label).', required: true})}
  static override flags = runtimeSaveFlags

  async run() {
    const {apiShapeOf, saveRuntime} = await import('../../lib/runtimes/runtimes.js')
    const result = await saveRuntime(this.context, saveOptionsFrom(this.args.name, 'create', this.flags))
    for (const warning of result.warnings) process.stderr.write(`Warning: ${warning} (saved anyway: --insecure-skip-check).\n`)
    this.notice(`${result.created ? 'Created' : 'Updated'} runtime "${result.runtime.metadata.name}".`)
    return {...apiShapeOf(result.runtime), created: result.created, warnings: result.warnings}
  }
}
