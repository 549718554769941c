import {expect} from 'chai'
import {IncomingMessage, Server, ServerResponse, createServer} from 'node:http'
import {AddressInfo} from 'node:net'

import {AuthError, NotFoundError, ValidationError} from '../../../src/lib/errors.js'
import {ConnectionError} from '../../../src/lib/net/errors.js'
import {RegistryClient} from '../../../src/lib/registry/client.js'

const PASSWORD = 'pw-Unit-7f3a,"quoted"'
const TOKEN = 'tok-unit-9c1d'

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void

/** A registry on 127.0.0.1 whose behaviour each test scripts; records the requests it saw. */
class FakeRegistry {
  readonly requests: Array<{path: string; auth?: string; query: URLSearchParams}> = []
  private server?: Server
  handler: Handler = (_req, res) => res.end()
  port = 0

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      this.requests.push({path: url.pathname, auth: req.headers.authorization, query: url.searchParams})
      this.handler(req, res, url)
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server!.address() as AddressInfo).port
  }

  get address(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }
}

const basicOk = (req: IncomingMessage) => req.headers.authorization === `Basic ${Buffer.from(`berth:${PASSWORD}`).toString('base64')}`
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, {'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers})
  res.end(JSON.stringify(body))
}
const ALL_TAGS = ['a', 'b', 'c', 'd', 'e']

/** Tag pages the way distribution answers them: ?n= and ?last=, a Link to the next page. */
function tagPage(res: ServerResponse, url: URL, repo: string) {
  const n = Number(url.searchParams.get('n') ?? 100)
  const last = url.searchParams.get('last')
  const rest = last ? ALL_TAGS.filter((t) => t > last) : ALL_TAGS
  const page = rest.slice(0, n)
  const headers: Record<string, string> = {}
  if (rest.length > n) headers.link = `</v2/${repo}/tags/list?last=${page.at(-1)}&n=${n}>; rel="next"`
  json(res, 200, {name: repo, tags: page}, headers)
}

function expectError<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => {
      expect(error).to.be.instanceOf(type)
      expect((error as Error).message).to.not.include(PASSWORD)
      expect((error as Error).message).to.not.include(TOKEN)
      return error as T
    },
  )
}

