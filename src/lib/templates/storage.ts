/**
 * Where a template's text lives: its K8s YAML and its chart are bodies stored beside the
 * document (the store keeps large texts out of the YAML document); in memory the spec
 * carries them as `yaml` and `chart`.
 */
import {DamagedStateError} from '../errors.js'
import type {StateBackend} from '../state/backend.js'
import {isPlainObject} from '../yaml.js'
import type {TemplateDocument, TemplateSpec} from './types.js'

const YAML_BODY = 'template.yaml'
/** The chart's files as one JSON body (body keys cannot hold the files' paths). */
const CHART_BODY = 'chart.json'

/** The spec to store and the bodies beside it. */
export function splitTemplateSpec(spec: TemplateSpec): {spec: TemplateSpec; bodies: Record<string, string | null>} {
  const {yaml, chart, ...rest} = spec
  return {
    spec: rest,
    bodies: {[YAML_BODY]: yaml ?? null, [CHART_BODY]: chart ? JSON.stringify(chart) : null},
  }
}

/** A stored template with its YAML or chart read back. */
export async function withTemplateBodies(state: StateBackend, doc: TemplateDocument): Promise<TemplateDocument> {
  const project = doc.metadata.project
  const yaml = await state.readBody('Template', doc.metadata.name, project, YAML_BODY)
  const chartText = await state.readBody('Template', doc.metadata.name, project, CHART_BODY)
  let chart: Record<string, string> | undefined
  if (chartText !== undefined) {
    const parsed: unknown = JSON.parse(chartText)
    if (!isPlainObject(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw new DamagedStateError(state.whereIs('Template', doc.metadata.name, project), `The chart of template "${doc.metadata.name}" is damaged: it is not a map of file names to texts.`)
    }
    chart = parsed as Record<string, string>
  }
  return {...doc, spec: {...doc.spec, ...(yaml === undefined ? {} : {yaml}), ...(chart ? {chart} : {})}}
}
