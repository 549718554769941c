import {BerthCommand} from '../../../cli/base-command.js'
import {runDockerCredentialAction} from '../../../lib/credential-helpers/docker-helper.js'

export default class CredentialDockerErase extends BerthCommand<typeof CredentialDockerErase> {
  static override summary = 'Delete the endpoint docker login created for a registry.'
  static override description = `The "erase" action of docker's credential-helper protocol: reads a server URL on stdin. Only an endpoint that docker login created (label berth.dev/managed-by=docker-credential-berth) is deleted, and only while nothing references it; endpoints made with berth endpoint create are kept and the action fails, saying so.`
  static override examples = ['docker logout 127.0.0.1:5000   # with {"credsStore": "berth"}']
  static override enableJsonFlag = false

  async run(): Promise<void> {
    const result = await runDockerCredentialAction(this.context, 'erase', this.context.stdin)
    process.stdout.write(result.stdout)
    process.stderr.write(result.stderr)
    if (result.exitCode !== 0) this.exit(result.exitCode)
  }
}
