/**
 * Expression templates: strings with embedded JavaScript. ResourceInterfaces use
 * `{expr}` ("{connector.spec.address + '/' + params.repository}"); dynamic-form
 * descriptors and ConnectorClass display schemas use `${expr}`. A string that is
 * exactly one expression yields the expression's value with its type; expressions
 * inside a longer string are replaced by their text.
 */
export type TemplatePart = {text: string} | {expression: string}

export type TemplateOpener = '{' | '${'

/** A template that cannot be split into text and expressions (an unclosed brace or quote). */
export class TemplateSyntaxError extends Error {}

/**
 * Split `text` into literal text and expressions. Braces, quotes and template
 * literals inside an expression are followed, so `{[1].map(x => ({a: x}))}` and
 * `{'}' + params.a}` are one expression each.
 */
export function parseTemplate(text: string, opener: TemplateOpener): TemplatePart[] {
  const parts: TemplatePart[] = []
  let literal = ''
  let i = 0
  while (i < text.length) {
    if (text.startsWith(opener, i)) {
      const start = i + opener.length
      const end = expressionEnd(text, start)
      if (literal) parts.push({text: literal})
      literal = ''
      parts.push({expression: text.slice(start, end)})
      i = end + 1
    } else {
      literal += text[i]
      i++
    }
  }
  if (literal) parts.push({text: literal})
  return parts
}

/** The expressions of a template, for checking them without running them. */
export function templateExpressions(text: string, opener: TemplateOpener): string[] {
  return parseTemplate(text, opener).flatMap((p) => ('expression' in p ? [p.expression] : []))
}

/**
 * Fill a template: one whole-string expression keeps its value's type, otherwise each
 * expression's value is turned into text (strings as they are, null as "", other
 * values as JSON) and joined with the literal parts.
 */
export function renderTemplate(parts: TemplatePart[], evaluate: (expression: string) => unknown): unknown {
  const [only] = parts
  if (parts.length === 1 && only && 'expression' in only) return evaluate(only.expression)
  return parts.map((p) => ('text' in p ? p.text : textOf(evaluate(p.expression)))).join('')
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** Index of the `}` closing the expression that starts at `start`. */
function expressionEnd(text: string, start: number): number {
  // A stack of open contexts: '{' (code braces), '`' (inside a template literal), '${' (code inside one).
  const stack: string[] = ['{']
  let i = start
  while (i < text.length) {
    const c = text[i]
    const top = stack[stack.length - 1]
    if (top === '`') {
      if (c === '\\') i += 2
      else if (c === '`') {
        stack.pop()
        i++
      } else if (c === '$' && text[i + 1] === '{') {
        stack.push('${')
        i += 2
      } else i++
      continue
    }
    if (c === "'" || c === '"') {
      i = stringEnd(text, i, c) + 1
      continue
    }
    if (c === '`') stack.push('`')
    else if (c === '{') stack.push('{')
    else if (c === '}') {
      stack.pop()
      if (stack.length === 0) return i
    }
    i++
  }
  throw new TemplateSyntaxError(`the expression starting at character ${start} has no closing "}"`)
}

function stringEnd(text: string, start: number, quote: string): number {
  let i = start + 1
  while (i < text.length) {
    if (text[i] === '\\') i += 2
    else if (text[i] === quote) return i
    else if (text[i] === '\n') break
    else i++
  }
  throw new TemplateSyntaxError(`the string starting at character ${start} is not closed`)
}
