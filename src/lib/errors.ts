/**
 * berth's error classes. Every error a user can meet carries an exit code
 * (0 ok, 1 operation failed, 2 usage or validation error), a stable code for
 * --json output, and where useful a hint saying what to do next.
 * Anything that is not a BerthError is a bug.
 */
export type ErrorCode =
  | 'usage'
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'auth'
  | 'external'
  | 'locked'
  | 'damaged-state'
  | 'keychain-unavailable'
  | 'cancelled'

export interface ErrorOptions {
  hint?: string
  cause?: unknown
}

export class BerthError extends Error {
  readonly exitCode: number
  readonly code: ErrorCode
  readonly hint?: string

  constructor(code: ErrorCode, exitCode: number, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.code = code
    this.exitCode = exitCode
    this.hint = options.hint
  }
}

/** Wrong command-line usage: missing or conflicting flags. Exit 2. */
export class UsageError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super('usage', 2, message, options)
  }
}

/** Input that was read but is not valid: names, URLs, YAML. Exit 2. */
export class ValidationError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super('validation', 2, message, options)
  }
}

export class NotFoundError extends BerthError {
  /** The kind of stored object that was not found, so the command layer can hint how to list them. */
  readonly kind?: string
  constructor(message: string, options?: ErrorOptions & {kind?: string}) {
    super('not-found', 1, message, options)
    this.kind = options?.kind
  }
}

export class ConflictError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super('conflict', 1, message, options)
  }
}

export class AuthError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super('auth', 1, message, options)
  }
}

/** A system berth talks to failed or could not be reached. Exit 1. */
export class ExternalError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super('external', 1, message, options)
  }
}

export class LockTimeoutError extends BerthError {
  constructor(message: string, options?: ErrorOptions) {
    super('locked', 1, message, options)
  }
}

/** A stored file could not be read back. Names the file; exit 2 like any malformed YAML. */
export class DamagedStateError extends BerthError {
  readonly file: string
  constructor(file: string, message: string, options?: ErrorOptions) {
    super('damaged-state', 2, message, options)
    this.file = file
  }
}

export class KeychainUnavailableError extends BerthError {
  constructor(detail: string, options: ErrorOptions = {}) {
    super(
      'keychain-unavailable',
      1,
      `The OS keychain is not reachable: ${detail}`,
      {
        hint:
          'On a machine without a keychain, choose a secret store explicitly: ' +
          'BERTH_SECRET_STORE=file with BERTH_PASSPHRASE set (an encrypted file), ' +
          'or BERTH_SECRET_STORE=env to read secrets from BERTH_SECRET_<NAME>_<FIELD> variables (read-only, for CI).',
        ...options,
      },
    )
  }
}

export class CancelledError extends BerthError {
  constructor(message = 'Cancelled.') {
    super('cancelled', 1, message)
  }
}

export function isBerthError(err: unknown): err is BerthError {
  return err instanceof BerthError
}

/** The message of any thrown value, for wrapping. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
