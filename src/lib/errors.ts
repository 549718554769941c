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
  | 'filesystem'
  | 'connection'

export interface ErrorOptions {
  hint?: string
  cause?: unknown
}

export class BerthError extends Error {
  readonly exitCode: number
  readonly code: ErrorCode
  readonly hint?: string
  /** The step of a connection that failed (dns, connect, tls, timeout, auth, …), where one did; see net/errors.ts. */
  readonly step?: string

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

/** The user answered "no" where berth asked to go on. Exit 1. */
export class CancelledError extends BerthError {
  constructor(message = 'Cancelled.') {
    super('cancelled', 1, message)
  }
}

/** The user interrupted a prompt (Ctrl-C). Exit 130, as a shell reports SIGINT; not a bug. */
export class InterruptedError extends BerthError {
  constructor(message = 'Cancelled; nothing was saved.', options?: ErrorOptions) {
    super('cancelled', 130, message, options)
  }
}

/** True for what @inquirer/prompts throws when the user presses Ctrl-C (or the prompt is aborted). */
export function isPromptInterrupt(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')
}

/** Operating-system failures that are the machine's state, not berth's bug: the reason as people say it. */
const OS_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it already exists',
  EISDIR: 'it is a directory',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
}

const OS_HINTS: Readonly<Record<string, string>> = {
  EACCES: 'Check the owner and permissions of that path, or set BERTH_HOME to a directory you own.',
  EPERM: 'Check the owner and permissions of that path, or set BERTH_HOME to a directory you own.',
  EROFS: 'That file system is mounted read-only; set BERTH_HOME to a writable directory.',
  ENOSPC: 'Free some space on that file system, then try again.',
  EDQUOT: 'Free some space within your quota, then try again.',
  ENOTDIR: 'A part of that path is a file: BERTH_HOME must name a directory.',
  EEXIST: 'Move it out of the way, then try again.',
  EISDIR: 'A directory is where berth expects a file; move it out of the way.',
}

/** What was being done, from the failed system call. */
const OS_VERBS: Readonly<Record<string, string>> = {
  open: 'open',
  mkdir: 'create',
  mkdtemp: 'create',
  rename: 'write',
  write: 'write',
  writev: 'write',
  fsync: 'write',
  close: 'write',
  copyfile: 'write',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  read: 'read',
  scandir: 'read',
  opendir: 'read',
  stat: 'access',
  lstat: 'access',
  access: 'access',
  chmod: 'change the permissions of',
  symlink: 'link',
  link: 'link',
}

/** The errno code of an operating-system failure berth can name (EACCES, EROFS, ENOSPC, …), if `err` is one. */
export function osErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || isBerthError(err)) return undefined
  const code = (err as NodeJS.ErrnoException).code
  return typeof code === 'string' && Object.hasOwn(OS_REASONS, code) ? code : undefined
}

/** A file-system operation failed for a reason of the machine (permissions, read-only, full, not a directory). Exit 1. */
export class FileSystemError extends BerthError {
  readonly path?: string
  readonly errno: string

  constructor(errno: string, message: string, options: ErrorOptions & {path?: string} = {}) {
    super('filesystem', 1, message, options)
    this.errno = errno
    this.path = options.path
  }

  /**
   * The error for an errno failure (see osErrorCode), naming the path and what was being
   * done: "Cannot write /home/ci/.config/berth/.lock: read-only file system." A write to
   * an open file carries no path; `home` (BERTH_HOME) is named then.
   */
  static from(err: NodeJS.ErrnoException, options: {home?: string} = {}): FileSystemError {
    const errno = err.code ?? 'EIO'
    const reason = OS_REASONS[errno] ?? errno
    const verb = OS_VERBS[err.syscall ?? ''] ?? 'use'
    const file = (err as NodeJS.ErrnoException & {dest?: string}).dest ?? err.path
    const message = file
      ? `Cannot ${verb} ${file}: ${reason}.`
      : `Cannot ${verb}${options.home ? ` berth's files under ${options.home}` : ' a file'}: ${reason}.`
    return new FileSystemError(errno, message, {hint: OS_HINTS[errno], cause: err, ...(file ? {path: file} : {})})
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
