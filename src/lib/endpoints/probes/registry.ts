import type {EndpointCheck} from '../credentials.js'
import type {CredentialsOf} from '../types.js'
import type {HttpFetch} from '../../net/http.js'
import {PingResult, RegistryClient} from '../../registry/client.js'

export interface RegistryCheckOptions {
  /** Per request (default 15 s). */
  timeoutMs?: number
  /** Replaceable in tests. */
  fetch?: HttpFetch
}

/**
 * `endpoint test` for a docker-registry endpoint: GET /v2/ with the endpoint's
 * credentials (Basic, or a Bearer token from the challenge's token server).
 * Throws a ConnectionError naming the failed step, or an AuthError for refused credentials.
 */
export async function testRegistryEndpoint(creds: CredentialsOf<'docker-registry'>, options: RegistryCheckOptions = {}): Promise<EndpointCheck> {
  const client = registryClientFor(creds, options)
  const result = await client.ping()
  return {
    summary: `${result.apiVersion ?? 'registry API (version not reported)'} at ${client.address.baseUrl}, ${describeAuth(result)}`,
    details: {
      apiVersion: result.apiVersion,
      authScheme: result.authScheme,
      credentialsAccepted: result.credentialsAccepted,
      address: client.address.baseUrl,
      ...(result.tokenServer ? {tokenServer: result.tokenServer} : {}),
    },
  }
}

/** A RegistryClient with an endpoint's address and credentials. */
export function registryClientFor(creds: CredentialsOf<'docker-registry'>, options: RegistryCheckOptions = {}): RegistryClient {
  return new RegistryClient({address: creds.address, username: creds.username, password: creds.password, ...options})
}

function describeAuth(result: PingResult): string {
  switch (result.authScheme) {
    case 'none':
      return 'no authentication required (credentials not checked)'
    case 'basic':
      return 'Basic auth, credentials accepted'
    case 'bearer':
      return `Bearer token auth (token server ${result.tokenServer ?? 'unknown'}), credentials accepted`
  }
}
