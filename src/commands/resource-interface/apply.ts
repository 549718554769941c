import {Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {readInputFile} from '../../lib/input/read-file.js'
import type {ApplyResult} from '../../lib/resource-interfaces/service.js'

export default class ResourceInterfaceApply extends BerthCommand<typeof ResourceInterfaceApply> {
  static override aliases = ['ri:apply']
  static override summary = 'Create or update a resource interface from a YAML file.'
  static override description = 'The file holds one ResourceInterface (apiVersion connectors.alauda.io/v1alpha1). It is checked completely before anything is stored: param and attribute types, names, dependsOn, and that every {expression} parses. Use "-" to read standard input.'
  static override examples = ['<%= config.bin %> <%= command.id %> -f githubcoderepository.yaml', 'berth ri show gitcoderepository > mine.yaml && <%= config.bin %> <%= command.id %> -f mine.yaml', 'cat ri.yaml | <%= config.bin %> <%= command.id %> -f - --json']
  static override flags = {
    file: Flags.string({char: 'f', summary: 'YAML file with the ResourceInterface ("-" for standard input).', required: true}),
  }

  async run(): Promise<ApplyResult> {
    const {text, source} = await readInputFile(this.flags.file, this.context.stdin)
    const {applyInterface} = await import('../../lib/resource-interfaces/service.js')
    const result = await applyInterface(this.context, {text, source})
    this.notice(`ResourceInterface "${result.name}" ${result.action}${result.source === 'user (overrides built-in)' ? ' (it replaces the built-in one)' : ''}.`)
    return result
  }
}
