import {RI_API_VERSION, SUPPORT_LABEL_PREFIX} from './types.js'

/** One OpenAPI operation with the `x-display-schema` extension dynamic forms read. */
export interface DisplayOperation {
  operationId: string
  'x-provider-type'?: string
  'x-display-schema'?: {
    /** Query parameter values: `${...}` over `context` (connector, params, connectorClass) and `current` (search). */
    parameters?: Array<{name: string; value: string}>
    /** props.options descriptors: where the items are and which field is label and value. */
    descriptors?: string[]
  }
  parameters?: Array<{name: string; in: string; description?: string; required?: boolean; schema?: {type: string}}>
  responses?: Record<string, unknown>
}

export interface ConnectorClass {
  apiVersion: typeof RI_API_VERSION
  kind: 'ConnectorClass'
  metadata: {name: string; labels: Record<string, string>}
  spec: {
    api: {
      openapi: {
        openapi: string
        info: {title: string; version: string}
        paths: Record<string, {get?: DisplayOperation}>
      }
    }
  }
}

// The GET /git/gitrefs operation exactly as the source document's ConnectorClass example.
const GIT_API: ConnectorClass['spec']['api']['openapi'] = {
  openapi: '3.0.3',
  info: {title: 'Git API', version: 'v1alpha1'},
  paths: {
    '/git/gitrefs': {
      get: {
        'x-provider-type': 'api',
        'x-display-schema': {
          parameters: [
            {name: 'repositoryUrl', value: '${context.connector.spec.address + "/" + context.params.repository + ".git"}'},
            {name: 'search', value: '${current.search}'},
          ],
          descriptors: [
            'urn:alm:descriptor:expression:props.options:path:items',
            'urn:alm:descriptor:expression:props.options:label:path:name',
            'urn:alm:descriptor:expression:props.options:value:path:name',
          ],
        },
        operationId: 'listGitRefs',
        parameters: [
          {name: 'repositoryUrl', in: 'query', description: '仓库的可克隆 URL(例如 https://github.com/mygroup/my-app.git)', required: true, schema: {type: 'string'}},
          {name: 'search', in: 'query', description: '返回包含搜索字符串的 git 引用列表', required: false, schema: {type: 'string'}},
        ],
        responses: {'200': {description: '仓库的所有 git 引用', content: {'application/json': {}}}},
      },
    },
  },
}

// berth's own operation for registries, in the same shape: the tags of one repository.
const OCI_API: ConnectorClass['spec']['api']['openapi'] = {
  openapi: '3.0.3',
  info: {title: 'OCI Registry API', version: 'v1alpha1'},
  paths: {
    '/oci/tags': {
      get: {
        'x-provider-type': 'api',
        'x-display-schema': {
          parameters: [
            {name: 'repository', value: '${context.params.repository}'},
            {name: 'search', value: '${current.search}'},
          ],
          descriptors: [
            'urn:alm:descriptor:expression:props.options:path:items',
            'urn:alm:descriptor:expression:props.options:label:path:name',
            'urn:alm:descriptor:expression:props.options:value:path:name',
          ],
        },
        operationId: 'listOCIArtifactTags',
        parameters: [
          {name: 'repository', in: 'query', description: 'Repository path in the registry, e.g. team/app', required: true, schema: {type: 'string'}},
          {name: 'search', in: 'query', description: 'Only tags containing this string', required: false, schema: {type: 'string'}},
        ],
        responses: {'200': {description: 'The tags of the repository', content: {'application/json': {}}}},
      },
    },
  },
}

function connectorClass(name: string, interfaces: string[], openapi: ConnectorClass['spec']['api']['openapi']): ConnectorClass {
  return {
    apiVersion: RI_API_VERSION,
    kind: 'ConnectorClass',
    metadata: {name, labels: Object.fromEntries(interfaces.map((i) => [`${SUPPORT_LABEL_PREFIX}${i}`, 'true']))},
    spec: {api: {openapi}},
  }
}

/**
 * The ConnectorClass of each endpoint type that can serve a ResourceInterface. Endpoint
 * types missing here (kubernetes, iam) are not connectors of any interface.
 */
export const CONNECTOR_CLASSES: Readonly<Record<string, ConnectorClass>> = {
  git: connectorClass('git', ['gitcoderepository'], GIT_API),
  'codearts-repo': connectorClass('codearts-repo', ['gitcoderepository'], GIT_API),
  'docker-registry': connectorClass('docker-registry', ['ociartifact'], OCI_API),
}

/** Whether a ConnectorClass carries the label of interface `name`. */
export function supportsInterface(cls: ConnectorClass, name: string): boolean {
  return cls.metadata.labels[`${SUPPORT_LABEL_PREFIX}${name}`] === 'true'
}

/** The operation with this operationId in a class's OpenAPI document, and its path. */
export function findOperation(cls: ConnectorClass, operationId: string): {path: string; operation: DisplayOperation} | undefined {
  for (const [path, item] of Object.entries(cls.spec.api.openapi.paths)) {
    if (item.get?.operationId === operationId) return {path, operation: item.get}
  }
  return undefined
}
