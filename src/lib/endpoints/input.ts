import type {BerthContext} from '../context.js'
import {CancelledError, UsageError, ValidationError} from '../errors.js'
import type {Prompter} from '../input/prompter.js'
import {MissingInputs, readSecretFromFlags} from '../input/secret-input.js'
import {dns1123LabelProblem, quote} from '../names.js'
import {FieldDefinition, SecretDefinition, TYPE_FIELDS, secretProblem} from './fields.js'
import type {EndpointInput} from './manage.js'
import {ENDPOINT_TYPES, EndpointCredentials, EndpointDocument, EndpointType, typeWithArticle} from './types.js'

/** The flags of `endpoint create` and `endpoint update`, as parsed. */
export interface EndpointFlags {
  type?: string
  name?: string
  description?: string
  address?: string
  username?: string
  server?: string
  kubeconfig?: string
  fromCurrentContext?: boolean
  context?: string
  url?: string
  urlPrefix?: string
  accessKeyId?: string
  passwordStdin?: boolean
  passwordEnv?: string
  secretAccessKeyStdin?: boolean
  secretAccessKeyEnv?: string
}

/** Which flags belong to which type, to refuse a flag that would be silently ignored. */
const TYPE_FLAGS: Record<EndpointType, ReadonlyArray<keyof EndpointFlags>> = {
  'docker-registry': ['address', 'username', 'passwordStdin', 'passwordEnv'],
  kubernetes: ['server', 'kubeconfig', 'fromCurrentContext', 'context'],
  git: ['url', 'username', 'passwordStdin', 'passwordEnv'],
  iam: ['accessKeyId', 'secretAccessKeyStdin', 'secretAccessKeyEnv'],
  'codearts-repo': ['urlPrefix', 'username', 'passwordStdin', 'passwordEnv'],
}

const FLAG_NAMES: Partial<Record<keyof EndpointFlags, string>> = {
  address: '--address',
  username: '--username',
  server: '--server',
  kubeconfig: '--kubeconfig',
  fromCurrentContext: '--from-current-context',
  context: '--context',
  url: '--url',
  urlPrefix: '--url-prefix',
  accessKeyId: '--access-key-id',
  passwordStdin: '--password-stdin',
  passwordEnv: '--password-env',
  secretAccessKeyStdin: '--secret-access-key-stdin',
  secretAccessKeyEnv: '--secret-access-key-env',
}

export function parseEndpointType(value: string): EndpointType {
  if ((ENDPOINT_TYPES as readonly string[]).includes(value)) return value as EndpointType
  throw new ValidationError(`Unknown endpoint type ${quote(value)}; choose one of: ${ENDPOINT_TYPES.join(', ')}.`)
}

function refuseForeignFlags(type: EndpointType, flags: EndpointFlags): void {
  const foreign = (Object.keys(FLAG_NAMES) as Array<keyof EndpointFlags>).filter((k) => flags[k] !== undefined && flags[k] !== false && !TYPE_FLAGS[type].includes(k))
  if (foreign.length > 0) {
    const names = foreign.map((k) => FLAG_NAMES[k]).join(', ')
    throw new UsageError(`${names} ${foreign.length === 1 ? 'does' : 'do'} not apply to ${typeWithArticle(type)} endpoint.`, {hint: `See: berth endpoint create ${type} --help`})
  }
}

const toPromptValidate = (check: (v: string) => string | undefined) => (value: string) => check(value) ?? true

/** A field's check for a prompt: the same text as for the flag, without naming a flag the user did not type. */
const promptCheck = (field: FieldDefinition) =>
  toPromptValidate((value) => {
    const problem = field.check(value)
    return problem?.startsWith(`${field.flag} `) ? `The value ${problem.slice(field.flag.length + 1)}` : problem?.replace(`${field.flag} `, '')
  })

async function secretFromFlags(ctx: BerthContext, def: SecretDefinition, flags: EndpointFlags): Promise<string | undefined> {
  const fromStdin = def.key === 'password' ? flags.passwordStdin : flags.secretAccessKeyStdin
  const envVar = def.key === 'password' ? flags.passwordEnv : flags.secretAccessKeyEnv
  return readSecretFromFlags({label: def.label, stdinFlag: def.stdinFlag, envFlag: def.envFlag, fromStdin, envVar}, {stdin: ctx.stdin, env: ctx.env})
}

interface KubeInput {
  server?: string
  context?: string
  kubeconfig: string
}

