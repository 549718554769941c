import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {runtimeSaveFlags, saveOptionsFrom} from '../../cli/runtime-flags.js'

export default class RuntimeSave extends BerthCommand<typeof RuntimeSave> {
  static override summary = 'Create or update a deployment runtime: where manifests live in Git and where they are deployed.'
  static override description = 'Checks that the environment exists, that --repo is a git or codearts-repo endpoint, that names and namespaces are DNS-1123 labels and that --path stays inside the repository. Once the runtime has been synced, its destination (environment, namespaces) cannot change.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> dr-dev --repo api-server --revision HEAD --path manifests/development --env env-dev --namespace dr-dev --project-ref api-server',
    '<%= config.bin %> <%= command.id %> dr-demo --repo api-server --revision HEAD --path manifests/development --env env-dev --namespace dr-dev --insecure-skip-check',
  ]
  static override args = {name: Args.string({description: 'Runtime name (a DNS-1123 label).', required: true})}
  static override flags = runtimeSaveFlags

  async run() {
    const {apiShapeOf, saveRuntime} = await import('../../lib/runtimes/runtimes.js')
    const result = await saveRuntime(this.context, saveOptionsFrom(this.args.name, 'save', this.flags))
    for (const warning of result.warnings) process.stderr.write(`Warning: ${warning} (saved anyway: --insecure-skip-check).\n`)
    this.notice(`${result.created ? 'Created' : 'Updated'} runtime "${result.runtime.metadata.name}".`)
    return {...apiShapeOf(result.runtime), created: result.created, warnings: result.warnings}
  }
}
