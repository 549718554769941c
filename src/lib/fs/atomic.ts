import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

/** Whether a process of this host is alive (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Write `text` to `file` so that a reader or a crash sees either the old or the new content. */
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const dir = path.dirname(file)
  await fs.mkdir(dir, {recursive: true, mode: 0o700})
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await fs.open(tmp, 'wx', mode)
  try {
    await handle.writeFile(text)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await fs.rm(tmp, {force: true})
    throw error
  }
  await handle.close()
  try {
    await fs.rename(tmp, file)
  } catch (error) {
    await fs.rm(tmp, {force: true})
    throw error
  }
  await fsyncDir(dir)
}

/** Make a directory's entries (a rename, a removal) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Remove the temp files of `writeFileAtomic` callers that died before their rename (their pid is in the name). */
export async function removeDeadWritersTempFiles(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, {withFileTypes: true, recursive: true})
  for (const entry of entries) {
    const match = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(entry.name)
    if (!entry.isFile() || !match) continue
    if (!processAlive(Number(match[1]))) await fs.rm(path.join(entry.parentPath, entry.name), {force: true})
  }
}
