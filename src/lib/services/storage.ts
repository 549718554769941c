/**
 * Where a service's texts live: its YAML and its helm values are bodies stored beside the
 * document; in memory the spec carries them as `yaml` and `values`.
 */
import type {StateBackend} from '../state/backend.js'
import {isPlainObject} from '../yaml.js'
import type {ParsedRender, RenderedService} from './render.js'
import type {ServiceDocument, ServiceSpec} from './types.js'

const YAML_BODY = 'service.yaml'
const VALUES_BODY = 'values.yaml'
/** The last render's objects as JSON, keyed by the rendered text's digest: a deploy of an unchanged service skips parsing YAML. */
const RENDERED_BODY = 'rendered.json'

export function splitServiceSpec(spec: ServiceSpec, rendered?: RenderedService): {spec: ServiceSpec; bodies: Record<string, string | null>} {
  const {yaml, values, ...rest} = spec
  const parsed = rendered && spec.type === 'k8s' ? JSON.stringify({digest: rendered.digest, documents: rendered.documents}) : null
  return {spec: rest, bodies: {[YAML_BODY]: yaml ?? null, [VALUES_BODY]: values ?? null, [RENDERED_BODY]: parsed}}
}

/** The stored parse of the last render, if any and well-formed (it is only an accelerator). */
export async function readParsedRender(state: StateBackend, doc: ServiceDocument): Promise<ParsedRender | undefined> {
  try {
    const text = await state.readBody(doc.kind, doc.metadata.name, doc.metadata.project, RENDERED_BODY)
    if (text === undefined) return undefined
    const parsed: unknown = JSON.parse(text)
    if (!isPlainObject(parsed) || typeof parsed.digest !== 'string' || !Array.isArray(parsed.documents)) return undefined
    return parsed as unknown as ParsedRender
  } catch {
    return undefined
  }
}

export async function withServiceBodies(state: StateBackend, doc: ServiceDocument): Promise<ServiceDocument> {
  const {name, project} = doc.metadata
  const yaml = await state.readBody(doc.kind, name, project, YAML_BODY)
  const values = await state.readBody(doc.kind, name, project, VALUES_BODY)
  return {...doc, spec: {...doc.spec, ...(yaml === undefined ? {} : {yaml}), ...(values === undefined ? {} : {values})}}
}

/** The bodies to create: the ones with a text (null means "none"). */
export function textsOnly(bodies: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, text] of Object.entries(bodies)) if (text !== null) out[key] = text
  return out
}
