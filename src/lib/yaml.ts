import {LineCounter, parseAllDocuments, parseDocument, stringify} from 'yaml'

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

// What toYaml writes for a flat mapping of plain strings, one "key: value" per line, and nothing
// YAML could read differently: no quotes, comments, flow or block syntax, and no word that
// YAML 1.2's core schema makes a boolean or null (a leading letter already rules out numbers).
const FLAT_LINE = /^([a-z][a-z0-9-]*): ([A-Za-z][\w./@+-]*)$/
const CORE_SCHEMA_WORDS = /^(?:true|false|null)$/i

/**
 * A flat mapping of strings in the exact simple form toYaml writes (berth's settings file),
 * read without the yaml package, or undefined when the text is anything else: then parseYaml
 * must read it. Where this answers, it answers what parseYaml would (test/lib/yaml.test.ts).
 */
export function parseFlatStringMapping(text: string, maxBytes: number): Record<string, string> | undefined {
  if (text.length === 0 || text.length > maxBytes) return undefined
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
  const values: Record<string, string> = {}
  for (const line of lines) {
    const match = FLAT_LINE.exec(line)
    if (!match) return undefined
    const [, key, value] = match as unknown as [string, string, string]
    if (Object.hasOwn(values, key) || CORE_SCHEMA_WORDS.test(key) || CORE_SCHEMA_WORDS.test(value)) return undefined
    values[key] = value
  }
  return values
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

/** One document of a multi-document YAML stream, with the line it starts on (1-based). */
export interface YamlStreamDocument {
  /** 1-based position among the non-empty documents. */
  index: number
  line: number
  value: unknown
}

/**
 * Parse a multi-document YAML stream (`---` separated) with the same defences as
 * parseYaml: bounded size, alias bombs refused, errors naming the document and line.
 * Empty documents (a stray `---`, comments only) are skipped.
 */
export function parseYamlStream(text: string, options: ParseYamlOptions): YamlStreamDocument[] {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024
  if (Buffer.byteLength(text) > maxBytes) {
    throw new ValidationError(`${options.source} is larger than ${maxBytes} bytes.`)
  }
  const lineCounter = new LineCounter()
  const parsed = parseAllDocuments(text, {prettyErrors: true, uniqueKeys: true, strict: true, lineCounter})
  const docs = Array.isArray(parsed) ? parsed : []
  const out: YamlStreamDocument[] = []
  let index = 0
  for (const doc of docs) {
    const start = doc.contents?.range?.[0] ?? doc.range[0]
    const line = lineCounter.linePos(start).line
    if (doc.contents === null && doc.errors.length === 0) continue
    index++
    const problem = doc.errors[0]
    if (problem) {
      const at = problem.linePos?.[0].line ?? line
      const reason = firstLine(problem.message).replace(/ at line \d+, column \d+:?$/, '')
      throw new ValidationError(`${options.source} is not valid YAML (document ${index}, line ${at}): ${reason}`)
    }
    let value: unknown
    try {
      value = doc.toJS({maxAliasCount: 50})
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      throw new ValidationError(`${options.source} could not be read as YAML (document ${index}, line ${line}): ${firstLine(message)}`, {
        hint: /alias/i.test(message) ? 'YAML aliases (*name) may be used at most 50 times in a document; write the values out.' : undefined,
      })
    }
    if (value === null || value === undefined) {
      index--
      continue
    }
    out.push({index, line, value})
  }
  return out
}
