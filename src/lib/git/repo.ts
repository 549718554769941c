/**
 * git operations on a local repository that talk to a remote with an endpoint's
 * credentials: fetch one revision into a cached bare repository, read files of a commit
 * without a checkout, commit and push one file. Run like ls-remote.ts (timeout, the
 * whole process group killed, only git's own error lines quoted); the credentials reach git only through
 * withGitCredentialEnv (a credential helper configured for the remote's origin only,
 * answering git's own credential protocol), never the URL, argv or .git/config.
 */
import {createHash} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {ExternalError, NotFoundError, ValidationError} from '../errors.js'
import {printable} from '../names.js'
import {ConnectionError} from '../net/errors.js'
import {BoundedRun, runBounded} from '../process/bounded.js'
import {GitCredential, withGitCredentials} from './askpass.js'
import {DROPPED_ENV, classifyGitFailure} from './ls-remote.js'
import {parseGitHttpUrl} from './url.js'

export interface GitRemote extends GitCredential {
  /** Kill git after this long (default 120 s). */
  timeoutMs?: number
}

/**
 * The one place that hands credentials to git for these operations: swap this to change
 * the mechanism (today: withGitCredentials' per-origin credential helper and 0600 files, removed after).
 * Only these credentials: the user's own helpers and askpass are not asked.
 */
export async function withGitCredentialEnv<R>(remote: GitCredential | undefined, fn: (env: Record<string, string>) => Promise<R>, baseEnv: NodeJS.ProcessEnv = process.env): Promise<R> {
  if (!remote) return fn({GIT_TERMINAL_PROMPT: '0'})
  return withGitCredentials(remote, ({env}) => fn(env), {baseEnv, onlyTheseCredentials: true})
}

const MAX_OUTPUT = 256 * 1024 * 1024

/** Run git in `cwd` (no credentials unless `remote`), bounded in time and output. */
export async function runGit(args: string[], options: {cwd: string; remote?: GitRemote; input?: Buffer | string; timeoutMs?: number; env?: Record<string, string>}): Promise<BoundedRun> {
  const timeoutMs = options.timeoutMs ?? options.remote?.timeoutMs ?? 120_000
  const baseEnv: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !DROPPED_ENV.test(key)) baseEnv[key] = value
  // No remote: no credential helper at all. With one, withGitCredentialEnv's configuration
  // already empties the helper list before adding berth's (a -c here would come after it and
  // empty it again).
  const noHelpers = options.remote ? [] : ['-c', 'credential.helper=']
  return withGitCredentialEnv(
    options.remote,
    (credentialEnv) =>
      runBounded('git', [...noHelpers, '-c', 'core.hooksPath=/dev/null', '-c', 'protocol.allow=never', '-c', 'protocol.http.allow=always', '-c', 'protocol.https.allow=always', ...args], {
        cwd: options.cwd,
        env: {...baseEnv, ...credentialEnv, ...options.env, GIT_ALLOW_PROTOCOL: 'http:https', LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0'},
        timeoutMs,
        maxStdout: MAX_OUTPUT,
        maxStderr: 64 * 1024,
        input: options.input ?? '',
      }),
    baseEnv,
  )
}

/** Throw the berth error for a failed git run; `what` is "git fetch URL". */
function checkRun(run: BoundedRun, what: string, remote?: GitRemote): void {
  if (run.spawnError) {
    if ((run.spawnError as NodeJS.ErrnoException).code === 'ENOENT') throw new ExternalError('Cannot run git: it is not installed or not on PATH.', {hint: 'Install git and try again.'})
    throw new ExternalError(`Cannot run git: ${run.spawnError.message}`)
  }
  if (run.timedOut) throw new ConnectionError('timeout', `${what} did not finish in time; it was stopped.`, {hint: 'Check the address and the network path to the Git server.'})
  if (run.code === 0) return
  if (remote) throw classifyGitFailure(run.stderr, {url: parseGitHttpUrl(remote.url), name: remote.name, exitCode: run.code})
  // No remote, no credentials: git's last line, printable and bounded.
  const detail = printable(run.stderr.trim().split('\n').at(-1) ?? '', 300)
  throw new ExternalError(`${what} failed: ${detail || `git exited with ${run.code}`}`)
}

