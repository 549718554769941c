import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {toYaml} from '../../lib/yaml.js'

export default class RuntimeShow extends BerthCommand<typeof RuntimeShow> {
  static override summary = 'Show a deployment runtime.'
  static override description = '--json prints the source API\'s shape (product, name, projects_ref, manifest_source, destination); -o yaml prints the DeploymentRuntime resource file as Nautes keeps it.'
  static override examples = ['<%= config.bin %> <%= command.id %> dr-dev', '<%= config.bin %> <%= command.id %> dr-dev --json', '<%= config.bin %> <%= command.id %> dr-dev -o yaml > dr-dev.yaml']
  static override args = {name: Args.string({description: 'Runtime name.', required: true})}
  static override flags = {output: Flags.string({char: 'o', summary: 'yaml: the DeploymentRuntime resource file.', options: ['yaml']})}

  async run() {
    const {apiShapeOf, getRuntime, resourceFileOf} = await import('../../lib/runtimes/runtimes.js')
    const doc = await getRuntime(this.context, this.args.name)
    const shape = apiShapeOf(doc)
    if (this.flags.output === 'yaml') {
      if (!this.jsonEnabled()) process.stdout.write(resourceFileOf(doc))
      return shape
    }
    if (!this.jsonEnabled()) {
      const status = doc.status ?? {}
      this.log(toYaml({...shape, ...(status.deployed ? {deployed: status.deployed} : {}), ...(status.lastSync ? {last_sync: {at: status.lastSync.at, commit: status.lastSync.commit, result: status.lastSync.result, resources: status.lastSync.resources.length}} : {}), ...(status.published ? {published: status.published} : {})}).trimEnd())
    }
    return shape
  }
}
