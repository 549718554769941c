/**
 * Services, per project, in two sets (test and production) as in the source's two API
 * families: created from a K8s YAML template, from raw YAML or from a Helm template;
 * typed variables; labels; containers read from the rendered YAML.
 */
import type {BerthContext} from '../context.js'
import {ConflictError, NotFoundError, UsageError, ValidationError} from '../errors.js'
import {assertDns1123Label, quote} from '../names.js'
import type {StateBackend} from '../state/backend.js'
import {getTemplate} from '../templates/service.js'
import type {TemplateDocument} from '../templates/types.js'
import {KeyVal, Variable, VariableType, assignVariables, checkVariable, isVariableType, toKeyVal} from '../templates/variables.js'
import {isPlainObject, parseYaml} from '../yaml.js'
import type {Container} from './manifests.js'
import {RenderedService, renderService, variablesUsed} from './render.js'
import {readParsedRender, splitServiceSpec, textsOnly, withServiceBodies} from './storage.js'
import {DeployRecord, ServiceDocument, ServiceRef, ServiceSpec, ServiceStatus, serviceKind, setName} from './types.js'

export type ServiceSource =
  | {from: 'template'; template: string}
  | {from: 'yaml'; yaml: string}
  | {from: 'helm-template'; template: string; values?: string}

export interface CreateServiceInput extends ServiceRef {
  source: ServiceSource
  /** --variables FILE: typed variables (raw YAML) or values for the template's variables. */
  variables?: Variable[]
  /** --var k=v, applied last. */
  assignments?: Array<{key: string; value: string}>
  autoSync?: boolean
  labels?: Record<string, string>
}

/** The source's service detail, as --json prints it (its field names). */
export interface ServiceView {
  service_name: string
  type: ServiceSpec['type']
  production: boolean
  created_by: string
  /** Unix seconds, as in the source. */
  created_time: number
  yaml: string
  containers: Container[]
  service_variable_kvs: KeyVal[]
  labels: Array<{key: string; value: string}>
  template_name: string
  auto_sync: boolean
  /** helm: the values file given at create ("" when none). */
  values: string
  last_deploy: DeployRecord | null
}

/** One row of `service list` (the source's list fields). */
export interface ServiceListItem {
  service_name: string
  type: ServiceSpec['type']
  containers: Container[]
}

function describe(ref: ServiceRef): string {
  return ref.production ? `Production service "${ref.name}"` : `Service "${ref.name}"`
}

export async function getService(ctx: BerthContext, ref: ServiceRef): Promise<ServiceDocument> {
  assertDns1123Label(ref.name, 'service name')
  const project = await ctx.project()
  const state = ctx.state()
  const stored = await state.tryGet<ServiceSpec, ServiceStatus>(serviceKind(ref.production), ref.name, project)
  if (!stored) {
    throw new NotFoundError(`${describe(ref)} not found in project "${project}".`, {
      hint: `List the ${setName(ref.production)} services with: berth service list${ref.production ? ' --production' : ''}`,
    })
  }
  return withServiceBodies(state, stored)
}

/** The chart a helm service renders: its template's. */
async function chartOf(ctx: BerthContext, spec: ServiceSpec): Promise<Record<string, string> | undefined> {
  if (spec.type !== 'helm') return undefined
  if (!spec.template) throw new ValidationError('This helm service names no template.')
  const template = await getTemplate(ctx, spec.template)
  return template.spec.chart
}

/** Render a stored service, with --var overrides that are not saved. */
export async function renderStoredService(ctx: BerthContext, doc: ServiceDocument, options: {assignments?: Array<{key: string; value: string}>; namespace?: string} = {}): Promise<RenderedService> {
  const assignments = options.assignments ?? []
  const spec = withAssignments(doc, assignments)
  const parsed = assignments.length === 0 && doc.spec.type === 'k8s' ? await readParsedRender(ctx.state(), doc) : undefined
  return renderService({name: doc.metadata.name, spec, chart: await chartOf(ctx, doc.spec), namespace: options.namespace}, {env: ctx.env}, parsed)
}

