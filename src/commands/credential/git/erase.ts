import {BerthCommand} from '../../../cli/base-command.js'
import {eraseGitCredential, readCredentialRequest} from '../../../lib/credential-helpers/git-helper.js'

export default class CredentialGitErase extends BerthCommand<typeof CredentialGitErase> {
  static override summary = 'Accept git\'s "erase" action; berth deletes nothing.'
  static override description = `The "erase" action of git's credential helper protocol. git sends it when a server rejected credentials; berth never deletes an endpoint for that (use "berth endpoint delete"). When the rejected credentials are a berth endpoint's, a notice on stderr says how to check and update it. Exits 0 unless the input is malformed (exit 2).`
  static override examples = ["git config --global credential.helper '!<%= config.bin %> credential git'"]
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const request = await readCredentialRequest(this.context.stdin)
    const result = await eraseGitCredential({request}, this.context)
    if (result.notice) process.stderr.write(`${result.notice}\n`)
  }
}
