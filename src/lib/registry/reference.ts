import {UsageError, ValidationError} from '../errors.js'
import {printable} from '../names.js'

// The distribution reference grammar (github.com/distribution/reference/regexp.go).
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`)
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/
const MAX_NAME_LENGTH = 255

/** Why `name` is not a repository path ("team/app"), or undefined when it is one. */
export function repositoryNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.length > MAX_NAME_LENGTH) return `it is ${name.length} characters long (at most ${MAX_NAME_LENGTH})`
  if (/[A-Z]/.test(name)) return 'it must be lower case'
  if (!REPOSITORY.test(name))
    return 'it must be path components of lower-case letters and digits, separated by "/" and joined within a component by ".", "_", "__" or "-"'
  return undefined
}

export function assertRepositoryName(name: string): void {
  const problem = repositoryNameProblem(name)
  if (problem) {
    throw new ValidationError(`Invalid repository name ${JSON.stringify(printable(name))}: ${problem}.`, {
      hint: 'Use a name such as "team/app" (no registry host, no tag).',
    })
  }
}

export function assertTag(tag: string): void {
  if (!TAG.test(tag)) {
    throw new ValidationError(`Invalid tag ${JSON.stringify(printable(tag))}: a tag is 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-".`)
  }
}

export interface RepositoryTag {
  repository: string
  tag: string
}

/**
 * Parse "repo:tag" (a repository path in the registry, without host). A missing tag is
 * "latest" when `defaultTag` allows it; `what` names the input in errors.
 */
export function parseRepositoryTag(value: string, what: string, options: {defaultTag?: string} = {}): RepositoryTag {
  if (value.includes('@')) throw new UsageError(`${what} ${JSON.stringify(printable(value))} is a digest reference; give REPOSITORY:TAG.`)
  const slash = value.lastIndexOf('/')
  const colon = value.lastIndexOf(':')
  let repository = value
  let tag = options.defaultTag
  if (colon > slash) {
    repository = value.slice(0, colon)
    tag = value.slice(colon + 1)
  }
  const first = repository.split('/')[0] ?? ''
  // A host has a "." or ":" or is localhost; upper case alone is reported as a bad name.
  if (repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    throw new UsageError(`${what} ${JSON.stringify(printable(value))} names a registry host ("${printable(first)}"); give the repository path only (the endpoint says which registry).`)
  }
  assertRepositoryName(repository)
  if (tag === undefined) throw new UsageError(`${what} ${JSON.stringify(printable(value))} has no tag; give REPOSITORY:TAG.`)
  assertTag(tag)
  return {repository, tag}
}

/** A local image reference split the way docker does: [domain/]path[:tag][@digest]. */
export interface ImageName {
  domain?: string
  path: string
  tag?: string
  digest?: string
}

/**
 * Split a local image name. The first component is a registry host when it has a "."
 * or ":" or is "localhost" (docker's rule). Returns undefined for an image id
 * ("sha256:…" or 12–64 hex digits), which has no repository name.
 */
export function splitImageName(value: string): ImageName | undefined {
  if (/^sha256:[0-9a-f]{64}$/.test(value) || /^[0-9a-f]{12,64}$/.test(value)) return undefined
  let rest = value
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) return undefined
  }
  let tag: string | undefined
  const slash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > slash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  let domain: string | undefined
  const firstSlash = rest.indexOf('/')
  if (firstSlash > 0 && looksLikeDomain(rest.slice(0, firstSlash))) {
    domain = rest.slice(0, firstSlash)
    rest = rest.slice(firstSlash + 1)
  }
  if (repositoryNameProblem(rest) || (tag !== undefined && !TAG.test(tag))) return undefined
  return {...(domain ? {domain} : {}), path: rest, ...(tag === undefined ? {} : {tag}), ...(digest ? {digest} : {})}
}

function looksLikeDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || /[A-Z]/.test(component)
}
