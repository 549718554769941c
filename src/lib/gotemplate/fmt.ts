// Go's fmt (Sprint, Sprintln, Sprintf) and strconv.Quote for the values templates see.
import {type GoMap, GoUint8, type GoValue, kindOf, sortedKeys, typeName} from './values.js'

/** A printf feature this engine does not implement (Go would accept it). */
export class FormatUnsupported extends Error {}

interface Flags {
  minus: boolean
  plus: boolean
  plusV: boolean
  sharp: boolean
  sharpV: boolean
  space: boolean
  zero: boolean
  wid: number
  widPresent: boolean
  prec: number
  precPresent: boolean
}

function clearFlags(): Flags {
  return {minus: false, plus: false, plusV: false, sharp: false, sharpV: false, space: false, zero: false, wid: 0, widPresent: false, prec: 0, precPresent: false}
}

function runeCount(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

class Printer {
  buf = ''
  f: Flags = clearFlags()

  private writePadding(n: number): void {
    if (n <= 0) return
    this.buf += (this.f.zero && !this.f.minus ? '0' : ' ').repeat(n)
  }

  pad(s: string): void {
    if (!this.f.widPresent || this.f.wid === 0) {
      this.buf += s
      return
    }
    const width = this.f.wid - runeCount(s)
    if (this.f.minus) {
      this.buf += s
      this.writePadding(width)
    } else {
      this.writePadding(width)
      this.buf += s
    }
  }

  private truncate(s: string): string {
    if (!this.f.precPresent) return s
    let n = this.f.prec
    let i = 0
    for (const c of s) {
      n--
      if (n < 0) return s.slice(0, i)
      i += c.length
    }
    return s
  }

  private fmtS(s: string): void {
    this.pad(this.truncate(s))
  }

  private fmtQ(s: string): void {
    s = this.truncate(s)
    if (this.f.sharp && canBackquote(s)) {
      this.pad('`' + s + '`')
      return
    }
    this.pad(quote(s, this.f.plus))
  }

  private fmtSx(s: string, upper: boolean): void {
    const bytes = Buffer.from(s, 'utf8')
    let length = bytes.length
    if (this.f.precPresent && this.f.prec < length) length = this.f.prec
    let width = 2 * length
    if (width > 0) {
      if (this.f.space) {
        if (this.f.sharp) width *= 2
        width += length - 1
      } else if (this.f.sharp) {
        width += 2
      }
    } else {
      if (this.f.widPresent) this.writePadding(this.f.wid)
      return
    }
    if (this.f.widPresent && this.f.wid > width && !this.f.minus) this.writePadding(this.f.wid - width)
    const prefix = upper ? '0X' : '0x'
    let out = this.f.sharp ? prefix : ''
    for (let i = 0; i < length; i++) {
      if (this.f.space && i > 0) {
        out += ' '
        if (this.f.sharp) out += prefix
      }
      const hex = bytes[i].toString(16).padStart(2, '0')
      out += upper ? hex.toUpperCase() : hex
    }
    this.buf += out
    if (this.f.widPresent && this.f.wid > width && this.f.minus) this.writePadding(this.f.wid - width)
  }

  private fmtInteger(value: bigint, signed: boolean, base: number, verb: string): void {
    const negative = signed && value < 0n
    let u = negative ? -value : value
    let prec = 0
    if (this.f.precPresent) {
      prec = this.f.prec
      if (prec === 0 && u === 0n) {
        const oldZero = this.f.zero
        this.f.zero = false
        this.writePadding(this.f.wid)
        this.f.zero = oldZero
        return
      }
    } else if (this.f.zero && !this.f.minus && this.f.widPresent) {
      prec = this.f.wid
      if (negative || this.f.plus || this.f.space) prec--
    }
    let digits = u.toString(base)
    if (verb === 'X') digits = digits.toUpperCase()
    u = 0n
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits
    if (this.f.sharp) {
      if (base === 2) digits = '0b' + digits
      else if (base === 8 && !digits.startsWith('0')) digits = '0' + digits
      else if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits
    }
    if (verb === 'O') digits = '0o' + digits
    if (negative) digits = '-' + digits
    else if (this.f.plus) digits = '+' + digits
    else if (this.f.space) digits = ' ' + digits
    const oldZero = this.f.zero
    this.f.zero = false
    this.pad(digits)
    this.f.zero = oldZero
  }

  private fmtIntegerVerb(value: bigint, signed: boolean, verb: string, arg: GoValue): void {
    switch (verb) {
      case 'b':
        return this.fmtInteger(value, signed, 2, verb)
      case 'c':
        return this.pad(runeString(value))
      case 'd':
      case 'v':
        return this.fmtInteger(value, signed, 10, verb)
      case 'o':
      case 'O':
        return this.fmtInteger(value, signed, 8, verb)
      case 'q':
        return this.pad(quoteRune(value, this.f.plus))
      case 'U': {
        // Go formats the value as a uint64 here.
        const u = value < 0n ? value + 2n ** 64n : value
        const prec = this.f.precPresent && this.f.prec > 4 ? this.f.prec : 4
        let out = 'U+' + u.toString(16).toUpperCase().padStart(prec, '0')
        if (this.f.sharp && u <= 0x10_ffffn && !(u >= 0xd8_00n && u < 0xe0_00n) && isPrint(String.fromCodePoint(Number(u)))) {
          out += ` '${String.fromCodePoint(Number(u))}'`
        }
        const oldZero = this.f.zero
        this.f.zero = false
        this.pad(out)
        this.f.zero = oldZero
        return
      }
      case 'x':
      case 'X':
        return this.fmtInteger(value, signed, 16, verb)
      default:
        return this.badVerb(verb, arg)
    }
  }

  private fmtFloat(v: number, verb: string, arg: GoValue): void {
    let format: string
    let prec: number
    switch (verb) {
      case 'v':
        format = 'g'
        prec = -1
        break
      case 'g':
      case 'G':
        format = verb
        prec = -1
        break
      case 'e':
      case 'E':
      case 'f':
        format = verb
        prec = 6
        break
      case 'F':
        format = 'f'
        prec = 6
        break
      case 'b':
      case 'x':
      case 'X':
        format = verb
        prec = -1
        break
      default:
        return this.badVerb(verb, arg)
    }
    if (this.f.precPresent) prec = this.f.prec
    let num = formatFloat(v, format, prec)
    if (this.f.sharp && format !== 'b') num = sharpFloat(num, format, prec)
    if (num.startsWith('-') || num.startsWith('+')) {
      // signed already
    } else {
      num = '+' + num
    }
    if (this.f.space && num[0] === '+' && !this.f.plus) num = ' ' + num.slice(1)
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.f.zero
      this.f.zero = false
      if (num[1] === 'N' && !this.f.space && !this.f.plus) num = num.slice(1)
      this.pad(num)
      this.f.zero = oldZero
      return
    }
    if (this.f.plus || num[0] !== '+') {
      if (this.f.zero && !this.f.minus && this.f.widPresent && this.f.wid > num.length) {
        this.buf += num[0]
        this.writePadding(this.f.wid - num.length)
        this.buf += num.slice(1)
        return
      }
      this.pad(num)
      return
    }
    this.pad(num.slice(1))
  }

  badVerb(verb: string, arg: GoValue): void {
    this.buf += '%!' + verb + '('
    if (arg === undefined || arg === null) {
      this.buf += '<nil>'
    } else {
      this.buf += typeName(arg) + '='
      this.printArg(arg, 'v')
    }
    this.buf += ')'
  }

  /** fmt's printArg: one top-level operand. */
  printArg(arg: GoValue, verb: string): void {
    if (arg === undefined || arg === null) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>')
      else this.badVerb(verb, arg)
      return
    }
    if (verb === 'T') {
      this.fmtS(typeName(arg))
      return
    }
    if (verb === 'p' && (kindOf(arg) === 'map' || kindOf(arg) === 'slice')) throw new FormatUnsupported('%p of a list or map is not supported')
    // %w only wraps errors (and only in fmt.Errorf); %p only formats pointers.
    if (verb === 'w' || verb === 'p') {
      this.badVerb(verb, arg)
      return
    }
    this.printValue(arg, verb, 0)
  }

  printValue(v: GoValue, verb: string, depth: number): void {
    switch (kindOf(v)) {
      case 'invalid':
      case 'nil': {
        // A nil element of a list or map: written as is, without padding.
        if (depth === 0) this.buf += '<invalid reflect.Value>'
        else this.buf += this.f.sharpV ? 'interface {}(nil)' : '<nil>'
        return
      }
      case 'bool': {
        if (verb === 't' || verb === 'v') this.pad(String(v))
        else this.badVerb(verb, v)
        return
      }
      case 'int':
        return this.fmtIntegerVerb(v as bigint, true, verb, v)
      case 'uint': {
        if (verb === 'v' && this.f.sharpV) {
          const sharp = this.f.sharp
          this.f.sharp = true
          this.fmtInteger(BigInt((v as GoUint8).value), false, 16, 'v')
          this.f.sharp = sharp
          return
        }
        return this.fmtIntegerVerb(BigInt((v as GoUint8).value), false, verb, v)
      }
      case 'float':
        return this.fmtFloat(v as number, verb, v)
      case 'string': {
        const s = v as string
        switch (verb) {
          case 'v':
            if (this.f.sharpV) this.fmtQ(s)
            else this.fmtS(s)
            return
          case 's':
            return this.fmtS(s)
          case 'q':
            return this.fmtQ(s)
          case 'x':
          case 'X':
            return this.fmtSx(s, verb === 'X')
          default:
            return this.badVerb(verb, v)
        }
      }
      case 'slice': {
        const list = v as GoValue[]
        this.buf += this.f.sharpV ? '[]interface {}{' : '['
        for (let i = 0; i < list.length; i++) {
          if (i > 0) this.buf += this.f.sharpV ? ', ' : ' '
          this.printValue(list[i], verb, depth + 1)
        }
        this.buf += this.f.sharpV ? '}' : ']'
        return
      }
      case 'map': {
        this.buf += this.f.sharpV ? 'map[string]interface {}{' : 'map['
        const map = v as GoMap
        let first = true
        for (const key of sortedKeys(map)) {
          if (!first) this.buf += this.f.sharpV ? ', ' : ' '
          first = false
          this.printValue(key, verb, depth + 1)
          this.buf += ':'
          this.printValue(map.get(key), verb, depth + 1)
        }
        this.buf += this.f.sharpV ? '}' : ']'
      }
    }
  }
}

