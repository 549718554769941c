import {DockerCredentialCommand} from '../../../cli/docker-credential-command.js'

export default class CredentialDockerGet extends DockerCredentialCommand {
  static override action = 'get' as const
  static override summary = 'Answer docker with the credentials of the matching docker-registry endpoint.'
  static override description = `The "get" action of docker's credential-helper protocol: reads a server URL on stdin and prints {"ServerURL","Username","Secret"} for the docker-registry endpoint of the current project with that host (and port). Without one it prints "credentials not found in native keychain" and exits 1, which docker reads as "pull anonymously".

docker runs this as docker-credential-berth get once config.json says {"credsStore": "berth"} (or {"credHelpers": {"HOST": "berth"}}).`
  static override examples = [
    `echo '{"credsStore": "berth"}' > ~/.docker/config.json`,
    `printf 127.0.0.1:5000 | <%= config.bin %> <%= command.id %>`,
    `printf 127.0.0.1:5000 | docker-credential-berth get`,
  ]
}
