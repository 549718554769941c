import {Args, Flags} from '@oclif/core'

import {BerthCommand} from '../../cli/base-command.js'
import {checkEndpoint} from '../../lib/endpoints/probe.js'
import {credentialsOf} from '../../lib/endpoints/credentials.js'
import {recordTestResult} from '../../lib/endpoints/manage.js'
import {EndpointSpec, EndpointStatus, typeWithArticle} from '../../lib/endpoints/types.js'
import {FileSystemError, UsageError, isBerthError, messageOf, osErrorCode} from '../../lib/errors.js'

export default class EndpointTest extends BerthCommand<typeof EndpointTest> {
  static override summary = 'Connect with an endpoint\'s credentials and report what was found.'
  static override description = `docker-registry: the registry v2 API (/v2/), Basic or Bearer-token auth; kubernetes: the server version and whether the credentials may list namespaces; git: the repository's branches (git ls-remote); codearts-repo: the branches of --repository PATH under the URL prefix; iam: the key's shape, or a live check with --iam-url.
A failure names the step that failed (DNS, connect, TLS, auth, timeout) and exits 1.`
  static override examples = ['<%= config.bin %> <%= command.id %> hub', '<%= config.bin %> <%= command.id %> prod --json', '<%= config.bin %> <%= command.id %> cloud --iam-url https://iam.ap-southeast-1.myhuaweicloud.com', '<%= config.bin %> <%= command.id %> codehub --repository team/app.git']
  static override args = {name: Args.string({description: 'Endpoint name.', required: true})}
  static override flags = {
    'iam-url': Flags.string({summary: 'iam: the cloud\'s IAM endpoint, for a live check of the key.'}),
    repository: Flags.string({summary: 'codearts-repo: a repository path under the URL prefix to list (e.g. team/app.git).'}),
    timeout: Flags.integer({summary: 'Seconds to wait for each network step.', default: 15, min: 1, max: 600}),
  }

  async run() {
    const project = await this.context.project()
    const doc = await this.context.state().get<EndpointSpec, EndpointStatus>('Endpoint', this.args.name, project)
    // Bad input is refused before anything is recorded as a failed test.
    if (this.flags['iam-url'] !== undefined) {
      if (doc.spec.type !== 'iam') throw new UsageError(`--iam-url applies to iam endpoints; "${doc.metadata.name}" is ${typeWithArticle(doc.spec.type)} endpoint.`)
      const {parseIamUrl} = await import('../../lib/endpoints/probes/iam.js')
      parseIamUrl(this.flags['iam-url'])
    }
    if (this.flags.repository !== undefined && doc.spec.type !== 'codearts-repo') throw new UsageError(`--repository applies to codearts-repo endpoints; "${doc.metadata.name}" is ${typeWithArticle(doc.spec.type)} endpoint.`)
    const creds = await credentialsOf(this.context, doc)
    this.notice(`Testing ${doc.spec.type} endpoint "${doc.metadata.name}"…`)
    try {
      const check = await checkEndpoint(creds, {timeoutMs: this.flags.timeout * 1000, iamUrl: this.flags['iam-url'], repository: this.flags.repository})
      // The result is printed even when it cannot be recorded (a read-only or full BERTH_HOME).
      await recordTestResult(this.context, doc.metadata.name, {ok: true, summary: check.summary}).catch((error: unknown) => {
        this.notice(`Warning: the result was not recorded: ${messageOf(osErrorCode(error) ? FileSystemError.from(error as NodeJS.ErrnoException, {home: this.context.home}) : error)}`)
      })
      if (!this.jsonEnabled()) {
        this.log(`OK: ${check.summary}`)
        const notes = check.details.notes
        if (Array.isArray(notes)) for (const note of notes) this.notice(`Note: ${note}`)
      }
      return {name: doc.metadata.name, type: doc.spec.type, ok: true, summary: check.summary, details: check.details}
    } catch (error) {
      const step = isBerthError(error) ? error.step : undefined
      await recordTestResult(this.context, doc.metadata.name, {ok: false, summary: `${step ? `${step}: ` : ''}${messageOf(error)}`}).catch(() => undefined)
      throw error
    }
  }
}
