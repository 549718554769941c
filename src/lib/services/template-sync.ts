/**
 * Template changes and the services made from them: updating a template re-renders
 * every auto-sync service (test and production) with its own variable values, and
 * reports the others as behind; deleting one refuses while services use it.
 */
import type {BerthContext} from '../context.js'
import {ConflictError, ValidationError, messageOf} from '../errors.js'
import {TemplateInput, VariableReport, checkTemplate, getTemplate, templateSpec} from '../templates/service.js'
import type {TemplateDocument, TemplateSpec} from '../templates/types.js'
import {Variable, checkVariable} from '../templates/variables.js'
import {RenderedService, renderService} from './render.js'
import {splitServiceSpec, withServiceBodies} from './storage.js'
import {splitTemplateSpec} from '../templates/storage.js'
import {ServiceDocument, ServiceSpec, ServiceStatus, serviceKind} from './types.js'

export interface TemplateServiceRef {
  name: string
  production: boolean
}

export interface TemplateUpdateResult {
  template: TemplateDocument
  report: VariableReport
  /** Auto-sync services re-rendered from the new template. */
  synced: TemplateServiceRef[]
  /** Auto-sync services whose rendered YAML did not change. */
  unchanged: TemplateServiceRef[]
  /** Services made from the template without auto-sync: now behind it. */
  behind: TemplateServiceRef[]
}

export interface TemplateChange {
  name: string
  description?: string
  yaml?: string
  variables?: Variable[]
  chart?: Record<string, string>
}

/** Services of both sets made from template `name`. */
export async function servicesOfTemplate(ctx: BerthContext, name: string): Promise<ServiceDocument[]> {
  const project = await ctx.project()
  const out: ServiceDocument[] = []
  for (const production of [false, true]) {
    const docs = await ctx.state().list<ServiceSpec, ServiceStatus>(serviceKind(production), {project})
    for (const doc of docs.filter((d) => d.spec.template === name)) out.push(await withServiceBodies(ctx.state(), doc))
  }
  return out
}

/** A service's variables after its template changed: its values kept where the key still exists and the value still fits. */
function syncedVariables(service: ServiceDocument, template: TemplateSpec): Variable[] {
  if (template.type === 'helm') return service.spec.variables
  const own = new Map(service.spec.variables.map((v) => [v.key, v]))
  const out: Variable[] = template.variables.map((decl) => {
    const mine = own.get(decl.key)
    if (!mine) return {...decl}
    const candidate = {...decl, value: mine.value}
    try {
      checkVariable(candidate)
      return candidate
    } catch (error) {
      throw new ValidationError(`Auto-sync service "${service.metadata.name}" keeps ${decl.key}=${JSON.stringify(mine.value)}, which the new template refuses: ${messageOf(error)}`, {
        hint: `Change the service's value first: berth service set-var ${service.metadata.name} --var ${decl.key}=VALUE`,
      })
    }
  })
  // Variables the text uses without declaring them stay with the service.
  for (const v of service.spec.variables) if (!template.variables.some((d) => d.key === v.key)) out.push({...v})
  return out
}

