import type {BerthContext} from '../context.js'
import {KINDS, Kind} from '../state/document.js'
import {isPlainObject} from '../yaml.js'

/** An object that names an endpoint. */
export interface EndpointReference {
  kind: Kind
  name: string
  /** Where in the spec, e.g. "spec.clusterEndpoint". */
  field: string
}

/**
 * Objects refer to endpoints by name in spec fields called `endpoint` or ending in
 * `Endpoint` (clusterEndpoint, repoEndpoint, …), at any depth. Kinds added later
 * follow that rule and are found here without change.
 */
export function isEndpointReferenceField(key: string): boolean {
  return key === 'endpoint' || /^[a-z][A-Za-z0-9]*Endpoint$/.test(key) || key === 'endpoints' || /Endpoints$/.test(key)
}

function collect(value: unknown, path: string, name: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => collect(item, `${path}[${i}]`, name, out))
    return
  }
  if (!isPlainObject(value)) return
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`
    if (isEndpointReferenceField(key)) {
      if (child === name) out.push(childPath)
      if (Array.isArray(child)) child.forEach((c, i) => c === name && out.push(`${childPath}[${i}]`))
    }
    collect(child, childPath, name, out)
  }
}

/** Every object of the project whose spec names endpoint `name`. */
export async function findEndpointReferences(ctx: BerthContext, name: string, project: string): Promise<EndpointReference[]> {
  const refs: EndpointReference[] = []
  for (const kind of Object.keys(KINDS) as Kind[]) {
    if (kind === 'Endpoint' || kind === 'Execution') continue
    const docs = KINDS[kind].scope === 'project' ? await ctx.state().list(kind, {project}) : await ctx.state().list(kind)
    for (const doc of docs) {
      const fields: string[] = []
      collect(doc.spec, 'spec', name, fields)
      for (const field of fields) refs.push({kind, name: doc.metadata.name, field})
    }
  }
  return refs
}
