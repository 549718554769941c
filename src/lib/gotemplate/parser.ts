// A port of Go's text/template/parse/parse.go and node.go, for the constructs berth supports.
import {TemplateFault} from './errors.js'
import {type Item, type ItemType, lex} from './lexer.js'

export interface ListNode {
  type: 'list'
  pos: number
  nodes: Node[]
}
export interface TextNode {
  type: 'text'
  pos: number
  text: string
}
export interface ActionNode {
  type: 'action'
  pos: number
  pipe: PipeNode
}
export interface BranchNode {
  type: 'if' | 'range' | 'with'
  pos: number
  pipe: PipeNode
  list: ListNode
  elseList?: ListNode
}
export interface LoopControlNode {
  type: 'break' | 'continue'
  pos: number
}
export type Node = ActionNode | BranchNode | ListNode | LoopControlNode | TextNode

export interface PipeNode {
  type: 'pipe'
  pos: number
  isAssign: boolean
  decl: VariableNode[]
  cmds: CommandNode[]
}
export interface CommandNode {
  type: 'command'
  pos: number
  args: ArgNode[]
}
export interface FieldNode {
  type: 'field'
  pos: number
  ident: string[]
}
export interface VariableNode {
  type: 'variable'
  pos: number
  ident: string[]
}
export interface ChainNode {
  type: 'chain'
  pos: number
  node: ArgNode
  field: string[]
}
export interface IdentifierNode {
  type: 'identifier'
  pos: number
  name: string
}
export interface DotNode {
  type: 'dot'
  pos: number
}
export interface NilNode {
  type: 'nil'
  pos: number
}
export interface BoolNode {
  type: 'bool'
  pos: number
  value: boolean
}
export interface NumberNode {
  type: 'number'
  pos: number
  text: string
  /** set when the constant is an integer that fits int64 */
  int?: bigint
  /** set when the constant has a float64 value */
  float?: number
}
export interface StringNode {
  type: 'string'
  pos: number
  quoted: string
  text: string
}
export type ArgNode = BoolNode | ChainNode | DotNode | FieldNode | IdentifierNode | NilNode | NumberNode | PipeNode | StringNode | VariableNode

export interface ParseOptions {
  /** names of the functions templates may call */
  functions: ReadonlySet<string>
}

const MAX_NESTING = 1000

const UNSUPPORTED: Partial<Record<ItemType, string>> = {
  block: '{{block}}',
  define: '{{define}}',
  template: '{{template}}',
}

function describe(item: Item): string {
  switch (item.type) {
    case 'eof':
      return 'EOF'
    case 'rightDelim':
      return '"}}"'
    case 'leftDelim':
      return '"{{"'
    case 'space':
      return 'space'
    case 'text':
      return 'text'
    default:
      return `<${item.val}>`
  }
}

/** Parse a template into its tree; throws TemplateFault naming the offending position. */
export function parse(text: string, options: ParseOptions): ListNode {
  return new Parser(lex(text), options).parseRoot()
}

class Parser {
  private i = 0
  private vars: string[] = ['$']
  private rangeDepth = 0
  private depth = 0

  constructor(
    private readonly items: Item[],
    private readonly options: ParseOptions,
  ) {}

  parseRoot(): ListNode {
    const root: ListNode = {type: 'list', pos: this.peek().pos, nodes: []}
    while (this.peek().type !== 'eof') {
      const n = this.textOrAction()
      if (n.type === 'end' || n.type === 'else') throw new TemplateFault(n.pos, `unexpected {{${n.type}}}`)
      root.nodes.push(n)
    }
    return root
  }

  private peek(): Item {
    return this.items[Math.min(this.i, this.items.length - 1)]
  }

  private next(): Item {
    const item = this.peek()
    this.i++
    return item
  }

  private backup(n = 1): void {
    this.i -= n
  }

  private nextNonSpace(): Item {
    let item = this.next()
    while (item.type === 'space') item = this.next()
    return item
  }

  private peekNonSpace(): Item {
    const item = this.nextNonSpace()
    this.backup()
    return item
  }

  private unexpected(item: Item, context: string): never {
    throw new TemplateFault(item.pos, `unexpected ${describe(item)} in ${context}`)
  }

