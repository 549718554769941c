import {RuntimeSaveCommand} from '../../cli/runtime-flags.js'

export default class RuntimeSave extends RuntimeSaveCommand {
  static override summary = 'Create or update a deployment runtime: where manifests live in Git and where they are deployed.'
  static override description = 'Checks that the environment exists, that --repo is a git or codearts-repo endpoint, that names and namespaces are DNS-1123 labels and that --path stays inside the repository. Once the runtime has been synced, its destination (environment, namespaces) cannot change.'
  protected readonly mode = 'save'
}
