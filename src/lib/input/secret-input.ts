import type {Readable} from 'node:stream'

import {UsageError, ValidationError} from '../errors.js'

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
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) throw new ValidationError(`${source.envVar} holds more than ${MAX_SECRET_BYTES} bytes; that is not a secret berth can store.`)
    assertSecretValue(`The ${source.label} in ${source.envVar}`, value)
    return value
  }
  if (source.fromStdin) {
    const value = await readAll(deps.stdin, source.label)
    if (value === '') throw new UsageError(`${source.stdinFlag} was given but stdin was empty; pipe the ${source.label} in, e.g. printf %s "$TOKEN" | berth … ${source.stdinFlag}.`)
    assertSecretValue(`The ${source.label} on stdin`, value)
    return value
  }
  return undefined
}

/**
 * Why a one-line secret (a password, token or secret key) cannot be stored as given, or
 * undefined. The one check for every way a secret arrives (stdin, a variable, a prompt, a
 * credential helper), so what is accepted once is accepted at every use: git's credential
 * protocol, docker's auth and HTTP Basic cannot carry a line break or a NUL, and U+FFFD is
 * what invalid UTF-8 turns into. `what` starts the message, e.g. "The password on stdin".
 */
export function secretValueProblem(what: string, value: string): string | undefined {
  if (value === '') return `${what} is empty.`
  if (value.includes('\0')) return `${what} contains a NUL byte, which no tool berth hands it to can carry.`
  if (/[\r\n]/.test(value)) return `${what} contains a line break; a password, token or key is one line (git and docker cannot be given one with a line break).`
  if (value.includes('\uFFFD')) return `${what} contains U+FFFD, the replacement for bytes that are not UTF-8; give the secret as UTF-8 text.`
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) return `${what} is longer than ${MAX_SECRET_BYTES} bytes; that is not a secret berth can store.`
  return undefined
}

/** Throws a ValidationError (exit 2) when secretValueProblem finds one. */
export function assertSecretValue(what: string, value: string): void {
  const problem = secretValueProblem(what, value)
  if (problem) throw new ValidationError(problem)
}

async function readAll(stream: Readable, label: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buf.length
    if (size > MAX_SECRET_BYTES) throw new ValidationError(`stdin holds more than ${MAX_SECRET_BYTES} bytes; that is not a secret berth can store.`)
    chunks.push(buf)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true}).decode(Buffer.concat(chunks))
  } catch {
    // Never echoed: it is a secret. Decoding it leniently would store something else than was given.
    throw new ValidationError(`The ${label} on stdin is not valid UTF-8; give the secret as UTF-8 text.`)
  }
  // One trailing newline is what `echo` adds; a secret does not end in one.
  return text.replace(/\r?\n$/, '')
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
