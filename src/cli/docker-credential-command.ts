import type {DockerHelperAction} from '../lib/credential-helpers/docker-helper.js'
import {BerthCommand} from './base-command.js'

/**
 * The body of the four `credential docker ACTION` commands: docker's credential-helper
 * protocol speaks plain stdin/stdout and an exit code, so no --json and no error envelope.
 */
export abstract class DockerCredentialCommand extends BerthCommand<typeof DockerCredentialCommand> {
  static override enableJsonFlag = false
  /** The protocol action this command answers. */
  static action: DockerHelperAction

  async run(): Promise<void> {
    const {runDockerCredentialAction} = await import('../lib/credential-helpers/docker-helper.js')
    const action = (this.constructor as typeof DockerCredentialCommand).action
    const result = await runDockerCredentialAction(this.context, action, this.context.stdin)
    process.stdout.write(result.stdout)
    process.stderr.write(result.stderr)
    if (result.exitCode !== 0) this.exit(result.exitCode)
  }
}
