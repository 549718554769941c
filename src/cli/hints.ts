import {BerthError, NotFoundError} from '../lib/errors.js'
import type {Kind} from '../lib/state/document.js'

/** The CLI topic that manages each kind: the library names no command, so hints about stored objects are made here. */
const TOPICS: Record<Kind, string> = {
  Endpoint: 'endpoint',
  Template: 'template',
  Service: 'service',
  ProductionService: 'service',
  Environment: 'environment',
  DeploymentRuntime: 'runtime',
  Trigger: 'trigger',
  Execution: 'trigger history',
  ResourceInterface: 'resource-interface',
}

/** A hint for an error that came without one, when the CLI knows the command that helps. */
export function defaultHint(error: BerthError): string | undefined {
  if (error instanceof NotFoundError && error.kind && Object.hasOwn(TOPICS, error.kind)) {
    return `List what exists with: berth ${TOPICS[error.kind as Kind]} list`
  }
  return undefined
}