/** Read, check and minify the kubeconfig for a kubernetes endpoint, prompting for what is missing at a terminal. */
async function kubernetesInput(ctx: BerthContext, flags: EndpointFlags, prompter: Prompter | undefined, missing: MissingInputs, current?: {server?: string; context?: string}): Promise<KubeInput | undefined> {
  const kube = await import('../kube/kubeconfig.js')
  if (flags.kubeconfig !== undefined && flags.fromCurrentContext) throw new UsageError('Give the kubeconfig one way only: --kubeconfig FILE or --from-current-context, not both.')
  if (flags.server !== undefined) {
    const problem = TYPE_FIELDS.kubernetes.fields[0]!.check(flags.server)
    if (problem) throw new ValidationError(problem)
  }
  let file = flags.kubeconfig
  let source = file === undefined ? undefined : `--kubeconfig ${file}`
  if (flags.fromCurrentContext) {
    file = kube.currentContextKubeconfigPath(ctx.env)
    source = `the current kubeconfig ${file}`
  }
  let context = flags.context
  let server = flags.server
  if (file === undefined) {
    if (!prompter) {
      missing.add('--kubeconfig FILE or --from-current-context')
      return undefined
    }
    file = await prompter.input({message: 'Kubeconfig file', default: kube.currentContextKubeconfigPath(ctx.env), validate: (v) => (v.trim() === '' ? 'Give the path of a kubeconfig file.' : true)})
    source = file
  }
  if (prompter && context === undefined) {
    const {config} = await kube.readKubeconfigFile(file, source)
    if (config.contexts.length > 1) {
      const fallback = current?.context ?? config['current-context']
      context = await prompter.select({message: 'Context', choices: config.contexts.map((c) => ({value: c.name, name: c.name, description: `cluster ${c.context.cluster}, user ${c.context.user}`})), ...(fallback ? {default: fallback} : {})})
    }
  }
  let prepared = await kube.prepareKubeconfig({file, source, context, useCurrentContext: context === undefined, server})
  if (prompter && flags.server === undefined) {
    server = await prompter.input({message: 'Kubernetes API server URL', default: prepared.server, validate: promptCheck(TYPE_FIELDS.kubernetes.fields[0]!)})
    if (server !== prepared.server) prepared = await kube.prepareKubeconfig({file, source, context: prepared.context, useCurrentContext: false, server})
  }
  return {server: prepared.server, context: prepared.context, kubeconfig: prepared.kubeconfig}
}

/**
 * Everything `endpoint create` needs, from flags or, at a terminal, from prompts:
 * each field checked as it is typed, secrets masked, a summary to confirm.
 * In a script, every missing flag is named in one error (exit 2).
 */
export async function gatherCreateInput(ctx: BerthContext, flags: EndpointFlags): Promise<EndpointInput> {
  const prompter = ctx.interactive ? ctx.prompter() : undefined
  const missing = new MissingInputs()
  let type: EndpointType
  if (flags.type !== undefined) type = parseEndpointType(flags.type)
  else if (prompter) type = await prompter.select({message: 'Endpoint type', choices: ENDPOINT_TYPES.map((t) => ({value: t, name: t, description: TYPE_FIELDS[t].title}))})
  else {
    missing.add(`the TYPE argument (one of: ${ENDPOINT_TYPES.join(', ')})`)
    if (flags.name === undefined) missing.add('the NAME argument')
    missing.throwIfAny()
    throw new Error('unreachable')
  }
  refuseForeignFlags(type, flags)

  let name = flags.name
  if (name !== undefined) {
    const problem = dns1123LabelProblem(name)
    if (problem) throw new ValidationError(`Invalid endpoint name ${quote(name)}: ${problem}.`, {hint: 'Use a DNS-1123 label such as "my-registry" (lower case, digits and "-", at most 63 characters).'})
  } else if (prompter) {
    name = await prompter.input({message: 'Endpoint name', validate: toPromptValidate((v) => {
      const problem = dns1123LabelProblem(v)
      return problem ? `Invalid endpoint name: ${problem}.` : undefined
    })})
  } else missing.add('the NAME argument')

  const def = TYPE_FIELDS[type]
  const values: Record<string, string> = {}
  if (type !== 'kubernetes') {
    for (const field of def.fields) {
      const value = await fieldValue(field, flags, prompter, missing)
      if (value !== undefined) values[field.key] = value
    }
  }
  let kubeInput: KubeInput | undefined
  let secret: string | undefined
  if (type === 'kubernetes') kubeInput = await kubernetesInput(ctx, flags, prompter, missing)
  else {
    const secretDef = def.secret!
    secret = await secretFromFlags(ctx, secretDef, flags)
    if (secret === undefined) {
      if (prompter) secret = await prompter.password({message: secretDef.prompt, validate: toPromptValidate((v) => secretProblem(secretDef.label, v))})
      else missing.add(`${secretDef.stdinFlag} or ${secretDef.envFlag} VAR`)
    }
  }
  missing.throwIfAny()

  const input = assemble(type, name!, values, secret ?? '', kubeInput, flags.description)
  if (prompter) await confirmSummary(prompter, ctx, input, 'Create this endpoint?')
  return input
}

async function fieldValue(field: FieldDefinition, flags: EndpointFlags, prompter: Prompter | undefined, missing: MissingInputs, current?: string): Promise<string | undefined> {
  const given = flags[field.key]
  if (given !== undefined) {
    const problem = field.check(given)
    if (problem) throw new ValidationError(problem)
    return given
  }
  if (prompter) return prompter.input({message: field.prompt, ...(current === undefined ? {} : {default: current}), validate: promptCheck(field)})
  if (current !== undefined) return current
  missing.add(field.flag)
  return undefined
}

