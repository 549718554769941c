/**
 * Templates: K8s YAML with {{.var}} placeholders and declared typed variables, or a
 * Helm chart. Services are made from them (see services/); updating one re-renders
 * its auto-sync services (services/template-sync.ts).
 */
import type {BerthContext} from '../context.js'
import {NotFoundError, UsageError, ValidationError} from '../errors.js'
import {renderTemplate} from '../gotemplate/index.js'
import {assertDns1123Label} from '../names.js'
import {parseManifests} from '../services/manifests.js'
import {RENDER_LIMITS, inTemplate, variablesUsed} from '../services/render.js'
import {checkChartFiles} from './chart.js'
import {textsOnly} from '../services/storage.js'
import {splitTemplateSpec, withTemplateBodies} from './storage.js'
import {TemplateDocument, TemplateSpec, TemplateType} from './types.js'
import {Variable, checkVariable, variableData} from './variables.js'

export interface TemplateInput {
  name: string
  type: TemplateType
  description?: string
  /** k8s: the template text. */
  yaml?: string
  /** k8s: declared variables (value = default). */
  variables?: Variable[]
  /** helm: the chart's files. */
  chart?: Record<string, string>
}

/** What the text uses against what is declared, reported by create, update and show. */
export interface VariableReport {
  /** Used by the text ({{.key}}). */
  used: string[]
  /** Declared but never used by the text. */
  unused: string[]
  /** Used by the text but not declared: services must give them a value. */
  undeclared: string[]
}

export interface TemplateResult {
  template: TemplateDocument
  report: VariableReport
}

const MAX_TEMPLATE_BYTES = 512 * 1024

/** Check a template's text and variables; returns the variable report. */
export function checkTemplate(input: TemplateInput): VariableReport {
  assertDns1123Label(input.name, 'template name')
  if (input.type === 'helm') {
    if (!input.chart) throw new UsageError('A helm template needs a chart: --helm-chart DIR.')
    checkChartFiles(input.chart, `the chart of template "${input.name}"`)
    return {used: [], unused: [], undeclared: []}
  }
  const yaml = input.yaml ?? ''
  if (yaml.trim() === '') throw new ValidationError(`The YAML of template "${input.name}" is empty.`)
  if (Buffer.byteLength(yaml) > MAX_TEMPLATE_BYTES) throw new ValidationError(`The YAML of template "${input.name}" is larger than ${MAX_TEMPLATE_BYTES / 1024} KiB.`)
  const variables = input.variables ?? []
  const seen = new Set<string>()
  for (const v of variables) {
    if (seen.has(v.key)) throw new ValidationError(`Variable "${v.key}" of template "${input.name}" is declared twice.`)
    seen.add(v.key)
    checkVariable(v, `template "${input.name}"`)
  }
  const what = `The YAML of template "${input.name}"`
  const used = variablesUsed(yaml, input.name, what)
  const report = {
    used,
    unused: variables.map((v) => v.key).filter((k) => !used.includes(k)),
    undeclared: used.filter((k) => !seen.has(k)),
  }
  // With every variable declared, the defaults must render to Kubernetes objects.
  if (report.undeclared.length === 0) {
    const text = inTemplate(what, () => renderTemplate(yaml, variableData(variables), {name: input.name, ...RENDER_LIMITS}))
    parseManifests(text, `Template "${input.name}" rendered with its defaults`)
  }
  return report
}

export function templateSpec(input: TemplateInput): TemplateSpec {
  return input.type === 'helm'
    ? {type: 'helm', ...(input.description ? {description: input.description} : {}), variables: [], chart: input.chart}
    : {type: 'k8s', ...(input.description ? {description: input.description} : {}), variables: input.variables ?? [], yaml: input.yaml}
}

export async function createTemplate(ctx: BerthContext, input: TemplateInput): Promise<TemplateResult> {
  const report = checkTemplate(input)
  const project = await ctx.project()
  const full = templateSpec(input)
  const {spec, bodies} = splitTemplateSpec(full)
  const template = await ctx.state().create<TemplateSpec, Record<string, never>>({kind: 'Template', metadata: {name: input.name, project}, spec, bodies: textsOnly(bodies)})
  return {template: {...template, spec: full}, report}
}

export async function getTemplate(ctx: BerthContext, name: string): Promise<TemplateDocument> {
  assertDns1123Label(name, 'template name')
  const project = await ctx.project()
  const state = ctx.state()
  const doc = await state.tryGet<TemplateSpec, Record<string, never>>('Template', name, project)
  if (!doc) throw new NotFoundError(`Template "${name}" not found in project "${project}".`, {hint: 'List the templates with: berth template list'})
  return withTemplateBodies(state, doc)
}

export async function listTemplates(ctx: BerthContext): Promise<TemplateDocument[]> {
  const project = await ctx.project()
  return ctx.state().list<TemplateSpec, Record<string, never>>('Template', {project})
}

/** The report of a stored template (for show). */
export function reportOf(doc: TemplateDocument): VariableReport {
  if (doc.spec.type === 'helm') return {used: [], unused: [], undeclared: []}
  const used = variablesUsed(doc.spec.yaml ?? '', doc.metadata.name, `The YAML of template "${doc.metadata.name}"`)
  const declared = doc.spec.variables.map((v) => v.key)
  return {used, unused: declared.filter((k) => !used.includes(k)), undeclared: used.filter((k) => !declared.includes(k))}
}
