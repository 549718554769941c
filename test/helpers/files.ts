import {BerthError} from '../../src/lib/errors.js'
import {promises as fs} from 'node:fs'
import path from 'node:path'

/** Derived files that reads may (re)write; they are not state. */
const NOT_STATE = new Set(['.list-cache.json', '.lock'])

/**
 * Every file under `dir` with its content, keyed by path: what "state unchanged" compares.
 * The state store's parse caches and its lock file are left out.
 */
export async function stateFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  let entries
  try {
    entries = await fs.readdir(dir, {withFileTypes: true, recursive: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out
    throw error
  }
  for (const entry of entries) {
    if (!entry.isFile() || NOT_STATE.has(entry.name)) continue
    const file = path.join(entry.parentPath, entry.name)
    out[file] = await fs.readFile(file, 'utf8')
  }
  return out
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
