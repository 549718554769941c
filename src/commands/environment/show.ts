import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

export default class EnvironmentShow extends BerthCommand<typeof EnvironmentShow> {
  static override summary = 'Show an environment and what uses it.'
  static override examples = ['<%= config.bin %> <%= command.id %> env-dev', '<%= config.bin %> <%= command.id %> env-dev --json']
  static override args = {name: Args.string({description: 'Environment name.', required: true})}

  async run() {
    const {findEnvironmentUsers, getEnvironment} = await import('../../lib/environments/environments.js')
    const doc = await getEnvironment(this.context, this.args.name)
    const usedBy = await findEnvironmentUsers(this.context, doc.metadata.name, doc.metadata.project ?? 'default')
    const shown = {
      name: doc.metadata.name,
      project: doc.metadata.project,
      cluster: doc.spec.clusterEndpoint,
      namespace: doc.spec.namespace ?? null,
      description: doc.spec.description ?? null,
      createdAt: doc.metadata.createdAt,
      createdBy: doc.metadata.createdBy,
      usedBy,
    }
    if (!this.jsonEnabled()) {
      const style = await this.out()
      const rows: Array<[string, string]> = [
        ['name', shown.name],
        ['project', shown.project ?? ''],
        ['cluster', shown.cluster],
        ['namespace', shown.namespace ?? '-'],
        ...(shown.description ? [['description', shown.description] as [string, string]] : []),
        ['created', `${shown.createdAt} by ${shown.createdBy}`],
        ['used by', usedBy.length === 0 ? '-' : usedBy.map((u) => `${u.kind}/${u.name}`).join(', ')],
      ]
      const width = Math.max(...rows.map(([k]) => k.length))
      this.log(rows.map(([k, v]) => `${style.bold(k.padEnd(width))}  ${v}`).join('\n'))
    }
    return shown
  }
}
