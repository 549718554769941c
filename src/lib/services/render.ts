/**
 * Rendering a service to Kubernetes objects: k8s services through the Go-template
 * renderer with their typed variables, helm services through `helm template`.
 * The result is checked as Kubernetes objects and its containers read.
 */
import {ValidationError} from '../errors.js'
import {TemplateError, parseTemplate, renderTemplate} from '../gotemplate/index.js'
import type {HelmDeps} from '../helm/run.js'
import {Variable, variableData} from '../templates/variables.js'
import {Container, ManifestDocument, containersOf, parseManifests, renderedDigest} from './manifests.js'
import type {ServiceSpec} from './types.js'

/** Bounds on one render: a template cannot loop or grow without end. */
export const RENDER_LIMITS = {maxSteps: 1_000_000, maxOutputBytes: 8 * 1024 * 1024}

export interface RenderedService {
  text: string
  documents: ManifestDocument[]
  containers: Container[]
  digest: string
}

export interface RenderInput {
  name: string
  spec: Pick<ServiceSpec, 'type' | 'yaml' | 'variables' | 'values'>
  /** helm: the chart files of the service's template. */
  chart?: Record<string, string>
  /** helm: the release namespace (default "default"). */
  namespace?: string
}

/** The variables a k8s YAML uses ({{.key}} at the top level), in name order. */
export function variablesUsed(text: string, name: string, what = `The YAML of service "${name}"`): string[] {
  return inTemplate(what, () => parseTemplate(text, {name}).variables().sort())
}

/** Template errors worded like the other errors about a service's or template's YAML: "The YAML of service "web", line 3, column 9: …". */
export function inTemplate<T>(what: string, fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof TemplateError) throw new ValidationError(`${what}, line ${error.line}, column ${error.column}: ${error.detail}`, {hint: error.hint, cause: error})
    throw error
  }
}

/** Refuse a YAML that uses a variable with no value, naming every one. */
export function checkVariablesGiven(text: string, vars: readonly Variable[], name: string): void {
  const have = new Set(vars.map((v) => v.key))
  const missing = variablesUsed(text, name).filter((k) => !have.has(k))
  if (missing.length === 0) return
  const list = missing.map((k) => `"${k}"`).join(', ')
  throw new ValidationError(`The YAML of service "${name}" uses ${missing.length === 1 ? 'variable' : 'variables'} ${list} with no value.`, {
    hint: `Give ${missing.length === 1 ? 'it' : 'them'} with ${missing.map((k) => `--var ${k}=VALUE`).join(' ')}`,
  })
}

/** The documents of an earlier render, reused when the text renders to the same digest (JSON parses far faster than YAML). */
export interface ParsedRender {
  digest: string
  documents: ManifestDocument[]
}

export async function renderService(input: RenderInput, deps: HelmDeps = {}, parsed?: ParsedRender): Promise<RenderedService> {
  let text: string
  if (input.spec.type === 'helm') {
    const {helmTemplate} = await import('../helm/release.js')
    text = await helmTemplate(
      {
        chart: input.chart ?? {},
        release: input.name,
        namespace: input.namespace ?? 'default',
        values: input.spec.values ? [input.spec.values] : [],
        set: input.spec.variables.map((v) => ({key: v.key, value: v.value})),
      },
      deps,
    )
  } else {
    const yaml = input.spec.yaml ?? ''
    checkVariablesGiven(yaml, input.spec.variables, input.name)
    text = inTemplate(`The YAML of service "${input.name}"`, () => renderTemplate(yaml, variableData(input.spec.variables), {name: input.name, ...RENDER_LIMITS}))
  }
  const digest = renderedDigest(text)
  const documents = parsed?.digest === digest ? parsed.documents : parseManifests(text, `The YAML of service "${input.name}"`)
  return {text, documents, containers: containersOf(documents.map((d) => d.object)), digest}
}
