// Git smart-HTTP server for the tests: Basic auth in front of `git http-backend` (CGI).
// Node built-ins only, so it runs without a build. Configured through the environment
// (the password is never on argv):
//   GIT_SERVER_USER, GIT_SERVER_PASSWORD   an account allowed in (read and push)
//   GIT_SERVER_USERS_FILE                  optional: a JSON object {"user": "password", …} of more
//                                          accounts (usernames such as "tenant/ci-user", "ci@corp.com")
//   GIT_SERVER_ROOT                        directory holding the bare repositories
//   GIT_SERVER_PORT (0 = any), GIT_SERVER_PORT_FILE (the bound port is written there)
import {spawn} from 'node:child_process'
import {timingSafeEqual} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'

const need = (name) => {
  const v = process.env[name]
  if (!v) {
    console.error(`git-server: ${name} is not set`)
    process.exit(2)
  }
  return v
}
const user = need('GIT_SERVER_USER')
const password = need('GIT_SERVER_PASSWORD')
const root = need('GIT_SERVER_ROOT')
delete process.env.GIT_SERVER_PASSWORD
const accounts = new Map([[user, password]])
if (process.env.GIT_SERVER_USERS_FILE) {
  for (const [name, secret] of Object.entries(JSON.parse(readFileSync(process.env.GIT_SERVER_USERS_FILE, 'utf8')))) accounts.set(name, String(secret))
}

const safeEqual = (a, b) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const authenticate = (req) => {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 0) return undefined
  const u = decoded.slice(0, i)
  const expected = accounts.get(u)
  return expected !== undefined && safeEqual(decoded.slice(i + 1), expected) ? u : undefined
}

// CGI/1.1 meta-variables for git http-backend; request headers become HTTP_* (this is how
// http-backend sees Content-Encoding: gzip and Git-Protocol: version=2).
const cgiEnv = (req, url, pathInfo, remoteUser) => {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: root,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'berth-test-git-server',
    SERVER_NAME: '127.0.0.1',
    SERVER_PORT: String(req.socket.localPort ?? ''),
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: pathInfo,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REMOTE_USER: remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    AUTH_TYPE: 'Basic',
  }
  if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type']
  // Without Content-Length (chunked uploads) http-backend reads the body to EOF.
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length']
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || name === 'content-type' || name === 'content-length') continue
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return env
}

// Split the CGI response head from the body; returns undefined until the blank line arrives.
const parseCgiHead = (buf) => {
  let end = buf.indexOf('\r\n\r\n')
  let sep = 4
  const lf = buf.indexOf('\n\n')
  if (lf >= 0 && (end < 0 || lf < end)) {
    end = lf
    sep = 2
  }
  if (end < 0) return undefined
  let status = 200
  let statusMessage
  const headers = {}
  for (const line of buf.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    const name = line.slice(0, i).trim()
    const value = line.slice(i + 1).trim()
    if (name.toLowerCase() === 'status') {
      const m = /^(\d{3})\s*(.*)$/.exec(value)
      if (m) {
        status = Number(m[1])
        statusMessage = m[2] || undefined
      }
    } else if (headers[name] === undefined) headers[name] = value
    else headers[name] = [headers[name], value].flat()
  }
  return {status, statusMessage, headers, rest: buf.subarray(end + sep)}
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const started = Date.now()
  const done = (status) => console.log(`${new Date().toISOString()} ${req.method} ${url.pathname}${url.search} ${status} ${Date.now() - started}ms`)

  if (url.pathname === '/healthz') {
    res.writeHead(200, {'Content-Type': 'text/plain'}).end('ok\n')
    return
  }
  const remoteUser = authenticate(req)
  if (!remoteUser) {
    req.resume()
    res.writeHead(401, {'WWW-Authenticate': 'Basic realm="berth-test-git"', 'Content-Type': 'text/plain'})
    res.end('authentication required\n')
    done(401)
    return
  }

  let pathInfo
  try {
    pathInfo = decodeURIComponent(url.pathname)
  } catch {
    req.resume()
    res.writeHead(400, {'Content-Type': 'text/plain'}).end('bad path\n')
    done(400)
    return
  }
  const child = spawn('git', ['http-backend'], {env: cgiEnv(req, url, pathInfo, remoteUser), stdio: ['pipe', 'pipe', 'pipe']})
  let head = Buffer.alloc(0)
  let headDone = false
  let stderr = ''

  const fail = (status, message) => {
    if (!res.headersSent) res.writeHead(status, {'Content-Type': 'text/plain'}).end(`${message}\n`)
    else res.destroy()
  }

  req.pipe(child.stdin)
  child.stdin.on('error', () => {}) // backend may exit before reading the whole body (e.g. 404)
  child.stderr.on('data', (c) => {
    stderr += c.toString()
  })
  child.stdout.on('data', (chunk) => {
    if (headDone) {
      if (!res.write(chunk)) {
        child.stdout.pause()
        res.once('drain', () => child.stdout.resume())
      }
      return
    }
    head = Buffer.concat([head, chunk])
    const parsed = parseCgiHead(head)
    if (!parsed) {
      if (head.length > 64 * 1024) {
        child.kill()
        fail(502, 'bad CGI response head')
      }
      return
    }
    headDone = true
    res.writeHead(parsed.status, parsed.statusMessage, parsed.headers)
    if (parsed.rest.length > 0) res.write(parsed.rest)
  })
  child.stdout.on('end', () => {
    if (!headDone) fail(502, 'git http-backend sent no response head')
    else res.end()
  })
  child.on('error', (err) => {
    fail(500, `cannot run git http-backend: ${err.message}`)
    done(500)
  })
  child.on('close', (code) => {
    if (stderr.trim()) console.error(`git http-backend (exit ${code}): ${stderr.trim()}`)
    done(res.statusCode)
  })
  // client went away: stop the backend
  res.on('close', () => {
    if (child.exitCode === null && !res.writableFinished) child.kill()
  })
})

server.listen(Number(process.env.GIT_SERVER_PORT ?? '0'), '127.0.0.1', () => {
  const {port} = server.address()
  if (process.env.GIT_SERVER_PORT_FILE) writeFileSync(process.env.GIT_SERVER_PORT_FILE, `${port}\n`)
  console.log(`git-server listening on 127.0.0.1:${port}, serving ${root}`)
})
// a test server has nothing to drain: stop at once
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
