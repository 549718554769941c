import {Args, Flags} from '@oclif/core'
import {promises as fs} from 'node:fs'

import {BerthCommand} from '../../cli/base-command.js'
import {productionFlag, varFlag} from '../../cli/service-flags.js'

import type {Container} from '../../lib/services/manifests.js'

export interface RenderOutput {
  service_name: string
  yaml: string
  digest: string
  objects: Array<{apiVersion: string; kind: string; name: string; namespace?: string}>
  containers: Container[]
  file?: string
}

export default class ServiceRender extends BerthCommand<typeof ServiceRender> {
  static override summary = 'Print the final YAML of a service, its variables filled in.'
  static override description = '--var overrides a value for this render only (nothing is saved). Helm services are rendered with helm template.'
  static override examples = ['<%= config.bin %> <%= command.id %> service2', '<%= config.bin %> <%= command.id %> service2 --var port=8080 -o service2.yaml', '<%= config.bin %> <%= command.id %> web --production --json']
  static override args = {name: Args.string({description: 'Service name.', required: true})}
  static override flags = {
    var: varFlag,
    output: Flags.string({char: 'o', summary: 'Write the YAML to this file instead of stdout.'}),
    namespace: Flags.string({char: 'n', summary: 'The namespace helm renders the release for (helm services).'}),
    production: productionFlag,
  }

  async run(): Promise<RenderOutput> {
    const {getService, renderStoredService} = await import('../../lib/services/service.js')
    const {parseAssignment} = await import('../../lib/templates/variables.js')
    const doc = await getService(this.context, {name: this.args.name, production: this.flags.production})
    const helm = doc.spec.type === 'helm'
    const rendered = await renderStoredService(this.context, doc, {assignments: this.flags.var.map((v) => parseAssignment(v, '--var', helm)), namespace: this.flags.namespace})
    if (this.flags.output) {
      await fs.writeFile(this.flags.output, rendered.text)
      this.notice(`Wrote ${rendered.documents.length} objects to ${this.flags.output}.`)
    } else if (!this.jsonEnabled()) process.stdout.write(rendered.text.endsWith('\n') ? rendered.text : `${rendered.text}\n`)
    return {
      service_name: doc.metadata.name,
      yaml: rendered.text,
      digest: rendered.digest,
      objects: rendered.documents.map(({object: o}) => ({apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? {namespace: o.metadata.namespace} : {})})),
      containers: rendered.containers,
      ...(this.flags.output ? {file: this.flags.output} : {}),
    }
  }
}
