// Shared set-up for the docker-registry integration tests (registry, images, docker-credential).
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'

import {RunResult, berthEnv, runBerth, tempHome} from '../helpers/cli.js'
import {filesUnder} from '../helpers/files.js'

/** One test's own BERTH_HOME with the encrypted-file secret store. */
export interface Sandbox {
  home: string
  env: NodeJS.ProcessEnv
  /** Every berth run of this sandbox, for the secret scan. */
  runs: RunResult[]
  run(args: string[], options?: {input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<RunResult>
  cleanup(): void
}

export function sandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const {home, cleanup} = tempHome('berth-registry-it-')
  const env = berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: `pp-${randomBytes(6).toString('hex')}`, ...extraEnv})
  const runs: RunResult[] = []
  return {
    home,
    env,
    runs,
    async run(args, options = {}) {
      const result = await runBerth(args, {env: {...env, ...options.env}, input: options.input, timeoutMs: options.timeoutMs ?? 120_000})
      runs.push(result)
      return result
    },
    cleanup,
  }
}

/** `berth endpoint create docker-registry NAME` with the password on stdin; asserts it worked. */
export async function createRegistryEndpoint(box: Sandbox, name: string, address: string, username: string, password: string): Promise<void> {
  const result = await box.run(['endpoint', 'create', 'docker-registry', name, '--address', address, '--username', username, '--password-stdin'], {input: password})
  expect(result.code, result.stderr).to.equal(0)
}

/** A repository name no other test or run uses. */
export function uniqueRepo(prefix = 'it'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}/busybox`
}

/** Fail if `secret` appears in any file under `dir` or in any captured output. */
export function expectNoSecret(secret: string, dir: string, outputs: Array<{stdout: string; stderr: string}>): void {
  expect(secret.length).to.be.greaterThan(5)
  for (const file of filesUnder(dir)) {
    const content = readFileSync(file)
    expect(content.includes(Buffer.from(secret)), `secret found in ${file}`).to.equal(false)
    expect(content.includes(Buffer.from(Buffer.from(secret).toString('base64'))), `base64 secret found in ${file}`).to.equal(false)
  }
  for (const out of outputs) {
    expect(out.stdout, 'secret in stdout').to.not.include(secret)
    expect(out.stderr, 'secret in stderr').to.not.include(secret)
  }
}

/** The docker CLI that matches the test daemon (Debian's), else whatever is installed. */
export function dockerCli(): string {
  for (const candidate of ['/usr/bin/docker', '/usr/local/bin/docker']) if (existsSync(candidate)) return candidate
  return 'docker'
}
