import type {BerthContext} from '../context.js'
import {NotFoundError, UsageError, ValidationError} from '../errors.js'
import {assertDns1123Label} from '../names.js'
import type {BerthDocument} from '../state/document.js'
import {parseYaml} from '../yaml.js'
import {BUILTIN_INTERFACES_YAML} from './builtins.js'
import {CONNECTOR_CLASSES, ConnectorClass, supportsInterface} from './connector-classes.js'
import {Connector, listConnectors} from './connectors.js'
import {parseResourceInterface} from './document.js'
import {CATEGORY_LABEL, InterfaceSource, RI_API_VERSION, RI_KIND, ResourceInterface, ResourceInterfaceSpec} from './types.js'

type StoredInterface = BerthDocument<ResourceInterfaceSpec>

export interface InterfaceEntry {
  interface: ResourceInterface
  source: InterfaceSource
}

let builtins: Map<string, ResourceInterface> | undefined

/** The built-in interfaces, parsed once (they are checked by the tests, not at every start). */
export function builtinInterfaces(): Map<string, ResourceInterface> {
  builtins ??= new Map(Object.entries(BUILTIN_INTERFACES_YAML).map(([name, text]) => [name, parseYaml(text, {source: `built-in ${name}`}) as ResourceInterface]))
  return builtins
}

function fromStored(doc: StoredInterface): ResourceInterface {
  const {labels, annotations} = doc.metadata
  return {
    apiVersion: RI_API_VERSION,
    kind: RI_KIND,
    metadata: {name: doc.metadata.name, ...(labels ? {labels} : {}), ...(annotations ? {annotations} : {})},
    spec: doc.spec,
  }
}

/** Every interface: the built-ins, replaced by user ones of the same name, then the user's own; sorted by name. */
export async function listInterfaces(ctx: BerthContext, options: {category?: string} = {}): Promise<InterfaceEntry[]> {
  const entries = new Map<string, InterfaceEntry>()
  for (const [name, ri] of builtinInterfaces()) entries.set(name, {interface: ri, source: 'built-in'})
  for (const doc of await ctx.state().list<ResourceInterfaceSpec>('ResourceInterface')) {
    const name = doc.metadata.name
    entries.set(name, {interface: fromStored(doc), source: builtinInterfaces().has(name) ? 'user (overrides built-in)' : 'user'})
  }
  return [...entries.values()]
    .filter((e) => options.category === undefined || categoryOf(e.interface) === options.category)
    .sort((a, b) => a.interface.metadata.name.localeCompare(b.interface.metadata.name))
}

export async function getInterface(ctx: BerthContext, name: string): Promise<InterfaceEntry> {
  assertDns1123Label(name, 'resource interface name')
  const doc = await ctx.state().tryGet<ResourceInterfaceSpec>('ResourceInterface', name)
  if (doc) return {interface: fromStored(doc), source: builtinInterfaces().has(name) ? 'user (overrides built-in)' : 'user'}
  const builtin = builtinInterfaces().get(name)
  if (builtin) return {interface: builtin, source: 'built-in'}
  throw new NotFoundError(`ResourceInterface "${name}" not found.`, {hint: 'List what exists with: berth resource-interface list'})
}

export function categoryOf(ri: ResourceInterface): string | undefined {
  return ri.metadata.labels?.[CATEGORY_LABEL]
}

export interface ApplyResult {
  name: string
  action: 'created' | 'updated' | 'unchanged'
  source: InterfaceSource
}

