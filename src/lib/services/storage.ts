/**
 * Where a service's texts live: its YAML and its helm values are bodies stored beside the
 * document; in memory the spec carries them as `yaml` and `values`.
 */
import type {StateStore} from '../state/store.js'
import type {ServiceDocument, ServiceSpec} from './types.js'

const YAML_BODY = 'service.yaml'
const VALUES_BODY = 'values.yaml'

export function splitServiceSpec(spec: ServiceSpec): {spec: ServiceSpec; bodies: Record<string, string | null>} {
  const {yaml, values, ...rest} = spec
  return {spec: rest, bodies: {[YAML_BODY]: yaml ?? null, [VALUES_BODY]: values ?? null}}
}

export async function withServiceBodies(state: StateStore, doc: ServiceDocument): Promise<ServiceDocument> {
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
