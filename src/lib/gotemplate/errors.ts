import {ValidationError} from '../errors.js'

/** Where in a template a problem is: 1-based line and column (in characters). */
export interface TemplatePosition {
  line: number
  column: number
}

/**
 * A template that does not parse, or fails while rendering (an undefined variable,
 * a wrong type, an unsupported construct, a limit reached). Exit 2 like any bad input.
 */
export class TemplateError extends ValidationError {
  readonly templateName: string
  readonly line: number
  readonly column: number
  /** The problem without the template name and position. */
  readonly detail: string

  constructor(templateName: string, position: TemplatePosition, detail: string) {
    super(`template "${templateName}" line ${position.line}, column ${position.column}: ${detail}`)
    this.templateName = templateName
    this.line = position.line
    this.column = position.column
    this.detail = detail
  }
}

/** Thrown inside the engine; turned into a TemplateError by whoever knows the text. */
export class TemplateFault extends Error {
  readonly pos: number

  constructor(pos: number, message: string) {
    super(message)
    this.pos = pos
  }
}

/** The 1-based line and column of a character offset. */
export function positionOf(text: string, pos: number): TemplatePosition {
  let line = 1
  let lineStart = 0
  const end = Math.min(pos, text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  // Columns count characters (code points), as an editor shows them.
  return {line, column: [...text.slice(lineStart, end)].length + 1}
}
