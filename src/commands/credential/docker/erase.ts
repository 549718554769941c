import {DockerCredentialCommand} from '../../../cli/docker-credential-command.js'

export default class CredentialDockerErase extends DockerCredentialCommand {
  static override action = 'erase' as const
  static override summary = 'Delete the endpoint docker login created for a registry.'
  static override description = `The "erase" action of docker's credential-helper protocol: reads a server URL on stdin. Only an endpoint that docker login created (label berth.dev/managed-by=docker-credential-berth) is deleted, and only while nothing references it; endpoints made with berth endpoint create are kept and the action fails, saying so.`
  static override examples = ['docker logout 127.0.0.1:5000   # with {"credsStore": "berth"}']
}