/**
 * Fetch `revision` (a branch, tag, HEAD or commit) of the remote into a bare repository
 * at `dir` (created when missing; the remote is given on the command line each time, so
 * .git/config holds no URL and no credential). Returns the commit fetched.
 */
export async function fetchRevision(remote: GitRemote, revision: string, dir: string): Promise<string> {
  if (!revision || revision.startsWith('-') || /[\s\0]/.test(revision)) throw new ValidationError(`Revision ${JSON.stringify(revision)} is not a valid git revision.`)
  await fs.mkdir(dir, {recursive: true, mode: 0o700})
  if (!(await exists(path.join(dir, 'HEAD')))) checkRun(await runGit(['init', '-q', '--bare', '.'], {cwd: dir}), 'git init')
  const url = parseGitHttpUrl(remote.url).href
  // Straight into a ref of its own per revision: a later gc keeps the commit, and two syncs of
  // different revisions sharing this clone do not read each other's result.
  const ref = `refs/berth/rev/${createHash('sha256').update(revision).digest('hex').slice(0, 24)}`
  const fetch = () => runGit(['fetch', '-q', '--no-tags', '--depth=1', '--', url, `+${revision}:${ref}`], {cwd: dir, remote})
  let run = await fetch()
  // Another berth fetching into the same clone holds its lock (shallow.lock, a ref lock): once more.
  if (run.code !== 0 && /\.lock'?:? File exists|Unable to create '[^']*\.lock'/i.test(run.stderr)) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    run = await fetch()
  }
  if (run.code !== 0 && !run.timedOut && /couldn't find remote ref|not our ref|unadvertised object|no such remote ref|invalid refspec|bad object/i.test(run.stderr)) {
    throw new NotFoundError(`Revision "${revision}" does not exist in ${url}.`, {hint: 'Use a branch, a tag, HEAD or a full commit id that the repository has.'})
  }
  checkRun(run, `git fetch ${url}`, remote)
  const head = await runGit(['rev-parse', '--verify', `${ref}^{commit}`], {cwd: dir})
  checkRun(head, 'git rev-parse')
  return head.stdout.toString('utf8').trim()
}

/**
 * The commit a branch, tag or HEAD of the remote points to now (`git ls-remote`: one request,
 * no pack negotiation), or undefined when no ref of that name exists (fetchRevision then
 * gives the error). A full commit id is returned as is.
 */
export async function resolveRemoteRevision(remote: GitRemote, revision: string, cwd: string): Promise<string | undefined> {
  if (/^[0-9a-f]{40}$/.test(revision)) return revision
  if (!revision || revision.startsWith('-') || /[\s\0]/.test(revision)) throw new ValidationError(`Revision ${JSON.stringify(revision)} is not a valid git revision.`)
  const url = parseGitHttpUrl(remote.url).href
  const run = await runGit(['ls-remote', '--', url, revision], {cwd, remote})
  checkRun(run, `git ls-remote ${url}`, remote)
  const refs = new Map<string, string>()
  for (const line of run.stdout.toString('utf8').split('\n')) {
    const [sha, ref] = line.split('\t')
    if (sha && ref) refs.set(ref, sha)
  }
  const wanted = revision.startsWith('refs/') || revision === 'HEAD' ? [revision] : [`refs/heads/${revision}`, `refs/tags/${revision}^{}`, `refs/tags/${revision}`]
  for (const ref of wanted) if (refs.has(ref)) return refs.get(ref)
  return undefined
}

export interface TreeFile {
  /** Path relative to the repository root. */
  path: string
  content: Buffer
}

/**
 * The regular files under `dir` (relative to the repository root, "" for all) at
 * `commit`, whose names pass `accept`. Symlinks and submodules are skipped. A `dir`
 * that does not exist at that commit is a NotFoundError.
 */