  private expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace()
    if (item.type !== type) this.unexpected(item, context)
    return item
  }

  private itemList(): {list: ListNode; next: EndOrElse} {
    const list: ListNode = {type: 'list', pos: this.peekNonSpace().pos, nodes: []}
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction()
      if (n.type === 'end' || n.type === 'else') return {list, next: n}
      list.nodes.push(n)
    }
    throw new TemplateFault(this.peek().pos, 'unexpected EOF: a {{if}}, {{range}} or {{with}} has no {{end}}')
  }

  private textOrAction(): EndOrElse | Node {
    const item = this.nextNonSpace()
    if (item.type === 'text') return {type: 'text', pos: item.pos, text: item.val}
    if (item.type === 'leftDelim') return this.action()
    return this.unexpected(item, 'input')
  }

  private action(): EndOrElse | Node {
    const item = this.nextNonSpace()
    const unsupported = UNSUPPORTED[item.type]
    if (unsupported) throw new TemplateFault(item.pos, `${unsupported} is not supported`)
    switch (item.type) {
      case 'break':
      case 'continue': {
        const closing = this.nextNonSpace()
        if (closing.type !== 'rightDelim') this.unexpected(closing, `{{${item.type}}}`)
        if (this.rangeDepth === 0) throw new TemplateFault(item.pos, `{{${item.type}}} outside {{range}}`)
        return {type: item.type, pos: item.pos}
      }
      case 'else': {
        const peek = this.peekNonSpace()
        // "{{else if ...}}" and "{{else with ...}}" leave the keyword for the enclosing control.
        if (peek.type === 'if' || peek.type === 'with') return {type: 'else', pos: peek.pos}
        this.expect('rightDelim', 'else')
        return {type: 'else', pos: item.pos}
      }
      case 'end': {
        this.expect('rightDelim', 'end')
        return {type: 'end', pos: item.pos}
      }
      case 'if':
      case 'range':
      case 'with': {
        return this.control(item.type, item.pos)
      }
      default:
    }
    this.backup()
    return {type: 'action', pos: this.peek().pos, pipe: this.pipeline('command', 'rightDelim')}
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_NESTING) throw new TemplateFault(pos, `nesting deeper than ${MAX_NESTING} levels is not supported`)
  }

  private control(type: 'if' | 'range' | 'with', pos: number): BranchNode {
    const varCount = this.vars.length
    this.enter(pos)
    try {
      const pipe = this.pipeline(type, 'rightDelim')
      if (type === 'range') this.rangeDepth++
      const {list, next} = this.itemList()
      if (type === 'range') this.rangeDepth--
      const node: BranchNode = {type, pos, pipe, list}
      if (next.type === 'else') {
        const peek = this.peek()
        if ((type === 'if' && peek.type === 'if') || (type === 'with' && peek.type === 'with')) {
          // {{if a}}_{{else if b}}_{{end}} is {{if a}}_{{else}}{{if b}}_{{end}}{{end}}
          this.next()
          node.elseList = {type: 'list', pos: next.pos, nodes: [this.control(type, peek.pos)]}
        } else {
          const rest = this.itemList()
          if (rest.next.type !== 'end') throw new TemplateFault(rest.next.pos, `expected {{end}}; found {{${rest.next.type}}}`)
          node.elseList = rest.list
        }
      }
      return node
    } finally {
      this.vars.length = varCount
      this.depth--
    }
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const pipe: PipeNode = {type: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: []}
    for (;;) {
      const v = this.peekNonSpace()
      if (v.type !== 'variable') break
      const before = this.i
      this.nextNonSpace()
      const next = this.peekNonSpace()
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign'
        this.nextNonSpace()
        pipe.decl.push({type: 'variable', pos: v.pos, ident: [v.val]})
        this.vars.push(v.val)
        break
      }
      if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace()
        pipe.decl.push({type: 'variable', pos: v.pos, ident: [v.val]})
        this.vars.push(v.val)
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue
          throw new TemplateFault(next.pos, 'range can only initialize variables')
        }
        throw new TemplateFault(next.pos, `too many declarations in ${context}`)
      }
      this.i = before
      break
    }
    for (;;) {
      const item = this.nextNonSpace()
      if (item.type === end) {
        this.checkPipeline(pipe, context, item)
        return pipe
      }
      switch (item.type) {
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'leftParen':
        case 'nil':
        case 'number':
        case 'rawString':
        case 'string':
        case 'variable': {
          this.backup()
          pipe.cmds.push(this.command())
          break
        }
        default:
          this.unexpected(item, context)
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string, endItem: Item): void {
    if (pipe.cmds.length === 0) throw new TemplateFault(endItem.pos, `missing value for ${context}`)
    for (let i = 1; i < pipe.cmds.length; i++) {
      const first = pipe.cmds[i].args[0]
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(first.type)) {
        throw new TemplateFault(first.pos, `non executable command in pipeline stage ${i + 1}`)
      }
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = {type: 'command', pos: this.peekNonSpace().pos, args: []}
    for (;;) {
      this.peekNonSpace()
      const operand = this.operand()
      if (operand) cmd.args.push(operand)
      const item = this.next()
      if (item.type === 'space') continue
      if (item.type === 'rightDelim' || item.type === 'rightParen') this.backup()
      else if (item.type !== 'pipe') this.unexpected(item, 'operand')
      break
    }
    if (cmd.args.length === 0) throw new TemplateFault(cmd.pos, 'empty command')
    return cmd
  }

  private operand(): ArgNode | undefined {
    const node = this.term()
    if (!node) return undefined
    if (this.peek().type !== 'field') return node
    const pos = this.peek().pos
    const fields: string[] = []
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1))
    switch (node.type) {
      case 'field':
      case 'variable': {
        return {type: node.type, pos: node.pos, ident: [...node.ident, ...fields]}
      }
      case 'bool':
      case 'dot':
      case 'nil':
      case 'number':
      case 'string': {
        throw new TemplateFault(pos, `unexpected . after term ${JSON.stringify(argString(node))}`)
      }
      default:
        return {type: 'chain', pos, node, field: fields}
    }
  }

  private term(): ArgNode | undefined {
    const item = this.nextNonSpace()
    switch (item.type) {
      case 'identifier': {
        if (!this.options.functions.has(item.val)) {
          throw new TemplateFault(item.pos, `function ${JSON.stringify(item.val)} is not supported`)
        }
        return {type: 'identifier', pos: item.pos, name: item.val}
      }
      case 'dot':
        return {type: 'dot', pos: item.pos}
      case 'nil':
        return {type: 'nil', pos: item.pos}
      case 'variable': {
        const ident = item.val.split('.')
        if (!this.vars.includes(ident[0])) throw new TemplateFault(item.pos, `undefined variable ${JSON.stringify(ident[0])}`)
        return {type: 'variable', pos: item.pos, ident}
      }
      case 'field':
        return {type: 'field', pos: item.pos, ident: [item.val.slice(1)]}
      case 'bool':
        return {type: 'bool', pos: item.pos, value: item.val === 'true'}
      case 'charConstant':
        return charConstant(item)
      case 'complex':
        throw new TemplateFault(item.pos, `complex number ${item.val} is not supported`)
      case 'number':
        return numberConstant(item)
      case 'leftParen': {
        this.enter(item.pos)
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen')
        this.depth--
        return pipe
      }
      case 'rawString':
        return {type: 'string', pos: item.pos, quoted: item.val, text: item.val.slice(1, -1).replaceAll('\r', '')}
      case 'string':
        return {type: 'string', pos: item.pos, quoted: item.val, text: unquote(item)}
      default:
        this.backup()
        return undefined
    }
  }
}

