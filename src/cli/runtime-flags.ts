import {Args, Flags} from '@oclif/core'

import type {SaveRuntimeOptions} from '../lib/runtimes/runtimes.js'
import {BerthCommand} from './base-command.js'

/** The flags of `runtime save|create|update`: the source API's request fields. */
export const runtimeSaveFlags = {
  repo: Flags.string({summary: 'The git or codearts-repo endpoint holding the manifests (manifest_source.code_repo).'}),
  repository: Flags.string({summary: 'For a codearts-repo endpoint: the repository path under its URL prefix.'}),
  revision: Flags.string({summary: 'Branch, tag, HEAD or commit to deploy (manifest_source.target_revision).'}),
  path: Flags.string({summary: 'Directory of the manifests, relative to the repository root (manifest_source.path).'}),
  env: Flags.string({summary: 'The environment to deploy to (destination.environment).'}),
  namespace: Flags.string({summary: 'A destination namespace; repeat for several (destination.namespaces). Default: the environment\'s namespace.', multiple: true}),
  'project-ref': Flags.string({summary: 'A project this runtime deploys (projects_ref); repeat for several.', multiple: true}),
  'insecure-skip-check': Flags.boolean({summary: 'Save even when the environment or repo endpoint checks fail (each is printed as a warning).'}),
}

export function saveOptionsFrom(name: string, mode: SaveRuntimeOptions['mode'], flags: {repo?: string; repository?: string; revision?: string; path?: string; env?: string; namespace?: string[]; 'project-ref'?: string[]; 'insecure-skip-check'?: boolean}): SaveRuntimeOptions {
  return {
    name,
    mode,
    repo: flags.repo,
    repository: flags.repository,
    revision: flags.revision,
    path: flags.path,
    environment: flags.env,
    namespaces: flags.namespace,
    projectRefs: flags['project-ref'],
    insecureSkipCheck: flags['insecure-skip-check'],
  }
}

/**
 * `runtime save`, `create` and `update`: the same flags, checks and output; they differ only in
 * whether the runtime may, must not or must already exist (`mode`).
 */
export abstract class RuntimeSaveCommand extends BerthCommand<typeof RuntimeSaveCommand> {
  static override examples = [
    '<%= config.bin %> <%= command.id %> dr-dev --repo api-server --revision HEAD --path manifests/development --env env-dev --namespace dr-dev --project-ref api-server',
    '<%= config.bin %> <%= command.id %> dr-demo --repo api-server --revision HEAD --path manifests/development --env env-dev --namespace dr-dev --insecure-skip-check',
  ]
  static override args = {name: Args.string({description: 'Runtime name (a DNS-1123 label).', required: true})}
  static override flags = runtimeSaveFlags
  protected abstract readonly mode: SaveRuntimeOptions['mode']

  async run() {
    const {apiShapeOf, saveRuntime} = await import('../lib/runtimes/runtimes.js')
    const result = await saveRuntime(this.context, saveOptionsFrom(this.args.name, this.mode, this.flags))
    for (const warning of result.warnings) process.stderr.write(`Warning: ${warning} (saved anyway: --insecure-skip-check).\n`)
    this.notice(`${result.created ? 'Created' : 'Updated'} runtime "${result.runtime.metadata.name}".`)
    return {...apiShapeOf(result.runtime), created: result.created, warnings: result.warnings}
  }
}
