import {BerthError} from '../../src/lib/errors.js'
import {promises as fs, readdirSync} from 'node:fs'
import path from 'node:path'

/** Derived files that reads may (re)write; they are not state. */
const NOT_STATE = new Set(['.list-cache.json', '.lock'])

/** Every regular file under `dir`, recursively, sorted; none when `dir` does not exist. The one directory walk of the tests. */
export function filesUnder(dir: string): string[] {
  let entries
  try {
    entries = readdirSync(dir, {withFileTypes: true, recursive: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort()
}

/**
 * Every file under `dir` with its content, keyed by path. `latin1` keeps any bytes
 * comparable (a secret is found in binary files too); `skip` leaves files out by name.
 */
export async function fileContents(dir: string, options: {encoding?: BufferEncoding; skip?: (name: string) => boolean} = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const file of filesUnder(dir)) {
    if (options.skip?.(path.basename(file))) continue
    out[file] = await fs.readFile(file, options.encoding ?? 'utf8')
  }
  return out
}

/**
 * Every file under `dir` with its content, keyed by path: what "state unchanged" compares.
 * The state store's parse caches and its lock file are left out.
 */
export function stateFiles(dir: string): Promise<Record<string, string>> {
  return fileContents(dir, {skip: (name) => NOT_STATE.has(name)})
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the promise to reject, but it resolved')
}

/** The berth error (BerthError) a promise rejects with; fails the test otherwise. */
export async function berthRejection(promise: Promise<unknown>): Promise<BerthError> {
  const error = await rejection(promise)
  if (!(error instanceof BerthError)) throw new Error(`expected a berth error, got: ${error?.stack ?? String(error)}`)
  return error
}