const MAX_NUM = 1e6

function tooLarge(x: number): boolean {
  return x > MAX_NUM || x < -MAX_NUM
}

/** parsenum: a decimal number at s[start:end], as fmt reads widths and precisions. */
function parseNum(s: string, start: number, end: number): {num: number; isNum: boolean; next: number} {
  if (start >= end) return {num: 0, isNum: false, next: end}
  let num = 0
  let isNum = false
  let i = start
  for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
    if (tooLarge(num)) return {num: 0, isNum: false, next: end}
    num = num * 10 + (s.charCodeAt(i) - 48)
    isNum = true
  }
  return {num, isNum, next: i}
}

function intFromArg(args: GoValue[], argNum: number): {num: number; isInt: boolean; argNum: number} {
  if (argNum >= args.length) return {num: 0, isInt: false, argNum}
  const a = args[argNum]
  let num = 0
  let isInt = false
  if (typeof a === 'bigint') {
    isInt = true
    num = Number(a)
  } else if (a instanceof GoUint8) {
    isInt = true
    num = a.value
  }
  if (tooLarge(num)) {
    num = 0
    isInt = false
  }
  return {num, isInt, argNum: argNum + 1}
}

/** Go's fmt.Sprintf. */
export function sprintf(format: string, args: GoValue[]): string {
  const p = new Printer()
  const end = format.length
  let argNum = 0
  let afterIndex = false
  let reordered = false
  let goodArgNum = true

  const argNumber = (i: number): {argNum: number; i: number; found: boolean} => {
    if (i >= end || format[i] !== '[') return {argNum, i, found: false}
    reordered = true
    // parseArgNumber
    let index = 0
    let wid = 1
    let ok = false
    if (end - i >= 3) {
      for (let j = i + 1; j < end; j++) {
        if (format[j] === ']') {
          const n = parseNum(format, i + 1, j)
          if (!n.isNum || n.next !== j) {
            wid = j - i + 1
            ok = false
          } else {
            index = n.num - 1
            wid = j - i + 1
            ok = true
          }
          break
        }
      }
    }
    if (ok && index >= 0 && index < args.length) return {argNum: index, i: i + wid, found: true}
    goodArgNum = false
    return {argNum, i: i + wid, found: ok}
  }

  let i = 0
  formatLoop: while (i < end) {
    goodArgNum = true
    const last = i
    while (i < end && format[i] !== '%') i++
    if (i > last) p.buf += format.slice(last, i)
    if (i >= end) break
    i++
    p.f = clearFlags()
    simple: for (; i < end; i++) {
      const c = format[i]
      switch (c) {
        case '#':
          p.f.sharp = true
          break
        case '0':
          p.f.zero = true
          break
        case '+':
          p.f.plus = true
          break
        case '-':
          p.f.minus = true
          break
        case ' ':
          p.f.space = true
          break
        default: {
          if (c >= 'a' && c <= 'z' && argNum < args.length) {
            if (c === 'v' || c === 'w') {
              p.f.sharpV = p.f.sharp
              p.f.sharp = false
              p.f.plusV = p.f.plus
              p.f.plus = false
            }
            p.printArg(args[argNum], c)
            argNum++
            i++
            continue formatLoop
          }
          break simple
        }
      }
    }

    let r = argNumber(i)
    argNum = r.argNum
    i = r.i
    afterIndex = r.found

    if (i < end && format[i] === '*') {
      i++
      const w = intFromArg(args, argNum)
      p.f.wid = w.num
      p.f.widPresent = w.isInt
      argNum = w.argNum
      if (!p.f.widPresent) p.buf += '%!(BADWIDTH)'
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid
        p.f.minus = true
        p.f.zero = false
      }
      afterIndex = false
    } else {
      const n = parseNum(format, i, end)
      p.f.wid = n.num
      p.f.widPresent = n.isNum
      i = n.next
      if (afterIndex && p.f.widPresent) goodArgNum = false
    }

    if (i + 1 < end && format[i] === '.') {
      i++
      if (afterIndex) goodArgNum = false
      r = argNumber(i)
      argNum = r.argNum
      i = r.i
      afterIndex = r.found
      if (i < end && format[i] === '*') {
        i++
        const w = intFromArg(args, argNum)
        p.f.prec = w.num
        p.f.precPresent = w.isInt
        argNum = w.argNum
        if (p.f.prec < 0) {
          p.f.prec = 0
          p.f.precPresent = false
        }
        if (!p.f.precPresent) p.buf += '%!(BADPREC)'
        afterIndex = false
      } else {
        const n = parseNum(format, i, end)
        p.f.prec = n.num
        p.f.precPresent = n.isNum
        i = n.next
        if (!p.f.precPresent) {
          p.f.prec = 0
          p.f.precPresent = true
        }
      }
    }

    if (!afterIndex) {
      r = argNumber(i)
      argNum = r.argNum
      i = r.i
      afterIndex = r.found
    }

    if (i >= end) {
      p.buf += '%!(NOVERB)'
      break
    }

    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0)
    i += verb.length

    if (verb === '%') {
      p.buf += '%'
    } else if (!goodArgNum) {
      p.buf += `%!${verb}(BADINDEX)`
    } else if (argNum >= args.length) {
      p.buf += `%!${verb}(MISSING)`
    } else {
      if (verb === 'v' || verb === 'w') {
        p.f.sharpV = p.f.sharp
        p.f.sharp = false
        p.f.plusV = p.f.plus
        p.f.plus = false
      }
      p.printArg(args[argNum], verb)
      argNum++
    }
  }

  if (!reordered && argNum < args.length) {
    p.f = clearFlags()
    p.buf += '%!(EXTRA '
    for (let j = argNum; j < args.length; j++) {
      if (j > argNum) p.buf += ', '
      const arg = args[j]
      if (arg === undefined || arg === null) {
        p.buf += '<nil>'
      } else {
        p.buf += typeName(arg) + '='
        p.printArg(arg, 'v')
      }
    }
    p.buf += ')'
  }
  return p.buf
}

