import {Flags} from '@oclif/core'

import type {FlagSpec} from '../lib/endpoints/definition.js'
import {ENDPOINT_DEFINITIONS, allTypeFlags} from '../lib/endpoints/definitions/index.js'
import type {EndpointCheck} from '../lib/endpoints/credentials.js'
import type {EndpointCredentials} from '../lib/endpoints/types.js'

function oclifFlag(spec: FlagSpec) {
  const common = {summary: spec.summary, ...(spec.helpValue ? {helpValue: spec.helpValue} : {}), ...(spec.helpGroup ? {helpGroup: spec.helpGroup} : {})}
  return spec.kind === 'boolean' ? Flags.boolean(common) : Flags.string(common)
}

/**
 * The flags shared by `endpoint create` and `endpoint update`: every endpoint type's
 * flags, from its definition. Secrets only through stdin or a named variable.
 */
export const endpointFlags = {
  description: Flags.string({summary: 'A note for people: what the endpoint is for.'}),
  ...(Object.fromEntries(Object.entries(allTypeFlags()).map(([name, spec]) => [name, oclifFlag(spec)])) as Record<string, ReturnType<typeof Flags.string> | ReturnType<typeof Flags.boolean>>),
  verify: Flags.boolean({summary: 'Test the connection first; save nothing if it fails.'}),
}

/** `endpoint create --help`: each type and its flags, from the definitions. */
export function typeUsage(): string {
  const width = Math.max(...Object.keys(ENDPOINT_DEFINITIONS).map((t) => t.length))
  return Object.values(ENDPOINT_DEFINITIONS)
    .map((d) => `  ${d.type.padEnd(width)}  ${d.usage}`)
    .join('\n')
}

/** The --verify step of create and update: test the connection, telling the user how it went. */
export function connectionVerifier(notice: (message: string) => void) {
  return async (creds: EndpointCredentials): Promise<EndpointCheck> => {
    notice(`Testing ${creds.type} endpoint "${creds.name}"…`)
    const {checkEndpoint} = await import('../lib/endpoints/probe.js')
    const check = await checkEndpoint(creds)
    notice(`OK: ${check.summary}`)
    return check
  }
}
