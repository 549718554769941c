import {isPlainObject} from '../yaml.js'
import {KINDS, Kind} from './document.js'
import type {StateBackend} from './backend.js'

/** An object whose declared reference field names another object. */
export interface Reference {
  kind: Kind
  name: string
  /** The field, with list indexes, e.g. "spec.publish.repoEndpoint" or "spec.deployments[2].endpoint". */
  field: string
}

/** The object referred to. */
export interface ReferenceTarget {
  kind: Kind
  name: string
  /** Required when the target's kind belongs to a project; the referring objects are looked up there. */
  project?: string
}

/** The declared reference paths of `kind` that point to objects of `target` (see KINDS). */
export function referencePaths(kind: Kind, target: Kind): readonly string[] {
  const references: Partial<Record<string, readonly string[]>> = KINDS[kind].references
  return references[target] ?? []
}

/** The values at a declared path ("spec.a[].b"), each with its concrete field name. */
export function valuesAt(doc: unknown, declared: string): Array<{field: string; value: unknown}> {
  let current: Array<{field: string; value: unknown}> = [{field: '', value: doc}]
  for (const segment of declared.split('.')) {
    const isList = segment.endsWith('[]')
    const key = isList ? segment.slice(0, -2) : segment
    const next: Array<{field: string; value: unknown}> = []
    for (const {field, value} of current) {
      if (!isPlainObject(value) || !Object.hasOwn(value, key)) continue
      const child = value[key]
      const childField = field ? `${field}.${key}` : key
      if (!isList) next.push({field: childField, value: child})
      else if (Array.isArray(child)) child.forEach((item, i) => next.push({field: `${childField}[${i}]`, value: item}))
    }
    current = next
  }
  return current
}

/**
 * Every object that names `target` in one of its declared reference fields. Objects of
 * project-scoped kinds are looked up in the target's project; a reference is by name.
 */
export async function findReferences(state: StateBackend, target: ReferenceTarget): Promise<Reference[]> {
  const found: Reference[] = []
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const paths = referencePaths(kind, target.kind)
    if (paths.length === 0) continue
    if (KINDS[kind].scope === 'project' && target.project === undefined) continue
    const docs = KINDS[kind].scope === 'project' ? await state.list(kind, {project: target.project}) : await state.list(kind)
    for (const doc of docs) {
      for (const declared of paths) {
        for (const {field, value} of valuesAt(doc, declared)) {
          if (value === target.name) found.push({kind, name: doc.metadata.name, field})
        }
      }
    }
  }
  return found
}
