/** One challenge of a WWW-Authenticate header (RFC 7235): a scheme and its parameters or token68. */
export interface AuthChallenge {
  /** The scheme as sent ("Basic", "Bearer"); compare with `scheme.toLowerCase()`. */
  scheme: string
  /** auth-params, names lower-cased, values unquoted. The first of a repeated name wins. */
  params: Record<string, string>
  /** The token68 form (`Negotiate abc==`), when the challenge has one instead of params. */
  token68?: string
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/

/**
 * Parse a WWW-Authenticate header value into its challenges. Challenges and their
 * parameters are both comma-separated, so a comma starts a new challenge only when the
 * next item is a bare token rather than `name=value`. Quoted values may hold commas,
 * `=` and backslash-escaped quotes. Tolerant of what registries send in practice:
 * unquoted values with `:` and `/` (realm=https://host/token), spaces around `=`, and
 * empty list items. Never throws; what cannot be parsed is skipped.
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const s = header
  let pos = 0
  const challenges: AuthChallenge[] = []

  const skipSpaces = () => {
    while (pos < s.length && (s[pos] === ' ' || s[pos] === '\t')) pos++
  }
  const skipSeparators = () => {
    while (pos < s.length && (s[pos] === ' ' || s[pos] === '\t' || s[pos] === ',')) pos++
  }
  const readToken = (): string => {
    const start = pos
    while (pos < s.length && TOKEN_CHAR.test(s[pos] as string)) pos++
    return s.slice(start, pos)
  }
  const readQuoted = (): string => {
    // at the opening quote
    pos++
    let value = ''
    while (pos < s.length) {
      const c = s[pos] as string
      if (c === '\\' && pos + 1 < s.length) {
        value += s[pos + 1]
        pos += 2
        continue
      }
      if (c === '"') {
        pos++
        return value
      }
      value += c
      pos++
    }
    return value // unterminated: take the rest
  }
  const readBareValue = (): string => {
    const start = pos
    while (pos < s.length && s[pos] !== ',' && s[pos] !== ' ' && s[pos] !== '\t') pos++
    return s.slice(start, pos)
  }
  /** Whether the text at `pos` is `name [spaces] =` (an auth-param), without moving. */
  const atParam = (): boolean => {
    const save = pos
    const name = readToken()
    skipSpaces()
    const isParam = name.length > 0 && s[pos] === '=' && !looksLikeToken68End(save)
    pos = save
    return isParam
  }
  /** `abc==`: a token followed by '=' that is padding (then end, a comma or only more '='). */
  const looksLikeToken68End = (start: number): boolean => {
    const m = TOKEN68.exec(s.slice(start))
    if (!m || !m[0].endsWith('=')) return false
    let end = start + m[0].length
    while (end < s.length && (s[end] === ' ' || s[end] === '\t')) end++
    return end >= s.length || s[end] === ','
  }

  while (pos < s.length) {
    skipSeparators()
    if (pos >= s.length) break
    const scheme = readToken()
    if (!scheme) {
      // not a token: skip to the next comma and try again
      while (pos < s.length && s[pos] !== ',') pos++
      continue
    }
    const challenge: AuthChallenge = {scheme, params: {}}
    challenges.push(challenge)
    skipSpaces()
    if (pos >= s.length || s[pos] === ',') {
      // a scheme with no parameters, or params after the comma belong to it? Only if they are name=value.
      if (s[pos] === ',') {
        const save = pos
        pos++
        skipSeparators()
        if (!atParam()) {
          pos = save
          continue
        }
      } else {
        continue
      }
    } else if (!atParam()) {
      const m = TOKEN68.exec(s.slice(pos))
      if (m) {
        challenge.token68 = m[0]
        pos += m[0].length
      }
      // skip anything else up to the next comma
      while (pos < s.length && s[pos] !== ',') pos++
      continue
    }

    // auth-params: name = value, separated by commas, until a bare token starts the next challenge
    for (;;) {
      skipSpaces()
      const name = readToken().toLowerCase()
      skipSpaces()
      if (s[pos] !== '=') break // defensive; atParam checked this
      pos++
      skipSpaces()
      const value = s[pos] === '"' ? readQuoted() : readBareValue()
      if (!Object.hasOwn(challenge.params, name)) challenge.params[name] = value
      skipSpaces()
      // garbage after a value: skip it to the next comma
      while (pos < s.length && s[pos] !== ',') pos++
      if (pos >= s.length) break
      const save = pos
      pos++ // the comma
      skipSeparators()
      if (pos >= s.length) break
      if (!atParam()) {
        pos = save
        break
      }
    }
  }
  return challenges
}

/** The first challenge of a scheme (case-insensitive), if any. */
export function findChallenge(challenges: AuthChallenge[], scheme: string): AuthChallenge | undefined {
  return challenges.find((c) => c.scheme.toLowerCase() === scheme.toLowerCase())
}

/**
 * Where a Bearer challenge's realm points, checked before anything is sent there: an
 * http(s) URL, and never http when the registry was reached over https (the Basic
 * credentials would cross the network in clear text; docker sends them, berth refuses).
 * Returns the URL, or why it is refused.
 */
export function checkTokenRealm(realm: string | undefined, registryUrl: URL): {url: URL} | {problem: string} {
  let url: URL
  try {
    url = new URL(realm ?? '')
  } catch {
    return {problem: `a Bearer challenge without a usable realm (${realm === undefined ? 'none' : JSON.stringify(realm)})`}
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return {problem: `a Bearer realm that is not http(s): ${url.protocol}`}
  if (url.protocol === 'http:' && registryUrl.protocol === 'https:') {
    return {problem: `a Bearer realm over plain http (${url.origin}${url.pathname}) although the registry itself is https; berth does not send the credentials down to http`}
  }
  return {url}
}
