import {expect} from 'chai'
import http from 'node:http'
import net from 'node:net'

import {ConnectionError, classifyNetworkError} from '../../../src/lib/net/errors.js'
import {httpFetch} from '../../../src/lib/net/http.js'
import {rejection} from '../../helpers/files.js'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

async function serve(handler: Handler, port = 0): Promise<{server: http.Server; base: string}> {
  const server = http.createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  return {server, base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`}
}

const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()))

describe('httpFetch', () => {
  const servers: http.Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close))
  })

  async function start(handler: Handler, port = 0): Promise<string> {
    const {server, base} = await serve(handler, port)
    servers.push(server)
    return base
  }

  it('reaches a WHATWG "bad port" that fetch refuses', async () => {
    let base: string | undefined
    for (const port of [5061, 6000, 6665, 6666, 6667, 6668, 6669, 10080]) {
      try {
        base = await start((_req, res) => res.writeHead(200, {'docker-distribution-api-version': 'registry/2.0'}).end('{}'), port)
        break
      } catch {
        // in use: try the next bad port
      }
    }
    expect(base, 'no bad port free').to.be.a('string')
    const refused = await rejection(fetch(`${base}/v2/`))
    expect(String((refused as {cause?: Error}).cause?.message)).to.equal('bad port')
    const response = await httpFetch(`${base}/v2/`)
    expect(response.status).to.equal(200)
    expect(response.headers.get('docker-distribution-api-version')).to.equal('registry/2.0')
    expect(await response.json()).to.deep.equal({})
  })

  it('follows redirects like fetch, dropping credentials when the origin changes; manual leaves them', async () => {
    const seen: Array<{url?: string; auth?: string}> = []
    const other = await start((req, res) => {
      seen.push({url: `other${req.url}`, auth: req.headers.authorization})
      res.end('there')
    })
    const base = await start((req, res) => {
      seen.push({url: req.url, auth: req.headers.authorization})
      if (req.url === '/same') res.writeHead(307, {location: '/landed'}).end()
      else if (req.url === '/away') res.writeHead(302, {location: `${other}/token?x=1`}).end()
      else res.end('here')
    })
    const same = await httpFetch(`${base}/same`, {headers: {authorization: 'Basic dTpw'}})
    expect([same.status, await same.text(), same.url]).to.deep.equal([200, 'here', `${base}/landed`])
    const away = await httpFetch(`${base}/away`, {headers: {Authorization: 'Basic dTpw'}})
    expect(await away.text()).to.equal('there')
    expect(seen).to.deep.equal([
      {url: '/same', auth: 'Basic dTpw'},
      {url: '/landed', auth: 'Basic dTpw'},
      {url: '/away', auth: 'Basic dTpw'},
      {url: 'other/token?x=1', auth: undefined},
    ])
    const manual = await httpFetch(`${base}/away`, {redirect: 'manual'})
    expect(manual.status).to.equal(302)
    expect(manual.headers.get('location')).to.equal(`${other}/token?x=1`)
  })

  it('fails the way fetch fails, so the failed step is named: connect, timeout', async () => {
    const {server, base} = await serve((_req, res) => res.end())
    await close(server)
    const refused = classifyNetworkError(await rejection(httpFetch(`${base}/v2/`)), 'registry x')
    expect(refused).to.be.instanceOf(ConnectionError)
    expect(refused.message).to.equal('Could not connect to registry x: ECONNREFUSED.')

    const slow = await start(() => {
      // never answers
    })
    const timedOut = classifyNetworkError(await rejection(httpFetch(`${slow}/v2/`, {signal: AbortSignal.timeout(200)})), 'registry y')
    expect(timedOut.message).to.equal('registry y did not answer in time.')
    expect((timedOut as ConnectionError).step).to.equal('timeout')
  })

  it('gives a body that can be cancelled unread, and none for 204', async () => {
    const base = await start((req, res) => (req.url === '/empty' ? res.writeHead(204).end() : res.end('x'.repeat(1 << 20))))
    const big = await httpFetch(`${base}/big`)
    await big.body?.cancel()
    const empty = await httpFetch(`${base}/empty`)
    expect([empty.status, empty.body]).to.deep.equal([204, null])
  })
})
