import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {connectionVerifier, endpointFlags, typeUsage} from '../../cli/endpoint-flags.js'
import {gatherCreateInput} from '../../lib/endpoints/input.js'
import {createEndpoint, maskedEndpoint} from '../../lib/endpoints/manage.js'
import {ENDPOINT_TYPES} from '../../lib/endpoints/types.js'

export default class EndpointCreate extends BerthCommand<typeof EndpointCreate> {
  static override summary = 'Create an endpoint: a docker registry, Kubernetes cluster, Git repository, IAM key or CodeArts Repo.'
  static override description = `At a terminal, berth asks for whatever is missing (type, name, each field, the secret, masked) and shows a summary to confirm. In a script, give everything as flags: a missing flag is an error naming every missing flag (exit 2).

Secrets are never taken as plain flag values: use --password-stdin / --password-env VAR (or --secret-access-key-stdin / --secret-access-key-env VAR), or the prompt. They go to the secret store (the OS keychain by default; see "berth config get secret-store"), never to berth's files.

Types and their fields:
${typeUsage()}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'printf %s "$REGISTRY_PASSWORD" | <%= config.bin %> <%= command.id %> docker-registry hub --address https://registry.example.com --username ci --password-stdin',
    '<%= config.bin %> <%= command.id %> kubernetes prod --kubeconfig ~/.kube/prod.yaml --context prod-admin --verify',
    '<%= config.bin %> <%= command.id %> git app-repo --url https://git.example.com/team/app.git --username ci --password-env GIT_TOKEN',
    '<%= config.bin %> <%= command.id %> iam cloud --access-key-id HPUAEXAMPLEKEY000001 --secret-access-key-env CLOUD_SK',
    '<%= config.bin %> <%= command.id %> codearts-repo codehub --url-prefix https://codehub.example.com --username mytenant/ci-user --password-env CODEARTS_PASSWORD',
  ]
  static override args = {
    type: Args.string({description: `Endpoint type: ${ENDPOINT_TYPES.join(', ')}.`}),
    name: Args.string({description: 'Endpoint name (a DNS-1123 label, e.g. prod-registry).'}),
  }
  static override flags = endpointFlags

  async run(): Promise<ReturnType<typeof maskedEndpoint> & {references: never[]; changed: true}> {
    const input = await gatherCreateInput(this.context, {...this.flags, type: this.args.type, name: this.args.name}, {show: (text) => process.stderr.write(text)})
    const verify = this.flags.verify ? connectionVerifier((message) => this.notice(message)) : undefined
    let doc = await createEndpoint(this.context, input, {verify})
    const store = Object.values(doc.spec.secretRefs)[0]?.backend
    this.notice(`Created ${doc.spec.type} endpoint "${doc.metadata.name}" in project "${doc.metadata.project}"${store ? ` (secret in the ${store} store)` : ''}.`)
    if (doc.spec.type === 'docker-registry' && doc.spec.address !== undefined) {
      const {endpointsServingRegistry, markDefaultForHost} = await import('../../lib/credential-helpers/docker-helper.js')
      if ((this.flags as Record<string, unknown>)['default-for-host']) {
        const {unmarked} = await markDefaultForHost(this.context, doc.metadata.name)
        doc = await this.context.state().get('Endpoint', doc.metadata.name, doc.metadata.project)
        if (unmarked.length > 0) this.notice(`docker now gets "${doc.metadata.name}" for this registry, no longer ${unmarked.map((n) => `"${n}"`).join(', ')}.`)
      } else {
        const others = await endpointsServingRegistry(this.context, doc.spec.address, doc.metadata.name)
        if (others.length > 0) {
          this.notice(`Warning: ${others.map((n) => `"${n}"`).join(', ')} already ${others.length === 1 ? 'serves' : 'serve'} this registry; docker (berth credential docker) uses the one marked with --default-for-host and refuses to choose otherwise. Mark one with: berth endpoint update ${doc.metadata.name} --default-for-host`)
        }
      }
    }
    // The shape of endpoint update's result: a new endpoint has no references yet.
    return {...maskedEndpoint(doc), references: [], changed: true}
  }
}