type EndOrElse = {pos: number; type: 'else'} | {pos: number; type: 'end'}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  a: '\u0007',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
}

/** Go's strconv.Unquote for a double-quoted literal (or the body of a character constant). */
function unescape(body: string, quote: '"' | "'", item: Item): string {
  const bad = (): never => {
    throw new TemplateFault(item.pos, `invalid syntax in ${item.val}`)
  }
  const bytes: number[] = []
  let out = ''
  const flush = (): void => {
    if (bytes.length === 0) return
    const decoded = Buffer.from(bytes).toString('utf8')
    if (decoded.includes('\uFFFD') && !Buffer.from(decoded, 'utf8').equals(Buffer.from(bytes))) {
      throw new TemplateFault(item.pos, `string ${item.val} is not valid UTF-8, which is not supported`)
    }
    out += decoded
    bytes.length = 0
  }
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c !== '\\') {
      if (c === quote || c === '\n') bad()
      flush()
      out += c
      continue
    }
    const e = body[++i]
    if (e === undefined) bad()
    if (e === quote || (e in SIMPLE_ESCAPES && e !== '"')) {
      flush()
      out += e === quote ? quote : SIMPLE_ESCAPES[e]
      continue
    }
    if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8
      const hex = body.slice(i + 1, i + 1 + n)
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) bad()
      i += n
      const value = Number.parseInt(hex, 16)
      if (e === 'x') {
        bytes.push(value)
      } else {
        if (value > 0x10_ffff || (value >= 0xd8_00 && value < 0xe0_00)) bad()
        flush()
        out += String.fromCodePoint(value)
      }
      continue
    }
    if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3)
      if (!/^[0-7]{3}$/.test(oct)) bad()
      const value = Number.parseInt(oct, 8)
      if (value > 255) bad()
      i += 2
      bytes.push(value)
      continue
    }
    bad()
  }
  flush()
  return out
}

function unquote(item: Item): string {
  return unescape(item.val.slice(1, -1), '"', item)
}

