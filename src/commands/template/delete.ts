import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

export default class TemplateDelete extends BerthCommand<typeof TemplateDelete> {
  static override summary = 'Delete a template.'
  static override description = 'Refuses while services are made from it, naming them, unless --force (K8s YAML services then keep their YAML and stop following the template; helm services always need their template).'
  static override examples = ['<%= config.bin %> <%= command.id %> microservice', '<%= config.bin %> <%= command.id %> microservice --force']
  static override args = {name: Args.string({description: 'Template name.', required: true})}
  static override flags = {force: Flags.boolean({summary: 'Delete even though K8s YAML services were made from it.'})}

  async run(): Promise<{template_name: string; deleted: true; detached: Array<{name: string; production: boolean}>}> {
    const {deleteTemplate} = await import('../../lib/services/template-sync.js')
    const result = await deleteTemplate(this.context, this.args.name, {force: this.flags.force})
    this.notice(`Deleted template "${this.args.name}".`)
    if (result.services.length > 0) this.notice(`No longer following it: ${result.services.map((s) => `${s.production ? 'production ' : ''}"${s.name}"`).join(', ')}.`)
    return {template_name: this.args.name, deleted: true, detached: result.services}
  }
}