describe('RegistryClient', () => {
  const reg = new FakeRegistry()
  before(() => reg.start())
  after(() => reg.stop())
  beforeEach(() => {
    reg.requests.length = 0
  })

  describe('Basic auth', () => {
    beforeEach(() => {
      reg.handler = (req, res, url) => {
        if (!basicOk(req)) return json(res, 401, {errors: [{code: 'UNAUTHORIZED'}]}, {'www-authenticate': 'Basic realm="fake, registry"'})
        if (url.pathname === '/v2/') return json(res, 200, {})
        if (url.pathname === '/v2/team/app/tags/list') return tagPage(res, url, 'team/app')
        return json(res, 404, {errors: [{code: 'NAME_UNKNOWN'}]})
      }
    })

    it('pings, answering the Basic challenge', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      expect(await client.ping()).to.deep.equal({apiVersion: 'registry/2.0', authScheme: 'basic', credentialsAccepted: true})
      expect(reg.requests.map((r) => Boolean(r.auth))).to.deep.equal([false, true])
    })

    it('fails with the 401 message on a wrong password', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: 'wrong'})
      const error = await expectError(client.ping(), AuthError)
      expect(error.message).to.equal(`registry 127.0.0.1:${reg.port} rejected the credentials (HTTP 401 Unauthorized).`)
    })

    it('lists tags across pages of two, answering the challenge once', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      const list = await client.listTags('team/app', {pageSize: 2})
      expect(list).to.deep.equal({repository: 'team/app', tags: ALL_TAGS, pages: 3, truncated: false})
      const tagRequests = reg.requests.filter((r) => r.path.endsWith('/tags/list'))
      expect(tagRequests.map((r) => r.query.toString())).to.deep.equal(['n=2', 'n=2', 'last=b&n=2', 'last=d&n=2'])
    })

    it('stops at --limit and says the list was cut', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      expect(await client.listTags('team/app', {pageSize: 2, limit: 3})).to.deep.equal({repository: 'team/app', tags: ['a', 'b', 'c'], pages: 2, truncated: true})
      expect(await client.listTags('team/app', {pageSize: 2, limit: 5})).to.deep.equal({repository: 'team/app', tags: ALL_TAGS, pages: 3, truncated: false})
    })

    it('sorts a page the registry sends unsorted (distribution 2.8 ignores n for tags)', async () => {
      const saved = reg.handler
      reg.handler = (req, res, url) => (url.pathname.endsWith('/tags/list') && basicOk(req) ? json(res, 200, {name: 'x', tags: ['v10', 'v2', 'b', 'a', 'v1']}) : saved(req, res, url))
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      expect((await client.listTags('x', {pageSize: 2})).tags).to.deep.equal(['a', 'b', 'v1', 'v10', 'v2'])
      expect(await client.listTags('x', {limit: 2})).to.deep.equal({repository: 'x', tags: ['a', 'b'], pages: 1, truncated: true})
    })

    it('pages the repository catalog the same way', async () => {
      const saved = reg.handler
      reg.handler = (req, res, url) => {
        if (url.pathname !== '/v2/_catalog' || !basicOk(req)) return saved(req, res, url)
        const last = url.searchParams.get('last')
        if (!last) return json(res, 200, {repositories: ['a/x', 'b/y']}, {link: '</v2/_catalog?last=b%2Fy&n=2>; rel="next"'})
        return json(res, 200, {repositories: ['c/z']})
      }
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      expect(await client.listRepositories({pageSize: 2})).to.deep.equal({repositories: ['a/x', 'b/y', 'c/z'], pages: 2, truncated: false})
    })

    it('reports an unknown repository as not found', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      const error = await expectError(client.listTags('team/nothing'), NotFoundError)
      expect(error.message).to.equal(`Repository "team/nothing" not found in registry 127.0.0.1:${reg.port}.`)
    })

    it('validates the repository name before any request', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      await expectError(client.listTags('../etc'), ValidationError)
      expect(reg.requests).to.deep.equal([])
    })
  })

  describe('Bearer auth', () => {
    let tokenStatus = 200
    let tokenBody: Record<string, unknown> = {access_token: TOKEN}
    beforeEach(() => {
      tokenStatus = 200
      tokenBody = {access_token: TOKEN}
      reg.handler = (req, res, url) => {
        if (url.pathname === '/token') {
          if (!basicOk(req) || tokenStatus === 401) return json(res, 401, {errors: [{code: 'UNAUTHORIZED'}]})
          return json(res, tokenStatus, tokenBody)
        }
        const repo = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname)?.[1]
        const scope = repo ? `,scope="repository:${repo}:pull"` : ''
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
          return json(res, 401, {errors: [{code: 'UNAUTHORIZED'}]}, {'www-authenticate': `Bearer realm="http://127.0.0.1:${reg.port}/token",service="fake-registry"${scope}`})
        }
        if (url.pathname === '/v2/') return json(res, 200, {})
        if (repo) return tagPage(res, url, repo)
        return json(res, 404, {})
      }
    })

    it('pings with a token from the realm, accepting access_token', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      expect(await client.ping()).to.deep.equal({apiVersion: 'registry/2.0', authScheme: 'bearer', credentialsAccepted: true, tokenServer: `http://127.0.0.1:${reg.port}/token`})
      const tokenRequest = reg.requests.find((r) => r.path === '/token')
      expect(tokenRequest?.query.get('service')).to.equal('fake-registry')
      expect(tokenRequest?.query.get('account')).to.equal('berth')
      expect(tokenRequest?.query.getAll('scope')).to.deep.equal([])
      for (const r of reg.requests) expect(r.query.toString()).to.not.include(PASSWORD)
    })

    it('accepts a "token" field too', async () => {
      tokenBody = {token: TOKEN}
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      expect((await client.ping()).authScheme).to.equal('bearer')
    })

    it('asks for a repository:REPO:pull token and pages the tags', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      expect((await client.listTags('team/app', {pageSize: 2})).tags).to.deep.equal(ALL_TAGS)
      const tokenRequests = reg.requests.filter((r) => r.path === '/token')
      expect(tokenRequests).to.have.length(1)
      expect(tokenRequests[0]?.query.getAll('scope')).to.deep.equal(['repository:team/app:pull'])
    })

    it('says when the token lacks the access asked for (insufficient_scope)', async () => {
      const saved = reg.handler
      reg.handler = (req, res, url) => {
        if (url.pathname.endsWith('/tags/list') && req.headers.authorization === `Bearer ${TOKEN}`) {
          return json(res, 401, {}, {'www-authenticate': `Bearer realm="http://127.0.0.1:${reg.port}/token",service="fake-registry",scope="repository:team/secret:pull",error="insufficient_scope"`})
        }
        return saved(req, res, url)
      }
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      const error = await expectError(client.listTags('team/secret'), AuthError)
      expect(error.message).to.equal(`registry 127.0.0.1:${reg.port} accepted the credentials but refused access to repository:team/secret:pull (insufficient_scope).`)
    })

    it('fails with the 401 message when the token server refuses the credentials', async () => {
      const client = new RegistryClient({address: reg.address, username: 'berth', password: 'wrong'})
      const error = await expectError(client.ping(), AuthError)
      expect(error.message).to.equal(`token server http://127.0.0.1:${reg.port}/token for registry 127.0.0.1:${reg.port} rejected the credentials (HTTP 401 Unauthorized).`)
    })

    it('fails clearly when the token server answers without a token', async () => {
      tokenBody = {}
      const client = new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD})
      const error = await expectError(client.ping(), ConnectionError)
      expect(error.step).to.equal('protocol')
      expect(error.message).to.equal(`token server http://127.0.0.1:${reg.port}/token for registry 127.0.0.1:${reg.port} answered without a token.`)
    })
  })

  describe('misbehaving servers', () => {
    it('refuses a next link to another server', async () => {
      reg.handler = (_req, res) => json(res, 200, {tags: ['a']}, {link: '<http://127.0.0.2:1/v2/x/tags/list?last=a>; rel="next"'})
      const client = new RegistryClient({address: reg.address})
      const error = await expectError(client.listTags('x'), ConnectionError)
      expect(error.message).to.equal(`registry 127.0.0.1:${reg.port} linked the next page to another server (http://127.0.0.2:1); berth does not send the credentials there.`)
    })

    it('detects a next link that loops', async () => {
      reg.handler = (_req, res) => json(res, 200, {tags: ['a']}, {link: '</v2/x/tags/list?last=a>; rel="next"'})
      const client = new RegistryClient({address: reg.address})
      const error = await expectError(client.listTags('x'), ConnectionError)
      expect(error.message).to.equal(`registry 127.0.0.1:${reg.port} returned a page link that loops (/v2/x/tags/list?last=a).`)
    })

    it('says when the address is not a registry', async () => {
      reg.handler = (_req, res) => {
        res.writeHead(404)
        res.end('not here')
      }
      const error = await expectError(new RegistryClient({address: reg.address}).ping(), ConnectionError)
      expect(error.step).to.equal('protocol')
      expect(error.message).to.equal(`registry 127.0.0.1:${reg.port} answered HTTP 404 to GET /v2/: http://127.0.0.1:${reg.port} does not serve the registry v2 API.`)
    })

    it('refuses a web server answering /v2/ with 200 and no registry header', async () => {
      reg.handler = (_req, res) => {
        res.writeHead(200, {'content-type': 'text/html'})
        res.end('<!doctype html><title>Welcome</title>')
      }
      const error = await expectError(new RegistryClient({address: reg.address, username: 'u', password: 'p'}).ping(), ConnectionError)
      expect(error.step).to.equal('protocol')
      expect(error.message).to.equal(`registry 127.0.0.1:${reg.port} answered GET /v2/, but this does not look like a registry API (no Docker-Distribution-API-Version header, and no registry token challenge).`)
      expect(error.hint).to.equal('The address must be the root of a Docker registry (distribution API v2), e.g. https://registry.example.com or http://127.0.0.1:5000.')
    })

    it('refuses a Basic-auth server without the registry header, and one naming another API version', async () => {
      reg.handler = (req, res) => {
        if (!basicOk(req)) {
          res.writeHead(401, {'www-authenticate': 'Basic realm="intranet"'})
          res.end()
          return
        }
        res.writeHead(200, {'content-type': 'text/html'})
        res.end('<html>intranet</html>')
      }
      const basic = await expectError(new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD}).ping(), ConnectionError)
      expect(basic.message).to.equal(`registry 127.0.0.1:${reg.port} answered GET /v2/, but this does not look like a registry API (no Docker-Distribution-API-Version header, and no registry token challenge).`)
      reg.handler = (_req, res) => {
        res.writeHead(200, {'docker-distribution-api-version': 'registry/1.0'})
        res.end('{}')
      }
      const v1 = await expectError(new RegistryClient({address: reg.address}).ping(), ConnectionError)
      expect(v1.message).to.equal(`registry 127.0.0.1:${reg.port} answered GET /v2/, but this does not look like a registry API (Docker-Distribution-API-Version "registry/1.0", and no registry token challenge).`)
    })

    it('accepts a token-auth registry that does not send the version header', async () => {
      reg.handler = (req, res, url) => {
        if (url.pathname === '/token') {
          res.writeHead(200, {'content-type': 'application/json'})
          res.end(JSON.stringify({token: TOKEN}))
          return
        }
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
          res.writeHead(401, {'www-authenticate': `Bearer realm="http://127.0.0.1:${reg.port}/token",service="reg"`})
          res.end()
          return
        }
        res.writeHead(200, {'content-type': 'application/json'})
        res.end('{}')
      }
      expect(await new RegistryClient({address: reg.address, username: 'berth', password: PASSWORD}).ping()).to.deep.equal({apiVersion: null, authScheme: 'bearer', credentialsAccepted: true, tokenServer: `http://127.0.0.1:${reg.port}/token`})
    })

    it('reports a registry that needs no auth', async () => {
      reg.handler = (_req, res) => json(res, 200, {})
      expect(await new RegistryClient({address: reg.address, username: 'u', password: 'p'}).ping()).to.deep.equal({apiVersion: 'registry/2.0', authScheme: 'none', credentialsAccepted: false})
    })

    it('names the timeout step', async () => {
      reg.handler = () => {
        // never answers
      }
      const error = await expectError(new RegistryClient({address: reg.address, timeoutMs: 200}).ping(), ConnectionError)
      expect(error.step).to.equal('timeout')
      expect(error.message).to.equal(`registry 127.0.0.1:${reg.port} did not answer in time.`)
    })

    it('rejects a 401 without a usable challenge', async () => {
      reg.handler = (_req, res) => json(res, 401, {}, {'www-authenticate': 'Digest realm="x"'})
      const error = await expectError(new RegistryClient({address: reg.address, username: 'u', password: 'p'}).ping(), ConnectionError)
      expect(error.message).to.equal(`registry 127.0.0.1:${reg.port} asked for authentication without a Basic or Bearer challenge (WWW-Authenticate schemes: Digest).`)
    })
  })
})
