import {Args, Errors, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag} from '../../cli/service-flags.js'
import type {ServiceDiffResult} from '../../lib/services/deploy.js'

export default class ServiceDiff extends BerthCommand<typeof ServiceDiff> {
  static override summary = 'Show what deploying a service would change, as a unified diff per object.'
  static override description = `Each rendered object is applied with a server-side dry run and compared with the live object, both without managedFields, status and the other fields the server writes (like kubectl diff --server-side).
Exit status as diff(1) and kubectl diff: 0 nothing would change, 1 something would, 2 an error.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> service2 --endpoint dev-cluster --namespace shop',
    '<%= config.bin %> <%= command.id %> service2 --env staging --json || echo "deploy would change something"',
  ]
  static override args = {name: Args.string({description: 'Service name.', required: true})}
  static override flags = {
    endpoint: Flags.string({char: 'e', summary: 'The kubernetes endpoint to compare with.', exclusive: ['env']}),
    env: Flags.string({summary: 'The environment to compare with: its cluster endpoint and default namespace.', exclusive: ['endpoint']}),
    namespace: Flags.string({char: 'n', summary: 'Namespace for objects that name none (default: the environment\'s, the kubeconfig context\'s, else "default").'}),
    production: productionFlag,
  }

  async run(): Promise<ServiceDiffResult> {
    const {diffService} = await import('../../lib/services/deploy.js')
    const result = await diffService(this.context, {name: this.args.name, production: this.flags.production, endpoint: this.flags.endpoint, env: this.flags.env, namespace: this.flags.namespace})
    if (this.jsonEnabled()) {
      if (result.changed) {
        this.logJson(result)
        this.exit(1)
      }
      return result
    }
    for (const o of result.objects) if (o.diff) process.stdout.write(o.diff.endsWith('\n') ? o.diff : `${o.diff}\n`)
    if (!result.changed) this.notice(`No changes: service "${result.service_name}" matches ${result.endpoint} namespace ${result.namespace}.`)
    if (result.changed) this.exit(1)
    return result
  }

  /** diff(1)'s convention: any error is exit 2 (1 means "differences found"). */
  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err
    if (typeof err.exitCode === 'number' && err.exitCode !== 2) Object.defineProperty(err, 'exitCode', {value: 2})
    return super.catch(err)
  }
}