/** Go's fmt.Sprint. */
export function sprint(args: GoValue[]): string {
  const p = new Printer()
  let prevString = false
  args.forEach((arg, n) => {
    const isString = typeof arg === 'string'
    if (n > 0 && !isString && !prevString) p.buf += ' '
    p.printArg(arg, 'v')
    prevString = isString
  })
  return p.buf
}

/** Go's fmt.Sprintln. */
export function sprintln(args: GoValue[]): string {
  const p = new Printer()
  args.forEach((arg, n) => {
    if (n > 0) p.buf += ' '
    p.printArg(arg, 'v')
  })
  return p.buf + '\n'
}

// ---- strconv ------------------------------------------------------------------

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u

function isPrint(c: string): boolean {
  return c === ' ' || PRINTABLE.test(c)
}

function escapeRune(rune: string, quoteChar: string, asciiOnly: boolean): string {
  let c = rune
  let cp = c.codePointAt(0) ?? 0
  // A lone surrogate cannot come from Go data; Go would hold U+FFFD.
  if (cp >= 0xd8_00 && cp < 0xe0_00) {
    c = '\uFFFD'
    cp = 0xff_fd
  }
  if (c === quoteChar || c === '\\') return '\\' + c
  if (asciiOnly ? cp < 0x80 && isPrint(c) : isPrint(c)) return c
  switch (c) {
    case '\u0007':
      return '\\a'
    case '\b':
      return '\\b'
    case '\f':
      return '\\f'
    case '\n':
      return '\\n'
    case '\r':
      return '\\r'
    case '\t':
      return '\\t'
    case '\v':
      return '\\v'
    default:
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0')
  if (cp < 0x1_00_00) return '\\u' + cp.toString(16).padStart(4, '0')
  return '\\U' + cp.toString(16).padStart(8, '0')
}

/** Go's strconv.Quote (or QuoteToASCII). */
export function quote(s: string, asciiOnly = false): string {
  let out = '"'
  for (const c of s) out += escapeRune(c, '"', asciiOnly)
  return out + '"'
}

function runeString(value: bigint): string {
  const cp = Number(value)
  if (value < 0n || value > 0x10_ffffn || (cp >= 0xd8_00 && cp < 0xe0_00)) return '\uFFFD'
  return String.fromCodePoint(cp)
}

function quoteRune(value: bigint, asciiOnly: boolean): string {
  return "'" + escapeRune(runeString(value), "'", asciiOnly) + "'"
}

function canBackquote(s: string): boolean {
  for (const c of s) {
    const cp = c.codePointAt(0) ?? 0
    if (c === '`' || c === '\uFEFF') return false
    if (cp < 0x20 && c !== '\t') return false
    if (cp === 0x7f) return false
  }
  return true
}

// ---- float formatting (strconv.FormatFloat for 'e', 'f', 'g') ------------------

interface Decimal {
  /** significant digits, no leading or trailing zeros ('' for zero) */
  d: string
  /** decimal point position: value = 0.d × 10^dp */
  dp: number
}

/** The exact decimal value of a finite double. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return {d: '', dp: 0}
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, Math.abs(x))
  const bits = view.getBigUint64(0)
  const exp = Number((bits >> 52n) & 0x7ffn)
  let mant = bits & ((1n << 52n) - 1n)
  let e2: number
  if (exp === 0) {
    e2 = -1074
  } else {
    mant |= 1n << 52n
    e2 = exp - 1075
  }
  let digits: string
  let dp: number
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString()
    dp = digits.length
  } else {
    // mant × 2^e2 = mant × 5^-e2 / 10^-e2
    digits = (mant * 5n ** BigInt(-e2)).toString()
    dp = digits.length + e2
  }
  const trimmed = digits.replace(/0+$/, '')
  const lead = trimmed.length - trimmed.replace(/^0+/, '').length
  return {d: trimmed.slice(lead), dp: dp - lead}
}

/** Round to nd significant digits, half to even on the exact value (Go's decimal.Round). */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a
  const next = a.d.charCodeAt(nd) - 48
  let up: boolean
  if (next > 5) up = true
  else if (next < 5) up = false
  else if (nd + 1 < a.d.length) up = true // more nonzero digits follow (d has no trailing zeros)
  else up = nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1
  if (!up) {
    return {d: a.d.slice(0, nd).replace(/0+$/, ''), dp: a.dp}
  }
  let i = nd - 1
  while (i >= 0 && a.d[i] === '9') i--
  if (i < 0) return {d: '1', dp: a.dp + 1}
  return {d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp}
}

