import type {Readable} from 'node:stream'

import {UsageError} from '../errors.js'

/** How a command may receive one secret: never as a plain flag value. */
export interface SecretSource {
  /** Human name of the secret, e.g. "password". */
  label: string
  /** The flag that reads it from stdin, e.g. "--password-stdin". */
  stdinFlag: string
  /** The flag that names an environment variable holding it, e.g. "--password-env". */
  envFlag: string
  /** --…-stdin was given. */
  fromStdin?: boolean
  /** --…-env VAR was given. */
  envVar?: string
}

export interface SecretInputDeps {
  stdin: Readable
  env: NodeJS.ProcessEnv
}

const MAX_SECRET_BYTES = 64 * 1024

/** The secret from stdin or the named environment variable; undefined when neither flag was given. */
export async function readSecretFromFlags(source: SecretSource, deps: SecretInputDeps): Promise<string | undefined> {
  if (source.fromStdin && source.envVar !== undefined) {
    throw new UsageError(`Give the ${source.label} one way only: ${source.stdinFlag} or ${source.envFlag}, not both.`)
  }
  if (source.envVar !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(source.envVar)) {
      throw new UsageError(`${source.envFlag} takes the name of an environment variable (e.g. ${source.envFlag} REGISTRY_PASSWORD), not the ${source.label} itself.`)
    }
    const value = deps.env[source.envVar]
    if (value === undefined || value === '') {
      throw new UsageError(`${source.envFlag} names ${source.envVar}, but that environment variable is not set or is empty.`)
    }
    return value
  }
  if (source.fromStdin) {
    const value = await readAll(deps.stdin)
    if (value === '') throw new UsageError(`${source.stdinFlag} was given but stdin was empty; pipe the ${source.label} in, e.g. printf %s "$TOKEN" | berth … ${source.stdinFlag}.`)
    return value
  }
  return undefined
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buf.length
    if (size > MAX_SECRET_BYTES) throw new UsageError(`stdin holds more than ${MAX_SECRET_BYTES} bytes; that is not a secret berth can store.`)
    chunks.push(buf)
  }
  // One trailing newline is what `echo` adds; a secret does not end in one.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

/** Collects every missing input so a script gets one error naming all of them. */
export class MissingInputs {
  private readonly missing: string[] = []

  add(description: string): void {
    this.missing.push(description)
  }

  get size(): number {
    return this.missing.length
  }

  throwIfAny(reason = 'stdin is not a terminal, so berth cannot ask for them'): void {
    if (this.missing.length === 0) return
    const list = this.missing.join(', ')
    throw new UsageError(`Missing required ${this.missing.length === 1 ? 'input' : 'inputs'}: ${list} (${reason}).`, {
      hint: 'Pass them as flags, or run the command at a terminal to be asked.',
    })
  }
}
