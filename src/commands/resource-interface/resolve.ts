import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import type {ResolveResult, TektonFragment} from '../../lib/resource-interfaces/resolve.js'
import {toYaml} from '../../lib/yaml.js'

export default class ResourceInterfaceResolve extends BerthCommand<typeof ResourceInterfaceResolve> {
  static override aliases = ['ri:resolve']
  static override summary = 'Compute a resource interface for one connector: params, attributes, pipeline parameters and workspace bindings.'
  static override description = `Evaluates each attribute's {expression} and the expressions in each workspace binding over "params" (after defaults) and "connector" (the endpoint: metadata.name, metadata.namespace = project, spec.address, and for registries spec.registry; never a secret), in a sandbox with no host access and bounded time and memory.

Array params take a comma-separated list (--param tags=v1,v2) or a JSON array. With --interactive (a terminal), params not given are asked; selects list the connector's git refs or registry tags.

-o tekton prints a fragment for a Tekton PipelineRun spec: params named by each attribute's parameterize name, and the workspaces.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> gitcoderepository --connector my-git --param repository=team/app',
    '<%= config.bin %> <%= command.id %> gitcoderepository --connector my-git --param repository=team/app --param revision=refs/tags/v1.0.0 -o tekton',
    '<%= config.bin %> ri resolve ociartifact --connector my-registry --param repository=team/app --param tags=v1,v2 --json',
    '<%= config.bin %> ri resolve gitcoderepository --connector my-git --interactive',
  ]
  static override args = {name: Args.string({description: 'Resource interface name.', required: true})}
  static override flags = {
    connector: Flags.string({char: 'c', summary: 'The endpoint serving as connector.', required: true}),
    param: Flags.string({summary: 'A param value, NAME=VALUE (repeatable).', multiple: true, default: []}),
    interactive: Flags.boolean({char: 'i', summary: 'Ask for the params not given (needs a terminal).'}),
    output: Flags.string({char: 'o', summary: 'Output format.', options: ['yaml', 'json', 'tekton'], default: 'yaml'}),
  }

  async run(): Promise<ResolveResult | TektonFragment> {
    const {resolveInterface, tektonFragment} = await import('../../lib/resource-interfaces/resolve.js')
    const result = await resolveInterface(
      this.context,
      {name: this.args.name, connector: this.flags.connector, params: this.flags.param, interactive: this.flags.interactive},
      // Shown even under --json: it belongs to the prompts, which are on stderr too.
      {notice: (m) => process.stderr.write(`${m}\n`)},
    )
    const data = this.flags.output === 'tekton' ? tektonFragment(result) : result
    if (!this.jsonEnabled()) {
      if (this.flags.output === 'json') this.log(JSON.stringify(data, null, 2))
      else process.stdout.write(toYaml(data))
    }
    return data
  }
}
