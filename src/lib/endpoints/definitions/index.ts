/**
 * The endpoint types berth knows, one definition each. Adding a type: a file here
 * exporting its EndpointDefinition, one line below, and its credentials shape in ../types.ts.
 */
import type {StoredSecretRef} from '../../secrets/store.js'
import type {EndpointDefinition, FieldValues} from '../definition.js'
import type {EndpointCredentials, EndpointSpec, EndpointType} from '../types.js'
import {codeartsRepo} from './codearts-repo.js'
import {dockerRegistry} from './docker-registry.js'
import {git} from './git.js'
import {iam} from './iam.js'
import {kubernetes} from './kubernetes.js'

export const ENDPOINT_DEFINITIONS: Readonly<Record<EndpointType, EndpointDefinition>> = {
  'docker-registry': dockerRegistry,
  kubernetes,
  git,
  iam,
  'codearts-repo': codeartsRepo,
}

export function definitionOf(type: EndpointType): EndpointDefinition {
  return ENDPOINT_DEFINITIONS[type]
}

/** Every flag some type has, by name: what the command layer declares. */
export function allTypeFlags(): EndpointDefinition['flags'] {
  return Object.assign({}, ...Object.values(ENDPOINT_DEFINITIONS).map((d) => d.flags))
}

/** An endpoint with its secret, from its fields' values (in the definition's order, the secret last). */
export function credentialsFrom(type: EndpointType, name: string, values: FieldValues, secret: string): EndpointCredentials {
  const def = definitionOf(type)
  const out: Record<string, string> = {type, name}
  for (const field of def.fields) {
    const value = values[field.key]
    if (value !== undefined && value !== '') out[field.key] = value
    else if (!field.optional) out[field.key] = ''
  }
  out[def.secretKey] = secret
  return out as unknown as EndpointCredentials
}

/** The plain field values of credentials or a spec. */
export function fieldValuesOf(source: EndpointCredentials | EndpointSpec): FieldValues {
  const def = definitionOf(source.type)
  const record = source as unknown as Record<string, string | undefined>
  return Object.fromEntries(def.fields.filter((f) => record[f.key] !== undefined).map((f) => [f.key, record[f.key]]))
}

/** The secret of some credentials. */
export function secretOf(creds: EndpointCredentials): string {
  return (creds as unknown as Record<string, string>)[definitionOf(creds.type).secretKey] ?? ''
}

/** The spec stored for an endpoint: its plain fields and where its secret is. */
export function specFrom(creds: EndpointCredentials & {description?: string}, secretRefs: Record<string, StoredSecretRef>): EndpointSpec {
  return {type: creds.type, ...(creds.description ? {description: creds.description} : {}), secretRefs, ...fieldValuesOf(creds)}
}

/** The endpoint's location for tables: its first field (address, server, URL, URL prefix or key id). */
export function endpointTarget(spec: EndpointSpec): string {
  const first = definitionOf(spec.type)?.fields[0]
  return (first && (spec as unknown as Record<string, string | undefined>)[first.key]) ?? ''
}

/** The lines of a summary: every field, the secret as asterisks. */
export function summaryLines(input: EndpointCredentials & {description?: string}): Array<[string, string]> {
  const secretKey = definitionOf(input.type).secretKey
  const rows: Array<[string, string]> = [['name', input.name], ['type', input.type]]
  for (const [key, value] of Object.entries(input)) {
    if (key === 'name' || key === 'type' || value === undefined) continue
    rows.push([key, key === secretKey ? '********' : String(value)])
  }
  return rows
}