function charConstant(item: Item): NumberNode {
  const text = unescape(item.val.slice(1, -1), "'", item)
  const cp = text.codePointAt(0)
  if (cp === undefined || String.fromCodePoint(cp) !== text) {
    throw new TemplateFault(item.pos, `malformed character constant: ${item.val}`)
  }
  return {type: 'number', pos: item.pos, text: item.val, int: BigInt(cp), float: cp}
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

/** strconv's underscoreOK: underscores only between digits, or after a base prefix. */
function underscoreOK(text: string): boolean {
  let s = text.replace(/^[+-]/, '')
  let saw = '^'
  let hex = false
  if (/^0[bBoOxX]/.test(s)) {
    saw = '0'
    hex = /^0[xX]/.test(s)
    s = s.slice(2)
  }
  for (const c of s) {
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0'
      continue
    }
    if (c === '_') {
      if (saw !== '0') return false
      saw = '_'
      continue
    }
    if (saw === '_') return false
    saw = '!'
  }
  return saw !== '_'
}

/** Go's strconv.ParseUint(text, 0, 64) (signed: ParseInt(text, 0, 64)), or undefined. */
function parseGoInteger(text: string, signed: boolean): bigint | undefined {
  if (text.includes('_') && !underscoreOK(text)) return undefined
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text.replaceAll('_', ''))
  if (!m || (m[1] && !signed)) return undefined
  const body = m[2]
  let value: bigint
  if (/^0[xXoObB]/.test(body)) value = BigInt('0' + body[1].toLowerCase() + body.slice(2))
  else if (body.length > 1 && body.startsWith('0')) value = BigInt('0o' + body.slice(1))
  else value = BigInt(body)
  if (m[1] === '-') value = -value
  if (signed ? value < INT64_MIN || value > INT64_MAX : value > UINT64_MAX) return undefined
  return value
}

/** Go's strconv.ParseFloat(text, 64) for decimal and hexadecimal literals; undefined on error or overflow. */
function parseGoFloat(text: string): number | undefined {
  if (text.includes('_') && !underscoreOK(text)) return undefined
  const s = text.replaceAll('_', '')
  let value: number
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s)
  if (hex) {
    const [, sign, whole, frac = '', exp] = hex
    if (whole.length + frac.length === 0) return undefined
    const mantissa = Number(BigInt('0x' + (whole + frac || '0')))
    value = mantissa * 2 ** (Number(exp) - 4 * frac.length)
    if (sign === '-') value = -value
  } else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    value = Number(s)
  } else {
    return undefined
  }
  return Number.isFinite(value) ? value : undefined
}

function numberConstant(item: Item): NumberNode {
  const text = item.val
  if (text.endsWith('i')) throw new TemplateFault(item.pos, `complex number ${text} is not supported`)
  const node: NumberNode = {type: 'number', pos: item.pos, text}
  const int = parseGoInteger(text, true)
  if (int !== undefined) {
    node.int = int
    node.float = Number(int)
    return node
  }
  const uint = parseGoInteger(text, false)
  if (uint !== undefined) {
    // Fits uint64 but not int: Go fails only when it evaluates the constant.
    node.float = Number(uint)
    return node
  }
  const f = parseGoFloat(text)
  if (f === undefined) throw new TemplateFault(item.pos, `illegal number syntax: ${JSON.stringify(text)}`)
  if (!/[.eEpP]/.test(text)) throw new TemplateFault(item.pos, `integer overflow: ${JSON.stringify(text)}`)
  node.float = f
  if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) node.int = BigInt(f)
  return node
}

/** The text of an argument, as Go's Node.String() writes it (for error messages). */
export function argString(node: ArgNode): string {
  switch (node.type) {
    case 'bool':
      return String(node.value)
    case 'chain': {
      const inner = node.node.type === 'pipe' ? `(${argString(node.node)})` : argString(node.node)
      return inner + node.field.map((f) => '.' + f).join('')
    }
    case 'dot':
      return '.'
    case 'field':
      return node.ident.map((f) => '.' + f).join('')
    case 'identifier':
      return node.name
    case 'nil':
      return 'nil'
    case 'number':
      return node.text
    case 'pipe': {
      const decl = node.decl.length > 0 ? `${node.decl.map((v) => v.ident.join('.')).join(', ')} ${node.isAssign ? '=' : ':='} ` : ''
      return decl + node.cmds.map((c) => commandString(c)).join(' | ')
    }
    case 'string':
      return node.quoted
    case 'variable':
      return node.ident.join('.')
  }
}

export function commandString(cmd: CommandNode): string {
  return cmd.args.map((a) => (a.type === 'pipe' ? `(${argString(a)})` : argString(a))).join(' ')
}