/** The shortest digits that read back as x (as Go's and JavaScript's shortest printing). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return {d: '', dp: 0}
  const [mant, exp] = Math.abs(x).toExponential().split('e')
  const d = mant.replace('.', '').replace(/0+$/, '')
  return {d, dp: Number(exp) + 1}
}

function fmtE(neg: boolean, d: Decimal, prec: number, e: string): string {
  let out = neg ? '-' : ''
  out += d.d.length > 0 ? d.d[0] : '0'
  if (prec > 0) {
    out += '.'
    const m = Math.min(d.d.length, prec + 1)
    out += d.d.slice(1, m)
    out += '0'.repeat(Math.max(0, prec + 1 - Math.max(m, 1)))
  }
  let exp = d.d.length === 0 ? 0 : d.dp - 1
  const sign = exp < 0 ? '-' : '+'
  exp = Math.abs(exp)
  return out + e + sign + (exp < 10 ? '0' + exp : String(exp))
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let out = neg ? '-' : ''
  if (d.dp > 0) {
    const m = Math.min(d.d.length, d.dp)
    out += d.d.slice(0, m) + '0'.repeat(d.dp - m)
  } else {
    out += '0'
  }
  if (prec > 0) {
    out += '.'
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1
      out += j >= 0 && j < d.d.length ? d.d[j] : '0'
    }
  }
  return out
}

/** Go's strconv.FormatFloat(v, format, prec, 64) for format e, E, f, g, G. */
export function formatFloat(v: number, format: string, prec: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  if (format === 'x' || format === 'X') return formatHexFloat(v, format, prec)
  if (format === 'b') return formatBinaryFloat(v)
  const neg = v < 0 || Object.is(v, -0)
  const shortest = prec < 0
  let digs: Decimal
  if (shortest) {
    digs = shortestDecimal(v)
    switch (format) {
      case 'e':
      case 'E':
        prec = Math.max(digs.d.length - 1, 0)
        break
      case 'f':
        prec = Math.max(digs.d.length - digs.dp, 0)
        break
      default:
        prec = digs.d.length
    }
  } else {
    const exact = exactDecimal(v)
    switch (format) {
      case 'e':
      case 'E':
        digs = roundDecimal(exact, prec + 1)
        break
      case 'f':
        digs = roundDecimal(exact, exact.dp + prec)
        if (exact.dp + prec < 0) digs = {d: '', dp: 0}
        break
      default:
        if (prec === 0) prec = 1
        digs = roundDecimal(exact, prec)
    }
  }
  switch (format) {
    case 'e':
    case 'E':
      return fmtE(neg, digs, prec, format)
    case 'f':
      return fmtF(neg, digs, prec)
    default: {
      let eprec = prec
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length
      if (shortest) eprec = 6
      const exp = digs.dp - 1
      if (exp < -4 || exp >= eprec) {
        if (prec > digs.d.length) prec = digs.d.length
        return fmtE(neg, digs, prec - 1, format === 'G' ? 'E' : 'e')
      }
      if (prec > digs.dp) prec = digs.d.length
      return fmtF(neg, digs, Math.max(prec - digs.dp, 0))
    }
  }
}

