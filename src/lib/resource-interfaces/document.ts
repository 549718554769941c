import {ValidationError} from '../errors.js'
import {dns1123LabelProblem, quote} from '../names.js'
import {isPlainObject, parseYaml} from '../yaml.js'
import {parseDescriptors} from './descriptors.js'
import {ExpressionError, ExpressionSandbox} from './sandbox.js'
import {TemplateOpener, TemplateSyntaxError, templateExpressions} from './templates.js'
import {ATTRIBUTE_TYPES, DESCRIPTORS_ANNOTATION, InterfaceAttribute, InterfaceParam, InterfaceWorkspace, PARAM_TYPES, RI_API_VERSION, RI_KIND, ResourceInterface} from './types.js'

// Tekton's rule for string and array parameter names (pkg/apis/pipeline/v1, stringAndArrayVariableNameFormat).
const TEKTON_PARAM_NAME = /^[_a-zA-Z][_a-zA-Z0-9.-]*$/
// A workspace name becomes a Kubernetes volume name: a DNS-1123 label.
const MAX_ITEMS = 200
const CLUSTER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink']

/**
 * Read and check a ResourceInterface from YAML text. Every problem is collected and
 * reported at once, each with its path (`spec.params[1].type: ...`). Expressions are
 * compiled in the sandbox, not run.
 */
export async function parseResourceInterface(text: string, source: string): Promise<ResourceInterface> {
  const value = parseYaml(text, {source, maxBytes: 1024 * 1024})
  return validateResourceInterface(value, source)
}

