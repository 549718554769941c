import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {findEndpointReferences} from '../../lib/endpoints/references.js'
import {shownEndpoint} from '../../lib/endpoints/manage.js'
import {EndpointSpec, EndpointStatus} from '../../lib/endpoints/types.js'

export default class EndpointShow extends BerthCommand<typeof EndpointShow> {
  static override summary = 'Show every field of an endpoint, secrets masked (or "missing" when not in their store), and what uses it.'
  static override examples = ['<%= config.bin %> <%= command.id %> hub', '<%= config.bin %> <%= command.id %> hub --json']
  static override args = {name: Args.string({description: 'Endpoint name.', required: true})}

  async run() {
    const project = await this.context.project()
    const doc = await this.context.state().get<EndpointSpec, EndpointStatus>('Endpoint', this.args.name, project)
    const references = await findEndpointReferences(this.context, doc.metadata.name, project)
    const shown = {...(await shownEndpoint(this.context, doc)), references}
    if (!this.jsonEnabled()) {
      const style = await this.out()
      const {secretRefs: _refs, type, ...fields} = doc.spec
      const rows: Array<[string, string]> = [
        ['name', doc.metadata.name],
        ['project', doc.metadata.project ?? ''],
        ['type', type],
        ...Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]),
        ...Object.entries(shown.secrets),
        ['created', `${doc.metadata.createdAt} by ${doc.metadata.createdBy}`],
        ...(doc.metadata.updatedAt ? [['updated', doc.metadata.updatedAt] as [string, string]] : []),
        ...(doc.status?.lastTest ? [['last test', `${doc.status.lastTest.ok ? 'ok' : 'FAILED'} at ${doc.status.lastTest.at}: ${doc.status.lastTest.summary}`] as [string, string]] : []),
        ['used by', references.length === 0 ? '-' : references.map((r) => `${r.kind}/${r.name} (${r.field})`).join(', ')],
      ]
      const width = Math.max(...rows.map(([k]) => k.length))
      this.log(rows.map(([k, v]) => `${style.bold(k.padEnd(width))}  ${v}`).join('\n'))
    }
    return shown
  }
}
