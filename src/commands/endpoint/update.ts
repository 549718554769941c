import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {connectionVerifier, endpointFlags} from '../../cli/endpoint-flags.js'
import {credentialsOf} from '../../lib/endpoints/credentials.js'
import {gatherUpdateInput} from '../../lib/endpoints/input.js'
import {maskedEndpoint, updateEndpoint} from '../../lib/endpoints/manage.js'
import {EndpointSpec, EndpointStatus} from '../../lib/endpoints/types.js'

export default class EndpointUpdate extends BerthCommand<typeof EndpointUpdate> {
  static override summary = 'Change an endpoint\'s settings or secret; lists the objects that use it.'
  static override description = 'Flags given replace the current values; the others stay. At a terminal with no flags, berth asks for each value with the current one as default. The type cannot change.'
  static override examples = [
    'printf %s "$NEW_PASSWORD" | <%= config.bin %> <%= command.id %> hub --password-stdin --verify',
    '<%= config.bin %> <%= command.id %> prod --kubeconfig ~/.kube/prod.yaml --context prod-admin',
    '<%= config.bin %> <%= command.id %> hub',
  ]
  static override args = {name: Args.string({description: 'Endpoint name.', required: true})}
  static override flags = endpointFlags

  async run() {
    const project = await this.context.project()
    const current = await this.context.state().get<EndpointSpec, EndpointStatus>('Endpoint', this.args.name, project)
    const gathered = await gatherUpdateInput(this.context, current, this.flags, () => credentialsOf(this.context, current), this.flags.verify, {show: (text) => process.stderr.write(text)})
    const marking = Boolean((this.flags as Record<string, unknown>)['default-for-host'])
    if (!gathered.changed && !marking) {
      this.notice(`Nothing to change in endpoint "${current.metadata.name}".`)
      return {...maskedEndpoint(current), references: [], changed: false}
    }
    const verify = this.flags.verify ? connectionVerifier((message) => this.notice(message)) : undefined
    const updated = gathered.changed ? await updateEndpoint(this.context, gathered.input, {verify, secretsChanged: gathered.secretsChanged}) : {endpoint: current, references: []}
    const {references} = updated
    let {endpoint} = updated
    if (marking) {
      const {markDefaultForHost} = await import('../../lib/credential-helpers/docker-helper.js')
      const {unmarked} = await markDefaultForHost(this.context, endpoint.metadata.name)
      endpoint = await this.context.state().get<EndpointSpec, EndpointStatus>('Endpoint', endpoint.metadata.name, project)
      this.notice(`docker now gets "${endpoint.metadata.name}" for this registry${unmarked.length > 0 ? `, no longer ${unmarked.map((n) => `"${n}"`).join(', ')}` : ''}.`)
    }
    this.notice(`Updated endpoint "${endpoint.metadata.name}".`)
    if (references.length > 0) {
      this.notice(`These objects use it and may need updating too:`)
      for (const r of references) this.notice(`  ${r.kind}/${r.name} (${r.field})`)
    }
    return {...maskedEndpoint(endpoint), references, changed: true}
  }
}
