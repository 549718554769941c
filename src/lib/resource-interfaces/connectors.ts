/**
 * The one place resource interfaces reach endpoints: berth's endpoints are the
 * connectors. This adapter reads Endpoint documents from the state store, turns them
 * into the connector objects expressions see (never a secret), and serves the
 * ConnectorClass operations dynamic forms call (git refs, registry tags) with the
 * endpoint's credentials through the endpoint library.
 */
import type {BerthContext} from '../context.js'
import {credentialsOf} from '../endpoints/credentials.js'
import {listEndpoints} from '../endpoints/manage.js'
import type {EndpointDocument, EndpointSpec, EndpointStatus} from '../endpoints/types.js'
import {typeWithArticle} from '../endpoints/types.js'
import {UsageError, ValidationError} from '../errors.js'
import {lsRemote} from '../git/ls-remote.js'
import {parseGitHttpUrl} from '../git/url.js'
import {quote} from '../names.js'
import {parseRegistryAddress} from '../registry/address.js'
import {RegistryClient} from '../registry/client.js'
import {CONNECTOR_CLASSES, ConnectorClass} from './connector-classes.js'
import {ConnectorObject, RI_API_VERSION} from './types.js'

/** An endpoint that can serve resource interfaces, with its class and connector object. */
export interface Connector {
  endpoint: string
  type: string
  connectorClass: ConnectorClass
  object: ConnectorObject
}

/** The project's endpoints that are connectors (git, codearts-repo, docker-registry). */
export async function listConnectors(ctx: BerthContext): Promise<Connector[]> {
  const project = await ctx.project()
  const {endpoints: docs} = await listEndpoints(ctx)
  return docs.flatMap((doc) => {
    const connector = connectorOf(doc, project)
    return connector ? [connector] : []
  })
}

/** One endpoint as a connector; a usage error when it is not one. */
export async function getConnector(ctx: BerthContext, name: string): Promise<Connector> {
  const project = await ctx.project()
  const doc = await ctx.state().get<EndpointSpec, EndpointStatus>('Endpoint', name, project)
  const connector = connectorOf(doc, project)
  if (!connector) {
    throw new UsageError(`Endpoint "${name}" is ${typeWithArticle(doc.spec.type)} endpoint, which is not a connector of any resource interface.`, {
      hint: `Connectors are endpoints of type ${Object.keys(CONNECTOR_CLASSES).join(', ')}.`,
    })
  }
  return connector
}

function connectorOf(doc: EndpointDocument, project: string): Connector | undefined {
  const cls = CONNECTOR_CLASSES[doc.spec.type]
  if (!cls) return undefined
  const s = doc.spec
  const raw = s.type === 'docker-registry' ? s.address : s.type === 'git' ? s.url : s.urlPrefix
  const spec: ConnectorObject['spec'] = {connectorClassName: cls.metadata.name, address: withoutSecrets(raw ?? '')}
  if (s.type === 'docker-registry' && s.address) spec.registry = parseRegistryAddress(s.address).imagePrefix
  return {
    endpoint: doc.metadata.name,
    type: s.type,
    connectorClass: cls,
    object: {apiVersion: RI_API_VERSION, kind: 'Connector', metadata: {name: doc.metadata.name, namespace: project}, spec},
  }
}

// Endpoint URLs are stored without user info; dropped here again so no form of it can reach an expression.
function withoutSecrets(address: string): string {
  try {
    const url = new URL(address)
    url.username = ''
    url.password = ''
    return url.href.replace(/\/+$/, '')
  } catch {
    return address.replace(/\/+$/, '')
  }
}

export interface OptionsResponse {
  items: Array<{name: string}>
}

/**
 * Call a ConnectorClass operation the way a connector's API would answer it, with the
 * endpoint's credentials: listGitRefs (`git ls-remote`) and listOCIArtifactTags
 * (registry API, Basic or Bearer). Returns the JSON the operation documents.
 */
export async function callConnectorOperation(ctx: BerthContext, connector: Connector, operationId: string, query: Record<string, string>): Promise<OptionsResponse> {
  const search = query.search ?? ''
  const matching = (names: string[]) => ({items: names.filter((n) => n.includes(search)).map((name) => ({name}))})
  if (operationId === 'listGitRefs' && (connector.type === 'git' || connector.type === 'codearts-repo')) {
    const repositoryUrl = query.repositoryUrl ?? ''
    assertUnder(repositoryUrl, connector.object.spec.address, connector.endpoint)
    const creds = await credentialsOf(ctx, await endpointDoc(ctx, connector.endpoint))
    if (creds.type !== 'git' && creds.type !== 'codearts-repo') throw new UsageError(`Endpoint "${connector.endpoint}" cannot list git refs.`)
    const refs = await lsRemote({url: repositoryUrl, username: creds.username, password: creds.password, name: creds.name})
    return matching([...refs.branches.map((b) => `refs/heads/${b.name}`), ...refs.tags.map((t) => `refs/tags/${t.name}`)])
  }
  if (operationId === 'listOCIArtifactTags' && connector.type === 'docker-registry') {
    const repository = query.repository ?? ''
    if (!repository) throw new UsageError('Give the repository first: the tags are listed from it.')
    const creds = await credentialsOf(ctx, await endpointDoc(ctx, connector.endpoint))
    if (creds.type !== 'docker-registry') throw new UsageError(`Endpoint "${connector.endpoint}" cannot list tags.`)
    const client = new RegistryClient({address: creds.address, username: creds.username, password: creds.password})
    const list = await client.listTags(repository, {limit: 1000})
    return matching(list.tags)
  }
  throw new UsageError(`berth cannot serve operation "${operationId}" for ${typeWithArticle(connector.type)} endpoint.`)
}

async function endpointDoc(ctx: BerthContext, name: string): Promise<EndpointDocument> {
  return ctx.state().get<EndpointSpec, EndpointStatus>('Endpoint', name, await ctx.project())
}

// The endpoint's credentials go only to repositories under its own address.
function assertUnder(url: string, address: string, endpoint: string): void {
  const target = parseGitHttpUrl(url, 'repository URL')
  const base = new URL(address)
  const basePath = base.pathname.replace(/\/+$/, '')
  const under = target.origin === base.origin && (target.pathname === basePath || target.pathname.startsWith(`${basePath}/`))
  if (!under) {
    throw new ValidationError(`Repository URL ${quote(url)} is not under the address of endpoint "${endpoint}" (${address}); its credentials are not sent there.`)
  }
}
