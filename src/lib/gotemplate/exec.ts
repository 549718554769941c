// A port of Go's text/template/exec.go and funcs.go, with Option("missingkey=error")
// and sprig's quote and default. Deliberate differences from Go (see index.ts): printing
// a value that is nil fails instead of writing "<no value>", and execution is bounded.
import {TemplateFault} from './errors.js'
import {FormatUnsupported, quote, sprint, sprintf, sprintln} from './fmt.js'
import {
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type VariableNode,
  argString,
  commandString,
} from './parser.js'
import {type GoMap, GoUint8, type GoValue, byteLength, compareStrings, isTrue, kindOf, sortedKeys, typeName} from './values.js'

export interface ExecLimits {
  maxSteps: number
  maxOutputBytes: number
}

const MISSING = Symbol('missing')
type Final = GoValue | typeof MISSING

const BREAK = Symbol('break')
const CONTINUE = Symbol('continue')

/** How a builtin's parameter takes its argument: a reflect.Value, an interface{} or a string. */
type Param = 'any' | 'string' | 'value'

/** An error a builtin returns; evalCall reports it as "error calling NAME: ...". */
class CallError extends Error {}

interface Builtin {
  fixed: Param[]
  variadic?: Param
  call(args: GoValue[]): GoValue
}

type BasicKind = 'bool' | 'float' | 'int' | 'invalid' | 'string' | 'uint'

function basicKind(v: GoValue): BasicKind {
  const k = kindOf(v)
  switch (k) {
    case 'bool':
    case 'float':
    case 'int':
    case 'string':
    case 'uint':
      return k
    default:
      return 'invalid'
  }
}

function indirectInterface(v: GoValue): GoValue {
  return v === null ? undefined : v
}

function numeric(v: GoValue): bigint {
  return v instanceof GoUint8 ? BigInt(v.value) : (v as bigint)
}

function eq(arg1: GoValue, ...rest: GoValue[]): boolean {
  arg1 = indirectInterface(arg1)
  if (rest.length === 0) throw new CallError('missing argument for comparison')
  const k1 = basicKind(arg1)
  for (let arg of rest) {
    arg = indirectInterface(arg)
    const k2 = basicKind(arg)
    let truth = false
    if (k1 === k2) {
      switch (k1) {
        case 'bool':
        case 'float':
        case 'string':
          truth = arg1 === arg
          break
        case 'int':
        case 'uint':
          truth = numeric(arg1) === numeric(arg)
          break
        default: {
          const ka = kindOf(arg1)
          const kb = kindOf(arg)
          if (ka !== kb && ka !== 'invalid' && kb !== 'invalid') {
            throw new CallError(`non-comparable types ${typeName(arg1)}: ${typeName(arg)}`)
          }
          if (arg1 === undefined || arg === undefined) truth = arg1 === arg
          else throw new CallError(`non-comparable type ${typeName(arg)}`)
        }
      }
    } else if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) {
      truth = numeric(arg1) === numeric(arg)
    } else if (arg1 !== undefined && arg !== undefined) {
      throw new CallError(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg)}`)
    }
    if (truth) return true
  }
  return false
}

function lt(arg1: GoValue, arg2: GoValue): boolean {
  arg1 = indirectInterface(arg1)
  arg2 = indirectInterface(arg2)
  const k1 = basicKind(arg1)
  const k2 = basicKind(arg2)
  if (k1 === 'invalid' || k2 === 'invalid') throw new CallError('invalid type for comparison')
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return numeric(arg1) < numeric(arg2)
    throw new CallError(`incompatible types for comparison: ${typeName(arg1)} and ${typeName(arg2)}`)
  }
  switch (k1) {
    case 'bool':
      throw new CallError('invalid type for comparison')
    case 'float':
      return (arg1 as number) < (arg2 as number)
    case 'string':
      return compareStrings(arg1 as string, arg2 as string) < 0
    default:
      return numeric(arg1) < numeric(arg2)
  }
}

function le(arg1: GoValue, arg2: GoValue): boolean {
  return lt(arg1, arg2) || eq(arg1, arg2)
}

function length(item: GoValue): bigint {
  switch (kindOf(item)) {
    case 'map':
      return BigInt((item as GoMap).size)
    case 'nil':
      throw new CallError('len of nil pointer')
    case 'slice':
      return BigInt((item as GoValue[]).length)
    case 'string':
      return BigInt(byteLength(item as string))
    case 'invalid':
      throw new CallError('len of untyped nil')
    default:
      throw new CallError(`len of type ${typeName(item)}`)
  }
}

function indexArg(index: GoValue, cap: number): number {
  let x: bigint
  switch (kindOf(index)) {
    case 'int':
    case 'uint':
      x = numeric(index)
      break
    case 'invalid':
      throw new CallError('cannot index slice/array with nil')
    default:
      throw new CallError(`cannot index slice/array with type ${typeName(index)}`)
  }
  if (x < 0n || x >= BigInt(cap)) throw new CallError(`index out of range: ${x}`)
  return Number(x)
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  item = indirectInterface(item)
  if (item === undefined) throw new CallError('index of untyped nil')
  for (let idx of indexes) {
    idx = indirectInterface(idx)
    if (item === null || item === undefined) throw new CallError('index of nil pointer')
    switch (kindOf(item)) {
      case 'slice': {
        const list = item as GoValue[]
        item = list[indexArg(idx, list.length)]
        break
      }
      case 'string': {
        const bytes = Buffer.from(item as string, 'utf8')
        item = new GoUint8(bytes[indexArg(idx, bytes.length)])
        break
      }
      case 'map': {
        if (idx === undefined) throw new CallError('value is nil; should be of type string')
        if (typeof idx !== 'string') throw new CallError(`value has type ${typeName(idx)}; should be string`)
        const map = item as GoMap
        item = map.has(idx) ? map.get(idx) : null
        break
      }
      default:
        throw new CallError(`can't index item of type ${typeName(item)}`)
    }
  }
  return item
}

