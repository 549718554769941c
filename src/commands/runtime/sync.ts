import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import type {SyncEvent} from '../../lib/runtimes/sync.js'

export default class RuntimeSync extends BerthCommand<typeof RuntimeSync> {
  static override summary = 'Deploy a runtime: fetch its manifests from Git and apply them to its environment.'
  static override description =
    'Fetches the repository at the target revision with the repo endpoint\'s credentials (a cached clone; credentials never in the URL), reads every YAML file under the path, places objects without a namespace in the first destination namespace and refuses any aimed elsewhere, creates missing namespaces, applies with server-side apply (labels berth.dev/runtime, berth.dev/project and a kubectl ApplySet), prunes what the runtime deployed before and the manifests no longer have, waits for workloads to become healthy, and records the result in the runtime\'s status.'
  static override examples = ['<%= config.bin %> <%= command.id %> dr-dev', '<%= config.bin %> <%= command.id %> dr-dev --dry-run', '<%= config.bin %> <%= command.id %> dr-dev --no-prune --no-wait --json']
  static override args = {name: Args.string({description: 'Runtime name.', required: true})}
  static override flags = {
    'dry-run': Flags.boolean({summary: 'Let the API server validate everything without changing the cluster.'}),
    prune: Flags.boolean({summary: 'Delete objects the runtime deployed before that the manifests no longer have.', default: true, allowNo: true}),
    wait: Flags.boolean({summary: 'Wait for workloads to become healthy.', default: true, allowNo: true}),
    timeout: Flags.integer({summary: 'Seconds to wait for workloads.', default: 300, min: 1}),
    'force-conflicts': Flags.boolean({summary: 'Take over fields that other field managers own.'}),
  }

  async run() {
    const {describeRef} = await import('../../lib/kube/resources.js')
    const {syncRuntime} = await import('../../lib/runtimes/sync.js')
    const live = !this.jsonEnabled() && Boolean(process.stderr.isTTY)
    const progressLines = new Map<string, string>()
    let drawn = 0
    const redraw = () => {
      if (drawn > 0) process.stderr.write(`\u001B[${drawn}A`)
      for (const line of progressLines.values()) process.stderr.write(`\u001B[2K${line}\n`)
      drawn = progressLines.size
    }
    const onEvent = (event: SyncEvent) => {
      if (this.jsonEnabled()) return
      switch (event.type) {
        case 'fetched':
          this.notice(`Fetched ${event.commit.slice(0, 12)}: ${event.objects} objects in ${event.files} files.`)
          break
        case 'applied':
          if (drawn === 0) this.notice(`${describeRef(event.applied.ref)} ${event.applied.action}`)
          break
        case 'pruned':
          this.notice(`${describeRef(event.ref)} pruned`)
          break
        case 'progress': {
          const line = `${describeRef(event.progress.ref)}: ${event.progress.state === 'ready' ? 'healthy' : event.progress.state} (${event.progress.message})`
          if (!live) {
            this.notice(line)
            break
          }
          progressLines.set(describeRef(event.progress.ref), line)
          redraw()
          break
        }
      }
    }
    const result = await syncRuntime(this.context, {
      name: this.args.name,
      dryRun: this.flags['dry-run'],
      prune: this.flags.prune,
      wait: this.flags.wait,
      timeoutMs: this.flags.timeout * 1000,
      forceConflicts: this.flags['force-conflicts'],
      onEvent,
    })
    const counts = ['created', 'configured', 'unchanged'].map((a) => `${result.resources.filter((r) => r.action === a).length} ${a}`).join(', ')
    this.notice(`${result.dryRun ? 'Dry run of' : 'Synced'} runtime "${result.name}" at ${result.commit.slice(0, 12)}: ${counts}, ${result.pruned.length} pruned.`)
    return result
  }
}
