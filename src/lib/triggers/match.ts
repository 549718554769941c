import {ValidationError} from '../errors.js'
import {quote} from '../names.js'
import type {PushEvent} from './payloads.js'
import type {TriggerSpec} from './types.js'

const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)+$/
const MAX_PATTERN = 200

/** --image: namespace/repository (at least one "/"), lower case, no registry host and no tag. */
export function checkImage(image: string): string {
  if (image.includes(':') || image.includes('@')) throw new ValidationError(`--image ${quote(image)} must name a repository without a tag or digest, e.g. payments/checkout-api (use --tag-pattern for tags).`)
  if (!REPOSITORY.test(image)) throw new ValidationError(`--image ${quote(image)} is not a repository path of the form NAMESPACE/REPOSITORY (lower-case letters, digits, ".", "_", "-"; e.g. payments/checkout-api).`)
  return image
}

/** A shell-style glob (* any run of characters, ? one character) as an anchored expression. */
export function globToRegExp(glob: string): RegExp {
  if (glob.length === 0 || glob.length > MAX_PATTERN) throw new ValidationError(`--tag-pattern must be 1 to ${MAX_PATTERN} characters.`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(glob)) throw new ValidationError(`--tag-pattern ${quote(glob)} contains control characters.`)
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')
  return new RegExp(`^(?:${body})$`)
}

/**
 * --tag-regex, anchored. Tags are at most 128 characters, but a nested quantifier such as
 * (a+)+ still backtracks exponentially on them: such expressions are refused.
 */
export function tagRegExp(source: string): RegExp {
  if (source.length === 0 || source.length > MAX_PATTERN) throw new ValidationError(`--tag-regex must be 1 to ${MAX_PATTERN} characters.`)
  if (/\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/.test(source) || /\\[1-9]/.test(source)) {
    throw new ValidationError(`--tag-regex ${quote(source)} repeats a repeated group or uses a back-reference, which can take exponential time; write it without nesting quantifiers.`)
  }
  try {
    return new RegExp(`^(?:${source})$`)
  } catch (error) {
    throw new ValidationError(`--tag-regex ${quote(source)} is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}.`)
  }
}

// Compiled filters, by source: serve matches every push against the same few.
const compiled = new Map<string, RegExp>()

function cached(key: string, make: () => RegExp): RegExp {
  let re = compiled.get(key)
  if (!re) {
    re = make()
    if (compiled.size >= 256) compiled.clear()
    compiled.set(key, re)
  }
  return re
}

export type MatchResult = {matches: true} | {matches: false; reason: string}

/** Whether a push is for this trigger: its repository, then its tag filter. */
export function matchPush(spec: Pick<TriggerSpec, 'image' | 'tagPattern' | 'tagRegex'>, push: PushEvent): MatchResult {
  if (push.repository !== spec.image) return {matches: false, reason: `the push is to ${push.repository}, not ${spec.image}`}
  if (spec.tagPattern && !cached(`g:${spec.tagPattern}`, () => globToRegExp(spec.tagPattern as string)).test(push.tag)) return {matches: false, reason: `tag ${push.tag} does not match --tag-pattern ${spec.tagPattern}`}
  if (spec.tagRegex && !cached(`r:${spec.tagRegex}`, () => tagRegExp(spec.tagRegex as string)).test(push.tag)) return {matches: false, reason: `tag ${push.tag} does not match --tag-regex ${spec.tagRegex}`}
  return {matches: true}
}
