import {BerthCommand} from '../../../cli/base-command.js'
import {runDockerCredentialAction} from '../../../lib/credential-helpers/docker-helper.js'

export default class CredentialDockerList extends BerthCommand<typeof CredentialDockerList> {
  static override summary = 'List the registries berth has credentials for, as docker expects.'
  static override description = 'The "list" action of docker\'s credential-helper protocol: prints {"SERVER": "USERNAME", …} for every docker-registry endpoint of the current project (no secrets).'
  static override examples = ['<%= config.bin %> <%= command.id %>']
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const result = await runDockerCredentialAction(this.context, 'list', this.context.stdin)
    process.stdout.write(result.stdout)
    process.stderr.write(result.stderr)
    if (result.exitCode !== 0) this.exit(result.exitCode)
  }
}
