import {UsageError, ValidationError} from '../../errors.js'
import {quote} from '../../names.js'
import {portProblem} from '../../net/url.js'
import type {CustomInput, EndpointDefinition, EndpointFlags, FieldValues, InputDeps, ReadInput} from '../definition.js'
import {FieldDefinition, acceptField, promptValidate, urlField} from '../fields.js'

const SERVER: FieldDefinition = urlField('server', 'Kubernetes API server URL', {flag: '--server', what: 'a kubernetes endpoint', schemes: ['http', 'https']}, (value) => {
  const problem = portProblem(new URL(value))
  if (problem) throw new ValidationError(`Invalid --server ${quote(value)}: ${problem}.`)
})
const CONTEXT: FieldDefinition = {key: 'context', flag: '--context', prompt: 'Context', check: () => undefined, optional: true}

const asString = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined)

/** Read, check and minify the kubeconfig, prompting for what is missing at a terminal. */
async function readKubeconfig(flags: EndpointFlags, {ctx, prompter, missing}: InputDeps, current?: FieldValues): Promise<ReadInput | undefined> {
  const kube = await import('../../kube/kubeconfig.js')
  const fromCurrentContext = Boolean(flags['from-current-context'])
  const server = asString(flags.server)
  if (flags.kubeconfig !== undefined && fromCurrentContext) throw new UsageError('Give the kubeconfig one way only: --kubeconfig FILE or --from-current-context, not both.')
  if (server !== undefined) acceptField(SERVER, server)
  let file = asString(flags.kubeconfig)
  let source = file === undefined ? undefined : `--kubeconfig ${file}`
  if (fromCurrentContext) {
    file = kube.currentContextKubeconfigPath(ctx.env)
    source = `the current kubeconfig ${file}`
  }
  let context = asString(flags.context)
  let chosenServer = server
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
  let prepared = await kube.prepareKubeconfig({file, source, context, useCurrentContext: context === undefined, server: chosenServer})
  if (prompter && server === undefined) {
    chosenServer = await prompter.input({message: SERVER.prompt, default: prepared.server, validate: promptValidate(SERVER)})
    if (chosenServer !== prepared.server) prepared = await kube.prepareKubeconfig({file, source, context: prepared.context, useCurrentContext: false, server: chosenServer})
  }
  return {values: {server: prepared.server, ...(prepared.context ? {context: prepared.context} : {})}, secret: prepared.kubeconfig}
}

const input: CustomInput = {
  create: (flags, deps) => readKubeconfig(flags, deps),
  async update(flags, deps, current) {
    const again = flags.kubeconfig !== undefined || Boolean(flags['from-current-context']) || flags.context !== undefined
    const replace = again || (deps.prompter ? await deps.prompter.confirm({message: 'Replace the kubeconfig?', default: false}) : false)
    if (replace) {
      if (flags.kubeconfig === undefined && !flags['from-current-context'] && !deps.prompter) throw new UsageError('--context and --server need the kubeconfig again: add --kubeconfig FILE or --from-current-context.')
      return readKubeconfig(flags, deps, current)
    }
    if (flags.server !== undefined) throw new UsageError('--server must agree with the kubeconfig: give --kubeconfig FILE (or --from-current-context) with it.')
    return undefined
  },
}

export const kubernetes: EndpointDefinition = {
  type: 'kubernetes',
  title: 'Kubernetes cluster (API server URL and kubeconfig)',
  usage: '--kubeconfig FILE | --from-current-context  [--context C] [--server URL]',
  fields: [SERVER, CONTEXT],
  secretKey: 'kubeconfig',
  input,
  flags: {
    server: {kind: 'string', summary: "kubernetes: API server URL; must agree with the kubeconfig's cluster.", helpGroup: 'KUBERNETES'},
    kubeconfig: {kind: 'string', summary: 'kubernetes: kubeconfig file to take the credentials from.', helpValue: 'FILE', helpGroup: 'KUBERNETES'},
    'from-current-context': {kind: 'boolean', summary: 'kubernetes: use $KUBECONFIG (or ~/.kube/config) and its current context.', helpGroup: 'KUBERNETES'},
    context: {kind: 'string', summary: 'kubernetes: the kubeconfig context to use (default: its current-context).', helpGroup: 'KUBERNETES'},
  },
}
