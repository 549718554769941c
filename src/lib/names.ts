import {ValidationError} from './errors.js'

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Why `name` is not a DNS-1123 label, or undefined when it is one. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.length > 63) return `it is ${name.length} characters long (at most 63)`
  if (!DNS1123_LABEL.test(name))
    return 'it must consist of lower-case letters, digits and "-", and start and end with a letter or digit'
  return undefined
}

/** Throws a ValidationError unless `name` is a DNS-1123 label. `what` names the thing, e.g. "endpoint name". */
export function assertDns1123Label(name: string, what = 'name'): void {
  const problem = dns1123LabelProblem(name)
  if (problem) {
    throw new ValidationError(`Invalid ${what} ${quote(name)}: ${problem}.`, {
      hint: 'Use a DNS-1123 label such as "my-registry" (lower case, digits and "-", at most 63 characters).',
    })
  }
}

/** A value safe to echo back in an error: control characters escaped, length bounded. */
export function printable(value: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const escaped = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped
}

/** A user-supplied value quoted for an error message, control characters escaped once. */
export function quote(value: string, max = 80): string {
  return `"${printable(value, max).replace(/"/g, '\\"')}"`
}