function withAssignments(doc: ServiceDocument, assignments: Array<{key: string; value: string}>): ServiceSpec {
  if (assignments.length === 0) return doc.spec
  const helm = doc.spec.type === 'helm'
  const variables = assignVariables(doc.spec.variables, assignments, (key) => {
    if (helm) return {key, value: '', type: 'string'}
    throw unknownVariable(doc.metadata.name, key, doc.spec.variables)
  }, helm)
  return {...doc.spec, variables}
}

function unknownVariable(service: string, key: string, vars: readonly Variable[]): ValidationError {
  const known = vars.map((v) => v.key)
  return new ValidationError(`Service "${service}" has no variable "${key}"${known.length > 0 ? `; its variables are: ${known.join(', ')}` : ''}.`, {
    hint: `Add it with: berth service set-var ${service} --var ${key}=VALUE`,
  })
}

/** A template's declared variables with values from a file and --var; undeclared ones the text uses are strings. */
function variablesFromTemplate(template: TemplateDocument, input: CreateServiceInput): Variable[] {
  const name = template.metadata.name
  const declared = template.spec.variables.map((v) => ({...v}))
  const used = variablesUsed(template.spec.yaml ?? '', name)
  const undeclared = (key: string): Variable => {
    if (used.includes(key)) return {key, value: '', type: 'string'}
    const known = [...new Set([...declared.map((v) => v.key), ...used])]
    throw new ValidationError(`Template "${name}" has no variable "${key}"; its variables are: ${known.join(', ') || '(none)'}.`)
  }
  const fromFile = (input.variables ?? []).map((v) => ({key: v.key, value: v.value}))
  return assignVariables(declared, [...fromFile, ...(input.assignments ?? [])], undeclared)
}

/** Raw YAML: the variables it uses, typed by --variables FILE, valued by it and --var. */
function variablesForYaml(yaml: string, name: string, input: CreateServiceInput): Variable[] {
  const used = variablesUsed(yaml, name)
  const vars = (input.variables ?? []).map((v) => ({...v}))
  for (const v of vars) {
    if (!used.includes(v.key)) throw new ValidationError(`Variable "${v.key}" is not used by the YAML of service "${name}"${used.length > 0 ? `; it uses: ${used.join(', ')}` : ''}.`)
  }
  return assignVariables(vars, input.assignments ?? [], (key) => {
    if (!used.includes(key)) throw new ValidationError(`Variable "${key}" is not used by the YAML of service "${name}"${used.length > 0 ? `; it uses: ${used.join(', ')}` : ''}.`)
    return {key, value: '', type: 'string'}
  })
}

function checkValuesText(values: string, source: string): void {
  const parsed = parseYaml(values, {source})
  if (parsed !== null && parsed !== undefined && !isPlainObject(parsed)) throw new ValidationError(`${source} must be a YAML mapping of chart values.`)
}

