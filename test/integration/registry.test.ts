// `endpoint test` and `image tags` against the real registries of test/env/registry.sh:
// Basic auth (htpasswd), Bearer tokens (token-server.mjs) and a self-signed HTTPS registry.
import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {createServer} from 'node:net'

import {RegistryClient} from '../../src/lib/registry/client.js'
import {RegistryService, requireService} from '../helpers/services.js'
import {Sandbox, createRegistryEndpoint, expectNoSecret, sandbox, uniqueRepo} from './registry-helpers.js'

/**
 * Create tags in a registry through its HTTP API (a config blob and a manifest without
 * layers), so the tag tests need no Docker engine.
 */
async function putTags(reg: RegistryService, addr: string, repo: string, tags: string[]): Promise<void> {
  const basic = `Basic ${Buffer.from(`${reg.user}:${reg.password}`).toString('base64')}`
  let auth = basic
  if (addr === reg.tokenAddr) {
    const url = new URL(reg.tokenRealm)
    url.searchParams.set('service', reg.tokenService)
    url.searchParams.set('scope', `repository:${repo}:pull,push`)
    const res = await fetch(url, {headers: {authorization: basic}})
    expect(res.status).to.equal(200)
    auth = `Bearer ${((await res.json()) as {token: string}).token}`
  }
  const config = Buffer.from(JSON.stringify({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}, config: {}}))
  const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`
  const start = await fetch(`http://${addr}/v2/${repo}/blobs/uploads/`, {method: 'POST', headers: {authorization: auth}})
  expect(start.status, 'blob upload start').to.equal(202)
  const location = new URL(start.headers.get('location') ?? '', `http://${addr}`)
  location.searchParams.set('digest', digest)
  const put = await fetch(location, {method: 'PUT', headers: {authorization: auth, 'content-type': 'application/octet-stream'}, body: config})
  expect(put.status, 'blob upload').to.equal(201)
  const mediaType = 'application/vnd.docker.distribution.manifest.v2+json'
  const manifest = JSON.stringify({schemaVersion: 2, mediaType, config: {mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest}, layers: []})
  for (const tag of tags) {
    const res = await fetch(`http://${addr}/v2/${repo}/manifests/${tag}`, {method: 'PUT', headers: {authorization: auth, 'content-type': mediaType}, body: manifest})
    expect(res.status, `manifest ${tag}`).to.equal(201)
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('docker-registry endpoints against the real registries', function () {
  this.timeout(120_000)
  let reg: RegistryService
  let box: Sandbox

  before(function () {
    reg = requireService(this, 'registry')
  })
  beforeEach(() => {
    box = sandbox()
  })
  afterEach(function () {
    // Whatever the test did, the password is in no file of its BERTH_HOME and in no output.
    if (reg && box && this.currentTest?.state === 'passed') expectNoSecret(reg.password, box.home, box.runs)
    box.cleanup()
  })

  describe('endpoint test', () => {
    it('connects with Basic auth and reports the API version', async () => {
      await createRegistryEndpoint(box, 'basic', `http://${reg.basicAddr}`, reg.user, reg.password)
      const result = await box.run(['endpoint', 'test', 'basic', '--json'])
      expect(result.code, result.stderr).to.equal(0)
      const json = JSON.parse(result.stdout)
      expect(json.ok).to.equal(true)
      expect(json.summary).to.equal(`registry/2.0 at http://${reg.basicAddr}, Basic auth, credentials accepted`)
      expect(json.details).to.deep.equal({apiVersion: 'registry/2.0', authScheme: 'basic', credentialsAccepted: true, address: `http://${reg.basicAddr}`})
    })

    it('connects with the Bearer token flow', async () => {
      await createRegistryEndpoint(box, 'token', `http://${reg.tokenAddr}`, reg.user, reg.password)
      const result = await box.run(['endpoint', 'test', 'token', '--json'])
      expect(result.code, result.stderr).to.equal(0)
      const json = JSON.parse(result.stdout)
      expect(json.summary).to.equal(`registry/2.0 at http://${reg.tokenAddr}, Bearer token auth (token server ${reg.tokenRealm}), credentials accepted`)
      expect(json.details).to.deep.equal({apiVersion: 'registry/2.0', authScheme: 'bearer', credentialsAccepted: true, address: `http://${reg.tokenAddr}`, tokenServer: reg.tokenRealm})
    })

    it('fails with exit 1 and the 401 message on a wrong password (Basic)', async () => {
      await createRegistryEndpoint(box, 'basic', `http://${reg.basicAddr}`, reg.user, 'wrong-password-1')
      const result = await box.run(['endpoint', 'test', 'basic'])
      expect(result.code).to.equal(1)
      expect(result.stderr).to.include(`Error: registry ${reg.basicAddr} rejected the credentials (HTTP 401 Unauthorized).\n`)
      expect(result.stderr).to.not.include('wrong-password-1')
    })

    it('fails with exit 1 and the 401 message when the token server refuses the password (Bearer)', async () => {
      await createRegistryEndpoint(box, 'token', `http://${reg.tokenAddr}`, reg.user, 'wrong-password-2')
      const result = await box.run(['endpoint', 'test', 'token', '--json'])
      expect(result.code).to.equal(1)
      const json = JSON.parse(result.stdout)
      expect(json.error.code).to.equal('auth')
      expect(json.error.message).to.equal(`token server ${reg.tokenRealm} for registry ${reg.tokenAddr} rejected the credentials (HTTP 401 Unauthorized).`)
      expect(result.stdout + result.stderr).to.not.include('wrong-password-2')
    })

    it('names the DNS step for a host that does not exist', async () => {
      await createRegistryEndpoint(box, 'nohost', 'http://no-such-host.invalid:5000', reg.user, reg.password)
      const result = await box.run(['endpoint', 'test', 'nohost'])
      expect(result.code).to.equal(1)
      expect(result.stderr).to.match(/^Error: Could not resolve the host of registry no-such-host\.invalid:5000 \(DNS: (ENOTFOUND|EAI_AGAIN)\)\.$/m)
    })

    it('names the connect step for a closed port', async () => {
      const port = await closedPort()
      await createRegistryEndpoint(box, 'closed', `http://127.0.0.1:${port}`, reg.user, reg.password)
      const result = await box.run(['endpoint', 'test', 'closed'])
      expect(result.code).to.equal(1)
      expect(result.stderr).to.include(`Error: Could not connect to registry 127.0.0.1:${port}: ECONNREFUSED.\n`)
    })

    it('names the TLS step for the self-signed registry, and connects once its CA is trusted', async () => {
      await createRegistryEndpoint(box, 'tls', `https://${reg.tlsAddr}`, reg.user, reg.password)
      const failed = await box.run(['endpoint', 'test', 'tls'])
      expect(failed.code).to.equal(1)
      expect(failed.stderr).to.match(new RegExp(`^Error: TLS failed talking to registry ${reg.tlsAddr.replace(/\./g, '\\.')}: self[- ]signed certificate`, 'm'))
      expect(failed.stderr).to.include('Hint: ')

      const trusted = await box.run(['endpoint', 'test', 'tls'], {env: {NODE_EXTRA_CA_CERTS: reg.tlsCaFile}})
      expect(trusted.code, trusted.stderr).to.equal(0)
      expect(trusted.stdout).to.equal(`OK: registry/2.0 at https://${reg.tlsAddr}, Basic auth, credentials accepted\n`)
    })
  })

  describe('image tags', () => {
    for (const kind of ['basic', 'token'] as const) {
      it(`lists every tag sorted, with --page-size and --limit (${kind})`, async () => {
        const addr = kind === 'basic' ? reg.basicAddr : reg.tokenAddr
        const repo = uniqueRepo(`tags-${kind}`)
        await putTags(reg, addr, repo, ['v3', 'v1', 'v5', 'v2', 'v4'])
        await createRegistryEndpoint(box, 'reg', `http://${addr}`, reg.user, reg.password)

        const paged = await box.run(['image', 'tags', 'reg', repo, '--page-size', '2'])
        expect(paged.code, paged.stderr).to.equal(0)
        expect(paged.stdout).to.equal('v1\nv2\nv3\nv4\nv5\n')

        const limited = await box.run(['image', 'tags', 'reg', repo, '--page-size', '2', '--limit', '3', '--json'])
        expect(limited.code, limited.stderr).to.equal(0)
        expect(JSON.parse(limited.stdout)).to.deep.equal({endpoint: 'reg', repository: repo, tags: ['v1', 'v2', 'v3'], truncated: true})

        const exact = await box.run(['image', 'tags', 'reg', repo, '--page-size', '2', '--limit', '5', '--json'])
        expect(JSON.parse(exact.stdout).truncated).to.equal(false)
      })
    }

    for (const kind of ['basic', 'token'] as const) {
      it(`follows Link pages of two through the real registry's catalog (${kind})`, async () => {
        // distribution 2.8 pages /v2/_catalog but ignores n for tags/list, so the catalog is
        // where the real registry sends rel="next" links; both lists share the paging code.
        const addr = kind === 'basic' ? reg.basicAddr : reg.tokenAddr
        const prefix = `catalog-${kind}-${Date.now().toString(36)}`
        const repos = [`${prefix}-a/x`, `${prefix}-b/x`, `${prefix}-c/x`]
        for (const repo of repos) await putTags(reg, addr, repo, ['1'])
        const client = new RegistryClient({address: `http://${addr}`, username: reg.user, password: reg.password})
        const paged = await client.listRepositories({pageSize: 2})
        const all = await client.listRepositories({pageSize: 1000})
        expect(all.pages).to.equal(1)
        expect(paged.repositories).to.deep.equal(all.repositories)
        expect(paged.repositories).to.include.members(repos)
        expect(paged.pages).to.be.at.least(Math.ceil(all.repositories.length / 2))
        const limited = await client.listRepositories({pageSize: 2, limit: 3})
        expect(limited).to.deep.equal({repositories: all.repositories.slice(0, 3), pages: 2, truncated: true})
      })
    }

    it('says a repository does not exist (exit 1)', async () => {
      await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, reg.password)
      const repo = uniqueRepo('missing')
      const result = await box.run(['image', 'tags', 'reg', repo])
      expect(result.code).to.equal(1)
      expect(result.stderr).to.include(`Error: Repository "${repo}" not found in registry ${reg.basicAddr}.\n`)
    })

    it('rejects an invalid repository name with exit 2 before connecting', async () => {
      await createRegistryEndpoint(box, 'reg', 'http://no-such-host.invalid:5000', reg.user, reg.password)
      const result = await box.run(['image', 'tags', 'reg', 'Team/App'])
      expect(result.code).to.equal(2)
      expect(result.stderr).to.include('Error: Invalid repository name "Team/App": it must be lower case.\n')
    })

    it('fails with the 401 message on a wrong password', async () => {
      await createRegistryEndpoint(box, 'reg', `http://${reg.tokenAddr}`, reg.user, 'wrong-password-3')
      const result = await box.run(['image', 'tags', 'reg', uniqueRepo()])
      expect(result.code).to.equal(1)
      expect(result.stderr).to.include(`Error: token server ${reg.tokenRealm} for registry ${reg.tokenAddr} rejected the credentials (HTTP 401 Unauthorized).\n`)
    })

    it('refuses an endpoint of another type (exit 2)', async () => {
      const created = await box.run(['endpoint', 'create', 'iam', 'cloud', '--access-key-id', 'HPUAEXAMPLEKEY000001', '--secret-access-key-stdin'], {input: 'x'.repeat(40)})
      expect(created.code, created.stderr).to.equal(0)
      const result = await box.run(['image', 'tags', 'cloud', 'team/app'])
      expect(result.code).to.equal(2)
      expect(result.stderr).to.match(/^Error: Endpoint "cloud" is an? iam endpoint; this needs docker-registry\.$/m)
    })
  })
})
