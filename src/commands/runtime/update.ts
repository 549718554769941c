import {RuntimeSaveCommand} from '../../cli/runtime-flags.js'

export default class RuntimeUpdate extends RuntimeSaveCommand {
  static override summary = 'Update a deployment runtime (fails if it does not exist).'
  static override description = 'Like runtime save, but refuses to create one. Flags not given keep their values.'
  protected readonly mode = 'update'
}