/** Create a service; it is rendered first, so a service that cannot render is never stored. */
export async function createService(ctx: BerthContext, input: CreateServiceInput): Promise<{service: ServiceDocument; rendered: RenderedService}> {
  assertDns1123Label(input.name, 'service name')
  if (input.autoSync && input.source.from === 'yaml') throw new UsageError('--auto-sync needs --template or --helm-template: a service made from raw YAML has no template to follow.')
  for (const [key, value] of Object.entries(input.labels ?? {})) checkLabel(key, value)
  const project = await ctx.project()
  let spec: ServiceSpec
  let chart: Record<string, string> | undefined
  const source = input.source
  if (source.from === 'template') {
    const template = await getTemplate(ctx, source.template)
    if (template.spec.type !== 'k8s') throw new UsageError(`Template "${source.template}" is a helm template; create the service with --helm-template ${source.template}.`)
    spec = {type: 'k8s', yaml: template.spec.yaml ?? '', variables: variablesFromTemplate(template, input), template: source.template, autoSync: Boolean(input.autoSync), containers: []}
  } else if (source.from === 'yaml') {
    spec = {type: 'k8s', yaml: source.yaml, variables: variablesForYaml(source.yaml, input.name, input), autoSync: false, containers: []}
  } else {
    const template = await getTemplate(ctx, source.template)
    if (template.spec.type !== 'helm') throw new UsageError(`Template "${source.template}" is a k8s template; create the service with --template ${source.template}.`)
    if (source.values !== undefined) checkValuesText(source.values, '--values')
    if ((input.variables ?? []).length > 0) throw new UsageError('--variables applies to k8s services; give chart values with --values FILE and --var path=value.')
    chart = template.spec.chart
    spec = {
      type: 'helm',
      variables: assignVariables([], input.assignments ?? [], (key) => ({key, value: '', type: 'string'}), true),
      template: source.template,
      autoSync: Boolean(input.autoSync),
      ...(source.values === undefined ? {} : {values: source.values}),
      containers: [],
    }
  }
  const state = ctx.state()
  const kind = serviceKind(input.production)
  if (await state.tryGet(kind, input.name, project)) throw alreadyExists(input, project)
  const rendered = await renderService({name: input.name, spec, chart}, {env: ctx.env})
  spec.containers = rendered.containers
  const service = await state.withLock(async () => {
    if (await state.tryGet(kind, input.name, project)) throw alreadyExists(input, project)
    const split = splitServiceSpec(spec, rendered)
    const created = await state.create<ServiceSpec, ServiceStatus>({kind, metadata: {name: input.name, project, ...(input.labels && Object.keys(input.labels).length > 0 ? {labels: input.labels} : {})}, spec: split.spec, bodies: textsOnly(split.bodies)})
    return {...created, spec}
  })
  return {service, rendered}
}

function alreadyExists(ref: ServiceRef, project: string): ConflictError {
  return new ConflictError(`${describe(ref)} already exists in project "${project}".`, {
    hint: `Change it with: berth service update ${ref.name} -f FILE${ref.production ? ' --production' : ''}, or delete it first.`,
  })
}

export interface LabelSelector {
  text: string
  test: (labels: Record<string, string>) => boolean
}

/** `-l app=web,tier!=db,team`: equality, inequality and existence, comma-separated, all must hold. */
export function parseLabelSelector(text: string): LabelSelector {
  const tests: Array<(labels: Record<string, string>) => boolean> = []
  for (const raw of text.split(',')) {
    const part = raw.trim()
    if (!part) throw new UsageError(`-l ${quote(text)} has an empty term.`)
    const m = /^(!?)([A-Za-z0-9][-A-Za-z0-9_./]*)(?:\s*(!=|==|=)\s*(.*))?$/.exec(part)
    if (!m) throw new UsageError(`-l ${quote(text)}: ${quote(part)} is not key=value, key!=value, key or !key.`)
    const [, not, key = '', op, value = ''] = m
    if (op && not) throw new UsageError(`-l ${quote(text)}: ${quote(part)} mixes ! with a value.`)
    if (!op) tests.push(not ? (l) => !Object.hasOwn(l, key) : (l) => Object.hasOwn(l, key))
    else if (op === '!=') tests.push((l) => l[key] !== value)
    else tests.push((l) => l[key] === value)
  }
  return {text, test: (labels) => tests.every((t) => t(labels))}
}

export async function listServices(ctx: BerthContext, options: {production?: boolean; selector?: LabelSelector} = {}): Promise<ServiceDocument[]> {
  const project = await ctx.project()
  const docs = await ctx.state().list<ServiceSpec, ServiceStatus>(serviceKind(options.production), {project})
  return options.selector ? docs.filter((d) => options.selector?.test(d.metadata.labels ?? {})) : docs
}

export function listItem(doc: ServiceDocument): ServiceListItem {
  return {service_name: doc.metadata.name, type: doc.spec.type, containers: doc.spec.containers}
}

