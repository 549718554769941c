import {Flags} from '@oclif/core'
import path from 'node:path'

import {BerthCommand} from '../../cli/base-command.js'
import {endpointTarget, listEndpoints} from '../../lib/endpoints/manage.js'
import {ENDPOINT_TYPES, EndpointType} from '../../lib/endpoints/types.js'
import {renderTable} from '../../lib/output/table.js'

export interface EndpointListItem {
  name: string
  type: EndpointType
  target: string
  /** null for a type without one (iam, kubernetes): every item has every key. */
  username: string | null
  description: string | null
  lastTest: {at: string; ok: boolean; summary: string} | null
  createdAt: string
}

export default class EndpointList extends BerthCommand<typeof EndpointList> {
  static override summary = 'List the endpoints of the project.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --type kubernetes', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {
    type: Flags.string({summary: 'Only endpoints of this type.', options: [...ENDPOINT_TYPES]}),
  }

  async run(): Promise<EndpointListItem[]> {
    const {endpoints, damaged} = await listEndpoints(this.context, {type: this.flags.type as EndpointType | undefined})
    // Warned even under --json (stderr): the others are listed, and the user must learn one is missing.
    for (const d of damaged) this.warning(d.message, `Fix the file, or delete it with: berth endpoint delete ${path.basename(d.file, '.yaml')}`)
    const items: EndpointListItem[] = endpoints.map((d) => ({
      name: d.metadata.name,
      type: d.spec.type,
      target: endpointTarget(d.spec),
      username: d.spec.username ?? null,
      description: d.spec.description ?? null,
      lastTest: d.status?.lastTest ?? null,
      createdAt: d.metadata.createdAt,
    }))
    if (!this.jsonEnabled()) {
      if (items.length === 0) {
        this.notice(`No endpoints${this.flags.type ? ` of type ${this.flags.type}` : ''} in project "${await this.context.project()}". Create one with: berth endpoint create`)
      } else {
        const style = await this.out()
        this.log(renderTable(items, [
          {header: 'name', get: (i) => i.name},
          {header: 'type', get: (i) => i.type},
          {header: 'target', get: (i) => i.target},
          {header: 'username', get: (i) => i.username ?? ''},
          {header: 'last test', get: (i) => (i.lastTest ? `${i.lastTest.ok ? 'ok' : 'failed'} ${i.lastTest.at.slice(0, 16).replace('T', ' ')}` : '')},
        ], {header: style.bold}))
      }
    }
    return items
  }
}
