import type {BerthContext} from '../context.js'
import {UsageError, ValidationError} from '../errors.js'
export type {ParamValue} from './params.js'
import {isPlainObject} from '../yaml.js'
import {getConnector} from './connectors.js'
import {FormPrompter, askParams} from './forms.js'
import {ParamValue, parseParamFlags, withDefaults} from './params.js'
import {ExpressionError, ExpressionSandbox, SandboxLimits} from './sandbox.js'
import {assertServes, getInterface} from './service.js'
import {parseTemplate, renderTemplate} from './templates.js'
import {AttributeType, ConnectorObject, ResourceInterface} from './types.js'

export interface ResolvedAttribute {
  name: string
  type: AttributeType
  value: string | string[]
  /** The pipeline parameter it becomes; absent when parameterize.disable is true. */
  parameter?: string
}

export interface ResolvedWorkspace {
  name: string
  /** The pipeline workspace it binds (workspaceMapping.name). */
  workspace: string
  /** The Tekton WorkspaceBinding, expressions filled in. */
  binding: Record<string, unknown>
}

export interface ResolveResult {
  interface: string
  /** The connector object the expressions saw. */
  connector: ConnectorObject
  /** Every param after defaults. */
  params: Record<string, ParamValue>
  attributes: ResolvedAttribute[]
  workspaces: ResolvedWorkspace[]
}

export interface ResolveOptions {
  name: string
  /** The endpoint serving as connector. */
  connector: string
  /** `--param` values as given: `name=value`. */
  params: string[]
  /** Ask the params not given, with dynamic forms (needs a terminal). */
  interactive?: boolean
  limits?: Partial<SandboxLimits>
}

export interface ResolveDeps {
  prompter?: FormPrompter
  /** Notices for the person at the terminal (stderr). */
  notice?: (message: string) => void
}

/** Compute an interface's attributes and workspace bindings for one connector and its params. */
export async function resolveInterface(ctx: BerthContext, options: ResolveOptions, deps: ResolveDeps = {}): Promise<ResolveResult> {
  const {interface: ri} = await getInterface(ctx, options.name)
  const connector = await getConnector(ctx, options.connector)
  assertServes(connector, ri)
  const given = parseParamFlags(ri, options.params)
  if (options.interactive) {
    if (!ctx.interactive) throw new UsageError('--interactive needs a terminal on stdin.', {hint: `Give every param with --param NAME=VALUE instead.`})
    const prompter = deps.prompter ?? (await import('../input/form-prompter.js')).defaultFormPrompter()
    Object.assign(given, await askParams(ctx, {ri, connector, given, limits: options.limits}, {prompter, notice: deps.notice ?? (() => {})}))
  }
  const params = withDefaults(ri, given)
  return evaluateInterface(ri, connector.object, params, options.limits)
}

/**
 * Evaluate every attribute and workspace binding in one sandbox holding `params` and
 * `connector` (frozen, so expressions cannot affect one another).
 */
export async function evaluateInterface(ri: ResourceInterface, connector: ConnectorObject, params: Record<string, ParamValue>, limits?: Partial<SandboxLimits>): Promise<ResolveResult> {
  const sandbox = await ExpressionSandbox.open({params, connector}, limits)
  try {
    const attributes = (ri.spec.attributes ?? []).map((a): ResolvedAttribute => {
      const value = fill(sandbox, a.expression, `attribute "${a.name}"`, ri)
      const fits = a.type === 'string' ? typeof value === 'string' : Array.isArray(value) && value.every((v) => typeof v === 'string')
      if (!fits) {
        throw new ValidationError(`Attribute "${a.name}" of ResourceInterface "${ri.metadata.name}" is of type ${a.type}, but its expression gave ${describeValue(value)}.`)
      }
      const disabled = a.parameterize?.disable === true
      return {name: a.name, type: a.type, value: value as string | string[], ...(disabled ? {} : {parameter: a.parameterize?.name ?? a.name})}
    })
    const workspaces = (ri.spec.workspaces ?? []).map((w): ResolvedWorkspace => ({
      name: w.name,
      workspace: w.workspaceMapping.name,
      binding: fillDeep(sandbox, w.workspaceMapping.value, `workspace "${w.name}"`, ri) as Record<string, unknown>,
    }))
    return {interface: ri.metadata.name, connector, params, attributes, workspaces}
  } finally {
    sandbox.dispose()
  }
}

// Each {expression} of a string, evaluated in the sandbox; failures name the expression and where it is.
function fill(sandbox: ExpressionSandbox, template: string, where: string, ri: ResourceInterface): unknown {
  return renderTemplate(parseTemplate(template, '{'), (code) => {
    try {
      return sandbox.evaluate(code)
    } catch (error) {
      if (error instanceof ExpressionError) {
        throw new ValidationError(`Expression {${clip(code)}} in ${where} of ResourceInterface "${ri.metadata.name}" ${error.message}.`)
      }
      throw error
    }
  })
}

function fillDeep(sandbox: ExpressionSandbox, value: unknown, where: string, ri: ResourceInterface): unknown {
  if (typeof value === 'string') return fill(sandbox, value, where, ri)
  if (Array.isArray(value)) return value.map((v) => fillDeep(sandbox, v, where, ri))
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(sandbox, v, where, ri)]))
  return value
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array that is not all strings'
  if (value === null) return 'null'
  return `a ${typeof value} (${clip(JSON.stringify(value) ?? String(value))})`
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

/** A fragment of a Tekton PipelineRun spec: the params named by parameterize, and the workspace bindings. */
export interface TektonFragment {
  params: Array<{name: string; value: string | string[]}>
  workspaces: Array<Record<string, unknown> & {name: string}>
}

export function tektonFragment(result: ResolveResult): TektonFragment {
  return {
    params: result.attributes.filter((a) => a.parameter !== undefined).map((a) => ({name: a.parameter!, value: a.value})),
    workspaces: result.workspaces.map((w) => ({name: w.workspace, ...w.binding})),
  }
}
