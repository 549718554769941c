// Token server for the registry's Bearer flow (distribution 2.8 `auth.token`).
// Node built-ins only, so it runs without a build. Configured through the environment
// (the password is never on argv):
//   TOKEN_KEY_FILE, TOKEN_CERT_FILE  PEM RSA key and the self-signed cert listed in the
//                                    registry's rootcertbundle
//   TOKEN_ISSUER, TOKEN_SERVICE      must match the registry's auth.token issuer/service
//   TOKEN_USER, TOKEN_PASSWORD       the one account that gets tokens
//   TOKEN_PORT (0 = any), TOKEN_PORT_FILE (the bound port is written there)
//   TOKEN_TTL seconds (default 300), TOKEN_KEY_REF x5c|kid (how the JWT names its key)
// GET  /token?service=S&scope=T:NAME:ACTIONS&scope=...&account=A   (Basic auth)
// POST /token  grant_type=password&username=..&password=..&service=..&scope=..  (OAuth2 form)
// Answers {token, access_token, expires_in, issued_at}; 401 for missing or wrong credentials.
import {createHash, createPrivateKey, randomUUID, sign, timingSafeEqual, X509Certificate} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {URLSearchParams} from 'node:url'

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback
  if (v === undefined) {
    console.error(`token-server: ${name} is not set`)
    process.exit(2)
  }
  return v
}

const key = createPrivateKey(readFileSync(env('TOKEN_KEY_FILE')))
const certPem = readFileSync(env('TOKEN_CERT_FILE'), 'utf8')
const issuer = env('TOKEN_ISSUER')
const service = env('TOKEN_SERVICE')
const user = env('TOKEN_USER')
const password = env('TOKEN_PASSWORD')
const ttl = Number(env('TOKEN_TTL', '300'))
const keyRef = env('TOKEN_KEY_REF', 'x5c')
delete process.env.TOKEN_PASSWORD

const b64url = (buf) => Buffer.from(buf).toString('base64url')

// x5c: the cert chain as standard base64 DER, leaf first; the registry verifies it
// against rootcertbundle and takes the leaf's public key.
const certDer = new X509Certificate(certPem).raw
// kid: libtrust key id = SHA-256 of the PKIX DER public key, first 240 bits,
// base32 without padding, in 12 groups of 4 joined by ':'.
const libtrustKeyId = (spkiDer) => {
  const bytes = createHash('sha256').update(spkiDer).digest().subarray(0, 30)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out.match(/.{1,4}/g).join(':')
}
const kid = libtrustKeyId(new X509Certificate(certPem).publicKey.export({type: 'spki', format: 'der'}))

const jwtHeader = keyRef === 'kid' ? {typ: 'JWT', alg: 'RS256', kid} : {typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')]}

// scope "repository:name/with/slashes:pull,push" (the name may hold ':' for host:port prefixes)
const parseScope = (scope) => {
  const first = scope.indexOf(':')
  const last = scope.lastIndexOf(':')
  if (first < 0 || last <= first) return undefined
  const rawType = scope.slice(0, first)
  const m = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/i.exec(rawType)
  if (!m) return undefined
  const access = {type: m[1], name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean)}
  if (m[2]) access.class = m[2]
  return access
}

const issue = (account, scopes) => {
  const now = Math.floor(Date.now() / 1000)
  const access = scopes.map(parseScope).filter(Boolean)
  const claims = {iss: issuer, sub: account, aud: service, exp: now + ttl, nbf: now - 1, iat: now, jti: randomUUID(), access}
  const input = `${b64url(JSON.stringify(jwtHeader))}.${b64url(JSON.stringify(claims))}`
  const token = `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`
  return {token, access_token: token, expires_in: ttl, issued_at: new Date(now * 1000).toISOString()}
}

const safeEqual = (a, b) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
const checkCredentials = (u, p) => safeEqual(u, user) && safeEqual(p, password)

const basicCredentials = (req) => {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  return i < 0 ? undefined : {user: decoded.slice(0, i), password: decoded.slice(i + 1)}
}

const send = (res, status, body, headers = {}) => {
  res.writeHead(status, {'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers})
  res.end(JSON.stringify(body))
}
const unauthorized = (res, message) =>
  send(res, 401, {errors: [{code: 'UNAUTHORIZED', message}]}, {'WWW-Authenticate': 'Basic realm="berth-test-token"'})

const readBody = (req, limit = 64 * 1024) =>
  new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', (c) => {
      size += c.length
      if (size > limit) {
        reject(new Error('body too large'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const log = (status) => console.log(`${new Date().toISOString()} ${req.method} ${url.pathname} ${status}`)
  try {
    if (url.pathname === '/healthz') return send(res, 200, {ok: true})
    if (url.pathname !== '/token') return send(res, 404, {errors: [{code: 'NOT_FOUND', message: 'not found'}]})

    let params
    let creds
    if (req.method === 'GET') {
      params = url.searchParams
      creds = basicCredentials(req)
    } else if (req.method === 'POST') {
      params = new URLSearchParams(await readBody(req))
      const grant = params.get('grant_type')
      if (grant !== 'password') {
        log(400)
        return send(res, 400, {error: 'unsupported_grant_type'})
      }
      creds = {user: params.get('username') ?? '', password: params.get('password') ?? ''}
    } else {
      return send(res, 405, {errors: [{code: 'UNSUPPORTED', message: 'method not allowed'}]}, {Allow: 'GET, POST'})
    }

    if (!creds) {
      log(401)
      return unauthorized(res, 'authentication required')
    }
    if (!checkCredentials(creds.user, creds.password)) {
      log(401)
      return unauthorized(res, 'invalid username or password')
    }
    const wanted = params.get('service')
    if (wanted && wanted !== service) {
      log(400)
      return send(res, 400, {errors: [{code: 'DENIED', message: `unknown service ${wanted}`}]})
    }
    // GET repeats `scope`; the OAuth2 form joins scopes with spaces.
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean)
    const body = issue(creds.user, scopes)
    if (req.method === 'POST') body.scope = scopes.join(' ')
    log(200)
    return send(res, 200, body)
  } catch (err) {
    log(500)
    return send(res, 500, {errors: [{code: 'UNKNOWN', message: String(err?.message ?? err)}]})
  }
})

server.listen(Number(env('TOKEN_PORT', '0')), '127.0.0.1', () => {
  const {port} = server.address()
  if (process.env.TOKEN_PORT_FILE) writeFileSync(process.env.TOKEN_PORT_FILE, `${port}\n`)
  console.log(`token-server listening on 127.0.0.1:${port} (issuer ${issuer}, service ${service}, key ref ${keyRef}, kid ${kid})`)
})
// a test server has nothing to drain: stop at once
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
