/** One link of an RFC 8288 (RFC 5988) Link header. */
export interface WebLink {
  /** The target as written between < and >, not resolved. */
  target: string
  /** Parameters, names lower-cased, values unquoted. `rel` may hold several space-separated types. */
  params: Record<string, string>
}

/**
 * Parse a Link header: `<url>; rel="next", <url2>; rel="prev"; title="a, b"`.
 * Commas inside <...> and inside quoted strings do not split links. Never throws;
 * items without a <target> are skipped.
 */
export function parseLinkHeader(header: string): WebLink[] {
  const s = header
  let pos = 0
  const links: WebLink[] = []
  const skipSpaces = () => {
    while (pos < s.length && (s[pos] === ' ' || s[pos] === '\t')) pos++
  }
  const skipToComma = () => {
    let quoted = false
    while (pos < s.length) {
      const c = s[pos]
      if (quoted) {
        if (c === '\\') pos++
        else if (c === '"') quoted = false
      } else if (c === '"') {
        quoted = true
      } else if (c === ',') {
        return
      }
      pos++
    }
  }

  while (pos < s.length) {
    skipSpaces()
    if (s[pos] === ',') {
      pos++
      continue
    }
    if (s[pos] !== '<') {
      skipToComma()
      continue
    }
    const close = s.indexOf('>', pos + 1)
    if (close < 0) break
    const link: WebLink = {target: s.slice(pos + 1, close).trim(), params: {}}
    pos = close + 1
    // ; name [= value] ...
    for (;;) {
      skipSpaces()
      if (s[pos] !== ';') break
      pos++
      skipSpaces()
      const nameStart = pos
      while (pos < s.length && !/[\s;,=]/.test(s[pos] as string)) pos++
      const name = s.slice(nameStart, pos).toLowerCase()
      skipSpaces()
      let value = ''
      if (s[pos] === '=') {
        pos++
        skipSpaces()
        if (s[pos] === '"') {
          pos++
          while (pos < s.length && s[pos] !== '"') {
            if (s[pos] === '\\' && pos + 1 < s.length) pos++
            value += s[pos]
            pos++
          }
          pos++ // closing quote
        } else {
          const start = pos
          while (pos < s.length && !/[\s;,]/.test(s[pos] as string)) pos++
          value = s.slice(start, pos)
        }
      }
      if (name && !Object.hasOwn(link.params, name)) link.params[name] = value
    }
    links.push(link)
    skipToComma()
  }
  return links
}

/**
 * The URL of the rel="next" link, resolved against the URL the response came from;
 * undefined when there is none. Relation types compare case-insensitively.
 */
export function nextLinkUrl(header: string | null | undefined, base: string | URL): URL | undefined {
  if (!header) return undefined
  for (const link of parseLinkHeader(header)) {
    const rels = (link.params.rel ?? '').toLowerCase().split(/\s+/)
    if (rels.includes('next')) {
      try {
        return new URL(link.target, base)
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