export async function readTreeFiles(repoDir: string, commit: string, dir: string, accept: (file: string) => boolean): Promise<TreeFile[]> {
  const prefix = dir.replace(/\/+$/, '')
  const spec = prefix ? `${commit}:${prefix}` : `${commit}:`
  const type = await runGit(['cat-file', '-t', spec], {cwd: repoDir})
  if (type.code !== 0 || type.stdout.toString().trim() !== 'tree') {
    throw new NotFoundError(`Path "${prefix}" is not a directory at commit ${commit.slice(0, 12)}.`, {hint: 'Check the runtime\'s --path against the repository.'})
  }
  const list = await runGit(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(prefix ? [`${prefix}/`] : [])], {cwd: repoDir})
  checkRun(list, 'git ls-tree')
  const entries: Array<{path: string; sha: string}> = []
  for (const record of list.stdout.toString('utf8').split('\0')) {
    const tab = record.indexOf('\t')
    if (tab < 0) continue
    const [mode, kind, sha] = record.slice(0, tab).split(' ')
    const file = record.slice(tab + 1)
    if (kind !== 'blob' || mode === '120000' || !sha || !accept(file)) continue
    entries.push({path: file, sha})
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  if (entries.length === 0) return []
  const batch = await runGit(['cat-file', '--batch'], {cwd: repoDir, input: entries.map((e) => e.sha).join('\n') + '\n'})
  checkRun(batch, 'git cat-file')
  const files: TreeFile[] = []
  let offset = 0
  const out = batch.stdout
  for (const entry of entries) {
    const newline = out.indexOf(10, offset)
    const header = out.subarray(offset, newline).toString('utf8').split(' ')
    const size = Number(header[2])
    files.push({path: entry.path, content: out.subarray(newline + 1, newline + 1 + size)})
    offset = newline + 1 + size + 1
  }
  return files
}

export interface CommitFileOptions {
  remote: GitRemote
  branch: string
  /** Path in the repository. */
  file: string
  /** New content, or null to delete the file. */
  content: string | null
  message: string
  /** A private scratch directory (removed by the caller). */
  workDir: string
  author: {name: string; email: string}
}

/**
 * Commit one file change on `branch` of the remote and push it (the branch is created
 * when the repository or branch is empty). Returns the new commit, or undefined when the
 * file already had that content (nothing pushed).
 */
export async function commitFile(options: CommitFileOptions): Promise<string | undefined> {
  const {remote, workDir} = options
  const url = parseGitHttpUrl(remote.url).href
  const git = (args: string[], extra: {input?: string; remote?: GitRemote; env?: Record<string, string>} = {}) => runGit(args, {cwd: workDir, ...extra})
  checkRun(await git(['init', '-q', '.']), 'git init')
  const fetched = await git(['fetch', '-q', '--no-tags', '--depth=1', '--', url, `refs/heads/${options.branch}`], {remote})
  let parent: string | undefined
  if (fetched.code === 0) {
    parent = (await git(['rev-parse', 'FETCH_HEAD'])).stdout.toString().trim()
    checkRun(await git(['read-tree', parent]), 'git read-tree')
  } else if (!/couldn't find remote ref/i.test(fetched.stderr)) {
    checkRun(fetched, `git fetch ${url}`, remote)
  }
  if (options.content === null) {
    const removed = await git(['rm', '-q', '--cached', '--ignore-unmatch', '--', options.file])
    checkRun(removed, 'git rm')
  } else {
    const blob = await git(['hash-object', '-w', '--stdin'], {input: options.content})
    checkRun(blob, 'git hash-object')
    checkRun(await git(['update-index', '--add', '--cacheinfo', `100644,${blob.stdout.toString().trim()},${options.file}`]), 'git update-index')
  }
  const tree = await git(['write-tree'])
  checkRun(tree, 'git write-tree')
  const treeId = tree.stdout.toString().trim()
  if (parent) {
    const parentTree = (await git(['rev-parse', `${parent}^{tree}`])).stdout.toString().trim()
    if (parentTree === treeId) return undefined
  }
  const identity = {GIT_AUTHOR_NAME: options.author.name, GIT_AUTHOR_EMAIL: options.author.email, GIT_COMMITTER_NAME: options.author.name, GIT_COMMITTER_EMAIL: options.author.email}
  const commit = await git(['commit-tree', treeId, ...(parent ? ['-p', parent] : [])], {input: `${options.message}\n`, env: identity})
  checkRun(commit, 'git commit-tree')
  const commitId = commit.stdout.toString().trim()
  const push = await git(['push', '-q', '--', url, `${commitId}:refs/heads/${options.branch}`], {remote})
  if (push.code !== 0 && /rejected|non-fast-forward|fetch first/i.test(push.stderr)) {
    throw new ExternalError(`The push to ${options.branch} of ${url} was rejected: the branch moved meanwhile.`, {hint: 'Run the command again.'})
  }
  checkRun(push, `git push ${url}`, remote)
  return commitId
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file)
    return true
  } catch {
    return false
  }
}
