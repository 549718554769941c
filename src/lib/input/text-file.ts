import {promises as fs} from 'node:fs'
import type {Readable} from 'node:stream'

import {UsageError, ValidationError} from '../errors.js'
import {quote} from '../names.js'

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024

/**
 * The text of a file named by a flag, or of stdin for "-": bounded in size (read stops
 * at the bound, so a huge or endless input is refused without being held), UTF-8 only.
 */
export async function readTextInput(file: string, options: {flag: string; stdin: Readable & {isTTY?: boolean}; maxBytes?: number}): Promise<string> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const tooLarge = () => new ValidationError(`${options.flag} ${file === '-' ? '(stdin)' : quote(file, 200)} is larger than ${maxBytes} bytes.`)
  let buffer: Buffer
  if (file === '-') {
    if (options.stdin.isTTY) throw new UsageError(`${options.flag} - reads stdin, but stdin is a terminal; pipe the file in, e.g. cat app.yaml | berth … ${options.flag} -`)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of options.stdin) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      size += b.length
      if (size > maxBytes) throw tooLarge()
      chunks.push(b)
    }
    buffer = Buffer.concat(chunks)
  } else {
    let handle
    try {
      handle = await fs.open(file, 'r')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new UsageError(`${options.flag} ${quote(file, 200)}: no such file.`)
      if (code === 'EISDIR') throw new UsageError(`${options.flag} ${quote(file, 200)} is a directory.`)
      if (code === 'EACCES') throw new UsageError(`${options.flag} ${quote(file, 200)}: permission denied.`)
      throw error
    }
    try {
      const stat = await handle.stat()
      if (stat.isDirectory()) throw new UsageError(`${options.flag} ${quote(file, 200)} is a directory.`)
      buffer = Buffer.alloc(Math.min(maxBytes + 1, stat.isFile() ? stat.size + 1 : maxBytes + 1))
      let size = 0
      for (;;) {
        if (size === buffer.length) {
          if (size > maxBytes) throw tooLarge()
          const bigger = Buffer.alloc(Math.min(maxBytes + 1, buffer.length * 2))
          buffer.copy(bigger)
          buffer = bigger
        }
        const {bytesRead} = await handle.read(buffer, size, buffer.length - size, null)
        if (bytesRead === 0) break
        size += bytesRead
      }
      if (size > maxBytes) throw tooLarge()
      buffer = buffer.subarray(0, size)
    } finally {
      await handle.close()
    }
  }
  const text = buffer.toString('utf8')
  if (buffer.includes(0) || Buffer.byteLength(text) !== buffer.length) throw new ValidationError(`${options.flag} ${file === '-' ? '(stdin)' : quote(file, 200)} is not UTF-8 text.`)
  return text
}
