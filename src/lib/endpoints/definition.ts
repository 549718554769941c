import type {BerthContext} from '../context.js'
import type {Prompter} from '../input/prompter.js'
import type {MissingInputs} from '../input/secret-input.js'
import type {FieldDefinition, FieldKey, SecretDefinition, SecretKey} from './fields.js'
import type {EndpointType} from './types.js'

/** A flag, as data: the command layer turns these into oclif flags. */
export interface FlagSpec {
  kind: 'string' | 'boolean'
  summary: string
  helpValue?: string
  helpGroup?: string
}

/** The flags of `endpoint create` and `endpoint update`, as parsed, by flag name. */
export interface EndpointFlags {
  /** create: the TYPE argument. */
  type?: string
  /** create: the NAME argument. */
  name?: string
  description?: string
  [flag: string]: string | boolean | undefined
}

export type FieldValues = Partial<Record<FieldKey, string>>

/** Fields and secret read together (kubernetes: from one kubeconfig file). */
export interface ReadInput {
  values: FieldValues
  secret: string
}

export interface InputDeps {
  ctx: BerthContext
  /** Present only at a terminal. */
  prompter?: Prompter
  /** Collects what a script did not give, to name every missing flag at once. */
  missing: MissingInputs
}

/** Input that is not one flag or prompt per field (kubernetes reads a kubeconfig file). */
export interface CustomInput {
  create(flags: EndpointFlags, deps: InputDeps): Promise<ReadInput | undefined>
  /** undefined: the fields and secret stay as they are. */
  update(flags: EndpointFlags, deps: InputDeps, current: FieldValues): Promise<ReadInput | undefined>
}

/**
 * Everything berth knows about one endpoint type, read by input, storage, credentials,
 * the command flags and the list table. Adding a type is one file in definitions/.
 */
export interface EndpointDefinition {
  type: EndpointType
  /** For the type picker: "Docker registry (address, username, password)". */
  title: string
  /** `endpoint create --help`: this type's flags in one line. */
  usage: string
  /** The plain settings kept in the spec, in order; the first is the endpoint's location in tables. */
  fields: FieldDefinition[]
  /** Where the secret is kept (the secret store, under this key of the credentials). */
  secretKey: SecretKey
  /** The secret's flags and prompt, for types that read it as one value. */
  secret?: SecretDefinition
  /** Types whose fields and secret are read together. */
  input?: CustomInput
  /** The flags that apply to this type (others are refused, not silently ignored). */
  flags: Record<string, FlagSpec>
}

export const USERNAME_FLAG: FlagSpec = {kind: 'string', summary: 'docker-registry, git, codearts-repo: the username (codearts-repo: tenant/iam-user).'}
export const PASSWORD_FLAGS: Record<string, FlagSpec> = {
  'password-stdin': {kind: 'boolean', summary: 'Read the password (or git access token) from stdin.'},
  'password-env': {kind: 'string', summary: 'Read the password (or git access token) from this environment variable.', helpValue: 'VAR'},
}
