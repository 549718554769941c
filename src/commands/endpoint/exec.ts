import {Args} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {loadEndpointCredentials} from '../../lib/endpoints/credentials.js'
import {checkEndpointNames, runWithEndpoints} from '../../lib/endpoints/exec.js'
import {ENDPOINT_TYPES, EndpointCredentials} from '../../lib/endpoints/types.js'
import {UsageError} from '../../lib/errors.js'
import {quote} from '../../lib/names.js'

const USAGE = 'berth endpoint exec NAME... -- COMMAND [ARG...]'

export default class EndpointExec extends BerthCommand<typeof EndpointExec> {
  static override summary = 'Run a command with endpoints\' credentials where standard tools look for them.'
  static override description = `Everything after -- is the command, run directly (no shell) with berth's stdin, stdout and stderr; berth exits with its exit code. While it runs:

docker-registry: DOCKER_CONFIG is a private directory whose config.json logs docker in to each registry; REGISTRY_AUTH_FILE names the same file for podman, buildah and skopeo. Your docker settings, plugins and contexts are kept; your own registry logins are not available.

kubernetes: KUBECONFIG is a file with one context per endpoint, named after the endpoint; the first one is current, and kubectl --context NAME picks another.

git, codearts-repo: a credential helper configured for each endpoint's host answers git (one endpoint per host); your own credential helpers are not asked or told about those hosts.

iam: BERTH_ACCESS_KEY_ID and BERTH_SECRET_ACCESS_KEY, HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; inherited session tokens are removed. One iam endpoint per command.

BERTH_ENDPOINTS holds the endpoint names given, comma-separated.

The files are mode 0600 in a private temporary directory (under $XDG_RUNTIME_DIR where there is one), removed when the command ends; one left by a berth that was killed is removed by the next run. The command does not get BERTH_PASSPHRASE, BERTH_HOME or BERTH_SECRET_* (they would open every endpoint's secrets, not only these). SIGINT, SIGTERM and SIGHUP are passed on to the command; berth waits for it, removes the files and exits with its status (128+N if signal N ended it). A command that is not found exits 127; one that cannot be run, 126.`
  static override usage = '<%= command.id %> NAME... -- COMMAND [ARG...]'
  static override examples = [
    '<%= config.bin %> <%= command.id %> my-registry -- docker pull registry.example.com/team/app:1.4',
    '<%= config.bin %> <%= command.id %> prod -- kubectl get pods -n shop',
    '<%= config.bin %> <%= command.id %> prod staging -- sh -c \'kubectl --context staging get ns && kubectl --context prod get ns\'',
    '<%= config.bin %> <%= command.id %> app-repo -- git clone https://git.example.com/team/app.git',
    '<%= config.bin %> <%= command.id %> my-registry prod app-repo cloud -- ./deploy.sh',
  ]
  static override strict = false
  // stdout belongs to the command.
  static override enableJsonFlag = false
  static override args = {
    name: Args.string({description: 'Endpoint names, then -- and the command to run.'}),
  }

  private command: string[] = []
  private sawSeparator = false

  public override async init(): Promise<void> {
    // Split before oclif parses: the command's own flags (kubectl -n, docker --quiet) are not berth's.
    const separator = this.argv.indexOf('--')
    if (separator >= 0) {
      this.sawSeparator = true
      this.command = this.argv.slice(separator + 1)
      this.argv = this.argv.slice(0, separator)
    }
    await super.init()
  }

  async run(): Promise<void> {
    const {argv} = await this.parse(EndpointExec, this.argv)
    const names = argv.map(String)
    const flag = names.find((n) => n.startsWith('-'))
    if (flag) throw new UsageError(`Unknown flag ${quote(flag)}.`, {hint: `Flags for the command go after --: ${USAGE}`})
    if (!this.sawSeparator) throw new UsageError('Give the command after --.', {hint: `Usage: ${USAGE}`})
    if (names.length === 0) throw new UsageError('Give at least one endpoint name before --.', {hint: `Usage: ${USAGE}`})
    checkEndpointNames(names)
    const [command, ...args] = this.command
    if (command === undefined || command === '') throw new UsageError('Give the command to run after --.', {hint: `Usage: ${USAGE}`})

    const credentials: EndpointCredentials[] = []
    for (const name of names) credentials.push(await loadEndpointCredentials(this.context, name, ENDPOINT_TYPES))
    const result = await runWithEndpoints({credentials, command, args, baseEnv: this.context.env}, {spawn: this.context.spawn})
    if (result.exitCode !== 0) this.exit(result.exitCode)
  }
}
