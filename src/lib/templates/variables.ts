/**
 * Typed variables of templates and services (the source's KeyVal): bool, string,
 * enum (one of `options`) and yaml (a YAML value reached with {{.key.field}}).
 * Values are kept as text; `variableData` turns them into what the renderer sees.
 */
import {UsageError, ValidationError} from '../errors.js'
import {quote} from '../names.js'
import {isPlainObject, parseYaml} from '../yaml.js'

export const VARIABLE_TYPES = ['bool', 'string', 'enum', 'yaml'] as const
export type VariableType = (typeof VARIABLE_TYPES)[number]

export interface Variable {
  key: string
  /** The value as text: "true"/"false" for bool, YAML text for yaml. For a template: the default. */
  value: string
  type: VariableType
  /** enum only: the allowed values. */
  options?: string[]
  desc?: string
}

/** The source's KeyVal as --json prints it: bool as a boolean, yaml as its parsed value. */
export interface KeyVal {
  key: string
  value: unknown
  type: VariableType
  options: string[]
  desc: string
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
// helm --set paths: image.tag, ingress.hosts[0].host
const HELM_KEY = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*$/
const MAX_VALUE_BYTES = 256 * 1024

export function isVariableType(value: string): value is VariableType {
  return (VARIABLE_TYPES as readonly string[]).includes(value)
}

/** Throws unless `key` can be written as {{.key}} in a Go template (helm: a --set path such as image.tag). */
export function assertVariableKey(key: string, helm = false): void {
  if (helm) {
    if (!HELM_KEY.test(key)) throw new ValidationError(`Invalid value path ${quote(key)}: use a helm --set path such as image.tag or hosts[0].name.`)
    return
  }
  if (!KEY.test(key)) {
    throw new ValidationError(`Invalid variable name ${quote(key)}: use letters, digits and "_", not starting with a digit (it is written {{.name}} in the YAML).`)
  }
}

/** `k=v` from --var: the key before the first "=", the rest (possibly empty) is the value. */
export function parseAssignment(text: string, flag = '--var', helm = false): {key: string; value: string} {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new UsageError(`${flag} ${quote(text)} is not of the form KEY=VALUE.`)
  const key = text.slice(0, eq)
  assertVariableKey(key, helm)
  return {key, value: text.slice(eq + 1)}
}

/** Check that a variable's value fits its type; the error names the variable. */
export function checkVariable(v: Variable, owner?: string, helm = false): void {
  assertVariableKey(v.key, helm)
  const of = owner ? ` of ${owner}` : ''
  if (!isVariableType(v.type)) throw new ValidationError(`Variable "${v.key}"${of} has type ${quote(String(v.type))}; the types are: ${VARIABLE_TYPES.join(', ')}.`)
  if (typeof v.value !== 'string') throw new ValidationError(`Variable "${v.key}"${of} has no value.`)
  if (Buffer.byteLength(v.value) > MAX_VALUE_BYTES) throw new ValidationError(`Variable "${v.key}"${of} is larger than ${MAX_VALUE_BYTES} bytes.`)
  if (v.type !== 'enum' && v.options && v.options.length > 0) throw new ValidationError(`Variable "${v.key}"${of} is ${v.type}; only enum variables take options.`)
  switch (v.type) {
    case 'bool':
      if (v.value !== 'true' && v.value !== 'false') throw new ValidationError(`Variable "${v.key}"${of} is bool: its value must be true or false, not ${quote(v.value)}.`)
      break
    case 'enum': {
      const options = v.options ?? []
      if (options.length === 0) throw new ValidationError(`Variable "${v.key}"${of} is enum but has no options; give them with --options a,b,c.`)
      if (!options.includes(v.value)) throw new ValidationError(`Variable "${v.key}"${of} must be one of ${options.join(', ')}; ${quote(v.value)} is not.`)
      break
    }
    case 'yaml':
      try {
        parseYaml(v.value, {source: `Variable "${v.key}"${of}`, maxBytes: MAX_VALUE_BYTES})
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(error.message.replace(/ (is not valid YAML|could not be read as YAML)/, ' is yaml, but its value $1'), {hint: error.hint})
        }
        throw error
      }
      break
    case 'string':
      break
  }
}

