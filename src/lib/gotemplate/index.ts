/**
 * Go text/template for Kubernetes manifests: the subset manifests use, executed
 * as Go executes it with Option("missingkey=error") plus sprig's quote and default.
 * A differential test (test/lib/gotemplate/differential.test.ts) runs a corpus
 * through real Go and requires identical output.
 *
 * Supported: text, {{- -}} trimming, comments, if / else if / else, range (slices,
 * maps in sorted key order, integers; `$i, $v :=`; else; break; continue),
 * with / else with / else, variables ($x := …, $x = …, $), pipelines,
 * parenthesised arguments, fields and chains (.a.b, $x.a, (pipe).a), and the
 * functions and, or, not, len, index, eq, ne, lt, le, gt, ge, print, printf,
 * println, quote, default.
 *
 * Deliberately different from Go:
 * - printing a nil value ({{.x}} where x is null, {{index .m "missing"}}) is an
 *   error, where Go writes "<no value>";
 * - define, template and block, other Go builtins (html, js, call, slice,
 *   urlquery) and complex constants are refused at parse time; printf's %p of a
 *   list or map (an address) is refused;
 * - execution stops after maxSteps steps or maxOutputBytes of output.
 *
 * Data: see values.ts (a safe integer is Go's int, any other number float64).
 */
import {ValidationError} from '../errors.js'
import {TemplateError, TemplateFault, positionOf} from './errors.js'
import {FUNCTION_NAMES, execute} from './exec.js'
import {type ArgNode, type ListNode, type Node, type PipeNode, parse} from './parser.js'
import {DataError, toGoValue} from './values.js'

export {TemplateError} from './errors.js'

export const DEFAULT_MAX_STEPS = 1_000_000
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024

export interface ParseTemplateOptions {
  /** Names the template in error messages, e.g. the service or file name. */
  name?: string
}

export interface RenderOptions extends ParseTemplateOptions {
  maxSteps?: number
  maxOutputBytes?: number
}

/** A reference to a top-level value, e.g. `.port` or `$.image.tag`. */
export interface VariableReference {
  /** the top-level key */
  name: string
  line: number
  column: number
}

export class Template {
  readonly name: string
  readonly text: string
  private readonly root: ListNode

  /** @internal use parseTemplate */
  constructor(name: string, text: string, root: ListNode) {
    this.name = name
    this.text = text
    this.root = root
  }

  /** The top-level keys the template reads (`.x`, `$.x`, `index . "x"`), in order of first use. */
  variables(): string[] {
    return [...new Set(this.variableReferences().map((r) => r.name))]
  }

  /** Every reference to a top-level key, with its position. */
  variableReferences(): VariableReference[] {
    const refs: VariableReference[] = []
    const add = (name: string, pos: number): void => {
      refs.push({name, ...positionOf(this.text, pos)})
    }
    collectList(this.root, true, add)
    return refs
  }

  /** Render with data (parsed YAML or JSON: objects, arrays, strings, numbers, booleans, null). */
  render(data: unknown, options: Omit<RenderOptions, 'name'> = {}): string {
    let value
    try {
      value = toGoValue(data)
    } catch (error) {
      if (error instanceof DataError) throw new ValidationError(`template "${this.name}": ${error.message}`)
      throw error
    }
    try {
      return execute(this.root, value, {
        maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
        maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      })
    } catch (error) {
      throw this.wrap(error)
    }
  }

  /** @internal */
  wrap(error: unknown): unknown {
    if (error instanceof TemplateFault) return new TemplateError(this.name, positionOf(this.text, error.pos), error.message)
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return new TemplateError(this.name, {line: 1, column: 1}, 'the template nests too deeply')
    }
    return error
  }
}

/** Parse a template; throws TemplateError naming the line and column of the problem. */
export function parseTemplate(text: string, options: ParseTemplateOptions = {}): Template {
  const name = options.name ?? 'template'
  try {
    return new Template(name, text, parse(text, {functions: FUNCTION_NAMES}))
  } catch (error) {
    throw new Template(name, text, {type: 'list', pos: 0, nodes: []}).wrap(error)
  }
}

/** Parse and render in one step. */
export function renderTemplate(text: string, data: unknown, options: RenderOptions = {}): string {
  return parseTemplate(text, options).render(data, options)
}

// ---- top-level references -------------------------------------------------------

type AddReference = (name: string, pos: number) => void

function collectList(list: ListNode, dotIsRoot: boolean, add: AddReference): void {
  for (const node of list.nodes) collectNode(node, dotIsRoot, add)
}

function collectNode(node: Node, dotIsRoot: boolean, add: AddReference): void {
  switch (node.type) {
    case 'action': {
      collectPipe(node.pipe, dotIsRoot, add)
      return
    }
    case 'if': {
      collectPipe(node.pipe, dotIsRoot, add)
      collectList(node.list, dotIsRoot, add)
      if (node.elseList) collectList(node.elseList, dotIsRoot, add)
      return
    }
    case 'list': {
      collectList(node, dotIsRoot, add)
      return
    }
    case 'range':
    case 'with': {
      // Inside the body, dot is the element or the value, not the data.
      collectPipe(node.pipe, dotIsRoot, add)
      collectList(node.list, false, add)
      if (node.elseList) collectList(node.elseList, dotIsRoot, add)
      return
    }
    default:
  }
}

function collectPipe(pipe: PipeNode, dotIsRoot: boolean, add: AddReference): void {
  for (const cmd of pipe.cmds) {
    const [first, ...rest] = cmd.args
    // index . "key" / index $ "key"
    if (first.type === 'identifier' && first.name === 'index' && rest.length >= 2) {
      const [target, key] = rest
      const isRoot = (target.type === 'dot' && dotIsRoot) || (target.type === 'variable' && target.ident.length === 1 && target.ident[0] === '$')
      if (isRoot && key.type === 'string') add(key.text, key.pos)
    }
    for (const arg of cmd.args) collectArg(arg, dotIsRoot, add)
  }
}

function collectArg(arg: ArgNode, dotIsRoot: boolean, add: AddReference): void {
  switch (arg.type) {
    case 'chain': {
      collectArg(arg.node, dotIsRoot, add)
      return
    }
    case 'field': {
      if (dotIsRoot) add(arg.ident[0], arg.pos)
      return
    }
    case 'pipe': {
      collectPipe(arg, dotIsRoot, add)
      return
    }
    case 'variable': {
      if (arg.ident[0] === '$' && arg.ident.length > 1) add(arg.ident[1], arg.pos)
      return
    }
    default:
  }
}
