import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'

export default class RuntimePublish extends BerthCommand<typeof RuntimePublish> {
  static override summary = 'Commit and push the runtime\'s DeploymentRuntime resource file to a Git repository.'
  static override description = 'As Nautes keeps it in the product\'s default.project repository: DIR/NAME.yaml on BRANCH. Deleting the runtime later removes the file too.'
  static override examples = ['<%= config.bin %> <%= command.id %> dr-dev --repo default-project', '<%= config.bin %> <%= command.id %> dr-dev --repo default-project --branch main --dir runtimes']
  static override args = {name: Args.string({description: 'Runtime name.', required: true})}
  static override flags = {
    repo: Flags.string({summary: 'The git or codearts-repo endpoint of the repository.', required: true}),
    repository: Flags.string({summary: 'For a codearts-repo endpoint: the repository path under its URL prefix.'}),
    branch: Flags.string({summary: 'Branch to commit to.', default: 'main'}),
    dir: Flags.string({summary: 'Directory of the file in the repository.', default: 'runtimes'}),
  }

  async run() {
    const {publishRuntime} = await import('../../lib/runtimes/publish.js')
    const result = await publishRuntime(this.context, {name: this.args.name, repo: this.flags.repo, repository: this.flags.repository, branch: this.flags.branch, dir: this.flags.dir})
    this.notice(result.commit ? `Pushed ${result.file} to ${result.branch} (${result.commit.slice(0, 12)}).` : `${result.file} on ${result.branch} is already up to date.`)
    return result
  }
}
