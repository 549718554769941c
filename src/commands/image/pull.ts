import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {PullImageResult, pullImage} from '../../lib/docker/images.js'
import {createProgressRenderer} from '../../lib/docker/progress.js'
import {loadEndpointCredentials} from '../../lib/endpoints/credentials.js'

export default class ImagePull extends BerthCommand<typeof ImagePull> {
  static override summary = 'Pull an image from a docker-registry endpoint into the local Docker engine.'
  static override description = `Pulls HOST/REPOSITORY:TAG of the endpoint's registry with the endpoint's credentials passed to the engine for this pull only: nothing is written to ~/.docker/config.json. A missing tag means "latest".
The engine is DOCKER_HOST, or the default socket. Progress goes to stderr (per layer, updated in place at a terminal); the pulled reference is printed on stdout.`
  static override examples = ['<%= config.bin %> <%= command.id %> --endpoint my-registry team/app:1.4', '<%= config.bin %> <%= command.id %> -e my-registry team/app:1.4 --json']
  static override args = {
    image: Args.string({description: 'REPOSITORY:TAG in the registry, e.g. team/app:1.4 (no host: the endpoint says which registry).', required: true}),
  }
  static override flags = {
    endpoint: Flags.string({char: 'e', summary: 'The docker-registry endpoint to pull from.', required: true}),
  }

  async run(): Promise<PullImageResult> {
    const creds = await loadEndpointCredentials(this.context, this.flags.endpoint, ['docker-registry'])
    const engine = await this.context.docker()
    const progress = this.jsonEnabled() ? undefined : createProgressRenderer(process.stderr)
    let result: PullImageResult
    try {
      result = await pullImage({endpoint: creds, ref: this.args.image}, {engine, onProgress: progress && ((e) => progress.update(e))})
    } finally {
      progress?.done()
    }
    // The engine's own final status ("Status: Downloaded newer image for …") was already shown as progress.
    if (!this.jsonEnabled()) this.log(result.reference)
    return result
  }
}
