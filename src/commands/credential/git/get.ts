import {BerthCommand} from '../../../cli/base-command.js'
import {getGitCredential, readCredentialRequest} from '../../../lib/credential-helpers/git-helper.js'

export default class CredentialGitGet extends BerthCommand<typeof CredentialGitGet> {
  static override summary = 'Answer git with the credentials of the matching git or codearts-repo endpoint.'
  static override description = `The "get" action of git's credential helper protocol (gitcredentials(7)): reads protocol, host, path and username as key=value lines on stdin, ended by a blank line, and prints username= and password= lines for the endpoint of the current project whose URL matches.

An endpoint matches when its protocol and host (and port) are the request's and its path is a prefix of the requested path; the longest path wins. git sends the path only when credential.useHttpPath is true; otherwise endpoints match by protocol and host, and when several do, the first by name is used. A username in the remote URL (https://alice@host/repo.git) keeps only the endpoints with that username. Without a match nothing is printed and git goes on to its other helpers.

Set it up once with: git config --global credential.helper '!berth credential git' (for another project: '!BERTH_PROJECT=NAME berth credential git').`
  static override examples = [
    "git config --global credential.helper '!<%= config.bin %> credential git'",
    "git config --global credential.https://git.example.com.useHttpPath true",
    "printf 'protocol=https\\nhost=git.example.com\\npath=group/repo.git\\n\\n' | <%= config.bin %> <%= command.id %>",
  ]
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const request = await readCredentialRequest(this.context.stdin)
    const result = await getGitCredential({request}, this.context)
    process.stdout.write(result.output)
  }
}