/** fmt's # flag for floats: always a decimal point, and %g/%v/%x keep trailing zeros. */
function sharpFloat(formatted: string, verb: string, prec: number): string {
  if (formatted.endsWith('Inf') || formatted.endsWith('NaN')) return formatted
  let num = formatted.startsWith('-') || formatted.startsWith('+') ? formatted : '+' + formatted
  let digits = 0
  if (verb === 'g' || verb === 'G' || verb === 'x') digits = prec === -1 ? 6 : prec
  let tail = ''
  let hasDecimalPoint = false
  let sawNonzeroDigit = false
  for (let i = 1; i < num.length; i++) {
    const c = num[i]
    if (c === '.') {
      hasDecimalPoint = true
      continue
    }
    if (c === 'p' || c === 'P') {
      tail = num.slice(i)
      num = num.slice(0, i)
      break
    }
    if ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X') {
      tail = num.slice(i)
      num = num.slice(0, i)
      break
    }
    if (c !== '0') sawNonzeroDigit = true
    if (sawNonzeroDigit) digits--
  }
  if (!hasDecimalPoint) {
    if (num.length === 2 && num[1] === '0') digits--
    num += '.'
  }
  while (digits > 0) {
    num += '0'
    digits--
  }
  num += tail
  return formatted.startsWith('-') || formatted.startsWith('+') ? num : num.slice(1)
}

