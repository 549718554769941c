import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

export interface ImageTagsResult {
  endpoint: string
  repository: string
  tags: string[]
  /** True when --limit cut the list short. */
  truncated: boolean
}

export default class ImageTags extends BerthCommand<typeof ImageTags> {
  static override summary = 'List the tags of a repository in a docker-registry endpoint.'
  static override description = 'Reads the registry API (GET /v2/REPOSITORY/tags/list) with the endpoint\'s credentials, following its pages. Tags are printed one per line, sorted.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> my-registry team/app',
    '<%= config.bin %> <%= command.id %> my-registry team/app --limit 20 --json',
  ]
  static override args = {
    endpoint: Args.string({description: 'A docker-registry endpoint.', required: true}),
    repository: Args.string({description: 'Repository path in the registry, e.g. team/app (no host, no tag).', required: true}),
  }
  static override flags = {
    limit: Flags.integer({summary: 'Print at most this many tags.', min: 1}),
    'page-size': Flags.integer({summary: 'Tags per registry request (the API\'s n parameter; default: the registry\'s).', min: 1, max: 10_000}),
    timeout: Flags.integer({summary: 'Seconds to wait for each request.', default: 15, min: 1, max: 600}),
  }

  async run(): Promise<ImageTagsResult> {
    const client = await this.context.registry(this.args.endpoint, {timeoutMs: this.flags.timeout * 1000})
    const list = await client.listTags(this.args.repository, {limit: this.flags.limit, pageSize: this.flags['page-size']})
    if (!this.jsonEnabled()) {
      for (const tag of list.tags) this.log(tag)
      if (list.tags.length === 0) this.notice(`Repository "${list.repository}" has no tags.`)
      if (list.truncated) this.notice(`Showing the first ${list.tags.length} tags (--limit).`)
    }
    return {endpoint: this.args.endpoint, repository: list.repository, tags: list.tags, truncated: list.truncated}
  }
}