function assemble(type: EndpointType, name: string, values: Record<string, string>, secret: string, kube: KubeInput | undefined, description: string | undefined): EndpointInput {
  const extra = description ? {description} : {}
  switch (type) {
    case 'docker-registry':
      return {type, name, address: values.address!, username: values.username!, password: secret, ...extra}
    case 'kubernetes':
      return {type, name, server: kube!.server!, ...(kube!.context ? {context: kube!.context} : {}), kubeconfig: kube!.kubeconfig, ...extra}
    case 'git':
      return {type, name, url: values.url!, username: values.username!, password: secret, ...extra}
    case 'iam':
      return {type, name, accessKeyId: values.accessKeyId!, secretAccessKey: secret, ...extra}
    case 'codearts-repo':
      return {type, name, urlPrefix: values.urlPrefix!, username: values.username!, password: secret, ...extra}
  }
}

/** The lines of a summary: every field, secrets as asterisks. */
export function summaryLines(input: EndpointCredentials & {description?: string}): Array<[string, string]> {
  const rows: Array<[string, string]> = [['name', input.name], ['type', input.type]]
  for (const [key, value] of Object.entries(input)) {
    if (key === 'name' || key === 'type' || value === undefined) continue
    const secret = key === 'password' || key === 'secretAccessKey' || key === 'kubeconfig'
    rows.push([key, secret ? '********' : String(value)])
  }
  return rows
}

async function confirmSummary(prompter: Prompter, ctx: BerthContext, input: EndpointInput, question: string): Promise<void> {
  const rows = summaryLines(input)
  const width = Math.max(...rows.map(([k]) => k.length))
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')
  process.stderr.write(`\nSummary:\n${lines}\n\n`)
  if (!(await prompter.confirm({message: question, default: true}))) throw new CancelledError('Cancelled; nothing was saved.')
  void ctx
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
export async function gatherUpdateInput(ctx: BerthContext, current: EndpointDocument, flags: EndpointFlags, loadSecrets: () => Promise<EndpointCredentials>, needSecrets: boolean): Promise<UpdateInput> {
  const type = current.spec.type
  refuseForeignFlags(type, flags)
  const anyFlag = (Object.keys(FLAG_NAMES) as Array<keyof EndpointFlags>).some((k) => flags[k] !== undefined && flags[k] !== false) || flags.description !== undefined
  const prompter = ctx.interactive && !anyFlag ? ctx.prompter() : undefined
  const missing = new MissingInputs()
  const def = TYPE_FIELDS[type]
  const spec = current.spec as unknown as Record<string, string | undefined>
  const values: Record<string, string> = {}
  let kubeInput: KubeInput | undefined
  let secret: string | undefined
  if (type === 'kubernetes') {
    const replace = flags.kubeconfig !== undefined || flags.fromCurrentContext || flags.context !== undefined || (prompter ? await prompter.confirm({message: 'Replace the kubeconfig?', default: false}) : false)
    if (replace) {
      if (flags.kubeconfig === undefined && !flags.fromCurrentContext && !prompter) throw new UsageError('--context and --server need the kubeconfig again: add --kubeconfig FILE or --from-current-context.')
      kubeInput = await kubernetesInput(ctx, flags, prompter, missing, {server: current.spec.server, context: current.spec.context})
      secret = kubeInput?.kubeconfig
    } else if (flags.server !== undefined) {
      throw new UsageError('--server must agree with the kubeconfig: give --kubeconfig FILE (or --from-current-context) with it.')
    }
  } else {
    for (const field of def.fields) {
      const value = await fieldValue(field, flags, prompter, missing, spec[field.key])
      if (value !== undefined) values[field.key] = value
    }
    const secretDef = def.secret!
    secret = await secretFromFlags(ctx, secretDef, flags)
    if (secret === undefined && prompter && (await prompter.confirm({message: `Change the ${secretDef.label}?`, default: false}))) {
      secret = await prompter.password({message: secretDef.prompt, validate: toPromptValidate((v) => secretProblem(secretDef.label, v))})
    }
  }
  missing.throwIfAny()
  const secretsChanged = secret !== undefined
  let secretValue = secret
  let kube = kubeInput
  if (!secretsChanged) {
    // Unchanged secrets stay where they are; read them only to verify the new settings.
    const existing = needSecrets ? await loadSecrets() : undefined
    if (type === 'kubernetes') {
      kube = {server: current.spec.server, context: current.spec.context, kubeconfig: existing?.type === 'kubernetes' ? existing.kubeconfig : ''}
    } else {
      secretValue = existing && 'password' in existing ? existing.password : existing && 'secretAccessKey' in existing ? existing.secretAccessKey : ''
    }
  }
  const input = assemble(type, current.metadata.name, values, secretValue ?? '', kube, flags.description)
  // A description is only ever set, never cleared (as in assemble and specOf).
  const changed =
    secretsChanged ||
    def.fields.some((f) => values[f.key] !== undefined && values[f.key] !== spec[f.key]) ||
    (Boolean(flags.description) && flags.description !== current.spec.description)
  if (prompter && changed) await confirmSummary(prompter, ctx, input, 'Save these changes?')
  return {input, secretsChanged, changed}
}
