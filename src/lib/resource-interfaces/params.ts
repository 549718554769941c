import {UsageError} from '../errors.js'
import {quote} from '../names.js'
import {fitsType} from './document.js'
import {InterfaceParam, ResourceInterface} from './types.js'

export type ParamValue = string | string[] | Record<string, string>

/** `--param` values, converted to each param's type; unknown or repeated names are usage errors. */
export function parseParamFlags(ri: ResourceInterface, flags: string[]): Record<string, ParamValue> {
  const declared = new Map((ri.spec.params ?? []).map((p) => [p.name, p]))
  const values: Record<string, ParamValue> = {}
  for (const flag of flags) {
    const eq = flag.indexOf('=')
    if (eq <= 0) throw new UsageError(`--param ${quote(flag)} is not NAME=VALUE.`, {hint: 'For example: --param repository=team/app'})
    const name = flag.slice(0, eq)
    const param = declared.get(name)
    if (!param) {
      throw new UsageError(`ResourceInterface "${ri.metadata.name}" has no param ${quote(name)}.`, {hint: `Its params: ${[...declared.keys()].join(', ') || 'none'}.`})
    }
    if (Object.hasOwn(values, name)) throw new UsageError(`--param ${name} is given more than once.`, {hint: 'Give an array param once, as a,b,c or a JSON array.'})
    values[name] = convertParam(param, flag.slice(eq + 1))
  }
  return values
}

/** A param value from text: strings as they are; arrays as a JSON array or a comma-separated list; objects as JSON. */
export function convertParam(param: InterfaceParam, text: string): ParamValue {
  if (param.type === 'string') return text
  if (param.type === 'array') {
    if (text.trimStart().startsWith('[')) {
      const value = parseJson(text, param.name)
      if (!fitsType(value, 'array')) throw new UsageError(`--param ${param.name}: the JSON must be an array of strings.`)
      return value as string[]
    }
    return text === '' ? [] : text.split(',').map((s) => s.trim())
  }
  const value = parseJson(text, param.name)
  if (!fitsType(value, 'object')) throw new UsageError(`--param ${param.name}: expected a JSON object of strings, such as {"key":"value"}.`)
  return value as Record<string, string>
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new UsageError(`--param ${name}: not valid JSON (${(error as Error).message}).`)
  }
}

/** Given values, then defaults; every param left without a value is named in one error. */
export function withDefaults(ri: ResourceInterface, given: Record<string, ParamValue>): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {}
  const missing: string[] = []
  for (const p of ri.spec.params ?? []) {
    if (Object.hasOwn(given, p.name)) params[p.name] = given[p.name]!
    else if (p.default !== undefined) params[p.name] = p.default
    else missing.push(p.name)
  }
  if (missing.length > 0) {
    throw new UsageError(`Missing ${missing.length === 1 ? 'param' : 'params'} of ResourceInterface "${ri.metadata.name}": ${missing.join(', ')}.`, {
      hint: `Give ${missing.map((m) => `--param ${m}=VALUE`).join(' ')}, or ask for them with --interactive.`,
    })
  }
  return params
}