export function serviceView(doc: ServiceDocument): ServiceView {
  return {
    service_name: doc.metadata.name,
    type: doc.spec.type,
    production: doc.kind === 'ProductionService',
    created_by: doc.metadata.createdBy,
    created_time: Math.floor(Date.parse(doc.metadata.createdAt) / 1000),
    yaml: doc.spec.yaml ?? '',
    containers: doc.spec.containers,
    service_variable_kvs: doc.spec.variables.map(toKeyVal),
    labels: Object.entries(doc.metadata.labels ?? {}).map(([key, value]) => ({key, value})),
    template_name: doc.spec.template ?? '',
    auto_sync: doc.spec.autoSync,
    values: doc.spec.values ?? '',
    last_deploy: lastDeployView(doc.status?.lastDeploy),
  }
}

function lastDeployView(record: DeployRecord | undefined): DeployRecord | null {
  if (!record) return null
  const {applied: _applied, ...rest} = record
  return rest
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/

export function checkLabel(key: string, value: string): void {
  if (!LABEL_KEY.test(key) || key.length > 317) throw new ValidationError(`Invalid label key ${quote(key)}: use letters, digits, "-", "_" and ".", optionally after a DNS prefix and "/" (e.g. team or example.com/tier).`)
  if (!LABEL_VALUE.test(value)) throw new ValidationError(`Invalid value for label "${key}": ${quote(value)} (at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit).`)
}

/** `k=v` sets, `k-` removes. */
export function parseLabelChanges(args: readonly string[]): {set: Record<string, string>; remove: string[]} {
  const set: Record<string, string> = {}
  const remove: string[] = []
  for (const arg of args) {
    if (arg.endsWith('-') && !arg.includes('=')) {
      const key = arg.slice(0, -1)
      checkLabel(key, '')
      remove.push(key)
      continue
    }
    const eq = arg.indexOf('=')
    if (eq <= 0) throw new UsageError(`${quote(arg)} is neither KEY=VALUE (set a label) nor KEY- (remove one).`)
    const key = arg.slice(0, eq)
    const value = arg.slice(eq + 1)
    checkLabel(key, value)
    set[key] = value
  }
  const both = remove.filter((k) => Object.hasOwn(set, k))
  if (both.length > 0) throw new UsageError(`Label "${both[0]}" is both set and removed.`)
  return {set, remove}
}

/** Labels given at create (-l KEY=VALUE): no removals. */
export function parseNewLabels(args: readonly string[]): Record<string, string> {
  const {set, remove} = parseLabelChanges(args)
  if (remove.length > 0) throw new UsageError(`-l ${remove[0]}- removes a label; at create give labels as KEY=VALUE.`)
  return set
}

export async function labelService(ctx: BerthContext, ref: ServiceRef, changes: {set: Record<string, string>; remove: string[]}): Promise<ServiceDocument> {
  await getService(ctx, ref)
  const project = await ctx.project()
  return ctx.state().update<ServiceSpec, ServiceStatus>(serviceKind(ref.production), ref.name, project, (doc) => {
    const labels = {...doc.metadata.labels, ...changes.set}
    for (const key of changes.remove) delete labels[key]
    const {labels: _old, ...meta} = doc.metadata
    return {...doc, metadata: Object.keys(labels).length > 0 ? {...meta, labels} : meta}
  })
}

/**
 * Re-render a changed spec and store it, under the state lock; `change` builds the new
 * spec from the current document. Nothing is stored when the new spec does not render.
 */
async function changeService(ctx: BerthContext, ref: ServiceRef, change: (doc: ServiceDocument) => ServiceSpec): Promise<{service: ServiceDocument; rendered: RenderedService}> {
  await getService(ctx, ref)
  const project = await ctx.project()
  const state: StateBackend = ctx.state()
  return state.withLock(async () => {
    const current = await getService(ctx, ref)
    const spec = change(current)
    const rendered = await renderService({name: ref.name, spec, chart: await chartOf(ctx, spec)}, {env: ctx.env})
    spec.containers = rendered.containers
    const split = splitServiceSpec(spec, rendered)
    const service = await state.update<ServiceSpec, ServiceStatus>(serviceKind(ref.production), ref.name, project, (doc) => ({...doc, spec: split.spec}), {
      expectedGeneration: current.metadata.generation,
      bodies: split.bodies,
    })
    return {service: {...service, spec}, rendered}
  })
}

/** Replace a k8s service's YAML (the source's "update service configuration"). Variables keep their values; new ones come from --var. */
export async function updateServiceYaml(ctx: BerthContext, ref: ServiceRef & {yaml: string; assignments?: Array<{key: string; value: string}>}): Promise<{service: ServiceDocument; rendered: RenderedService}> {
  return changeService(ctx, ref, (doc) => {
    if (doc.spec.type !== 'k8s') throw new UsageError(`${describe(ref)} is a helm service; its YAML comes from the chart of template "${doc.spec.template ?? ''}".`)
    const used = variablesUsed(ref.yaml, ref.name)
    const variables = assignVariables(doc.spec.variables, ref.assignments ?? [], (key) => {
      if (!used.includes(key)) throw new ValidationError(`Variable "${key}" is not used by the new YAML of service "${ref.name}"${used.length > 0 ? `; it uses: ${used.join(', ')}` : ''}.`)
      return {key, value: '', type: 'string'}
    })
    return {...doc.spec, yaml: ref.yaml, variables}
  })
}

export interface SetVariableInput extends ServiceRef {
  assignments: Array<{key: string; value: string}>
  type?: string
  options?: string[]
  desc?: string
}

/** Set variables' values (and for one variable its type, options and description); the result must render. */
export async function setServiceVariables(ctx: BerthContext, input: SetVariableInput): Promise<{service: ServiceDocument; rendered: RenderedService}> {
  if (input.assignments.length === 0) throw new UsageError('Give at least one --var KEY=VALUE.')
  const shaping = input.type !== undefined || input.options !== undefined || input.desc !== undefined
  if (shaping && input.assignments.length > 1) throw new UsageError('--type, --options and --desc apply to one variable: give a single --var.')
  if (input.type !== undefined && !isVariableType(input.type)) throw new ValidationError(`--type ${quote(input.type)} is not a variable type; the types are: bool, string, enum, yaml.`)
  return changeService(ctx, input, (doc) => {
    const helm = doc.spec.type === 'helm'
    if (helm && shaping) throw new UsageError('A helm service\'s variables are --set-string values: --type, --options and --desc do not apply.')
    const used = helm ? [] : variablesUsed(doc.spec.yaml ?? '', doc.metadata.name)
    const variables = doc.spec.variables.map((v) => ({...v}))
    for (const a of input.assignments) {
      let v = variables.find((x) => x.key === a.key)
      if (!v) {
        if (!helm && !used.includes(a.key)) throw new ValidationError(`Variable "${a.key}" is not used by the YAML of service "${input.name}"${used.length > 0 ? `; it uses: ${used.join(', ')}` : ''}.`)
        v = {key: a.key, value: a.value, type: 'string'}
        variables.push(v)
      }
      v.value = a.value
      if (input.type !== undefined) v.type = input.type as VariableType
      if (input.options !== undefined) v.options = input.options
      if (v.type !== 'enum') delete v.options
      if (input.desc !== undefined) {
        if (input.desc) v.desc = input.desc
        else delete v.desc
      }
      checkVariable(v, `service "${input.name}"`, helm)
    }
    return {...doc.spec, variables}
  })
}

export async function deleteService(ctx: BerthContext, ref: ServiceRef): Promise<ServiceDocument> {
  await getService(ctx, ref)
  const project = await ctx.project()
  return ctx.state().delete<ServiceSpec, ServiceStatus>(serviceKind(ref.production), ref.name, project)
}

/** Keep a deploy's outcome in the service's status. */
export async function recordDeploy(ctx: BerthContext, ref: ServiceRef, record: DeployRecord): Promise<void> {
  const project = await ctx.project()
  // Status only: a deploy does not change what the service is (no new generation).
  await ctx.state().updateStatus<ServiceSpec, ServiceStatus>(serviceKind(ref.production), ref.name, project, (doc) => ({...doc.status, lastDeploy: record}))
}
