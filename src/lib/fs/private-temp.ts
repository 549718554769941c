/**
 * Private temporary directories for credentials handed to child processes (endpoint exec,
 * git runs), made so that a berth killed with SIGKILL leaves nothing readable for long:
 * under $XDG_RUNTIME_DIR where there is one (a per-user tmpfs, emptied at logout), named
 * after the owning process, and swept by the next berth once that process is gone.
 */
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Where private temporary directories go: $XDG_RUNTIME_DIR when it is an absolute path to
 * a directory of this user's that nobody else may enter (as the XDG spec requires), else
 * the OS temporary directory.
 */
export async function privateTempRoot(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const runtime = env.XDG_RUNTIME_DIR
  if (runtime && path.isAbsolute(runtime)) {
    try {
      const stat = await fs.stat(runtime)
      const mine = process.getuid === undefined || stat.uid === process.getuid()
      if (stat.isDirectory() && mine && (stat.mode & 0o077) === 0) return runtime
    } catch {
      // not there: fall back
    }
  }
  return os.tmpdir()
}

/**
 * A new directory `<root>/<prefix><pid>-XXXXXX`, mode 0700. Directories of the same
 * prefix whose process is no longer alive (a berth killed before it could clean up) are
 * removed first.
 */
export async function makePrivateTempDir(prefix: string, root: string): Promise<string> {
  await sweepDeadOwners(root, prefix)
  const dir = await fs.mkdtemp(path.join(root, `${prefix}${process.pid}-`))
  await fs.chmod(dir, 0o700)
  return dir
}

/** Remove `<root>/<prefix><pid>-*` directories of this user whose process is gone; returns what was removed. */
export async function sweepDeadOwners(root: string, prefix: string): Promise<string[]> {
  let entries: string[]
  try {
    entries = await fs.readdir(root)
  } catch {
    return []
  }
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-[^/]+$`)
  const removed: string[] = []
  for (const entry of entries) {
    const pid = Number(pattern.exec(entry)?.[1])
    if (!pid || pid === process.pid || processAlive(pid)) continue
    const dir = path.join(root, entry)
    try {
      const stat = await fs.lstat(dir)
      if (!stat.isDirectory() || (process.getuid !== undefined && stat.uid !== process.getuid())) continue
      await fs.rm(dir, {recursive: true, force: true})
      removed.push(dir)
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