/** sprig's empty: nil, false, 0, and empty strings, lists and maps. */
function empty(v: GoValue): boolean {
  switch (kindOf(v)) {
    case 'bool':
      return v === false
    case 'float':
      return v === 0
    case 'int':
      return v === 0n
    case 'invalid':
    case 'nil':
      return true
    case 'map':
      return (v as GoMap).size === 0
    case 'slice':
      return (v as GoValue[]).length === 0
    case 'string':
      return v === ''
    case 'uint':
      return (v as GoUint8).value === 0
  }
}

const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['and', {fixed: ['value'], variadic: 'value', call: () => undefined}],
  ['or', {fixed: ['value'], variadic: 'value', call: () => undefined}],
  ['not', {fixed: ['value'], call: ([a]) => !isTrue(indirectInterface(a))}],
  ['len', {fixed: ['value'], call: ([a]) => length(a)}],
  ['index', {fixed: ['value'], variadic: 'value', call: ([a, ...rest]) => index(a, ...rest)}],
  ['eq', {fixed: ['value'], variadic: 'value', call: ([a, ...rest]) => eq(a, ...rest)}],
  ['ne', {fixed: ['value', 'value'], call: ([a, b]) => !eq(a, b)}],
  ['lt', {fixed: ['value', 'value'], call: ([a, b]) => lt(a, b)}],
  ['le', {fixed: ['value', 'value'], call: ([a, b]) => le(a, b)}],
  ['gt', {fixed: ['value', 'value'], call: ([a, b]) => !le(a, b)}],
  ['ge', {fixed: ['value', 'value'], call: ([a, b]) => !lt(a, b)}],
  ['print', {fixed: [], variadic: 'any', call: (args) => sprint(args)}],
  ['printf', {fixed: ['string'], variadic: 'any', call: ([format, ...args]) => sprintf(format as string, args)}],
  ['println', {fixed: [], variadic: 'any', call: (args) => sprintln(args)}],
  [
    'quote',
    {
      fixed: [],
      variadic: 'any',
      call: (args) =>
        args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => quote(typeof a === 'string' ? a : sprintf('%v', [a])))
          .join(' '),
    },
  ],
  ['default', {fixed: ['any'], variadic: 'any', call: ([d, ...given]) => (given.length === 0 || empty(given[0]) ? d : given[0])}],
])

/** The functions templates may call. */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set(BUILTINS.keys())

interface Variable {
  name: string
  value: GoValue
}

/** Execute a parsed template; throws TemplateFault. */
export function execute(root: ListNode, data: GoValue, limits: ExecLimits): string {
  const state = new State(limits, data)
  state.walk(data, root)
  return state.output.join('')
}

