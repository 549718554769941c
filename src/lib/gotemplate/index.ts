// TEMPORARY stand-in for branch "render" (replaced by its src/lib/gotemplate/ on merge):
// only {{.key}} and {{.a.b}}; everything else is refused.
import {ValidationError} from '../errors.js'

export class TemplateError extends ValidationError {}

export interface RenderOptions {
  name: string
  maxSteps?: number
  maxOutputBytes?: number
}

const ACTION = /\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}|\{\{[\s\S]*?\}\}/g

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length
}

export function parseTemplate(text: string, options: {name: string}): {variables(): string[]} {
  const vars = new Set<string>()
  for (const m of text.matchAll(ACTION)) {
    if (m[1] === undefined) throw new TemplateError(`template: ${options.name}:${lineOf(text, m.index ?? 0)}: unsupported construct ${m[0]}`)
    vars.add(m[1])
  }
  return {variables: () => [...vars].sort()}
}

export function renderTemplate(text: string, data: Record<string, unknown>, options: RenderOptions): string {
  return text.replace(ACTION, (whole, key: string | undefined, rest: string, offset: number) => {
    if (key === undefined) throw new TemplateError(`template: ${options.name}:${lineOf(text, offset)}: unsupported construct ${whole}`)
    if (!Object.hasOwn(data, key)) throw new TemplateError(`template: ${options.name}:${lineOf(text, offset)}: map has no entry for key "${key}"`)
    let value: unknown = data[key]
    for (const part of rest.split('.').filter(Boolean)) value = (value as Record<string, unknown>)?.[part]
    return typeof value === 'object' ? JSON.stringify(value) : String(value)
  })
}
