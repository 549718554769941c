import {parseDocument} from 'yaml'

import {isPlainObject} from '../yaml.js'
import {parseTemplate} from './templates.js'

/** How a param is asked, read from its `x-descriptors` (Pipeline Dynamic Forms). */
export interface ParamForm {
  /** `params.<name>`. */
  path: string
  label?: string
  description?: string
  /** A select widget (`urn:alm:descriptor:widgets:select` or `com.tectonic.ui:select`). */
  select: boolean
  /** Where a select's options come from. */
  options?:
    | {source: 'openapi'; operationId: string}
    /** A connector API path (`${context.connector.status.api.path}/git/gitrefs?...`), served when the ConnectorClass declares it. */
    | {source: 'api'; path: string; query: Array<{name: string; value: string}>; descriptor: string}
    /** A URL that is not the connector's API; asked as free text. */
    | {source: 'unsupported'; descriptor: string}
  /** props.options descriptors given on the param itself (path, label, value). */
  optionDescriptors: string[]
}

const URN = 'urn:alm:descriptor:'
const OPENAPI_OPTIONS = 'expression:props.options:schema:openapi:context.connectorClass.spec.api.openapi:'

/** Parse the `style.tekton.dev/descriptors` annotation: a YAML list of {path, x-descriptors}. */
export function parseDescriptors(text: string): Map<string, ParamForm> {
  const doc = parseDocument(text, {uniqueKeys: true, strict: true})
  if (doc.errors[0]) throw new Error(`is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`)
  const value = doc.toJS({maxAliasCount: 10}) as unknown
  if (value === null || value === undefined) return new Map()
  if (!Array.isArray(value)) throw new Error('must be a YAML list of {path, x-descriptors}')
  const forms = new Map<string, ParamForm>()
  value.forEach((entry, i) => {
    if (!isPlainObject(entry) || typeof entry.path !== 'string') throw new Error(`entry ${i + 1} has no path`)
    const descriptors = entry['x-descriptors']
    if (!Array.isArray(descriptors) || !descriptors.every((d) => typeof d === 'string')) throw new Error(`entry ${i + 1} (${entry.path}): x-descriptors must be a list of strings`)
    forms.set(entry.path, formOf(entry.path, descriptors as string[]))
  })
  return forms
}

function formOf(path: string, descriptors: string[]): ParamForm {
  const form: ParamForm = {path, select: false, optionDescriptors: []}
  const labels: Record<string, string> = {}
  const descriptions: Record<string, string> = {}
  for (const d of descriptors) {
    if (!d.startsWith(URN)) continue
    const rest = d.slice(URN.length)
    let m: RegExpExecArray | null
    if (rest === 'widgets:select' || rest.startsWith('com.tectonic.ui:select')) form.select = true
    else if ((m = /^label:([a-zA-Z-]+):(.*)$/s.exec(rest))) labels[m[1]!] = m[2]!
    else if ((m = /^description:([a-zA-Z-]+):(.*)$/s.exec(rest))) descriptions[m[1]!] = m[2]!
    else if (rest.startsWith(OPENAPI_OPTIONS)) form.options = {source: 'openapi', operationId: rest.slice(OPENAPI_OPTIONS.length)}
    else if (rest.startsWith('expression:props.options:api:')) form.options ??= connectorApi(rest.slice('expression:props.options:api:'.length), d)
    else if (rest.startsWith('expression:props.options:')) form.optionDescriptors.push(d)
  }
  form.label = pickLanguage(labels)
  form.description = pickLanguage(descriptions)
  return form
}

const CONNECTOR_API = '${context.connector.status.api.path}'

// "/clusters-rewrite/${context.cluster}${context.connector.status.api.path}/git/gitrefs?repositoryUrl=${...}&search=${current.search}":
// the part after the connector's API path is an operation path and query templates.
function connectorApi(url: string, descriptor: string): NonNullable<ParamForm['options']> {
  const at = url.indexOf(CONNECTOR_API)
  if (at < 0) return {source: 'unsupported', descriptor}
  const tail = url.slice(at + CONNECTOR_API.length)
  // Expressions may hold "&", "?" or "=": set them aside while splitting the query.
  const expressions: string[] = []
  let masked: string
  try {
    masked = parseTemplate(tail, '${')
      .map((p) => ('text' in p ? p.text : `\u0000${expressions.push(p.expression) - 1}\u0000`))
      .join('')
  } catch {
    return {source: 'unsupported', descriptor}
  }
  // eslint-disable-next-line no-control-regex -- NUL marks where an expression was set aside
  const restore = (text: string) => text.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => `\${${expressions[Number(i)]}}`)
  const [path = '', query = ''] = masked.split('?', 2)
  if (path.includes('\u0000')) return {source: 'unsupported', descriptor}
  const pairs = query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=')
      return eq < 0 ? {name: restore(pair), value: ''} : {name: restore(pair.slice(0, eq)), value: restore(pair.slice(eq + 1))}
    })
  return {source: 'api', path, query: pairs, descriptor}
}

// English where it is given, then Chinese, then whatever there is.
function pickLanguage(texts: Record<string, string>): string | undefined {
  return texts.en ?? texts.zh ?? Object.values(texts)[0]
}

/** Where options are in a response and which fields are label and value (props.options descriptors). */
export interface OptionMapping {
  itemsPath?: string
  labelPath: string
  valuePath: string
}

export function optionMapping(descriptors: string[]): OptionMapping {
  const mapping: OptionMapping = {labelPath: 'name', valuePath: 'name'}
  for (const d of descriptors) {
    const rest = d.startsWith(URN) ? d.slice(URN.length) : d
    let m: RegExpExecArray | null
    if ((m = /^expression:props\.options:path:(.+)$/.exec(rest))) mapping.itemsPath = m[1]
    else if ((m = /^expression:props\.options:label:path:(.+)$/.exec(rest))) mapping.labelPath = m[1]!
    else if ((m = /^expression:props\.options:value:path:(.+)$/.exec(rest))) mapping.valuePath = m[1]!
  }
  return mapping
}

/** A dotted path into a JSON value ("items", "metadata.name"). */
export function atPath(value: unknown, path: string | undefined): unknown {
  if (!path) return value
  let current = value
  for (const key of path.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, key)) return undefined
    current = current[key]
  }
  return current
}
