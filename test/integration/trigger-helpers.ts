import {ChildProcess, execFile, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {ROOT} from '../helpers/cli.js'

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited during start-up:\n${log()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    if (Date.now() > end) throw new Error(`docker-registry did not listen on ${port}:\n${log()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export interface NotifyingRegistry {
  addr: string
  user: string
  password: string
  stop(): Promise<void>
}

/**
 * A private distribution registry for one test, as test/env/registry.sh runs it (htpasswd Basic
 * auth, filesystem storage, 127.0.0.1), whose notifications go to `notifyUrl` with `headers`.
 */
export async function startNotifyingRegistry(port: number, notifyUrl: string, headers: Record<string, string>): Promise<NotifyingRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-trigger-registry-'))
  const user = 'ci-bot'
  const password = `p@ss:${randomBytes(6).toString('hex')}/#`
  const htpasswd = await new Promise<string>((resolve, reject) => {
    const child = execFile('htpasswd', ['-Bin', user], (error, stdout) => (error ? reject(error) : resolve(stdout)))
    child.stdin?.end(password)
  })
  writeFileSync(path.join(dir, 'htpasswd'), htpasswd)
  const headerYaml = Object.entries(headers).map(([k, v]) => `        ${k}: [${JSON.stringify(v)}]`).join('\n')
  writeFileSync(
    path.join(dir, 'config.yml'),
    `version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: "${dir}/data"
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: "127.0.0.1:${port}"
  secret: "${randomBytes(16).toString('hex')}"
auth:
  htpasswd:
    realm: berth-trigger-test
    path: "${dir}/htpasswd"
notifications:
  events:
    includereferences: true
  endpoints:
    - name: berth-trigger-test
      url: "${notifyUrl}"
      headers:
${headerYaml}
      timeout: 2s
      threshold: 5
      backoff: 1s
      ignoredmediatypes:
        - application/octet-stream
`,
  )
  let log = ''
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], {env: {PATH: process.env.PATH, HOME: dir}, stdio: ['ignore', 'pipe', 'pipe']})
  child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)))
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)))
  await waitForPort(port, child, () => log)
  return {
    addr: `127.0.0.1:${port}`,
    user,
    password,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

export interface ServeProcess {
  url: Promise<string>
  stderr(): string
  stop(): Promise<number>
  /** Kill it at once (SIGKILL), as a node dying would. */
  kill(): void
}

/** `berth trigger serve --port 0` as a child, its URL read from stderr. */
export function startServe(env: NodeJS.ProcessEnv, extra: string[] = []): ServeProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'trigger', 'serve', '--port', '0', ...extra], {env, stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      const m = /Listening on (http:\/\/[0-9.:]+)/.exec(stderr)
      if (m) resolve(m[1] as string)
    })
    child.once('exit', () => reject(new Error(`serve exited:\n${stderr}`)))
  })
  url.catch(() => undefined)
  const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  return {
    url,
    stderr: () => stderr,
    kill: () => void child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exit
    },
  }
}
