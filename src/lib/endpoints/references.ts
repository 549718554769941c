import type {BerthContext} from '../context.js'
import {Reference, findReferences} from '../state/references.js'

/** An object that names an endpoint in one of its declared reference fields (see KINDS in state/document.ts). */
export type EndpointReference = Reference

/** Every object of the project that names endpoint `name` in a declared reference field. */
export async function findEndpointReferences(ctx: BerthContext, name: string, project: string): Promise<EndpointReference[]> {
  return findReferences(ctx.state(), {kind: 'Endpoint', name, project})
}
