import {BerthCommand} from '../../cli/base-command.js'
import {renderTable} from '../../lib/output/table.js'

export default class RuntimeList extends BerthCommand<typeof RuntimeList> {
  static override summary = 'List the deployment runtimes of the project.'
  static override description = 'With --json, the source API\'s list response: {"items": [{product, name, projects_ref, manifest_source, destination}]}.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --project nautes-labs --json']

  async run() {
    const {apiShapeOf, listRuntimes} = await import('../../lib/runtimes/runtimes.js')
    const docs = await listRuntimes(this.context)
    const items = docs.map(apiShapeOf)
    if (!this.jsonEnabled()) {
      if (items.length === 0) this.notice('No runtimes. Create one with: berth runtime save NAME --repo REPO --revision REV --path DIR --env ENV')
      else {
        const last = new Map(docs.map((d) => [d.metadata.name, d.status?.lastSync]))
        this.log(
          renderTable(items, [
            {header: 'name', get: (i) => i.name},
            {header: 'repo', get: (i) => i.manifest_source.code_repo},
            {header: 'revision', get: (i) => i.manifest_source.target_revision},
            {header: 'path', get: (i) => i.manifest_source.path},
            {header: 'environment', get: (i) => i.destination.environment},
            {header: 'namespaces', get: (i) => i.destination.namespaces.join(',')},
            {header: 'last sync', get: (i) => {
              const s = last.get(i.name)
              return s ? `${s.result} ${s.commit.slice(0, 12)} ${s.at.slice(0, 16).replace('T', ' ')}` : '-'
            }},
          ], {header: (await this.out()).bold}),
        )
      }
    }
    return {items}
  }
}
