import {Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {defaultActionRunner} from '../../lib/triggers/actions.js'
import {ServerCounters, TriggerServer} from '../../lib/triggers/server.js'

export default class TriggerServe extends BerthCommand<typeof TriggerServe> {
  static override summary = 'Receive registry webhooks and run the project\'s triggers.'
  static override description = `Listens for POST /pipelines/api/docker-hub-webhooks?secureToken=TOKEN (Docker Hub, the token chooses the trigger) and POST /hooks/NAME with ?secureToken=TOKEN or "Authorization: Bearer TOKEN" (registry notifications, Harbor). Answers 202 once the pushes are recorded; actions run from a queue, one at a time per target, the newest push replacing one still waiting.
SIGTERM or SIGINT: stop accepting, let running actions finish, keep waiting ones queued for the next serve. Log lines go to stderr; with --json a summary is printed at exit.
On the kubernetes state backend any number of serve processes (replicas) can run for one project: each event is recorded once (an Execution object named after the event), one replica at a time runs a target's actions (a Lease per target), and when a replica dies its target is taken over once its Lease expires (--lease-seconds).`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --host 0.0.0.0 --port 9000 --callback-host ci-hooks.example.com',
    'BERTH_BACKEND=kubernetes <%= config.bin %> <%= command.id %> --host 0.0.0.0 --replica-id "$HOSTNAME"',
  ]
  static override flags = {
    host: Flags.string({summary: 'Address to listen on.', default: '127.0.0.1'}),
    port: Flags.integer({summary: 'Port to listen on (0: any free port).', default: 8080, min: 0, max: 65_535}),
    'max-body': Flags.integer({summary: 'Largest request body in bytes (default 1 MiB); larger ones get 413.', default: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024}),
    'callback-host': Flags.string({summary: 'A host (or host:port) besides Docker Hub\'s that a payload\'s callback_url may point at (repeatable).', multiple: true}),
    concurrency: Flags.integer({summary: 'Actions running at once across targets.', default: 4, min: 1, max: 64}),
    'replica-id': Flags.string({summary: 'Kubernetes backend: this replica\'s name, as holder of the target Leases (default: host name and pid).'}),
    'lease-seconds': Flags.integer({summary: 'Kubernetes backend: how long a target stays with a replica that stopped renewing its Lease.', default: 15, min: 1, max: 3600}),
    'sweep-ms': Flags.integer({summary: 'Kubernetes backend: how often to look for queued runs nobody is working on.', default: 2000, min: 100, max: 600_000}),
    'history-limit': Flags.integer({summary: 'Kubernetes backend: finished runs kept per trigger (older Execution objects are deleted).', default: 1000, min: 1, max: 1_000_000}),
  }

  async run(): Promise<{url: string; counters: ServerCounters; kept: number}> {
    const ctx = this.context
    const project = await ctx.project()
    const server = new TriggerServer(
      {project, host: this.flags.host, port: this.flags.port, maxBodyBytes: this.flags['max-body'], callbackHosts: this.flags['callback-host'] ?? [], concurrency: this.flags.concurrency,
        cluster: {...(this.flags['replica-id'] ? {replicaId: this.flags['replica-id']} : {}), leaseSeconds: this.flags['lease-seconds'], sweepMs: this.flags['sweep-ms'], retention: this.flags['history-limit']}},
      {ctx, runner: defaultActionRunner(ctx), log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)},
    )
    const started = await server.start()
    process.stderr.write(`Listening on ${started.url} for project "${project}"${started.restored ? `; ${started.restored} queued run(s) restored` : ''}${started.interrupted ? `; ${started.interrupted} interrupted run(s) recorded` : ''}\n`)
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'))
      process.once('SIGINT', () => resolve('SIGINT'))
    })
    process.stderr.write(`${signal}: not accepting; waiting for running actions to finish\n`)
    const stopped = await server.stop()
    process.stderr.write(`Stopped: ${server.counters.accepted} accepted, ${server.counters.succeeded} succeeded, ${server.counters.failed} failed; ${stopped.kept} kept queued for the next serve\n`)
    return {url: started.url, counters: server.counters, kept: stopped.kept}
  }
}