/** strconv's %x and %X of a float: -0x1.yyyyp±dd. */
function formatHexFloat(v: number, format: string, prec: number): string {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, v)
  const bits = view.getBigUint64(0)
  const neg = bits >> 63n === 1n
  let exp = Number((bits >> 52n) & 0x7ffn)
  let mant = bits & ((1n << 52n) - 1n)
  if (exp === 0) exp++
  else mant |= 1n << 52n
  exp -= 1023
  if (mant === 0n) exp = 0
  mant <<= 60n - 52n
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n
    exp--
  }
  const mask60 = (1n << 60n) - 1n
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4)
    const extra = (mant << shift) & mask60
    mant >>= 60n - shift
    if ((extra | (mant & 1n)) > 1n << 59n) mant++
    mant <<= 60n - shift
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n
      exp++
    }
  }
  const hex = format === 'X' ? '0123456789ABCDEF' : '0123456789abcdef'
  let out = (neg ? '-' : '') + '0' + format + String((mant >> 60n) & 1n)
  mant = (mant << 4n) & ((1n << 64n) - 1n)
  const digit = (): string => {
    const d = hex[Number((mant >> 60n) & 15n)]
    mant = (mant << 4n) & ((1n << 64n) - 1n)
    return d
  }
  if (prec < 0 && mant !== 0n) {
    out += '.'
    while (mant !== 0n) out += digit()
  } else if (prec > 0) {
    out += '.'
    for (let i = 0; i < prec; i++) out += digit()
  }
  out += format === 'X' ? 'P' : 'p'
  out += exp < 0 ? '-' : '+'
  const e = Math.abs(exp)
  return out + (e < 10 ? '0' + e : String(e))
}

/** strconv's %b of a float: decimal mantissa, binary exponent. */
function formatBinaryFloat(v: number): string {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, v)
  const bits = view.getBigUint64(0)
  const neg = bits >> 63n === 1n
  let exp = Number((bits >> 52n) & 0x7ffn)
  let mant = bits & ((1n << 52n) - 1n)
  if (exp === 0) exp++
  else mant |= 1n << 52n
  exp += -1023 - 52
  return `${neg ? '-' : ''}${mant}p${exp < 0 ? '-' : '+'}${Math.abs(exp)}`
}
