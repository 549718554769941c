import {BerthCommand} from '../../cli/base-command.js'
import {renderTable} from '../../lib/output/table.js'

export default class EnvironmentList extends BerthCommand<typeof EnvironmentList> {
  static override summary = 'List the environments of the project.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run() {
    const {listEnvironments} = await import('../../lib/environments/environments.js')
    const docs = await listEnvironments(this.context)
    const items = docs.map((d) => ({name: d.metadata.name, cluster: d.spec.clusterEndpoint, namespace: d.spec.namespace ?? null}))
    if (!this.jsonEnabled()) {
      if (items.length === 0) this.notice('No environments. Create one with: berth environment create NAME --cluster K8S-ENDPOINT')
      else this.log(renderTable(items, [{header: 'name', get: (i) => i.name}, {header: 'cluster', get: (i) => i.cluster}, {header: 'namespace', get: (i) => i.namespace ?? '-'}], {header: (await this.out()).bold}))
    }
    return {items}
  }
}
