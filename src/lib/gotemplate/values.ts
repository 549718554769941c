/**
 * The Go values a template sees, and how plain data becomes them.
 *
 * Data convention (what Go gets from decoding YAML or JSON into interface{} with
 * integers kept as int, as test/gotemplate does):
 *   null → nil interface          boolean → bool        string → string
 *   number that is a safe integer (|n| ≤ 2^53-1) → int (a bigint here)
 *   any other number → float64    bigint within int64 → int
 *   array → []interface{}         object or Map with string keys → map[string]interface{}
 * Inside the engine, `undefined` is Go's invalid reflect.Value ("no value").
 */

/** A byte, from indexing a string (Go's uint8). */
export class GoUint8 {
  constructor(readonly value: number) {}
}

export type GoMap = Map<string, GoValue>
export type GoValue = bigint | boolean | GoMap | GoUint8 | GoValue[] | null | number | string | undefined

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const MAX_DEPTH = 200

/** Thrown by toGoValue for data a template cannot see. */
export class DataError extends Error {}

/** Convert plain data (parsed YAML or JSON) to template values. */
export function toGoValue(data: unknown, path = '', depth = 0, seen: Set<object> = new Set()): GoValue {
  if (depth > MAX_DEPTH) throw new DataError(`data nests deeper than ${MAX_DEPTH} levels at ${path || 'the top'}`)
  switch (typeof data) {
    case 'undefined':
      return null
    case 'boolean':
    case 'string':
      return data
    case 'number':
      return Number.isSafeInteger(data) ? BigInt(data) : data
    case 'bigint': {
      if (data < INT64_MIN || data > INT64_MAX) throw new DataError(`the integer at ${path || 'the top'} does not fit in 64 bits`)
      return data
    }
    case 'object': {
      if (data === null) return null
      if (seen.has(data)) throw new DataError(`data refers to itself at ${path || 'the top'}`)
      seen.add(data)
      try {
        if (Array.isArray(data)) return data.map((e, i) => toGoValue(e, `${path}[${i}]`, depth + 1, seen))
        const entries: Array<[unknown, unknown]> = data instanceof Map ? [...data.entries()] : Object.entries(data)
        if (!(data instanceof Map) && Object.getPrototypeOf(data) !== Object.prototype && Object.getPrototypeOf(data) !== null) {
          throw new DataError(`the value at ${path || 'the top'} is a ${data.constructor?.name ?? 'object'}, not plain data`)
        }
        const map: GoMap = new Map()
        for (const [k, v] of entries) {
          if (typeof k !== 'string') throw new DataError(`a key at ${path || 'the top'} is not a string`)
          map.set(k, toGoValue(v, `${path}.${k}`, depth + 1, seen))
        }
        return map
      } finally {
        seen.delete(data)
      }
    }
    default:
      throw new DataError(`the value at ${path || 'the top'} is a ${typeof data}, not plain data`)
  }
}

export type GoKind = 'bool' | 'float' | 'int' | 'invalid' | 'map' | 'nil' | 'slice' | 'string' | 'uint'

export function kindOf(v: GoValue): GoKind {
  if (v === undefined) return 'invalid'
  if (v === null) return 'nil'
  switch (typeof v) {
    case 'boolean':
      return 'bool'
    case 'bigint':
      return 'int'
    case 'number':
      return 'float'
    case 'string':
      return 'string'
    default:
  }
  if (Array.isArray(v)) return 'slice'
  if (v instanceof GoUint8) return 'uint'
  return 'map'
}

/** Go's reflect type name of a value, as %T and error messages print it. */
export function typeName(v: GoValue): string {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool'
    case 'float':
      return 'float64'
    case 'int':
      return 'int'
    case 'invalid':
    case 'nil':
      return '<nil>'
    case 'map':
      return 'map[string]interface {}'
    case 'slice':
      return '[]interface {}'
    case 'string':
      return 'string'
    case 'uint':
      return 'uint8'
  }
}

/** Go's text/template isTrue: the truth of a value in if, with, and, or, not. */
export function isTrue(v: GoValue): boolean {
  switch (kindOf(v)) {
    case 'bool':
      return v as boolean
    case 'float':
      return (v as number) !== 0
    case 'int':
      return (v as bigint) !== 0n
    case 'invalid':
    case 'nil':
      return false
    case 'map':
      return (v as GoMap).size > 0
    case 'slice':
      return (v as GoValue[]).length > 0
    case 'string':
      return (v as string).length > 0
    case 'uint':
      return (v as GoUint8).value !== 0
  }
}

/** Go's len for strings counts bytes. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** Compare strings as Go does (bytewise UTF-8). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** Map keys in Go's fmtsort order (strings by bytes). */
export function sortedKeys(m: GoMap): string[] {
  return [...m.keys()].sort(compareStrings)
}