class State {
  readonly output: string[] = []
  private outputBytes = 0
  private steps = 0
  private readonly vars: Variable[]

  constructor(
    private readonly limits: ExecLimits,
    data: GoValue,
  ) {
    this.vars = [{name: '$', value: data}]
  }

  /** Count work: one step per node, command and iteration, more for functions over long strings. */
  private step(pos: number, cost = 1): void {
    this.steps += cost
    if (this.steps > this.limits.maxSteps) {
      throw new TemplateFault(pos, `stopped after ${this.limits.maxSteps} steps: the template does too much work (a huge or endless range?)`)
    }
  }

  private write(pos: number, s: string): void {
    this.outputBytes += byteLength(s)
    if (this.outputBytes > this.limits.maxOutputBytes) {
      throw new TemplateFault(pos, `output is larger than ${this.limits.maxOutputBytes} bytes`)
    }
    this.output.push(s)
  }

  private fail(pos: number, context: string, message: string): never {
    const shown = context.length > 80 ? context.slice(0, 77) + '...' : context
    throw new TemplateFault(pos, `executing <${shown}>: ${message}`)
  }

  walk(dot: GoValue, node: Node): void {
    this.step(node.pos)
    switch (node.type) {
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe)
        if (node.pipe.decl.length === 0) this.printValue(node.pipe, value)
        return
      }
      case 'break':
        throw BREAK
      case 'continue':
        throw CONTINUE
      case 'if':
      case 'with': {
        this.walkIfOrWith(dot, node)
        return
      }
      case 'list': {
        for (const n of node.nodes) this.walk(dot, n)
        return
      }
      case 'range': {
        this.walkRange(dot, node)
        return
      }
      case 'text':
        this.write(node.pos, node.text)
    }
  }

  private walkIfOrWith(dot: GoValue, node: BranchNode): void {
    const mark = this.vars.length
    try {
      const value = this.evalPipeline(dot, node.pipe)
      if (isTrue(indirectInterface(value))) {
        this.walk(node.type === 'with' ? value : dot, node.list)
      } else if (node.elseList) {
        this.walk(dot, node.elseList)
      }
    } finally {
      this.vars.length = mark
    }
  }

  private walkRange(dot: GoValue, node: BranchNode): void {
    const mark = this.vars.length
    try {
      const value = this.evalPipeline(dot, node.pipe)
      const {decl} = node.pipe
      const iterate = (key: GoValue, elem: GoValue): void => {
        this.step(node.pos)
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(node.pipe, decl[0].ident[0], decl.length > 1 ? key : elem)
          else this.vars[this.vars.length - 1].value = elem
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(node.pipe, decl[1].ident[0], elem)
          else this.vars[this.vars.length - 2].value = key
        }
        const inner = this.vars.length
        try {
          this.walk(elem, node.list)
        } catch (error) {
          if (error !== CONTINUE) throw error
        } finally {
          this.vars.length = inner
        }
      }
      let ran = false
      try {
        switch (kindOf(value)) {
          case 'slice': {
            const list = value as GoValue[]
            for (let i = 0; i < list.length; i++) {
              ran = true
              iterate(BigInt(i), list[i])
            }
            break
          }
          case 'map': {
            const map = value as GoMap
            for (const key of sortedKeys(map)) {
              ran = true
              iterate(key, map.get(key))
            }
            break
          }
          case 'int':
          case 'uint': {
            if (decl.length > 1) {
              this.fail(node.pipe.pos, argString(node.pipe), `can't use ${sprint([value])} to iterate over more than one variable`)
            }
            const n = numeric(value)
            for (let i = 0n; i < n; i++) {
              ran = true
              const v = value instanceof GoUint8 ? new GoUint8(Number(i)) : i
              iterate(v, v)
            }
            break
          }
          case 'invalid':
          case 'nil':
            break
          default:
            this.fail(node.pipe.pos, argString(node.pipe), `range can't iterate over ${sprint([value])}`)
        }
      } catch (error) {
        if (error === BREAK) return
        throw error
      }
      if (!ran && node.elseList) this.walk(dot, node.elseList)
    } finally {
      this.vars.length = mark
    }
  }

  private setVar(pipe: PipeNode, name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value
        return
      }
    }
    this.fail(pipe.pos, argString(pipe), `undefined variable: ${name}`)
  }

  private varValue(node: VariableNode): GoValue {
    const name = node.ident[0]
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) return this.vars[i].value
    }
    return this.fail(node.pos, argString(node), `undefined variable: ${name}`)
  }

  private evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    let value: Final = MISSING
    for (const cmd of pipe.cmds) {
      value = indirectInterface(this.evalCommand(dot, cmd, value))
    }
    const result = value === MISSING ? undefined : value
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(pipe, v.ident[0], result)
      else this.vars.push({name: v.ident[0], value: result})
    }
    return result
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      this.fail(args[0].pos, argString(args[0]), `can't give argument to non-function ${argString(args[0])}`)
    }
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    this.step(cmd.pos)
    const first = cmd.args[0]
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, first, first.ident, cmd.args, final)
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final)
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final)
      case 'pipe': {
        this.notAFunction(cmd.args, final)
        return this.evalPipeline(dot, first)
      }
      case 'variable':
        return this.evalVariable(first, cmd.args, final)
      default:
    }
    this.notAFunction(cmd.args, final)
    switch (first.type) {
      case 'bool':
        return first.value
      case 'dot':
        return dot
      case 'nil':
        return this.fail(first.pos, 'nil', 'nil is not a command')
      case 'number':
        return this.idealConstant(first)
      case 'string':
        return first.text
    }
  }

  private idealConstant(node: NumberNode): GoValue {
    const isHexInt = /^0[xX]/.test(node.text) && !/[pP]/.test(node.text)
    const isRuneInt = node.text.startsWith("'")
    if (node.float !== undefined && !isHexInt && !isRuneInt && /[.eEpP]/.test(node.text)) return node.float
    if (node.int !== undefined) return node.int
    return this.fail(node.pos, node.text, `${node.text} overflows int`)
  }

  private evalChain(dot: GoValue, chain: ChainNode, args: ArgNode[], final: Final): GoValue {
    if (chain.node.type === 'nil') this.fail(chain.pos, argString(chain), `indirection through explicit nil in ${argString(chain)}`)
    const receiver = this.evalArg(dot, 'value', chain.node)
    return this.evalFieldChain(receiver, chain, chain.field, args, final)
  }

  private evalVariable(node: VariableNode, args: ArgNode[], final: Final): GoValue {
    const value = this.varValue(node)
    if (node.ident.length === 1) {
      this.notAFunction(args.length > 0 ? args : [node], final)
      return value
    }
    return this.evalFieldChain(value, node, node.ident.slice(1), args, final)
  }

  private evalFieldChain(
    receiver: GoValue,
    node: ChainNode | FieldNode | VariableNode,
    ident: string[],
    args: ArgNode[],
    final: Final,
  ): GoValue {
    for (let i = 0; i < ident.length - 1; i++) receiver = this.evalField(ident[i], node, [], MISSING, receiver)
    return this.evalField(ident.at(-1) as string, node, args, final, receiver)
  }

  private evalField(name: string, node: ChainNode | FieldNode | VariableNode, args: ArgNode[], final: Final, receiver: GoValue): GoValue {
    const context = argString(node)
    if (receiver === undefined) this.fail(node.pos, context, `nil data; no entry for key ${JSON.stringify(name)}`)
    if (receiver === null) this.fail(node.pos, context, `nil pointer evaluating interface {}.${name}`)
    if (receiver instanceof Map) {
      if (args.length > 1 || final !== MISSING) this.fail(node.pos, context, `${name} is not a method but has arguments`)
      if (!receiver.has(name)) this.fail(node.pos, context, `map has no entry for key ${JSON.stringify(name)}`)
      return receiver.get(name)
    }
    return this.fail(node.pos, context, `can't evaluate field ${name} in type ${typeName(receiver)}`)
  }

  private evalFunction(dot: GoValue, node: IdentifierNode, cmd: CommandNode | IdentifierNode, args: ArgNode[] | undefined, final: Final): GoValue {
    const fn = BUILTINS.get(node.name)
    if (!fn) return this.fail(node.pos, node.name, `function ${JSON.stringify(node.name)} is not supported`)
    const context = cmd.type === 'command' ? commandString(cmd) : node.name
    const argNodes = args ? args.slice(1) : []
    const numIn = argNodes.length + (final === MISSING ? 0 : 1)
    let numFixed = argNodes.length
    if (fn.variadic) {
      numFixed = fn.fixed.length
      if (numIn < numFixed) this.fail(cmd.pos, context, `wrong number of args for ${node.name}: want at least ${fn.fixed.length} got ${argNodes.length}`)
    } else if (numIn !== fn.fixed.length) {
      this.fail(cmd.pos, context, `wrong number of args for ${node.name}: want ${fn.fixed.length} got ${numIn}`)
    }

    if (node.name === 'and' || node.name === 'or') {
      let v: GoValue
      for (const arg of argNodes) {
        v = this.evalArg(dot, 'value', arg)
        if (isTrue(indirectInterface(v)) === (node.name === 'or')) return v
      }
      if (final !== MISSING) v = final
      return v
    }

    const argv: GoValue[] = []
    let i = 0
    for (; i < numFixed && i < argNodes.length; i++) argv.push(this.evalArg(dot, fn.fixed[i], argNodes[i]))
    if (fn.variadic) {
      for (; i < argNodes.length; i++) argv.push(this.evalArg(dot, fn.variadic, argNodes[i]))
    }
    if (final !== MISSING) {
      let t: Param
      if (fn.variadic) t = numIn - 1 < numFixed ? fn.fixed[numIn - 1] : fn.variadic
      else t = fn.fixed.at(-1) as Param
      argv.push(this.validateType(cmd.pos, context, final, t))
    }
    let result: GoValue
    try {
      result = fn.call(argv)
    } catch (error) {
      if (error instanceof CallError) this.fail(cmd.pos, context, `error calling ${node.name}: ${error.message}`)
      if (error instanceof FormatUnsupported) this.fail(cmd.pos, context, `${error.message} by berth's template engine`)
      throw error
    }
    if (typeof result === 'string' && result.length > this.limits.maxOutputBytes) {
      this.fail(cmd.pos, context, `${node.name} made a string larger than ${this.limits.maxOutputBytes} bytes`)
    }
    // A step per 64 characters read or made, so loops over long strings stop in time too.
    let chars = typeof result === 'string' ? result.length : 0
    for (const a of argv) if (typeof a === 'string') chars += a.length
    if (chars >= 64) this.step(cmd.pos, chars >> 6)
    return result
  }

  private validateType(pos: number, context: string, value: GoValue, param: Param): GoValue {
    switch (param) {
      case 'any':
        return value === undefined ? null : value
      case 'string': {
        if (value === undefined) this.fail(pos, context, 'invalid value; expected string')
        if (typeof value !== 'string') {
          this.fail(pos, context, `wrong type for value; expected string; got ${value === null ? 'interface {}' : typeName(value)}`)
        }
        return value
      }
      case 'value':
        return value
    }
  }

  private evalArg(dot: GoValue, param: Param, node: ArgNode): GoValue {
    const context = argString(node)
    switch (node.type) {
      case 'chain':
        return this.validateType(node.pos, context, this.evalChain(dot, node, [], MISSING), param)
      case 'dot':
        return this.validateType(node.pos, context, dot, param)
      case 'field':
        return this.validateType(node.pos, context, this.evalFieldChain(dot, node, node.ident, [node], MISSING), param)
      case 'identifier':
        return this.validateType(node.pos, context, this.evalFunction(dot, node, node, undefined, MISSING), param)
      case 'nil': {
        if (param === 'string') this.fail(node.pos, context, 'cannot assign nil to string')
        return param === 'any' ? null : undefined
      }
      case 'pipe':
        return this.validateType(node.pos, context, this.evalPipeline(dot, node), param)
      case 'variable':
        return this.validateType(node.pos, context, this.evalVariable(node, [], MISSING), param)
      default:
    }
    if (param === 'string') {
      if (node.type === 'string') return node.text
      return this.fail(node.pos, context, `expected string; found ${context}`)
    }
    switch (node.type) {
      case 'bool':
        return node.value
      case 'number':
        return this.idealConstant(node)
      case 'string':
        return node.text
    }
  }

  private printValue(pipe: PipeNode, value: GoValue): void {
    if (value === undefined || value === null) {
      this.fail(pipe.pos, argString(pipe), 'the value is nil; berth does not print "<no value>" (check the variable, or use default)')
    }
    let text: string
    try {
      text = sprint([value])
    } catch (error) {
      if (error instanceof FormatUnsupported) this.fail(pipe.pos, argString(pipe), error.message)
      throw error
    }
    this.write(pipe.pos, text)
  }
}