export async function updateTemplate(ctx: BerthContext, change: TemplateChange): Promise<TemplateUpdateResult> {
  const project = await ctx.project()
  const state = ctx.state()
  return state.withLock(async () => {
    const current = await getTemplate(ctx, change.name)
    const input: TemplateInput = {
      name: change.name,
      type: current.spec.type,
      description: change.description ?? current.spec.description,
      yaml: change.yaml ?? current.spec.yaml,
      variables: change.variables ?? current.spec.variables,
      chart: change.chart ?? current.spec.chart,
    }
    if (current.spec.type === 'k8s' && change.chart) throw new ValidationError(`Template "${change.name}" is a k8s template; --helm-chart applies to helm templates.`)
    if (current.spec.type === 'helm' && (change.yaml !== undefined || change.variables !== undefined)) throw new ValidationError(`Template "${change.name}" is a helm template; change its chart with --helm-chart DIR.`)
    const report = checkTemplate(input)
    const spec = templateSpec(input)

    // Render every auto-sync service first: the template changes only if all of them still render.
    const services = await servicesOfTemplate(ctx, change.name)
    const synced: TemplateServiceRef[] = []
    const unchanged: TemplateServiceRef[] = []
    const behind: TemplateServiceRef[] = []
    const writes: Array<{doc: ServiceDocument; spec: ServiceSpec; rendered: RenderedService}> = []
    for (const doc of services) {
      const ref = {name: doc.metadata.name, production: doc.kind === 'ProductionService'}
      if (!doc.spec.autoSync) {
        behind.push(ref)
        continue
      }
      const next: ServiceSpec = {...doc.spec, variables: syncedVariables(doc, spec), ...(spec.type === 'k8s' ? {yaml: spec.yaml} : {})}
      let before: string | undefined
      try {
        before = (await renderService({name: ref.name, spec: doc.spec, chart: current.spec.chart}, {env: ctx.env})).digest
      } catch {
        before = undefined
      }
      let after
      try {
        after = await renderService({name: ref.name, spec: next, chart: spec.chart}, {env: ctx.env})
      } catch (error) {
        throw new ValidationError(`Template "${change.name}" was not changed: auto-sync ${ref.production ? 'production ' : ''}service "${ref.name}" would no longer render: ${messageOf(error)}`, {
          hint: 'Fix the template, or turn the service into a copy first (recreate it without --auto-sync).',
        })
      }
      next.containers = after.containers
      if (before === after.digest && next.yaml === doc.spec.yaml) unchanged.push(ref)
      else {
        synced.push(ref)
        writes.push({doc, spec: next, rendered: after})
      }
    }
    const storedTemplate = splitTemplateSpec(spec)
    const template = await state.update<TemplateSpec, Record<string, never>>('Template', change.name, project, (doc) => ({...doc, spec: storedTemplate.spec}), {
      expectedGeneration: current.metadata.generation,
      bodies: storedTemplate.bodies,
    })
    for (const w of writes) {
      const stored = splitServiceSpec(w.spec, w.rendered)
      await state.update<ServiceSpec, ServiceStatus>(w.doc.kind, w.doc.metadata.name, project, (doc) => ({...doc, spec: stored.spec}), {expectedGeneration: w.doc.metadata.generation, bodies: stored.bodies})
    }
    return {template: {...template, spec}, report, synced, unchanged, behind}
  })
}

export async function deleteTemplate(ctx: BerthContext, name: string, options: {force?: boolean} = {}): Promise<{template: TemplateDocument; services: TemplateServiceRef[]}> {
  const project = await ctx.project()
  const state = ctx.state()
  return state.withLock(async () => {
    const template = await getTemplate(ctx, name)
    const services = (await servicesOfTemplate(ctx, name)).map((d) => ({name: d.metadata.name, production: d.kind === 'ProductionService'}))
    const helmUsers = template.spec.type === 'helm' ? services : []
    if (services.length > 0 && (!options.force || helmUsers.length > 0)) {
      const list = services.map((s) => `${s.production ? 'production ' : ''}"${s.name}"`).join(', ')
      throw new ConflictError(`Template "${name}" is used by ${services.length === 1 ? 'service' : 'services'} ${list}.`, {
        hint: helmUsers.length > 0 ? 'Helm services render from their template\'s chart: delete those services first.' : `Delete them first, or delete anyway with --force (they keep their YAML and stop following the template): berth template delete ${name} --force`,
      })
    }
    for (const s of services) {
      await state.update<ServiceSpec, ServiceStatus>(serviceKind(s.production), s.name, project, (doc) => {
        const {template: _t, ...spec} = doc.spec
        return {...doc, spec: {...spec, autoSync: false}}
      })
    }
    await state.delete('Template', name, project)
    return {template, services}
  })
}
