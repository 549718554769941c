import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {PushImageResult, pushImage} from '../../lib/docker/images.js'
import {createProgressRenderer} from '../../lib/docker/progress.js'
import {loadEndpointCredentials} from '../../lib/endpoints/credentials.js'

export default class ImagePush extends BerthCommand<typeof ImagePush> {
  static override summary = 'Push a local image to a docker-registry endpoint through the Docker engine.'
  static override description = `Tags LOCAL_IMAGE as HOST/REPOSITORY:TAG of the endpoint's registry (like docker tag) and pushes it with the endpoint's credentials passed to the engine for this push only: nothing is written to ~/.docker/config.json. REPOSITORY:TAG is --as, or the local image's own name and tag.
The engine is DOCKER_HOST, or the default socket. Progress goes to stderr (per layer, updated in place at a terminal); the pushed reference is printed on stdout.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> app:1.4 --endpoint my-registry',
    '<%= config.bin %> <%= command.id %> app:1.4 --endpoint my-registry --as team/app:1.4',
    '<%= config.bin %> <%= command.id %> app:1.4 -e my-registry --json',
  ]
  static override args = {
    local_image: Args.string({description: 'A local image: NAME[:TAG], or an image id with --as.', required: true}),
  }
  static override flags = {
    endpoint: Flags.string({char: 'e', summary: 'The docker-registry endpoint to push to.', required: true}),
    as: Flags.string({summary: 'REPOSITORY[:TAG] in the registry (default: the local image\'s name and tag).'}),
  }

  async run(): Promise<PushImageResult> {
    const creds = await loadEndpointCredentials(this.context, this.flags.endpoint, ['docker-registry'])
    const engine = await this.context.docker()
    const progress = this.jsonEnabled() ? undefined : createProgressRenderer(process.stderr)
    let result: PushImageResult
    try {
      result = await pushImage({localImage: this.args.local_image, endpoint: creds, as: this.flags.as}, {engine, onProgress: progress && ((e) => progress.update(e))})
    } finally {
      progress?.done()
    }
    if (!this.jsonEnabled()) {
      this.notice(`Pushed ${result.reference}${result.digest ? ` (${result.digest})` : ''}.`)
      this.log(result.reference)
    }
    return result
  }
}
