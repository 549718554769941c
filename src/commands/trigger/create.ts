import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {UsageError} from '../../lib/errors.js'
import {DEFAULT_DOCKER_HUB_API} from '../../lib/registry/docker-hub.js'
import {actionFromFlags, checkHubApiUrl, createTrigger, dockerHubHookUrl, parseInputs, triggerView, TriggerView} from '../../lib/triggers/service.js'

export interface TriggerCreateResult extends TriggerView {
  /** The URL to give the registry; it holds the secure token. */
  hookUrl: string
  /** The same in the source's Docker Hub form. */
  dockerHubHookUrl: string
}

export default class TriggerCreate extends BerthCommand<typeof TriggerCreate> {
  static override summary = 'Create a Docker trigger: a push of a matching image runs a deploy, a runtime sync or a command.'
  static override description = `The trigger gets a random secure token, kept in the secret store (never in the state files). berth prints the hook URL to give the registry: Docker Hub's webhook, a registry's notifications endpoint (see: berth trigger show NAME --registry-config) or a Harbor webhook. Keep it private: it holds the token.
One action: --service S with --env E or --cluster K8S (deploy the service with that container's image set to the pushed one), --runtime R (sync a deployment runtime), or --exec "CMD" (run a command with sh; the event's inputs are BERTH_OWNER, BERTH_NAMESPACE, BERTH_REPOSITORY_NAME, BERTH_REPOSITORY, BERTH_REGISTRY, BERTH_IMAGE, BERTH_TAG, BERTH_DIGEST, BERTH_PUSHER, BERTH_TIME, plus each --input KEY=VALUE under its own name).
Run the receiver with: berth trigger serve.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> checkout-dev --endpoint payments-registry --image payments/checkout-api --tag-pattern "1.*" --service checkout --env dev --container api',
    '<%= config.bin %> <%= command.id %> ledger-sync --endpoint payments-registry --image payments/ledger --runtime ledger-dev',
    '<%= config.bin %> <%= command.id %> notify --endpoint payments-registry --image payments/checkout-api --exec \'./scripts/announce.sh "$BERTH_IMAGE"\' --input CHANNEL=releases',
    '<%= config.bin %> <%= command.id %> hub-deploy --endpoint hub --image svendowideit/testhook --tag-pattern latest --exec ./deploy.sh --public-url https://ci.example.com --register',
    '<%= config.bin %> <%= command.id %> hub-hook --endpoint hub --image svendowideit/testhook --tag-regex "v[0-9]+\\.[0-9]+\\.[0-9]+" --exec ./deploy.sh --public-url https://ci.example.com',
  ]
  static override args = {name: Args.string({description: 'Trigger name (DNS-1123 label).', required: true})}
  static override flags = {
    endpoint: Flags.string({char: 'e', summary: 'The docker-registry endpoint the image is pushed to.'}),
    image: Flags.string({summary: 'NAMESPACE/REPOSITORY the pushes must be to (no host, no tag).'}),
    'tag-pattern': Flags.string({summary: 'Only tags matching this glob (* and ?), e.g. "1.*".'}),
    'tag-regex': Flags.string({summary: 'Only tags matching this regular expression (anchored).'}),
    service: Flags.string({summary: 'Action: deploy this service with the pushed image.', helpGroup: 'ACTION'}),
    env: Flags.string({summary: 'With --service: the environment to deploy to.', helpGroup: 'ACTION'}),
    cluster: Flags.string({summary: 'With --service: the kubernetes endpoint to deploy to.', helpGroup: 'ACTION'}),
    namespace: Flags.string({char: 'n', summary: 'With --service: the namespace (default: the environment\'s or the service\'s).', helpGroup: 'ACTION'}),
    container: Flags.string({summary: 'With --service: the container whose image is set (default: the one running this repository).', helpGroup: 'ACTION'}),
    runtime: Flags.string({summary: 'Action: sync this deployment runtime.', helpGroup: 'ACTION'}),
    exec: Flags.string({summary: 'Action: run this command with sh -c, the inputs as environment variables.', helpGroup: 'ACTION'}),
    input: Flags.string({summary: 'A fixed input KEY=VALUE given to the action (repeatable).', multiple: true}),
    disabled: Flags.boolean({summary: 'Create it disabled: pushes are recorded as ignored until "berth trigger enable".'}),
    'dry-run': Flags.boolean({summary: 'Its actions only say what they would do (for trying the wiring).'}),
    'public-url': Flags.string({summary: 'Where the registry reaches "berth trigger serve" (default http://127.0.0.1:8080).'}),
    register: Flags.boolean({summary: 'Also create the webhook at Docker Hub (logging in with the endpoint\'s credentials); delete and token --rotate then update it there.', helpGroup: 'DOCKER HUB'}),
    'hub-api-url': Flags.string({summary: 'Docker Hub\'s API base URL for --register (default https://hub.docker.com).', env: 'BERTH_DOCKER_HUB_API_URL', helpGroup: 'DOCKER HUB'}),
  }

  async run(): Promise<TriggerCreateResult> {
    const f = this.flags
    const noAction = f.service === undefined && f.runtime === undefined && f.exec === undefined
    const missing = [f.endpoint === undefined ? '--endpoint' : '', f.image === undefined ? '--image' : '', noAction ? 'an action (--service, --runtime or --exec)' : ''].filter(Boolean)
    if (missing.length > 0) throw new UsageError(`Missing required flags: ${missing.join(', ')}.`, {hint: 'See: berth trigger create --help'})
    const action = actionFromFlags({service: f.service, env: f.env, cluster: f.cluster, namespace: f.namespace, container: f.container, runtime: f.runtime, exec: f.exec})
    const made = await createTrigger(this.context, {
      name: this.args.name,
      endpoint: f.endpoint as string,
      image: f.image as string,
      ...(f['tag-pattern'] === undefined ? {} : {tagPattern: f['tag-pattern']}),
      ...(f['tag-regex'] === undefined ? {} : {tagRegex: f['tag-regex']}),
      action,
      inputs: parseInputs(f.input ?? []),
      disabled: f.disabled,
      dryRun: f['dry-run'],
      ...(f['public-url'] === undefined ? {} : {publicUrl: f['public-url']}),
      ...(f.register ? {register: {apiUrl: checkHubApiUrl(f['hub-api-url'] ?? DEFAULT_DOCKER_HUB_API)}} : {}),
    })
    const view = triggerView(made.trigger)
    this.notice(`Created trigger "${view.name}": ${view.image}${view.tagPattern ? `:${view.tagPattern}` : view.tagRegex ? ` tags /${view.tagRegex}/` : ''} → ${view.does}${view.enabled ? '' : ' (disabled)'}.`)
    if (made.trigger.spec.dockerHub) this.notice(`Created Docker Hub webhook "${made.trigger.spec.dockerHub.webhookName}" on ${made.trigger.spec.dockerHub.namespace}/${made.trigger.spec.dockerHub.repository}.`)
    this.notice('Give the registry this hook URL (it holds the secret token; keep it private). Receive with: berth trigger serve')
    if (!this.jsonEnabled()) this.log(made.hookUrl)
    return {...view, hookUrl: made.hookUrl, dockerHubHookUrl: dockerHubHookUrl(made.trigger.spec, made.token)}
  }
}