export async function validateResourceInterface(value: unknown, source: string): Promise<ResourceInterface> {
  const problems: string[] = []
  const add = (path: string, message: string) => problems.push(`${path}: ${message}`)
  if (!isPlainObject(value)) throw new ValidationError(`${source} is not a ResourceInterface: expected a YAML mapping with apiVersion, kind, metadata and spec.`)

  // status, and the metadata a cluster fills in, are accepted (kubectl get -o yaml output) and not kept.
  unknownKeys(value, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], '', add)
  if (value.apiVersion !== RI_API_VERSION) add('apiVersion', `must be ${RI_API_VERSION}, got ${show(value.apiVersion)}`)
  if (value.kind !== RI_KIND) add('kind', `must be ${RI_KIND}, got ${show(value.kind)}`)

  const metadata = isPlainObject(value.metadata) ? value.metadata : undefined
  if (!metadata) add('metadata', 'must be a mapping with a name')
  else {
    unknownKeys(metadata, ['name', 'labels', 'annotations', ...CLUSTER_METADATA], 'metadata', add)
    if (typeof metadata.name !== 'string') add('metadata.name', 'is required')
    else {
      const problem = dns1123LabelProblem(metadata.name)
      if (problem) add('metadata.name', `${quote(metadata.name)} is not a valid name: ${problem}`)
    }
    for (const key of ['labels', 'annotations'] as const) {
      const map = metadata[key]
      if (map === undefined) continue
      if (!isPlainObject(map)) add(`metadata.${key}`, 'must be a mapping of strings')
      else for (const [k, v] of Object.entries(map)) if (typeof v !== 'string') add(`metadata.${key}.${k}`, `must be a string, got ${show(v)}`)
    }
    const descriptors = isPlainObject(metadata.annotations) ? metadata.annotations[DESCRIPTORS_ANNOTATION] : undefined
    if (typeof descriptors === 'string') {
      try {
        parseDescriptors(descriptors)
      } catch (error) {
        add(`metadata.annotations.${DESCRIPTORS_ANNOTATION}`, (error as Error).message)
      }
    }
  }

  const spec = isPlainObject(value.spec) ? value.spec : undefined
  const expressions: Array<{path: string; code: string}> = []
  if (!spec) add('spec', 'must be a mapping')
  else {
    unknownKeys(spec, ['params', 'attributes', 'workspaces'], 'spec', add)
    const params = list(spec.params, 'spec.params', add)
    const paramNames = new Set<string>()
    params.forEach((p, i) => checkParam(p, `spec.params[${i}]`, paramNames, add))

    const attributes = list(spec.attributes, 'spec.attributes', add)
    const attributeNames = new Set<string>()
    const parameterNames = new Map<string, string>()
    attributes.forEach((a, i) => checkAttribute(a, `spec.attributes[${i}]`, {paramNames, attributeNames, parameterNames, expressions}, add))

    const workspaces = list(spec.workspaces, 'spec.workspaces', add)
    const workspaceNames = new Set<string>()
    const mappingNames = new Set<string>()
    workspaces.forEach((w, i) => checkWorkspace(w, `spec.workspaces[${i}]`, {workspaceNames, mappingNames, expressions}, add))
  }

  if (problems.length === 0 && expressions.length > 0) {
    const sandbox = await ExpressionSandbox.open({})
    try {
      for (const {path, code} of expressions) {
        try {
          sandbox.checkSyntax(code)
        } catch (error) {
          if (!(error instanceof ExpressionError)) throw error
          add(path, `expression {${clip(code)}} ${error.message}`)
        }
      }
    } finally {
      sandbox.dispose()
    }
  }

  if (problems.length > 0) {
    const name = typeof metadata?.name === 'string' ? ` "${metadata.name}"` : ''
    throw new ValidationError(`ResourceInterface${name} in ${source} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      hint: 'See the built-in ones for the expected shape: berth resource-interface show gitcoderepository -o yaml',
    })
  }
  return value as unknown as ResourceInterface
}

function checkParam(value: unknown, path: string, names: Set<string>, add: (path: string, message: string) => void): void {
  if (!isPlainObject(value)) return add(path, 'must be a mapping with name and type')
  unknownKeys(value, ['name', 'type', 'default', 'description'], path, add)
  const name = checkName(value.name, `${path}.name`, names, 'param', add)
  const type = value.type as InterfaceParam['type']
  if (!(PARAM_TYPES as readonly unknown[]).includes(type)) {
    add(`${path}.type`, `${show(value.type)} is not a param type (${PARAM_TYPES.join(', ')})`)
  } else if (value.default !== undefined && !fitsType(value.default, type)) {
    add(`${path}.default`, `does not match type ${type}${name ? ` of param "${name}"` : ''}`)
  }
  if (value.description !== undefined && typeof value.description !== 'string') add(`${path}.description`, 'must be a string')
}

interface AttributeScope {
  paramNames: Set<string>
  attributeNames: Set<string>
  parameterNames: Map<string, string>
  expressions: Array<{path: string; code: string}>
}

function checkAttribute(value: unknown, path: string, scope: AttributeScope, add: (path: string, message: string) => void): void {
  if (!isPlainObject(value)) return add(path, 'must be a mapping with name, type and expression')
  unknownKeys(value, ['name', 'type', 'expression', 'parameterize', 'dependsOn'], path, add)
  const name = checkName(value.name, `${path}.name`, scope.attributeNames, 'attribute', add)
  if (!(ATTRIBUTE_TYPES as readonly unknown[]).includes(value.type)) add(`${path}.type`, `${show(value.type)} is not an attribute type (${ATTRIBUTE_TYPES.join(', ')})`)
  if (typeof value.expression !== 'string' || value.expression === '') add(`${path}.expression`, 'is required (a string such as "{params.revision}")')
  else collectExpressions(value.expression, `${path}.expression`, '{', scope.expressions, add)

  const parameterize = value.parameterize as InterfaceAttribute['parameterize'] | undefined
  if (parameterize !== undefined) {
    if (!isPlainObject(parameterize)) add(`${path}.parameterize`, 'must be a mapping with name and/or disable')
    else {
      unknownKeys(parameterize, ['name', 'disable'], `${path}.parameterize`, add)
      if (parameterize.disable !== undefined && typeof parameterize.disable !== 'boolean') add(`${path}.parameterize.disable`, 'must be true or false')
      if (parameterize.name !== undefined && typeof parameterize.name !== 'string') add(`${path}.parameterize.name`, 'must be a string')
    }
  }
  const disabled = isPlainObject(parameterize) && parameterize.disable === true
  const parameter = isPlainObject(parameterize) && typeof parameterize.name === 'string' ? parameterize.name : name
  if (!disabled && parameter !== undefined) {
    const where = isPlainObject(parameterize) && typeof parameterize.name === 'string' ? `${path}.parameterize.name` : `${path}.name`
    if (!TEKTON_PARAM_NAME.test(parameter)) add(where, `${quote(parameter)} cannot be a Tekton parameter name (letters, digits, "_", "-", "." and not starting with a digit, "-" or ".")`)
    const other = scope.parameterNames.get(parameter)
    if (other !== undefined) add(where, `pipeline parameter "${parameter}" is already produced by attribute "${other}"`)
    else scope.parameterNames.set(parameter, name ?? '?')
  }

  if (value.dependsOn !== undefined) {
    if (!Array.isArray(value.dependsOn)) add(`${path}.dependsOn`, 'must be a list such as [params.repository, connector]')
    else
      value.dependsOn.forEach((d, i) => {
        const at = `${path}.dependsOn[${i}]`
        if (typeof d !== 'string') return add(at, `must be a string, got ${show(d)}`)
        if (d === 'connector') return
        const m = /^params\.(.+)$/.exec(d)
        if (!m) return add(at, `${quote(d)} is neither "connector" nor "params.<name>"`)
        if (!scope.paramNames.has(m[1]!)) add(at, `${quote(d)} names a param that does not exist${scope.paramNames.size ? ` (params: ${[...scope.paramNames].join(', ')})` : ''}`)
      })
  }
}

interface WorkspaceScope {
  workspaceNames: Set<string>
  mappingNames: Set<string>
  expressions: Array<{path: string; code: string}>
}

function checkWorkspace(value: unknown, path: string, scope: WorkspaceScope, add: (path: string, message: string) => void): void {
  if (!isPlainObject(value)) return add(path, 'must be a mapping with name and workspaceMapping')
  unknownKeys(value, ['name', 'workspaceMapping'], path, add)
  checkName(value.name, `${path}.name`, scope.workspaceNames, 'workspace', add)
  const mapping = value.workspaceMapping as InterfaceWorkspace['workspaceMapping'] | undefined
  if (!isPlainObject(mapping)) return add(`${path}.workspaceMapping`, 'must be a mapping with name and value')
  unknownKeys(mapping, ['name', 'value'], `${path}.workspaceMapping`, add)
  if (typeof mapping.name !== 'string') add(`${path}.workspaceMapping.name`, 'is required')
  else {
    const problem = dns1123LabelProblem(mapping.name)
    if (problem) add(`${path}.workspaceMapping.name`, `${quote(mapping.name)} cannot be a Tekton workspace name: ${problem}`)
    else if (scope.mappingNames.has(mapping.name)) add(`${path}.workspaceMapping.name`, `duplicate pipeline workspace "${mapping.name}"`)
    scope.mappingNames.add(mapping.name)
  }
  if (!isPlainObject(mapping.value)) add(`${path}.workspaceMapping.value`, 'must be a Tekton WorkspaceBinding (emptyDir, csi, secret, volumeClaimTemplate, ...)')
  else walkStrings(mapping.value, `${path}.workspaceMapping.value`, (text, at) => collectExpressions(text, at, '{', scope.expressions, add))
}

function checkName(value: unknown, path: string, names: Set<string>, what: string, add: (path: string, message: string) => void): string | undefined {
  if (typeof value !== 'string' || value === '') {
    add(path, 'is required')
    return undefined
  }
  if (value.length > 100 || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(value)) add(path, `${quote(value)} is not a valid ${what} name (letters, digits, "_", "-", ".")`)
  if (names.has(value)) add(path, `duplicate ${what} name "${value}"`)
  names.add(value)
  return value
}

function collectExpressions(text: string, path: string, opener: TemplateOpener, into: Array<{path: string; code: string}>, add: (path: string, message: string) => void): void {
  try {
    for (const code of templateExpressions(text, opener)) {
      if (code.trim() === '') add(path, 'has an empty expression {}')
      else into.push({path, code})
    }
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error
    add(path, error.message)
  }
}

/** Call `visit` with every string inside a YAML value, and its path. */
export function walkStrings(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path)
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, `${path}[${i}]`, visit))
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walkStrings(v, `${path}.${k}`, visit)
}

function list(value: unknown, path: string, add: (path: string, message: string) => void): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) {
    add(path, 'must be a list')
    return []
  }
  if (value.length > MAX_ITEMS) {
    add(path, `has ${value.length} entries (at most ${MAX_ITEMS})`)
    return []
  }
  return value
}

function unknownKeys(value: Record<string, unknown>, known: string[], path: string, add: (path: string, message: string) => void): void {
  for (const key of Object.keys(value)) if (!known.includes(key)) add(path ? `${path}.${key}` : key, `unknown field (expected: ${known.join(', ')})`)
}

export function fitsType(value: unknown, type: InterfaceParam['type']): boolean {
  if (type === 'string') return typeof value === 'string'
  if (type === 'array') return Array.isArray(value) && value.every((v) => typeof v === 'string')
  return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string')
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return quote(value)
  return JSON.stringify(value)?.slice(0, 60) ?? String(value)
}

function clip(code: string): string {
  return code.length > 60 ? `${code.slice(0, 60)}…` : code
}
