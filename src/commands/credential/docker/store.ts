import {DockerCredentialCommand} from '../../../cli/docker-credential-command.js'

export default class CredentialDockerStore extends DockerCredentialCommand {
  static override action = 'store' as const
  static override summary = 'Save credentials from docker login as a docker-registry endpoint.'
  static override description = `The "store" action of docker's credential-helper protocol: reads {"ServerURL","Username","Secret"} on stdin. The matching docker-registry endpoint of the current project gets the new username and password; with none, an endpoint named after the host is created ("127.0.0.1:5000" → 127-0-0-1-5000, Docker Hub → docker-hub), at http:// for a loopback host given without a scheme and https:// otherwise. The password goes to the secret store, as with berth endpoint create.`
  static override examples = ['printf 1234 | docker login 127.0.0.1:5000 -u alice --password-stdin   # with {"credsStore": "berth"}']
}
