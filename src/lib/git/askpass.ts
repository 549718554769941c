/**
 * Handing credentials to a git child process without putting them in the URL,
 * argv or the environment, and without parsing git's prompt text.
 *
 * git is given a credential helper (gitcredentials(7)) configured for each
 * endpoint's origin only: `credential.<origin>.helper` is first emptied (so the
 * user's own helpers for that origin are neither asked nor told) and then set to a
 * small script that answers git's structured `get` request (protocol, host,
 * username as key=value lines) from a private file. git builds the request from the
 * URL itself, percent-decoding the username, so usernames with characters git
 * escapes in prompts (`tenant/ci-user`, `ci@corp.com`) work. The script answers only
 * for the origin's protocol and host and for the endpoint's username (or none), so a
 * redirect to another host never receives the password.
 *
 * Why files and not environment variables: a variable set on git is inherited by
 * every process git (or, for `endpoint exec`, the user's command) starts, and
 * environments end up in CI logs and crash reports; a file of mode 0600 in a
 * private 0700 directory is readable only by this user, is not inherited by
 * anything, and is removed when the command ends.
 */
import {promises as fs, rmSync} from 'node:fs'
import path from 'node:path'

import {UsageError, ValidationError} from '../errors.js'
import {makePrivateTempDir, privateTempRoot} from '../fs/private-temp.js'
import {parseGitHttpUrl} from './url.js'

export interface GitCredential {
  /** A repository URL or clone-URL prefix; git is given the credentials for its origin (scheme, host, port). */
  url: string
  username: string
  password: string
  /** The endpoint the credentials come from, for messages. */
  name?: string
}

export interface PreparedGitCredentials {
  /**
   * Variables to add to the git child's environment: GIT_CONFIG_COUNT/KEY/VALUE entries
   * that replace `credential.<origin>.helper` with berth's helper for each origin, so the
   * user's own credential helpers are not asked for (or told about) these origins while
   * their helpers for other hosts keep working; with onlyTheseCredentials also an empty
   * GIT_ASKPASS and GIT_TERMINAL_PROMPT=0.
   */
  env: Record<string, string>
  /** The directory holding the helper scripts and the credential files. */
  dir: string
}

export interface PrepareGitCredentialsOptions {
  /** The environment the child starts from: existing GIT_CONFIG_COUNT entries are kept and appended to. */
  baseEnv?: NodeJS.ProcessEnv
  /**
   * git may use no other credentials (berth's own git runs, e.g. ls-remote): every other
   * credential helper, askpass program and the terminal prompt are switched off, so git
   * fails instead of asking. Default false (`endpoint exec`): the user's helpers and
   * prompts keep working for hosts berth has no endpoint for.
   */
  onlyTheseCredentials?: boolean
}

/** A git or codearts-repo endpoint's credentials, by shape (git/ imports nothing from endpoints/). */
type GitEndpointCredentials =
  | {type: 'git'; name: string; url: string; username: string; password: string}
  | {type: 'codearts-repo'; name: string; urlPrefix: string; username: string; password: string}

/** The credentials of a git or codearts-repo endpoint, as prepareGitCredentials takes them. */
export function gitCredentialOf(creds: GitEndpointCredentials): GitCredential {
  return {url: creds.type === 'git' ? creds.url : creds.urlPrefix, username: creds.username, password: creds.password, name: creds.name}
}

/** A value as one single-quoted sh word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

const DEFAULT_PORT: Record<string, string> = {'https:': '443', 'http:': '80'}

/**
 * The helper script for one origin: answers `get` for that protocol and host (with or
 * without the default port) and the endpoint's username, or nothing; ignores every
 * other action (store, erase, and any git adds later), as gitcredentials(7) asks.
 */
function helperScript(protocol: string, hosts: readonly string[], userFile: string, answerFile: string): string {
  return [
    '#!/bin/sh',
    '# Written by berth for one git run and removed after it: git\'s credential helper',
    '# for one origin (gitcredentials(7)); answers "get" from the files next to it.',
    'if [ "$1" != get ]; then exec cat >/dev/null; fi',
    'protocol= host= username=',
    'while IFS= read -r line && [ -n "$line" ]; do',
    '  case $line in',
    '    protocol=*) protocol=${line#protocol=} ;;',
    '    host=*) host=${line#host=} ;;',
    '    username=*) username=${line#username=} ;;',
    '  esac',
    'done',
    `[ "$protocol" = ${shellQuote(protocol.replace(/:$/, ''))} ] || exit 0`,
    `case $host in ${hosts.map(shellQuote).join('|')}) ;; *) exit 0 ;; esac`,
    `if [ -n "$username" ] && [ "$username" != "$(cat ${shellQuote(userFile)})" ]; then exit 0; fi`,
    `exec cat ${shellQuote(answerFile)}`,
    '',
  ].join('\n')
}

/**
 * Write a credential helper and the credential files (mode 0600) into a new
 * subdirectory `git` of `dir`, which must be private to this user (mkdtemp makes
 * it 0700). Returns the environment to give git. Several credentials are allowed
 * (for `endpoint exec`), one per origin: git asks helpers per origin (without
 * credential.useHttpPath), so two credentials for one host could not be told apart.
 * The caller removes `dir` when git has finished (see withGitCredentials).
 */
