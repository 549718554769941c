import {DockerCredentialCommand} from '../../../cli/docker-credential-command.js'

export default class CredentialDockerList extends DockerCredentialCommand {
  static override action = 'list' as const
  static override summary = 'List the registries berth has credentials for, as docker expects.'
  static override description = 'The "list" action of docker\'s credential-helper protocol: prints {"SERVER": "USERNAME", …} for every docker-registry endpoint of the current project (no secrets).'
  static override examples = ['<%= config.bin %> <%= command.id %>']
}
