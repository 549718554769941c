// A port of Go's text/template/parse/lex.go (delimiters {{ }}, trim markers, comments).
import {TemplateFault} from './errors.js'

export type ItemType =
  | 'assign'
  | 'block'
  | 'bool'
  | 'break'
  | 'char'
  | 'charConstant'
  | 'complex'
  | 'continue'
  | 'declare'
  | 'define'
  | 'dot'
  | 'else'
  | 'end'
  | 'eof'
  | 'field'
  | 'identifier'
  | 'if'
  | 'leftDelim'
  | 'leftParen'
  | 'nil'
  | 'number'
  | 'pipe'
  | 'range'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'template'
  | 'text'
  | 'variable'
  | 'with'

export interface Item {
  type: ItemType
  /** offset of the item in the template text */
  pos: number
  val: string
}

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['.', 'dot'],
  ['block', 'block'],
  ['break', 'break'],
  ['continue', 'continue'],
  ['define', 'define'],
  ['else', 'else'],
  ['end', 'end'],
  ['if', 'if'],
  ['nil', 'nil'],
  ['range', 'range'],
  ['template', 'template'],
  ['with', 'with'],
])

const LEFT = '{{'
const RIGHT = '}}'
const LEFT_COMMENT = '/*'
const RIGHT_COMMENT = '*/'
const TRIM_MARKER_LEN = 2

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n'
}

const ALNUM = /^[\p{L}\p{Nd}_]$/u

function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && ALNUM.test(c)
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && isSpace(s[at + 1])
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === '-'
}

function leftTrimLength(s: string, at: number): number {
  let n = 0
  while (isSpace(s[at + n])) n++
  return n
}

function rightTrimLength(s: string): number {
  let n = 0
  while (n < s.length && isSpace(s[s.length - 1 - n])) n++
  return n
}

