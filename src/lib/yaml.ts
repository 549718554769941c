import {parseDocument, stringify} from 'yaml'

import {ValidationError} from './errors.js'

export interface ParseYamlOptions {
  /** What the text is, for the error message: a file path or "--kubeconfig". */
  source: string
  /** Refuse texts larger than this (bytes). */
  maxBytes?: number
}

/**
 * Parse one YAML document defensively: bounded size, no alias expansion beyond
 * a small count (alias bombs), errors naming the source and line.
 */
export function parseYaml(text: string, options: ParseYamlOptions): unknown {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024
  if (Buffer.byteLength(text) > maxBytes) {
    throw new ValidationError(`${options.source} is larger than ${maxBytes} bytes.`)
  }
  const doc = parseDocument(text, {prettyErrors: true, uniqueKeys: true, strict: true})
  const problem = doc.errors[0]
  if (problem) {
    const line = problem.linePos?.[0].line
    const where = line ? ` (line ${line})` : ''
    throw new ValidationError(`${options.source} is not valid YAML${where}: ${firstLine(problem.message)}`)
  }
  try {
    return doc.toJS({maxAliasCount: 50})
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new ValidationError(`${options.source} could not be read as YAML: ${firstLine(message)}`)
  }
}

export function toYaml(value: unknown): string {
  return stringify(value, {lineWidth: 0, aliasDuplicateObjects: false})
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
