/** What the template commands print and return as --json (the source's snake_case field names). */
import type {BerthContext} from '../context.js'
import {servicesOfTemplate} from '../services/template-sync.js'
import {VariableReport, reportOf} from './service.js'
import type {TemplateDocument, TemplateType} from './types.js'
import {KeyVal, toKeyVal} from './variables.js'

export interface TemplateSummary {
  template_name: string
  type: TemplateType
  description: string
  variables: KeyVal[]
}

export interface TemplateDetail extends TemplateSummary {
  created_by: string
  created_at: string
  yaml: string
  chart_files: string[]
  report: VariableReport
  services: Array<{name: string; production: boolean; auto_sync: boolean}>
}

export function templateSummary(doc: TemplateDocument): TemplateSummary {
  return {template_name: doc.metadata.name, type: doc.spec.type, description: doc.spec.description ?? '', variables: doc.spec.variables.map(toKeyVal)}
}

export async function templateDetail(ctx: BerthContext, doc: TemplateDocument): Promise<TemplateDetail> {
  const services = await servicesOfTemplate(ctx, doc.metadata.name)
  return {
    ...templateSummary(doc),
    created_by: doc.metadata.createdBy,
    created_at: doc.metadata.createdAt,
    yaml: doc.spec.yaml ?? '',
    chart_files: Object.keys(doc.spec.chart ?? {}).sort(),
    report: reportOf(doc),
    services: services.map((s) => ({name: s.metadata.name, production: s.kind === 'ProductionService', auto_sync: s.spec.autoSync})),
  }
}

/** The variable report as notices: unused declarations and undeclared uses. */
export function reportNotices(report: VariableReport): string[] {
  const lines: string[] = []
  if (report.unused.length > 0) lines.push(`Declared but not used by the YAML: ${report.unused.join(', ')}.`)
  if (report.undeclared.length > 0) lines.push(`Used by the YAML but not declared (services must give them a value): ${report.undeclared.join(', ')}.`)
  return lines
}
