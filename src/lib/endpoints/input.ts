import type {BerthContext} from '../context.js'
import {CancelledError, UsageError, ValidationError} from '../errors.js'
import type {Prompter} from '../input/prompter.js'
import {MissingInputs, readSecretFromFlags} from '../input/secret-input.js'
import {dns1123LabelProblem, quote} from '../names.js'
import type {EndpointDefinition, EndpointFlags, FieldValues, InputDeps} from './definition.js'
import {credentialsFrom, definitionOf, ENDPOINT_DEFINITIONS, fieldValuesOf, secretOf, summaryLines} from './definitions/index.js'
import {FieldDefinition, SecretDefinition, acceptField, promptValidate, secretProblem} from './fields.js'
import type {EndpointInput} from './manage.js'
import {ENDPOINT_TYPES, EndpointCredentials, EndpointDocument, EndpointType, typeWithArticle} from './types.js'

export type {EndpointFlags} from './definition.js'
export {summaryLines} from './definitions/index.js'

export interface GatherOptions {
  /** Shows text to the person at the terminal (the summary before the confirmation); the command writes it to stderr. */
  show?: (text: string) => void
}

export function parseEndpointType(value: string): EndpointType {
  if ((ENDPOINT_TYPES as readonly string[]).includes(value)) return value as EndpointType
  throw new ValidationError(`Unknown endpoint type ${quote(value)}; choose one of: ${ENDPOINT_TYPES.join(', ')}.`)
}

const given = (value: string | boolean | undefined) => value !== undefined && value !== false

/** The type flags given (--description aside), as their names. */
function typeFlagsGiven(flags: EndpointFlags): string[] {
  const known = Object.values(ENDPOINT_DEFINITIONS).flatMap((d) => Object.keys(d.flags))
  return [...new Set(known)].filter((f) => given(flags[f]))
}

/** Refuse a flag of another type rather than silently ignore it. */
function refuseForeignFlags(def: EndpointDefinition, flags: EndpointFlags): void {
  const foreign = typeFlagsGiven(flags).filter((f) => !(f in def.flags))
  if (foreign.length > 0) {
    const names = foreign.map((f) => `--${f}`).join(', ')
    throw new UsageError(`${names} ${foreign.length === 1 ? 'does' : 'do'} not apply to ${typeWithArticle(def.type)} endpoint.`, {hint: `See: berth endpoint create ${def.type} --help`})
  }
}

const toPromptValidate = (check: (v: string) => string | undefined) => (value: string) => check(value) ?? true

async function secretFromFlags(ctx: BerthContext, def: SecretDefinition, flags: EndpointFlags): Promise<string | undefined> {
  const envVar = flags[def.envFlag.slice(2)]
  return readSecretFromFlags(
    {label: def.label, stdinFlag: def.stdinFlag, envFlag: def.envFlag, fromStdin: flags[def.stdinFlag.slice(2)] === true || undefined, envVar: typeof envVar === 'string' ? envVar : undefined},
    {stdin: ctx.stdin, env: ctx.env},
  )
}

async function fieldValue(field: FieldDefinition, flags: EndpointFlags, prompter: Prompter | undefined, missing: MissingInputs, current?: string): Promise<string | undefined> {
  const value = flags[field.flag.slice(2)]
  if (typeof value === 'string') return acceptField(field, value)
  if (prompter) {
    const answer = await prompter.input({message: field.prompt, ...(current === undefined ? {} : {default: current}), validate: promptValidate(field)})
    return field.normalize ? field.normalize(answer) : answer
  }
  if (current !== undefined) return current
  if (!field.optional) missing.add(field.flag)
  return undefined
}

/** The fields one flag or prompt each, for types without a custom input. */
async function plainFields(def: EndpointDefinition, flags: EndpointFlags, prompter: Prompter | undefined, missing: MissingInputs, current: FieldValues = {}): Promise<FieldValues> {
  const values: FieldValues = {}
  for (const field of def.fields) {
    const value = await fieldValue(field, flags, prompter, missing, current[field.key])
    if (value !== undefined) values[field.key] = value
  }
  return values
}

/**
 * Everything `endpoint create` needs, from flags or, at a terminal, from prompts:
 * each field checked as it is typed, secrets masked, a summary to confirm.
 * In a script, every missing flag is named in one error (exit 2).
 */
