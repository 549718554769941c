import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {UsageError} from '../../lib/errors.js'

export default class CredentialGit extends BerthCommand<typeof CredentialGit> {
  static override summary = 'git\'s credential helper: get, store and erase; any other action is ignored.'
  static override description = `git runs "berth credential git ACTION" once it is configured as a credential helper. The actions are get (answer with the matching endpoint's credentials), store and erase (berth saves and deletes nothing). As gitcredentials(7) asks of helpers, an action git may add later is ignored: nothing is printed and the exit status is 0.`
  static override examples = ["git config --global credential.helper '!<%= config.bin %> credential git'"]
  static override enableJsonFlag = false
  static override strict = false
  static override args = {action: Args.string({description: 'The action git asks for (get, store, erase; others are ignored).'})}

  async run(): Promise<void> {
    // get, store and erase are their own commands; this one is reached only for other actions.
    if (this.args.action === undefined) throw new UsageError('Give the action git asks for: get, store or erase.', {hint: "git runs this itself once configured: git config --global credential.helper '!berth credential git'"})
  }
}