export async function prepareGitCredentials(
  creds: GitCredential | readonly GitCredential[],
  dir: string,
  options: PrepareGitCredentialsOptions = {},
): Promise<PreparedGitCredentials> {
  const list = Array.isArray(creds) ? (creds as readonly GitCredential[]) : [creds as GitCredential]
  const byOrigin = new Map<string, GitCredential>()
  const origins: Array<{origin: string; protocol: string; hosts: string[]; cred: GitCredential}> = []
  for (const cred of list) {
    const url = parseGitHttpUrl(cred.url, cred.name ? `URL of endpoint "${cred.name}"` : 'repository URL')
    const label = cred.name ? `endpoint "${cred.name}"` : url.origin
    for (const [field, value] of [['username', cred.username], ['password', cred.password]] as const) {
      if (/[\r\n\0]/.test(value)) throw new ValidationError(`The ${field} of ${label} contains a line break or NUL character, which git cannot be given.`)
    }
    const other = byOrigin.get(url.origin)
    if (other) {
      throw new UsageError(`${other.name ? `Endpoint "${other.name}"` : other.url} and ${label} are both for ${url.origin}; git asks for credentials per host, so only one of them can be used at a time.`)
    }
    byOrigin.set(url.origin, cred)
    // git names the host as written in the remote URL; accept it with and without the default port.
    const hosts = [url.host]
    if (!/:\d+$/.test(url.host)) hosts.push(`${url.host}:${DEFAULT_PORT[url.protocol]}`)
    origins.push({origin: url.origin, protocol: url.protocol, hosts, cred})
  }

  const gitDir = path.join(dir, 'git')
  await fs.mkdir(gitDir, {mode: 0o700})
  await fs.chmod(gitDir, 0o700)
  const helpers: string[] = []
  for (const [index, {protocol, hosts, cred}] of origins.entries()) {
    const userFile = path.join(gitDir, `${index}.username`)
    const answerFile = path.join(gitDir, `${index}.credential`)
    await fs.writeFile(userFile, cred.username, {mode: 0o600, flag: 'wx'})
    await fs.writeFile(answerFile, `${cred.username ? `username=${cred.username}\n` : ''}password=${cred.password}\n`, {mode: 0o600, flag: 'wx'})
    const helper = path.join(gitDir, `${index}.helper.sh`)
    await fs.writeFile(helper, helperScript(protocol, hosts, userFile, answerFile), {mode: 0o700, flag: 'wx'})
    helpers.push(helper)
  }

  const base = options.baseEnv ?? {}
  const existing = /^\d+$/.test(base.GIT_CONFIG_COUNT ?? '') ? Number(base.GIT_CONFIG_COUNT) : 0
  const entries: Array<[string, string]> = []
  // An empty helper value clears the list git has collected so far for the URL.
  if (options.onlyTheseCredentials) entries.push(['credential.helper', ''])
  for (const [i, {origin}] of origins.entries()) {
    entries.push([`credential.${origin}.helper`, ''], [`credential.${origin}.helper`, `!${shellQuote(helpers[i]!)}`])
  }
  const env: Record<string, string> = {}
  if (options.onlyTheseCredentials) {
    // No askpass program (an empty GIT_ASKPASS also hides core.askPass and SSH_ASKPASS) and no terminal prompt.
    env.GIT_ASKPASS = ''
    env.GIT_TERMINAL_PROMPT = '0'
  }
  for (const [i, [key, value]] of entries.entries()) {
    env[`GIT_CONFIG_KEY_${existing + i}`] = key
    env[`GIT_CONFIG_VALUE_${existing + i}`] = value
  }
  env.GIT_CONFIG_COUNT = String(existing + entries.length)
  return {env, dir: gitDir}
}

export interface WithGitCredentialsOptions extends PrepareGitCredentialsOptions {
  /** Where the private temporary directory is made (default: $XDG_RUNTIME_DIR, else the OS temp directory). */
  parentDir?: string
}

/**
 * Run `fn` with git credentials prepared in a fresh private temporary directory
 * (mkdtemp, 0700), and remove that directory afterwards, whether `fn` succeeds or
 * throws, and also if the process exits meanwhile (after SIGKILL, the next run does). `fn` gets the environment to
 * add to git's and the directory itself (a safe, empty working directory for git).
 */
export async function withGitCredentials<R>(
  creds: GitCredential | readonly GitCredential[],
  fn: (prepared: {env: Record<string, string>; dir: string}) => Promise<R>,
  options: WithGitCredentialsOptions = {},
): Promise<R> {
  const root = await makePrivateTempDir('berth-git-', options.parentDir ?? (await privateTempRoot(options.baseEnv ?? process.env)))
  const removeNow = () => rmSync(root, {recursive: true, force: true})
  process.on('exit', removeNow)
  try {
    const prepared = await prepareGitCredentials(creds, root, options)
    return await fn({env: prepared.env, dir: root})
  } finally {
    process.off('exit', removeNow)
    await fs.rm(root, {recursive: true, force: true})
  }
}