export async function gatherCreateInput(ctx: BerthContext, flags: EndpointFlags, options: GatherOptions = {}): Promise<EndpointInput> {
  const prompter = ctx.interactive ? ctx.prompter() : undefined
  const missing = new MissingInputs()
  let type: EndpointType
  if (flags.type !== undefined) type = parseEndpointType(flags.type)
  else if (prompter) type = await prompter.select({message: 'Endpoint type', choices: ENDPOINT_TYPES.map((t) => ({value: t, name: t, description: definitionOf(t).title}))})
  else {
    missing.add(`the TYPE argument (one of: ${ENDPOINT_TYPES.join(', ')})`)
    if (flags.name === undefined) missing.add('the NAME argument')
    missing.throwIfAny()
    throw new Error('unreachable')
  }
  const def = definitionOf(type)
  refuseForeignFlags(def, flags)

  let name = flags.name
  if (name !== undefined) {
    const problem = dns1123LabelProblem(name)
    if (problem) throw new ValidationError(`Invalid endpoint name ${quote(name)}: ${problem}.`, {hint: 'Use a DNS-1123 label such as "my-registry" (lower case, digits and "-", at most 63 characters).'})
  } else if (prompter) {
    name = await prompter.input({
      message: 'Endpoint name',
      validate: toPromptValidate((v) => {
        const problem = dns1123LabelProblem(v)
        return problem ? `Invalid endpoint name: ${problem}.` : undefined
      }),
    })
  } else missing.add('the NAME argument')

  const deps: InputDeps = {ctx, prompter, missing}
  let values: FieldValues = {}
  let secret: string | undefined
  if (def.input) {
    const read = await def.input.create(flags, deps)
    if (read) ({values, secret} = read)
  } else {
    values = await plainFields(def, flags, prompter, missing)
    const secretDef = def.secret!
    secret = await secretFromFlags(ctx, secretDef, flags)
    if (secret === undefined) {
      if (prompter) secret = await prompter.password({message: secretDef.prompt, validate: toPromptValidate((v) => secretProblem(secretDef.label, v))})
      else missing.add(`${secretDef.stdinFlag} or ${secretDef.envFlag} VAR`)
    }
  }
  missing.throwIfAny()

  const input = withDescription(credentialsFrom(type, name!, values, secret ?? ''), flags.description)
  if (prompter) await confirmSummary(prompter, options, input, 'Create this endpoint?')
  return input
}

function withDescription(creds: EndpointCredentials, description: string | undefined): EndpointInput {
  return description ? {...creds, description} : creds
}

async function confirmSummary(prompter: Prompter, options: GatherOptions, input: EndpointInput, question: string): Promise<void> {
  const rows = summaryLines(input)
  const width = Math.max(...rows.map(([k]) => k.length))
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')
  options.show?.(`\nSummary:\n${lines}\n\n`)
  if (!(await prompter.confirm({message: question, default: true}))) throw new CancelledError('Cancelled; nothing was saved.')
}

export interface UpdateInput {
  input: EndpointInput
  secretsChanged: boolean
  /** The flags or prompts changed something. */
  changed: boolean
}

/**
 * The new settings of an existing endpoint: flags given replace the current values;
 * at a terminal with no change flags, each value is asked with the current one as default.
 * Secret values are read back only when `needSecrets` (for --verify) and not replaced.
 */
export async function gatherUpdateInput(
  ctx: BerthContext,
  current: EndpointDocument,
  flags: EndpointFlags,
  loadSecrets: () => Promise<EndpointCredentials>,
  needSecrets: boolean,
  options: GatherOptions = {},
): Promise<UpdateInput> {
  const def = definitionOf(current.spec.type)
  refuseForeignFlags(def, flags)
  const anyFlag = typeFlagsGiven(flags).length > 0 || flags.description !== undefined
  const prompter = ctx.interactive && !anyFlag ? ctx.prompter() : undefined
  const missing = new MissingInputs()
  const currentValues = fieldValuesOf(current.spec)
  let values: FieldValues = currentValues
  let secret: string | undefined
  let fieldsChanged = false
  if (def.input) {
    const read = await def.input.update(flags, {ctx, prompter, missing}, currentValues)
    if (read) ({values, secret} = read)
  } else {
    const entered = await plainFields(def, flags, prompter, missing, currentValues)
    fieldsChanged = def.fields.some((f) => entered[f.key] !== undefined && entered[f.key] !== currentValues[f.key])
    values = {...currentValues, ...entered}
    const secretDef = def.secret!
    secret = await secretFromFlags(ctx, secretDef, flags)
    if (secret === undefined && prompter && (await prompter.confirm({message: `Change the ${secretDef.label}?`, default: false}))) {
      secret = await prompter.password({message: secretDef.prompt, validate: toPromptValidate((v) => secretProblem(secretDef.label, v))})
    }
  }
  missing.throwIfAny()
  const secretsChanged = secret !== undefined
  // Unchanged secrets stay where they are; read them only to verify the new settings.
  const secretValue = secret ?? (needSecrets ? secretOf(await loadSecrets()) : '')
  const input = withDescription(credentialsFrom(def.type, current.metadata.name, values, secretValue), flags.description)
  // A description is only ever set, never cleared (as in specFrom).
  const changed = secretsChanged || fieldsChanged || (Boolean(flags.description) && flags.description !== current.spec.description)
  if (prompter && changed) await confirmSummary(prompter, options, input, 'Save these changes?')
  return {input, secretsChanged, changed}
}