/** What the renderer sees for each variable: bool as a boolean, yaml parsed, the rest as text. */
export function variableData(vars: readonly Variable[]): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const v of vars) data[v.key] = typedValue(v)
  return data
}

export function typedValue(v: Variable): unknown {
  if (v.type === 'bool') return v.value === 'true'
  if (v.type === 'yaml') return parseYaml(v.value, {source: `Variable "${v.key}"`, maxBytes: MAX_VALUE_BYTES})
  return v.value
}

export function toKeyVal(v: Variable): KeyVal {
  let value: unknown = v.value
  try {
    value = typedValue(v)
  } catch {
    // a stored yaml value that no longer parses is shown as text
  }
  return {key: v.key, value, type: v.type, options: v.options ?? [], desc: v.desc ?? ''}
}

/** A value from a variables file, where it may be a number, boolean or nested YAML, as text. */
function valueText(value: unknown, type: VariableType | undefined): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  if (type === 'yaml' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  return String(value)
}

/**
 * A variables file: the source's KeyVal list (`- {key, value, type, options, desc}`),
 * or a plain mapping `key: value` (type: bool for booleans, yaml for maps and lists, else string).
 */
export function readVariablesFile(text: string, source: string): Variable[] {
  const parsed = parseYaml(text, {source, maxBytes: 1024 * 1024})
  const vars: Variable[] = []
  if (Array.isArray(parsed)) {
    parsed.forEach((item, i) => {
      if (!isPlainObject(item) || typeof item.key !== 'string') throw new ValidationError(`${source}: entry ${i + 1} is not a {key, value, type} mapping.`)
      const type = item.type === undefined ? inferType(item.value) : String(item.type)
      if (!isVariableType(type)) throw new ValidationError(`${source}: variable "${item.key}" has type ${quote(type)}; the types are: ${VARIABLE_TYPES.join(', ')}.`)
      if (item.options !== undefined && (!Array.isArray(item.options) || item.options.some((o) => typeof o !== 'string' && typeof o !== 'number'))) {
        throw new ValidationError(`${source}: the options of variable "${item.key}" must be a list of strings.`)
      }
      const options = (item.options as unknown[] | undefined)?.map(String)
      vars.push({
        key: item.key,
        value: valueText(item.value, type),
        type,
        ...(options && options.length > 0 ? {options} : {}),
        ...(typeof item.desc === 'string' && item.desc ? {desc: item.desc} : {}),
      })
    })
  } else if (isPlainObject(parsed)) {
    for (const [key, value] of Object.entries(parsed)) vars.push({key, value: valueText(value, inferType(value)), type: inferType(value)})
  } else {
    throw new ValidationError(`${source} must be a list of {key, value, type} entries or a mapping of names to values.`)
  }
  const seen = new Set<string>()
  for (const v of vars) {
    if (seen.has(v.key)) throw new ValidationError(`${source}: variable "${v.key}" is given twice.`)
    seen.add(v.key)
    checkVariable(v)
  }
  return vars
}

function inferType(value: unknown): VariableType {
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'object' && value !== null) return 'yaml'
  return 'string'
}

/**
 * Apply --var assignments to a variable list: the value changes, the type stays.
 * `unknown` decides what an assignment to an undeclared key does.
 */
export function assignVariables(vars: readonly Variable[], assignments: ReadonlyArray<{key: string; value: string}>, unknown: (key: string) => Variable, helm = false): Variable[] {
  const out = vars.map((v) => ({...v}))
  for (const a of assignments) {
    const existing = out.find((v) => v.key === a.key)
    if (existing) existing.value = a.value
    else out.push({...unknown(a.key), value: a.value})
  }
  for (const v of out) checkVariable(v, undefined, helm)
  return out
}
