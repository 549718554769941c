import LinkHeader from 'http-link-header'

import {ExternalError} from '../errors.js'
import {printable} from '../names.js'

/**
 * The URL of the rel="next" link of an RFC 8288 Link header (the registry's tag-list
 * pagination), resolved against the URL the response came from; undefined when there
 * is none. Parsed by http-link-header; relation types compare case-insensitively.
 * A header that cannot be parsed is an error rather than a silently short list.
 */
export function nextLinkUrl(header: string | null | undefined, base: string | URL, target = 'The registry'): URL | undefined {
  if (!header) return undefined
  let next: LinkHeader.Reference | undefined
  try {
    next = LinkHeader.parse(header).rel('next')[0]
  } catch (error) {
    throw new ExternalError(`${target} sent a Link header berth cannot read (${JSON.stringify(printable(header.slice(0, 200)))}): ${error instanceof Error ? error.message : String(error)}.`, {
      hint: 'The list would be incomplete; the registry or a proxy in front of it garbles pagination.',
    })
  }
  if (!next) return undefined
  try {
    return new URL(next.uri, base)
  } catch {
    return undefined
  }
}
