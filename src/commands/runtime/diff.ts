import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

export default class RuntimeDiff extends BerthCommand<typeof RuntimeDiff> {
  static override summary = 'Show what a sync would change, as a unified diff per object.'
  static override description = 'Server-side dry-run apply of the manifests at the target revision against the live objects (managed fields and status left out), plus the objects a sync would prune. Exit 0 when nothing would change, 1 when something would, 2 on error (like diff(1) and kubectl diff).'
  static override examples = ['<%= config.bin %> <%= command.id %> dr-dev', '<%= config.bin %> <%= command.id %> dr-dev --json']
  static override args = {name: Args.string({description: 'Runtime name.', required: true})}

  async run() {
    const {describeRef} = await import('../../lib/kube/resources.js')
    const {diffRuntime} = await import('../../lib/runtimes/sync.js')
    const result = await diffRuntime(this.context, this.args.name)
    if (!this.jsonEnabled()) {
      for (const object of result.objects) if (object.diff) process.stdout.write(object.diff)
      for (const ref of result.prune) process.stdout.write(`--- ${describeRef(ref)}\n+++ /dev/null (pruned)\n`)
    }
    if (result.changed) process.exitCode = 1
    return result
  }
}
