/**
 * Handing credentials to a git child process without putting them in the URL,
 * argv or the environment.
 *
 * Why files and not environment variables: a variable set on git is inherited by
 * every process git (or, for `endpoint exec`, the user's command) starts, and
 * environments end up in CI logs and crash reports; a file of mode 0600 in a
 * private 0700 directory is readable only by this user, is not inherited by
 * anything, and is removed when the command ends. The child gets only the path of
 * an askpass script (GIT_ASKPASS) that prints the username for git's "Username
 * for '<origin>'" prompt and the password for its "Password for
 * '<scheme>://<user>@<host>'" prompt, and refuses any other prompt — so a
 * redirect to another host never receives the password.
 */
import {promises as fs, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {UsageError, ValidationError} from '../errors.js'
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
   * Variables to add to the git child's environment: GIT_ASKPASS, GIT_TERMINAL_PROMPT=0
   * (unless allowTerminalPrompt) and GIT_CONFIG_COUNT/KEY/VALUE entries that empty `credential.<origin>.helper`, so
   * the user's own credential helpers are not asked for (or told about) these origins
   * while their helpers for other hosts keep working.
   */
  env: Record<string, string>
  /** The directory holding the askpass script and the credential files. */
  dir: string
}

export interface PrepareGitCredentialsOptions {
  /** The environment the child starts from: existing GIT_CONFIG_COUNT entries are kept and appended to. */
  baseEnv?: NodeJS.ProcessEnv
  /**
   * Leave git's terminal prompt on for hosts berth has no credentials for (e.g. `endpoint
   * exec` at a terminal). Default false: GIT_TERMINAL_PROMPT=0, so git fails instead of waiting.
   */
  allowTerminalPrompt?: boolean
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
 * Write an askpass script and the credential files (mode 0600) into a new
 * subdirectory `git` of `dir`, which must be private to this user (mkdtemp makes
 * it 0700). Returns the environment to give git. Several credentials are allowed
 * (for `endpoint exec`), one per origin: git's prompts name only the origin, so two
 * credentials for one host could not be told apart.
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
  const branches: string[] = []
  for (const [index, {protocol, hosts, cred}] of origins.entries()) {
    const userFile = path.join(gitDir, `${index}.username`)
    const passwordFile = path.join(gitDir, `${index}.password`)
    await fs.writeFile(userFile, cred.username, {mode: 0o600, flag: 'wx'})
    await fs.writeFile(passwordFile, cred.password, {mode: 0o600, flag: 'wx'})
    const userPrompts: string[] = []
    const passwordPrompts: string[] = []
    for (const host of hosts) {
      const described = `${protocol}//${host}`
      const withUser = cred.username ? `${protocol}//${cred.username}@${host}` : described
      // "… for 'https://host': " and, with credential.useHttpPath, "… for 'https://host/path': ".
      userPrompts.push(`${shellQuote(`Username for '${described}'`)}*`, `${shellQuote(`Username for '${described}/`)}*`)
      passwordPrompts.push(`${shellQuote(`Password for '${withUser}'`)}*`, `${shellQuote(`Password for '${withUser}/`)}*`)
    }
    branches.push(`  ${userPrompts.join('|')}) exec cat ${shellQuote(userFile)} ;;`)
    branches.push(`  ${passwordPrompts.join('|')}) exec cat ${shellQuote(passwordFile)} ;;`)
  }
  const script = [
    '#!/bin/sh',
    '# Written by berth for one git run and removed after it: answers git\'s credential',
    '# prompts for the origins below from the files next to it and refuses any other.',
    'case "$1" in',
    ...branches,
    'esac',
    'echo "berth: no berth endpoint answers the git prompt: $1" >&2',
    'exit 1',
    '',
  ].join('\n')
  const askpass = path.join(gitDir, 'askpass.sh')
  await fs.writeFile(askpass, script, {mode: 0o700, flag: 'wx'})

  const base = options.baseEnv ?? {}
  const existing = /^\d+$/.test(base.GIT_CONFIG_COUNT ?? '') ? Number(base.GIT_CONFIG_COUNT) : 0
  const env: Record<string, string> = {GIT_ASKPASS: askpass}
  if (!options.allowTerminalPrompt) env.GIT_TERMINAL_PROMPT = '0'
  for (const [i, {origin}] of origins.entries()) {
    env[`GIT_CONFIG_KEY_${existing + i}`] = `credential.${origin}.helper`
    env[`GIT_CONFIG_VALUE_${existing + i}`] = ''
  }
  env.GIT_CONFIG_COUNT = String(existing + origins.length)
  return {env, dir: gitDir}
}

export interface WithGitCredentialsOptions extends PrepareGitCredentialsOptions {
  /** Where the private temporary directory is made (default: the OS temp directory). */
  parentDir?: string
}

/**
 * Run `fn` with git credentials prepared in a fresh private temporary directory
 * (mkdtemp, 0700), and remove that directory afterwards, whether `fn` succeeds or
 * throws, and also if the process exits meanwhile. `fn` gets the environment to
 * add to git's and the directory itself (a safe, empty working directory for git).
 */
export async function withGitCredentials<R>(
  creds: GitCredential | readonly GitCredential[],
  fn: (prepared: {env: Record<string, string>; dir: string}) => Promise<R>,
  options: WithGitCredentialsOptions = {},
): Promise<R> {
  const root = await fs.mkdtemp(path.join(options.parentDir ?? os.tmpdir(), 'berth-git-'))
  const removeNow = () => rmSync(root, {recursive: true, force: true})
  process.on('exit', removeNow)
  try {
    await fs.chmod(root, 0o700)
    const prepared = await prepareGitCredentials(creds, root, options)
    return await fn({env: prepared.env, dir: root})
  } finally {
    process.off('exit', removeNow)
    await fs.rm(root, {recursive: true, force: true})
  }
}
