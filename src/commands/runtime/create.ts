import {RuntimeSaveCommand} from '../../cli/runtime-flags.js'

export default class RuntimeCreate extends RuntimeSaveCommand {
  static override summary = 'Create a deployment runtime (fails if it exists).'
  static override description = 'Like runtime save, but refuses to change an existing runtime.'
  protected readonly mode = 'create'
}
