import {promises as fs} from 'node:fs'
import type {Readable} from 'node:stream'

import {UsageError} from '../errors.js'
import {quote} from '../names.js'

const DEFAULT_MAX_BYTES = 1024 * 1024

/**
 * The text of a file named on the command line ("-": standard input), bounded in size.
 * `source` names it in later errors ("ri.yaml", "standard input").
 */
export async function readInputFile(file: string, stdin: Readable, options: {maxBytes?: number} = {}): Promise<{text: string; source: string}> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const tooLarge = (what: string) => new UsageError(`${what} is larger than ${maxBytes} bytes.`)
  if (file === '-') {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of stdin) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      size += buffer.length
      if (size > maxBytes) throw tooLarge('Standard input')
      chunks.push(buffer)
    }
    return {text: Buffer.concat(chunks).toString('utf8'), source: 'standard input'}
  }
  let stat
  try {
    stat = await fs.stat(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`Cannot read ${quote(file)}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code)}.`)
  }
  if (!stat.isFile()) throw new UsageError(`Cannot read ${quote(file)}: it is not a regular file.`)
  if (stat.size > maxBytes) throw tooLarge(quote(file))
  return {text: await fs.readFile(file, 'utf8'), source: file}
}
