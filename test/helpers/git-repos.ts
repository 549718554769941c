// Bare repositories created for one test under the git test server's project root, so
// they are served at GIT_BASE_URL/<name>.git with the server's Basic auth.
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {gitService, stateDir} from './services.js'

export interface ServedRepo {
  name: string
  /** http://127.0.0.1:PORT/<name>.git */
  url: string
  bareDir: string
  /** Write (string) or delete (null) files and commit them to main; returns the commit id. */
  commit: (files: Record<string, string | null>, message: string) => string
  /** git in the bare repository (e.g. ['log', '--format=%s', 'main']). */
  git: (args: string[]) => string
  remove: () => void
}

const isolated = (home: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Nautes Dev',
  GIT_AUTHOR_EMAIL: 'dev@nautes-labs.example.com',
  GIT_COMMITTER_NAME: 'Nautes Dev',
  GIT_COMMITTER_EMAIL: 'dev@nautes-labs.example.com',
})

export function createServedRepo(prefix: string): ServedRepo {
  const name = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
  const bareDir = path.join(stateDir(), 'git', 'repos', `${name}.git`)
  const home = mkdtempSync(path.join(os.tmpdir(), 'berth-repo-home-'))
  const env = isolated(home)
  const git = (cwd: string, args: string[]) => execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], {cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  mkdirSync(bareDir, {recursive: true})
  git(bareDir, ['init', '-q', '--bare', '.'])
  const work = path.join(home, 'work')
  mkdirSync(work)
  git(work, ['init', '-q', '.'])
  return {
    name,
    url: `${gitService().baseUrl}/${name}.git`,
    bareDir,
    commit(files, message) {
      for (const [file, content] of Object.entries(files)) {
        const full = path.join(work, file)
        if (content === null) rmSync(full, {force: true})
        else {
          mkdirSync(path.dirname(full), {recursive: true})
          writeFileSync(full, content)
        }
      }
      git(work, ['add', '-A'])
      git(work, ['commit', '-q', '--allow-empty', '-m', message])
      git(work, ['push', '-q', bareDir, 'HEAD:refs/heads/main'])
      return git(work, ['rev-parse', 'HEAD']).trim()
    },
    git: (args) => git(bareDir, args),
    remove() {
      rmSync(bareDir, {recursive: true, force: true})
      rmSync(home, {recursive: true, force: true})
    },
  }
}
