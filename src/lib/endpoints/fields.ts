import {ValidationError} from '../errors.js'
import {secretValueProblem} from '../input/secret-input.js'
import {quote} from '../names.js'
import {UrlRules, normalizeHttpUrl, urlProblem} from '../net/url.js'
import type {EndpointSpec} from './types.js'

/** Why a value is not acceptable, or undefined. The same text is shown by a prompt and by a flag error. */
export type Check = (value: string) => string | undefined

/** The keys of an endpoint's plain settings (kept in its spec). */
export type FieldKey = 'address' | 'username' | 'server' | 'context' | 'url' | 'urlPrefix' | 'accessKeyId'
/** The keys of endpoint secrets (kept in the secret store). */
export type SecretKey = 'password' | 'secretAccessKey' | 'kubeconfig'

/** A plain setting of an endpoint type: its flag, its prompt, how it is checked and stored. */
export interface FieldDefinition {
  key: FieldKey & keyof EndpointSpec
  /** "--address" */
  flag: string
  prompt: string
  /** The check shown as the user types and for the flag. */
  check: Check
  /**
   * The parser that reads the value at use (a registry address, a git URL), run after
   * `check` at input too, so whatever is stored every use accepts, with the same message.
   */
  parse?: (value: string) => void
  /** What is stored for a checked value (URLs: lower-case scheme and host, no trailing "/"). */
  normalize?: (value: string) => string
  /** May be absent (kubernetes: the context, when the kubeconfig's current one is used). */
  optional?: boolean
}

/** An endpoint type's secret: where it is kept and the flags that give it. */
export interface SecretDefinition {
  key: SecretKey
  label: string
  stdinFlag: string
  envFlag: string
  prompt: string
}

/** The problem a field's value has, from its check and then its use-time parser; undefined when it is fine. */
export function fieldProblem(field: FieldDefinition, value: string): {message: string; hint?: string} | undefined {
  const problem = field.check(value)
  if (problem) return {message: problem}
  try {
    field.parse?.(value)
  } catch (error) {
    if (error instanceof ValidationError) return {message: error.message, hint: error.hint}
    throw error
  }
  return undefined
}

/** A field's value as stored, after its checks; a ValidationError otherwise. */
export function acceptField(field: FieldDefinition, value: string): string {
  const problem = fieldProblem(field, value)
  if (problem) throw new ValidationError(problem.message, {hint: problem.hint})
  return field.normalize ? field.normalize(value) : value
}

/** A URL field: one syntax check, then the use-time parser, stored normalised. */
export function urlField(key: FieldDefinition['key'], prompt: string, rules: Omit<UrlRules, 'flag'> & {flag: string}, parse?: (value: string) => void): FieldDefinition {
  return {key, flag: rules.flag, prompt, check: (v) => urlProblem(v, rules), parse, normalize: normalizeHttpUrl}
}

export function usernameProblem(value: string): string | undefined {
  if (value === '') return 'The username is empty.'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return `The username ${quote(value)} contains control characters.`
  if (/^\s|\s$/.test(value)) return `The username ${quote(value)} has spaces around it.`
  if (value.length > 256) return 'The username is longer than 256 characters.'
  return undefined
}

/** The username of a CodeArts Repo endpoint: tenant/iam-user, nothing around it. */
export function codeartsUsernameProblem(value: string): string | undefined {
  if (value === '') return 'The username is empty; CodeArts Repo usernames have the form tenant/iam-user.'
  if (/^\s/.test(value)) return `The username ${quote(value)} starts with a space; CodeArts Repo usernames have the form tenant/iam-user with no spaces around them (berth does not trim them for you).`
  if (/\s$/.test(value)) return `The username ${quote(value)} ends with a space; CodeArts Repo usernames have the form tenant/iam-user with no spaces around them (berth does not trim them for you).`
  if (!/^[^/\s]+\/[^/\s]+$/.test(value)) return `The username ${quote(value)} is not of the form tenant/iam-user (one "/" between the tenant and the IAM user name, no spaces).`
  return undefined
}

export function accessKeyIdProblem(value: string): string | undefined {
  if (!/^[A-Za-z0-9]{8,128}$/.test(value)) return `The access key id ${quote(value)} is not valid: it must be 8 to 128 letters and digits (e.g. a 20-character AK such as HPUAXXXXXXXXXXXXXXXX).`
  return undefined
}

/** A one-line secret typed at a prompt: the same check as for --…-stdin, --…-env and credential helpers. */
export function secretProblem(label: string, value: string): string | undefined {
  return secretValueProblem(`The ${label}`, value)
}

export const USERNAME: FieldDefinition = {key: 'username', flag: '--username', prompt: 'Username', check: usernameProblem}

export const PASSWORD: SecretDefinition = {key: 'password', label: 'password', stdinFlag: '--password-stdin', envFlag: '--password-env', prompt: 'Password'}

/** A field's check for a prompt: the same text as for the flag, without naming a flag the user did not type. */
export function promptValidate(field: FieldDefinition): (value: string) => string | true {
  return (value) => {
    const problem = fieldProblem(field, value)?.message
    if (problem === undefined) return true
    return problem.startsWith(`${field.flag} `) ? `The value ${problem.slice(field.flag.length + 1)}` : problem.replace(`${field.flag} `, '')
  }
}
