/**
 * Publishing a runtime's DeploymentRuntime resource file to a Git repository (Nautes keeps
 * it in the product's default.project repository), and deleting runtimes.
 */
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type {BerthContext} from '../context.js'
import {loadEndpointCredentials} from '../endpoints/credentials.js'
import {ValidationError} from '../errors.js'
import {GitRemote, commitFile} from '../git/repo.js'
import type {ObjectRef} from '../kube/resources.js'
import {RuntimeDocument, RuntimeSpec, RuntimeStatus, checkManifestPath, getRuntime, resourceFileOf, writeRuntimeStatus} from './runtimes.js'
import {deleteDeployedObjects} from './sync.js'

export interface PublishRuntimeOptions {
  name: string
  repo: string
  /** For codearts-repo endpoints: the repository under the URL prefix. */
  repository?: string
  branch?: string
  dir?: string
}

export interface PublishRuntimeResult {
  name: string
  repo: string
  branch: string
  file: string
  /** The commit pushed; absent when the file was already up to date. */
  commit?: string
}

async function remoteFor(ctx: BerthContext, endpoint: string, repository?: string): Promise<GitRemote> {
  const creds = await loadEndpointCredentials(ctx, endpoint, ['git', 'codearts-repo'])
  if (creds.type === 'git') return {url: creds.url, username: creds.username, password: creds.password, name: creds.name}
  if (!repository) throw new ValidationError(`Endpoint "${endpoint}" is a codearts-repo endpoint: give --repository (the repository path under its URL prefix).`)
  return {url: `${creds.urlPrefix.replace(/\/+$/, '')}/${repository.replace(/^\/+/, '')}`, username: creds.username, password: creds.password, name: creds.name}
}

const AUTHOR = {name: 'berth', email: 'berth@localhost'}

async function inScratchDir<R>(fn: (dir: string) => Promise<R>): Promise<R> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-publish-'))
  try {
    return await fn(dir)
  } finally {
    await fs.rm(dir, {recursive: true, force: true})
  }
}

/** Commit and push the runtime's resource file as DIR/NAME.yaml on BRANCH. */
export async function publishRuntime(ctx: BerthContext, options: PublishRuntimeOptions): Promise<PublishRuntimeResult> {
  const runtime = await getRuntime(ctx, options.name)
  const branch = options.branch ?? 'main'
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(branch) || branch.includes('..') || branch.endsWith('/') || branch.endsWith('.lock')) throw new ValidationError(`Invalid --branch "${branch}".`)
  const dir = checkManifestPath(options.dir ?? 'runtimes')
  const file = dir ? `${dir}/${runtime.metadata.name}.yaml` : `${runtime.metadata.name}.yaml`
  const remote = await remoteFor(ctx, options.repo, options.repository)
  const commit = await inScratchDir((workDir) =>
    commitFile({remote, branch, file, content: resourceFileOf(runtime), message: `DeploymentRuntime ${runtime.metadata.name}: published by berth`, workDir, author: AUTHOR}),
  )
  const project = await ctx.project()
  const publish = {repoEndpoint: options.repo, ...(options.repository ? {repository: options.repository} : {}), branch, file}
  const previous = runtime.spec.publish
  if (!previous || JSON.stringify(previous) !== JSON.stringify(publish)) {
    await ctx.state().update<RuntimeSpec, RuntimeStatus>('DeploymentRuntime', runtime.metadata.name, project, (doc) => ({...doc, spec: {...doc.spec, publish}}))
  }
  await writeRuntimeStatus(ctx, runtime.metadata.name, (status) => ({...status, published: {commit: commit ?? status.published?.commit ?? '', at: ctx.now().toISOString()}}))
  return {name: runtime.metadata.name, repo: options.repo, branch, file, ...(commit ? {commit} : {})}
}

export interface DeleteRuntimeResult {
  name: string
  /** What was removed from the cluster (empty with keepResources). */
  deleted: ObjectRef[]
  /** The published file removed, with the commit that removed it. */
  unpublished?: {file: string; commit?: string}
}

/** Remove what the runtime deployed (unless keepResources), its published file, then the runtime. */
export async function deleteRuntime(ctx: BerthContext, options: {name: string; keepResources?: boolean}): Promise<DeleteRuntimeResult> {
  const runtime: RuntimeDocument = await getRuntime(ctx, options.name)
  const deleted = options.keepResources ? [] : await deleteDeployedObjects(ctx, runtime)
  let unpublished: DeleteRuntimeResult['unpublished']
  const published = runtime.spec.publish
  if (published) {
    const remote = await remoteFor(ctx, published.repoEndpoint, published.repository)
    const commit = await inScratchDir((workDir) =>
      commitFile({remote, branch: published.branch, file: published.file, content: null, message: `DeploymentRuntime ${runtime.metadata.name}: deleted by berth`, workDir, author: AUTHOR}),
    )
    unpublished = {file: published.file, ...(commit ? {commit} : {})}
  }
  await ctx.state().delete('DeploymentRuntime', options.name, await ctx.project())
  return {name: options.name, deleted, ...(unpublished ? {unpublished} : {})}
}
