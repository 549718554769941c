import {Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {renderTable} from '../../lib/output/table.js'
import type {InterfaceSource} from '../../lib/resource-interfaces/types.js'

export interface ResourceInterfaceListItem {
  name: string
  category?: string
  displayName?: string
  source: InterfaceSource
  params: string[]
  attributes: string[]
  workspaces: string[]
}

export default class ResourceInterfaceList extends BerthCommand<typeof ResourceInterfaceList> {
  static override aliases = ['ri:list']
  static override summary = 'List the resource interfaces: built-in and applied ones.'
  static override description = 'ResourceInterfaces are global (not per project). A user interface with the name of a built-in one replaces it.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --category GitCodeRepository', '<%= config.bin %> ri list --json']
  static override flags = {
    category: Flags.string({summary: 'Only interfaces of this category (label resourceinterface.connectors.cpaas.io/category).'}),
  }

  async run(): Promise<ResourceInterfaceListItem[]> {
    // The resource-interface library is its own bundle chunk: other commands do not parse it at start-up.
    const {categoryOf, listInterfaces} = await import('../../lib/resource-interfaces/service.js')
    const {DISPLAY_NAME_ANNOTATION} = await import('../../lib/resource-interfaces/types.js')
    const entries = await listInterfaces(this.context, {category: this.flags.category})
    const items = entries.map(({interface: ri, source}): ResourceInterfaceListItem => ({
      name: ri.metadata.name,
      ...(categoryOf(ri) ? {category: categoryOf(ri)} : {}),
      ...(ri.metadata.annotations?.[DISPLAY_NAME_ANNOTATION] ? {displayName: ri.metadata.annotations[DISPLAY_NAME_ANNOTATION]} : {}),
      source,
      params: (ri.spec.params ?? []).map((p) => p.name),
      attributes: (ri.spec.attributes ?? []).map((a) => a.name),
      workspaces: (ri.spec.workspaces ?? []).map((w) => w.name),
    }))
    if (!this.jsonEnabled()) {
      if (items.length === 0) this.notice(`No resource interfaces of category "${this.flags.category}".`)
      else {
        const style = await this.out()
        this.log(renderTable(items, [
          {header: 'name', get: (i) => i.name},
          {header: 'category', get: (i) => i.category ?? ''},
          {header: 'source', get: (i) => i.source},
          {header: 'params', get: (i) => i.params.join(', ')},
          {header: 'attributes', get: (i) => i.attributes.join(', ')},
        ], {header: style.bold}))
      }
    }
    return items
  }
}
