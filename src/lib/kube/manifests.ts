/**
 * Kubernetes manifests: multi-document YAML read defensively (size cap, alias bombs,
 * line numbers) into objects, `List` kinds flattened, empty documents skipped.
 */
import {parseAllDocuments} from 'yaml'

import {ValidationError} from '../errors.js'
import {KubeObject, assertKubeObject} from './resources.js'

export interface ParseManifestsOptions {
  /** The file, for messages: "manifests/development/app.yaml". */
  source: string
  /** Default 4 MiB. */
  maxBytes?: number
}

/** Every Kubernetes object in a YAML text. Errors name the source, the document and the line. */
export function parseManifests(text: string, options: ParseManifestsOptions): KubeObject[] {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024
  if (Buffer.byteLength(text) > maxBytes) throw new ValidationError(`${options.source} is larger than ${maxBytes} bytes.`)
  const documents = parseAllDocuments(text, {prettyErrors: true, uniqueKeys: true, strict: true})
  const list = Array.isArray(documents) ? documents : [documents]
  const objects: KubeObject[] = []
  for (const [index, doc] of list.entries()) {
    const where = list.length > 1 ? `${options.source} document ${index + 1}` : options.source
    const problem = doc.errors[0]
    if (problem) {
      const line = problem.linePos?.[0].line
      throw new ValidationError(`${options.source} is not valid YAML${line ? ` (line ${line})` : ''}: ${problem.message.split('\n')[0]}`)
    }
    let value: unknown
    try {
      value = doc.toJS({maxAliasCount: 50})
    } catch (error) {
      throw new ValidationError(`${where} could not be read as YAML: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`)
    }
    if (value === null || value === undefined) continue
    const line = doc.contents?.range ? lineOf(text, doc.contents.range[0]) : undefined
    const at = line ? `${where} (line ${line})` : where
    if (typeof value === 'object' && !Array.isArray(value) && (value as {kind?: unknown}).kind === 'List' && Array.isArray((value as {items?: unknown}).items)) {
      for (const [i, item] of ((value as {items: unknown[]}).items).entries()) {
        assertKubeObject(item, `${at} item ${i + 1}`)
        objects.push(item)
      }
      continue
    }
    assertKubeObject(value, at)
    objects.push(value)
  }
  return objects
}

function lineOf(text: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}
