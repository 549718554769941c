/**
 * The ResourceInterface in its own form (Alauda connectors, connectors.alauda.io/v1alpha1):
 * how an external resource reached through a connector (a berth endpoint) becomes
 * pipeline parameters and Tekton workspace bindings.
 */
export const RI_API_VERSION = 'connectors.alauda.io/v1alpha1'
export const RI_KIND = 'ResourceInterface'

/** metadata.labels key holding the interface's category. */
export const CATEGORY_LABEL = 'resourceinterface.connectors.cpaas.io/category'
/** ConnectorClass label prefix: `resourceinterface.connectors.cpaas.io/<interface>: "true"`. */
export const SUPPORT_LABEL_PREFIX = 'resourceinterface.connectors.cpaas.io/'
export const DISPLAY_NAME_ANNOTATION = 'cpaas.io/display-name'
export const DESCRIPTION_ANNOTATION = 'cpaas.io/description'
export const DESCRIPTORS_ANNOTATION = 'style.tekton.dev/descriptors'

export const PARAM_TYPES = ['string', 'array', 'object'] as const
export type ParamType = (typeof PARAM_TYPES)[number]
export const ATTRIBUTE_TYPES = ['string', 'array'] as const
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number]

export interface InterfaceParam {
  name: string
  type: ParamType
  default?: string | string[] | Record<string, string>
  description?: string
}

export interface InterfaceAttribute {
  name: string
  type: AttributeType
  /** `{...}` JavaScript over `params` and `connector`. */
  expression: string
  /** The pipeline parameter the attribute becomes; absent: the attribute's own name. */
  parameterize?: {name?: string; disable?: boolean}
  /** `params.<name>` or `connector`. */
  dependsOn?: string[]
}

export interface InterfaceWorkspace {
  name: string
  /** `value` is a Tekton WorkspaceBinding (without its name) whose strings may hold `{...}` expressions. */
  workspaceMapping: {name: string; value: Record<string, unknown>}
}

export interface ResourceInterfaceSpec {
  params?: InterfaceParam[]
  attributes?: InterfaceAttribute[]
  workspaces?: InterfaceWorkspace[]
}

export interface ResourceInterface {
  apiVersion: typeof RI_API_VERSION
  kind: typeof RI_KIND
  metadata: {name: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec: ResourceInterfaceSpec
}

/** Where an interface comes from: shipped with berth, applied by the user, or applied over a built-in. */
export type InterfaceSource = 'built-in' | 'user' | 'user (overrides built-in)'

/**
 * What expressions see as `connector`: a berth endpoint in Alauda's Connector shape.
 * Stable and documented; never holds a secret.
 */
export interface ConnectorObject {
  apiVersion: typeof RI_API_VERSION
  kind: 'Connector'
  metadata: {
    /** The endpoint's name. */
    name: string
    /** The endpoint's project. */
    namespace: string
  }
  spec: {
    /** The endpoint's ConnectorClass (its type: git, codearts-repo, docker-registry). */
    connectorClassName: string
    /** The endpoint URL without user info or trailing "/": git url, codearts-repo url prefix, registry address. */
    address: string
    /** docker-registry only: host[:port], as in image references. */
    registry?: string
  }
}
