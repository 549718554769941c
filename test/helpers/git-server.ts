// A private instance of test/env/git-server.mjs for tests that need accounts the shared
// git service does not have (usernames such as "mytenant/ci-user" and "ci@corp.com"). It
// serves the shared service's repositories (demo.git, empty.git) read-only on a free port.
import {ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ROOT} from './cli.js'
import {stateDir} from './services.js'

export interface PrivateGitServer {
  /** http://127.0.0.1:PORT */
  baseUrl: string
  /** demo.git: branches main and release-1.0 */
  repoUrl: string
  stop(): Promise<void>
}

/** Start git-server.mjs with these accounts (user → password); stop it with stop(). */
export async function startGitServer(accounts: Record<string, string>): Promise<PrivateGitServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-git-server-'))
  const usersFile = path.join(dir, 'users.json')
  const portFile = path.join(dir, 'port')
  writeFileSync(usersFile, JSON.stringify(accounts), {mode: 0o600})
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'test', 'env', 'git-server.mjs')], {
    env: {
      PATH: process.env.PATH,
      GIT_SERVER_USER: 'berth-private-admin',
      GIT_SERVER_PASSWORD: `unused-${process.pid}-${Date.now()}`,
      GIT_SERVER_USERS_FILE: usersFile,
      GIT_SERVER_ROOT: path.join(stateDir(), 'git', 'repos'),
      GIT_SERVER_PORT: '0',
      GIT_SERVER_PORT_FILE: portFile,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, {recursive: true, force: true})
  }
  for (let i = 0; i < 100; i++) {
    let port = ''
    try {
      port = readFileSync(portFile, 'utf8').trim()
    } catch {
      // not yet
    }
    if (port) return {baseUrl: `http://127.0.0.1:${port}`, repoUrl: `http://127.0.0.1:${port}/demo.git`, stop}
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await stop()
  throw new Error('the private git server did not start')
}
