import type {BerthContext} from '../context.js'
import {messageOf} from '../errors.js'
import type {FormPrompter} from '../input/form-prompter.js'
import type {Choice} from '../input/prompter.js'
import {findOperation} from './connector-classes.js'
import {Connector, OptionsResponse, callConnectorOperation} from './connectors.js'
import {ParamForm, atPath, optionMapping, parseDescriptors} from './descriptors.js'
import {ParamValue, convertParam} from './params.js'
import {ExpressionSandbox, SandboxLimits} from './sandbox.js'
import {parseTemplate, renderTemplate} from './templates.js'
import {DESCRIPTORS_ANNOTATION, InterfaceParam, ResourceInterface} from './types.js'

export type {FormPrompter} from '../input/form-prompter.js'

export interface AskParamsOptions {
  ri: ResourceInterface
  connector: Connector
  /** Params already given (flags): not asked. */
  given: Record<string, ParamValue>
  limits?: Partial<SandboxLimits>
}

export interface AskParamsDeps {
  prompter: FormPrompter
  notice: (message: string) => void
}

/**
 * Ask each param not given, in the interface's order, as its dynamic-form descriptor
 * says: label and description (English where both are given), and for a select whose
 * options come from a ConnectorClass operation, the options the connector lists
 * (refiltered as the user types). A descriptor berth cannot serve becomes a free-text
 * prompt, with a notice saying so.
 */
export async function askParams(ctx: BerthContext, options: AskParamsOptions, deps: AskParamsDeps): Promise<Record<string, ParamValue>> {
  const {ri, connector} = options
  const annotation = ri.metadata.annotations?.[DESCRIPTORS_ANNOTATION]
  const forms = annotation ? parseDescriptors(annotation) : new Map<string, ParamForm>()
  const answers: Record<string, ParamValue> = {}
  for (const param of ri.spec.params ?? []) {
    if (Object.hasOwn(options.given, param.name)) continue
    const form = forms.get(`params.${param.name}`)
    const label = form?.label ?? param.name
    const description = form?.description ?? param.description
    const message = description ? `${label} (${description})` : label
    // What the option queries see as context.params: everything known so far, defaults included.
    const known = {...defaultsOf(ri), ...options.given, ...answers}
    const fromConnector = form?.select ? await optionSource(ctx, {ri, connector, form, known, limits: options.limits}, deps) : undefined
    answers[param.name] = fromConnector ? await askSelect(param, message, fromConnector, deps.prompter) : await askText(param, message, deps.prompter)
  }
  return answers
}

type OptionSource = (search: string) => Promise<Choice[]>

async function optionSource(
  ctx: BerthContext,
  input: {ri: ResourceInterface; connector: Connector; form: ParamForm; known: Record<string, ParamValue>; limits?: Partial<SandboxLimits>},
  deps: AskParamsDeps,
): Promise<OptionSource | undefined> {
  const {connector, form} = input
  const fallback = (why: string) => {
    deps.notice(`berth cannot list the options of ${form.path}: ${why}; type the value instead.`)
    return undefined
  }
  if (!form.options) return fallback('its descriptor names no options source')
  if (form.options.source === 'unsupported') return fallback(`it calls a connector API berth does not serve (${form.options.descriptor})`)
  let operationId: string
  let parameters: Array<{name: string; value: string}>
  let descriptors: string[]
  if (form.options.source === 'openapi') {
    const found = findOperation(connector.connectorClass, form.options.operationId)
    if (!found) return fallback(`ConnectorClass "${connector.connectorClass.metadata.name}" has no operation "${form.options.operationId}"`)
    const schema = found.operation['x-display-schema'] ?? {}
    operationId = found.operation.operationId
    parameters = schema.parameters ?? []
    descriptors = [...(schema.descriptors ?? []), ...form.optionDescriptors]
  } else {
    // A direct connector API call: served when the class declares that path.
    const operation = connector.connectorClass.spec.api.openapi.paths[form.options.path]?.get
    if (!operation) return fallback(`ConnectorClass "${connector.connectorClass.metadata.name}" has no API ${form.options.path} (${form.options.descriptor})`)
    operationId = operation.operationId
    parameters = form.options.query
    descriptors = form.optionDescriptors
  }
  const mapping = optionMapping(descriptors)
  // One call per distinct query: the prompt asks again for the same text (first render, backspace).
  const responses = new Map<string, Promise<OptionsResponse>>()
  const source: OptionSource = async (search) => {
    const context = {connector: connector.object, params: input.known, connectorClass: connector.connectorClass}
    const sandbox = await ExpressionSandbox.open({context, current: {search}}, input.limits)
    const query: Record<string, string> = {}
    try {
      for (const p of parameters) {
        const value = renderTemplate(parseTemplate(p.value, '${'), (code) => sandbox.evaluate(code))
        query[p.name] = typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value)
      }
    } finally {
      sandbox.dispose()
    }
    const key = JSON.stringify(query)
    if (!responses.has(key)) responses.set(key, callConnectorOperation(ctx, connector, operationId, query))
    const response = await responses.get(key)!.catch((error: unknown) => {
      responses.delete(key)
      throw error
    })
    const items = atPath(response, mapping.itemsPath)
    if (!Array.isArray(items)) return []
    return items.flatMap((item): Choice[] => {
      const value = atPath(item, mapping.valuePath)
      const name = atPath(item, mapping.labelPath)
      return typeof value === 'string' ? [{value, name: typeof name === 'string' ? name : value}] : []
    })
  }
  // Listed once up front, so a connector that cannot answer turns into a text prompt, not a broken list.
  try {
    await source('')
  } catch (error) {
    return fallback(messageOf(error))
  }
  return source
}

async function askSelect(param: InterfaceParam, message: string, source: OptionSource, prompter: FormPrompter): Promise<ParamValue> {
  if (param.type === 'array') {
    const choices = await source('')
    // The default values start ticked.
    const ticked = new Set(Array.isArray(param.default) ? param.default : [])
    return prompter.checkbox({message, choices: choices.map((c) => ({...c, checked: ticked.has(c.value)}))})
  }
  if (param.type === 'object') return askText(param, message, prompter)
  const fallback = typeof param.default === 'string' ? param.default : undefined
  return prompter.search({
    message,
    source: async (term) => {
      const choices = await source(term)
      // The default first; what is typed stays choosable even when the connector does not list it (a commit, a new tag).
      const ordered = fallback ? [...choices.filter((c) => c.value === fallback), ...choices.filter((c) => c.value !== fallback)] : choices
      if (term && !choices.some((c) => c.value === term)) ordered.push({value: term, name: `${term} (as typed)`})
      return ordered
    },
  })
}

async function askText(param: InterfaceParam, message: string, prompter: FormPrompter): Promise<ParamValue> {
  const hint = param.type === 'array' ? ' [comma-separated or a JSON array]' : param.type === 'object' ? ' [a JSON object]' : ''
  const fallback = param.default === undefined ? undefined : typeof param.default === 'string' ? param.default : JSON.stringify(param.default)
  const text = await prompter.input({
    message: `${message}${hint}`,
    default: fallback,
    validate: (value) => {
      if (value === '' && fallback === undefined && param.type !== 'array') return 'A value is required.'
      try {
        convertParam(param, value)
        return true
      } catch (error) {
        return messageOf(error)
      }
    },
  })
  return convertParam(param, text)
}

function defaultsOf(ri: ResourceInterface): Record<string, ParamValue> {
  return Object.fromEntries((ri.spec.params ?? []).flatMap((p) => (p.default === undefined ? [] : [[p.name, p.default]])))
}