/** Split a template into items, as Go's lexer does; throws TemplateFault on a lexical error. */
export function lex(input: string): Item[] {
  const items: Item[] = []
  let pos = 0
  let start = 0
  let parenDepth = 0

  const emit = (type: ItemType): void => {
    items.push({type, pos: start, val: input.slice(start, pos)})
    start = pos
  }

  const fail = (message: string): never => {
    throw new TemplateFault(start, message)
  }

  const atRightDelim = (): {delim: boolean; trim: boolean} => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + TRIM_MARKER_LEN)) return {delim: true, trim: true}
    if (input.startsWith(RIGHT, pos)) return {delim: true, trim: false}
    return {delim: false, trim: false}
  }

  const atTerminator = (): boolean => {
    const c = input[pos]
    if (c === undefined || isSpace(c)) return true
    if ('.,|:)('.includes(c)) return true
    return input.startsWith(RIGHT, pos)
  }

  const scanNumber = (): boolean => {
    const accept = (valid: string): boolean => {
      if (pos < input.length && valid.includes(input[pos])) {
        pos++
        return true
      }
      return false
    }
    const acceptRun = (valid: string): void => {
      while (pos < input.length && valid.includes(input[pos])) pos++
    }
    accept('+-')
    let digits = '0123456789_'
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_'
      else if (accept('oO')) digits = '01234567_'
      else if (accept('bB')) digits = '01_'
    }
    acceptRun(digits)
    if (accept('.')) acceptRun(digits)
    if (digits.length === 11 && accept('eE')) {
      accept('+-')
      acceptRun('0123456789_')
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-')
      acceptRun('0123456789_')
    }
    accept('i')
    if (isAlphaNumeric(input[pos])) {
      pos++
      return false
    }
    return true
  }

  // Inside an action, until the closing delimiter.
  const lexAction = (): void => {
    for (;;) {
      const {delim, trim} = atRightDelim()
      if (delim) {
        if (parenDepth !== 0) fail('unclosed left paren')
        if (trim) {
          pos += TRIM_MARKER_LEN
          start = pos
        }
        pos += RIGHT.length
        emit('rightDelim')
        if (trim) {
          pos += leftTrimLength(input, pos)
          start = pos
        }
        return
      }
      if (pos >= input.length) fail('unclosed action')
      const c = input[pos]
      if (isSpace(c)) {
        let n = 0
        while (isSpace(input[pos])) {
          pos++
          n++
        }
        // A trim-marked closing delimiter " -}}": the space belongs to it.
        if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos - 1 + TRIM_MARKER_LEN)) {
          pos--
          if (n === 1) continue
        }
        emit('space')
        continue
      }
      pos++
      switch (c) {
        case '=': {
          emit('assign')
          continue
        }
        case ':': {
          if (input[pos] !== '=') fail('expected :=')
          pos++
          emit('declare')
          continue
        }
        case '|': {
          emit('pipe')
          continue
        }
        case '"': {
          for (;;) {
            const d = input[pos++]
            if (d === '\\') {
              const e = input[pos++]
              if (e !== undefined && e !== '\n') continue
              fail('unterminated quoted string')
            }
            if (d === undefined || d === '\n') fail('unterminated quoted string')
            if (d === '"') break
          }
          emit('string')
          continue
        }
        case '`': {
          const end = input.indexOf('`', pos)
          if (end < 0) fail('unterminated raw quoted string')
          pos = end + 1
          emit('rawString')
          continue
        }
        case '$': {
          lexFieldOrVariable('variable')
          continue
        }
        case "'": {
          for (;;) {
            const d = input[pos++]
            if (d === '\\') {
              const e = input[pos++]
              if (e !== undefined && e !== '\n') continue
              fail('unterminated character constant')
            }
            if (d === undefined || d === '\n') fail('unterminated character constant')
            if (d === "'") break
          }
          emit('charConstant')
          continue
        }
        case '(': {
          emit('leftParen')
          parenDepth++
          continue
        }
        case ')': {
          parenDepth--
          if (parenDepth < 0) fail('unexpected right paren')
          emit('rightParen')
          continue
        }
        default:
      }
      if (c === '.' && pos < input.length && !(input[pos] >= '0' && input[pos] <= '9')) {
        lexFieldOrVariable('field')
        continue
      }
      if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos--
        if (!scanNumber()) fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`)
        if (input[pos] === '+' || input[pos] === '-') {
          if (!scanNumber() || input[pos - 1] !== 'i') fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`)
          emit('complex')
        } else {
          emit('number')
        }
        continue
      }
      if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(input[pos])) pos++
        const word = input.slice(start, pos)
        if (!atTerminator()) fail(`bad character ${JSON.stringify(input[pos])}`)
        const keyword = KEYWORDS.get(word)
        if (keyword) emit(keyword)
        else if (word === 'true' || word === 'false') emit('bool')
        else emit('identifier')
        continue
      }
      const code = c.codePointAt(0) ?? 0
      if (code >= 0x20 && code < 0x7f) {
        emit('char')
        continue
      }
      fail(`unrecognized character in action: ${JSON.stringify(c)}`)
    }
  }

  const lexFieldOrVariable = (type: 'field' | 'variable'): void => {
    if (atTerminator()) {
      emit(type === 'variable' ? 'variable' : 'dot')
      return
    }
    while (isAlphaNumeric(input[pos])) pos++
    if (!atTerminator()) fail(`bad character ${JSON.stringify(input[pos])}`)
    emit(type)
  }

  while (pos < input.length) {
    const x = input.indexOf(LEFT, pos)
    if (x < 0) {
      pos = input.length
      emit('text')
      break
    }
    const afterDelim = x + LEFT.length
    const trim = hasLeftTrimMarker(input, afterDelim)
    pos = x
    if (pos > start) {
      const text = input.slice(start, pos)
      const keep = trim ? text.length - rightTrimLength(text) : text.length
      if (keep > 0) items.push({type: 'text', pos: start, val: text.slice(0, keep)})
    }
    start = pos
    pos = afterDelim
    const afterMarker = trim ? TRIM_MARKER_LEN : 0
    if (input.startsWith(LEFT_COMMENT, pos + afterMarker)) {
      pos += afterMarker
      start = pos
      const end = input.indexOf(RIGHT_COMMENT, pos + LEFT_COMMENT.length)
      if (end < 0) fail('unclosed comment')
      pos = end + RIGHT_COMMENT.length
      const {delim, trim: trimAfter} = atRightDelim()
      if (!delim) fail('comment ends before closing delimiter')
      if (trimAfter) pos += TRIM_MARKER_LEN
      pos += RIGHT.length
      if (trimAfter) pos += leftTrimLength(input, pos)
      start = pos
      continue
    }
    emit('leftDelim')
    pos += afterMarker
    start = pos
    parenDepth = 0
    lexAction()
  }
  items.push({type: 'eof', pos: input.length, val: ''})
  return items
}
