import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag} from '../../cli/service-flags.js'
import {parseDuration} from '../../lib/duration.js'

import type {DeployResult} from '../../lib/services/deploy.js'

export default class ServiceDeploy extends BerthCommand<typeof ServiceDeploy> {
  static override summary = 'Deploy a service to a Kubernetes endpoint: server-side apply, then wait for the rollout.'
  static override description = `Renders the service and applies every object with server-side apply (field manager "berth"), namespaces and CRDs first, then configuration, then workloads, concurrently within each step. Objects get the labels app.kubernetes.io/managed-by=berth, berth.dev/project and berth.dev/service; a missing namespace is created. Each object is reported as created, configured or unchanged. Then the rollout of Deployments, StatefulSets, DaemonSets and Jobs is waited for with watches: a healthy one returns at once, one that fails (ProgressDeadlineExceeded, a failed Job) fails at once (exit 1) naming the workload and the reason.
Progress goes to stderr: one line per workload updated in place at a terminal, one line per event otherwise. The deploy (endpoint, namespace, rendered digest, time, result) is recorded in the service's status (see service show).
Helm services are deployed with helm upgrade --install [--wait].`
  static override examples = [
    '<%= config.bin %> <%= command.id %> service2 --endpoint dev-cluster --namespace shop',
    '<%= config.bin %> <%= command.id %> service2 --env staging',
    '<%= config.bin %> <%= command.id %> service2 --endpoint prod-cluster --production --timeout 10m',
    '<%= config.bin %> <%= command.id %> service2 --endpoint dev-cluster --dry-run --json',
  ]
  static override args = {name: Args.string({description: 'Service name.', required: true})}
  static override flags = {
    endpoint: Flags.string({char: 'e', summary: 'The kubernetes endpoint to deploy to.', exclusive: ['env']}),
    env: Flags.string({summary: 'The environment to deploy to: its cluster endpoint and default namespace.', exclusive: ['endpoint']}),
    namespace: Flags.string({char: 'n', summary: 'Namespace for objects that name none (default: the environment\'s, the kubeconfig context\'s, else "default").'}),
    'dry-run': Flags.boolean({summary: 'Send everything with dryRun=All: the server validates, nothing changes.'}),
    'no-wait': Flags.boolean({summary: 'Do not wait for the rollout.'}),
    timeout: Flags.string({summary: 'How long to wait for the rollout, e.g. 90s, 5m.', default: '5m'}),
    'force-conflicts': Flags.boolean({summary: 'Take over fields another field manager owns instead of failing.'}),
    production: productionFlag,
  }

  async run(): Promise<DeployResult> {
    const {createKeyedProgress} = await import('../../lib/output/keyed-progress.js')
    const {deployService} = await import('../../lib/services/deploy.js')
    const f = this.flags
    const timeoutMs = parseDuration(f.timeout, '--timeout')
    const progress = this.jsonEnabled() ? undefined : createKeyedProgress(process.stderr)
    let result: DeployResult
    try {
      result = await deployService(
        this.context,
        {name: this.args.name, production: f.production, endpoint: f.endpoint, env: f.env, namespace: f.namespace, dryRun: f['dry-run'], wait: !f['no-wait'], timeoutMs, forceConflicts: f['force-conflicts']},
        {
          onApplied: (ref, action) => progress?.update(`apply ${ref.kind}/${ref.namespace ?? ''}/${ref.name}`, `${ref.kind.toLowerCase()}/${ref.name}${ref.namespace ? ` -n ${ref.namespace}` : ''} ${action}${f['dry-run'] ? ' (dry run)' : ''}`),
          onRollout: (p) => progress?.update(`rollout ${p.ref.kind}/${p.ref.namespace ?? ''}/${p.ref.name}`, `${p.ref.kind.toLowerCase()}/${p.ref.name} ${p.state === 'ready' ? 'rolled out' : p.state}: ${p.message}`),
          onStep: (text) => progress?.update(`step ${text}`, text),
        },
      )
    } finally {
      progress?.done()
    }
    if (!this.jsonEnabled()) {
      const counts = new Map<string, number>()
      for (const o of result.objects) counts.set(o.action, (counts.get(o.action) ?? 0) + 1)
      const summary = [...counts].map(([action, n]) => `${n} ${action}`).join(', ')
      const verb = result.dry_run ? 'Dry run of' : 'Deployed'
      const where = result.environment ? `environment ${result.environment} (${result.endpoint})` : result.endpoint
      this.log(`${verb} ${result.production ? 'production ' : ''}service "${result.service_name}" to ${where} namespace ${result.namespace}: ${summary || 'no objects'}${result.workloads.length > 0 ? `; ${result.workloads.length} ${result.workloads.length === 1 ? 'workload' : 'workloads'} rolled out` : ''}${result.helm?.revision ? ` (helm revision ${result.helm.revision})` : ''}.`)
    }
    return result
  }
}
