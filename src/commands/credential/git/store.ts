import {BerthCommand} from '../../../cli/base-command.js'
import {readCredentialRequest, storeGitCredential} from '../../../lib/credential-helpers/git-helper.js'

export default class CredentialGitStore extends BerthCommand<typeof CredentialGitStore> {
  static override summary = 'Accept git\'s "store" action; berth saves nothing.'
  static override description = `The "store" action of git's credential helper protocol. git sends it after credentials worked; berth endpoints are created and changed only with "berth endpoint", so nothing is saved. When the credentials are for a berth endpoint but differ from it, a notice on stderr says how to update the endpoint. Exits 0 unless the input is malformed (exit 2).`
  static override examples = ["git config --global credential.helper '!<%= config.bin %> credential git'"]
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const request = await readCredentialRequest(this.context.stdin)
    const result = await storeGitCredential({request}, this.context)
    if (result.notice) process.stderr.write(`${result.notice}\n`)
  }
}