/** Create or replace a user interface from YAML text, after checking it completely. */
export async function applyInterface(ctx: BerthContext, options: {text: string; source: string}): Promise<ApplyResult> {
  const ri = await parseResourceInterface(options.text, options.source)
  const name = ri.metadata.name
  const source: InterfaceSource = builtinInterfaces().has(name) ? 'user (overrides built-in)' : 'user'
  const state = ctx.state()
  const metadata = {name, ...(ri.metadata.labels ? {labels: ri.metadata.labels} : {}), ...(ri.metadata.annotations ? {annotations: ri.metadata.annotations} : {})}
  return state.withLock(async () => {
    const existing = await state.tryGet<ResourceInterfaceSpec>('ResourceInterface', name)
    if (!existing) {
      await state.create<ResourceInterfaceSpec, Record<string, unknown>>({kind: 'ResourceInterface', metadata, spec: ri.spec})
      return {name, action: 'created', source}
    }
    if (canonical(fromStored(existing)) === canonical({apiVersion: RI_API_VERSION, kind: RI_KIND, metadata, spec: ri.spec})) {
      return {name, action: 'unchanged', source}
    }
    await state.update<ResourceInterfaceSpec>('ResourceInterface', name, undefined, (doc) => {
      doc.metadata.labels = metadata.labels
      doc.metadata.annotations = metadata.annotations
      if (!doc.metadata.labels) delete doc.metadata.labels
      if (!doc.metadata.annotations) delete doc.metadata.annotations
      doc.spec = ri.spec
      return doc
    })
    return {name, action: 'updated', source}
  })
}

export interface DeleteResult {
  name: string
  /** A built-in of the same name is in effect again. */
  builtinRestored: boolean
}

export async function deleteInterface(ctx: BerthContext, name: string): Promise<DeleteResult> {
  assertDns1123Label(name, 'resource interface name')
  const builtin = builtinInterfaces().has(name)
  const existing = await ctx.state().tryGet('ResourceInterface', name)
  if (!existing) {
    if (builtin) throw new UsageError(`ResourceInterface "${name}" is built into berth and cannot be deleted.`, {hint: `Replace it with your own version: berth resource-interface apply -f FILE (metadata.name: ${name}).`})
    throw new NotFoundError(`ResourceInterface "${name}" not found.`, {hint: 'List what exists with: berth resource-interface list'})
  }
  await ctx.state().delete('ResourceInterface', name)
  return {name, builtinRestored: builtin}
}

/**
 * Whether a ConnectorClass serves an interface: it carries the interface's label, or
 * the label of a built-in interface of the same category (interfaces of one category
 * share their standard attributes and workspaces, so a user interface of category
 * GitCodeRepository is served by the classes that serve gitcoderepository).
 */
export function classServes(cls: ConnectorClass, ri: ResourceInterface): boolean {
  if (supportsInterface(cls, ri.metadata.name)) return true
  const category = categoryOf(ri)
  if (!category) return false
  return [...builtinInterfaces().values()].some((b) => categoryOf(b) === category && supportsInterface(cls, b.metadata.name))
}

export interface InterfaceConnectors {
  interface: string
  /** The endpoint types (ConnectorClasses) that serve it. */
  connectorClasses: string[]
  connectors: Array<{endpoint: string; type: string; address: string}>
}

/** The project's endpoints that can serve an interface. */
export async function interfaceConnectors(ctx: BerthContext, name: string): Promise<InterfaceConnectors> {
  const {interface: ri} = await getInterface(ctx, name)
  const classes = Object.values(CONNECTOR_CLASSES).filter((c) => classServes(c, ri))
  const connectors = (await listConnectors(ctx)).filter((c: Connector) => classServes(c.connectorClass, ri))
  return {
    interface: ri.metadata.name,
    connectorClasses: classes.map((c) => c.metadata.name),
    connectors: connectors.map((c) => ({endpoint: c.endpoint, type: c.type, address: c.object.spec.address})),
  }
}

/** A connector for an interface, refused when its class does not serve the interface. */
export function assertServes(connector: Connector, ri: ResourceInterface): void {
  if (!classServes(connector.connectorClass, ri)) {
    const classes = Object.values(CONNECTOR_CLASSES).filter((c) => classServes(c, ri)).map((c) => c.metadata.name)
    throw new ValidationError(`Endpoint "${connector.endpoint}" (${connector.type}) cannot serve ResourceInterface "${ri.metadata.name}".`, {
      hint: classes.length ? `Use an endpoint of type ${classes.join(' or ')}; list them with: berth resource-interface connectors ${ri.metadata.name}` : `No endpoint type serves it; its ConnectorClass label resourceinterface.connectors.cpaas.io/${ri.metadata.name} is on no class.`,
    })
  }
}

// JSON with sorted keys, to compare documents whatever their key order.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  )
}
