import {expect} from 'chai'
import http from 'node:http'
import net from 'node:net'

import type {CredentialsOf} from '../../../../src/lib/endpoints/types.js'
import {AuthError, ExternalError, ValidationError} from '../../../../src/lib/errors.js'
import {kubeClientFor, kubeRequestError, testKubernetesEndpoint} from '../../../../src/lib/endpoints/probes/kubernetes.js'
import {ConnectionError} from '../../../../src/lib/net/errors.js'
import {berthRejection} from '../../../helpers/files.js'

/** How the fake API server answers each path; a number is an HTTP error status with a Status body. */
interface FakeApi {
  version?: number | object
  selfSubjectReview?: number | object
  accessReview?: number | object
  namespaces?: number | object
}

interface Fake {
  url: string
  requests: {method: string; path: string; authorization?: string; body: string}[]
  close: () => Promise<void>
}

async function fakeApiServer(api: FakeApi): Promise<Fake> {
  const requests: Fake['requests'] = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]
      requests.push({method: req.method ?? '', path, authorization: req.headers.authorization, body})
      const answer =
        path === '/version'
          ? api.version
          : path === '/apis/authentication.k8s.io/v1/selfsubjectreviews'
            ? api.selfSubjectReview
            : path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
              ? api.accessReview
              : path === '/api/v1/namespaces'
                ? api.namespaces
                : 404
      const status = typeof answer === 'number' ? answer : answer === undefined ? 404 : 200
      const payload =
        typeof answer === 'object'
          ? answer
          : {kind: 'Status', apiVersion: 'v1', status: 'Failure', message: status === 401 ? 'Unauthorized' : `fake status ${status} for ${path}`, code: status}
      res.writeHead(status, {'content-type': 'application/json'})
      res.end(JSON.stringify(payload))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  return {url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve()))}
}

function creds(server: string, overrides: Partial<CredentialsOf<'kubernetes'>> = {}): CredentialsOf<'kubernetes'> {
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: {server: "${server}"}
users:
- name: tester
  user: {token: test-token-123}
contexts:
- name: tester@fake
  context: {cluster: fake, user: tester, namespace: apps}
current-context: tester@fake
`
  return {type: 'kubernetes', name: 'k', server, context: 'tester@fake', kubeconfig, ...overrides}
}

const VERSION = {major: '1', minor: '99', gitVersion: 'v1.99.0', platform: 'linux/amd64'}
const REVIEW = {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', status: {userInfo: {username: 'tester', groups: ['system:authenticated']}}}


describe('kube/check', () => {
  const fakes: Fake[] = []
  const fake = async (api: FakeApi) => {
    const f = await fakeApiServer(api)
    fakes.push(f)
    return f
  }
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()))
  })

  it('reports the version, the user and that namespaces can be listed', async () => {
    const api = await fake({version: VERSION, selfSubjectReview: REVIEW, accessReview: {status: {allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "x"'}}})
    const check = await testKubernetesEndpoint(creds(api.url))
    expect(check.summary).to.equal(`Kubernetes v1.99.0 at ${api.url} as tester; can list namespaces`)
    expect(check.details).to.deep.equal({
      server: api.url,
      context: 'tester@fake',
      cluster: 'fake',
      version: 'v1.99.0',
      platform: 'linux/amd64',
      user: 'tester',
      groups: ['system:authenticated'],
      canListNamespaces: true,
      canListNamespacesReason: null,
    })
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      'GET /version',
      'POST /apis/authentication.k8s.io/v1/selfsubjectreviews',
      'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    ])
    expect(api.requests.every((r) => r.authorization === 'Bearer test-token-123')).to.equal(true)
    expect(JSON.parse(api.requests[2].body)).to.deep.include({spec: {resourceAttributes: {verb: 'list', resource: 'namespaces'}}})
  })

  it('reports a denied namespace list as a result, not a failure', async () => {
    const api = await fake({version: VERSION, selfSubjectReview: REVIEW, accessReview: {status: {allowed: false}}})
    const check = await testKubernetesEndpoint(creds(api.url))
    expect(check.summary).to.equal(`Kubernetes v1.99.0 at ${api.url} as tester; cannot list namespaces (RBAC denies list on namespaces)`)
    expect(check.details.canListNamespaces).to.equal(false)
    expect(check.details.canListNamespacesReason).to.equal('RBAC denies list on namespaces')
  })

  it('works without SelfSubjectReview (older servers) and falls back to listing when the access review is refused', async () => {
    const api = await fake({version: VERSION, selfSubjectReview: 404, accessReview: 403, namespaces: 403})
    const check = await testKubernetesEndpoint(creds(api.url))
    expect(check.summary).to.equal(
      `Kubernetes v1.99.0 at ${api.url}; cannot list namespaces (the server refused list on namespaces: fake status 403 for /api/v1/namespaces)`,
    )
    expect(check.details.user).to.equal(null)
    const allowed = await fake({version: VERSION, selfSubjectReview: 403, accessReview: 404, namespaces: {kind: 'NamespaceList', items: []}})
    expect((await testKubernetesEndpoint(creds(allowed.url))).summary).to.equal(`Kubernetes v1.99.0 at ${allowed.url}; can list namespaces`)
  })

  it('turns a 401 into an AuthError naming the server', async () => {
    const api = await fake({version: 401})
    const error = await berthRejection(testKubernetesEndpoint(creds(api.url)))
    expect(error).to.be.instanceOf(AuthError)
    expect(error.exitCode).to.equal(1)
    expect(error.message).to.equal(`Kubernetes API server ${api.url} rejected the credentials (HTTP 401 Unauthorized).`)
    expect(error.hint).to.equal("The kubeconfig's token or client certificate was refused; store a fresh kubeconfig with: berth endpoint update k --kubeconfig FILE")
    expect(error.message).to.not.contain('test-token-123')
  })

  it('turns a 403 on /version into an AuthError and another status into an ExternalError', async () => {
    const forbidden = await fake({version: 403})
    const denied = await berthRejection(testKubernetesEndpoint(creds(forbidden.url)))
    expect(denied).to.be.instanceOf(AuthError)
    expect(denied.message).to.equal(`Kubernetes API server ${forbidden.url} accepted the credentials but refused access (HTTP 403 Forbidden).`)
    const broken = await fake({version: 503})
    const failed = await berthRejection(testKubernetesEndpoint(creds(broken.url)))
    expect(failed).to.be.instanceOf(ExternalError)
    expect(failed.message).to.equal(`Kubernetes API server ${broken.url} answered HTTP 503: fake status 503 for /version.`)
    const reviewBroken = await fake({version: VERSION, accessReview: 500})
    expect((await berthRejection(testKubernetesEndpoint(creds(reviewBroken.url)))).message).to.equal(
      `Kubernetes API server ${reviewBroken.url} answered HTTP 500: fake status 500 for /apis/authorization.k8s.io/v1/selfsubjectaccessreviews.`,
    )
  })

  it('names the connect step when nothing listens', async () => {
    const port = await freePort()
    const error = await berthRejection(testKubernetesEndpoint(creds(`http://127.0.0.1:${port}`)))
    expect(error).to.be.instanceOf(ConnectionError)
    expect((error as ConnectionError).step).to.equal('connect')
    expect(error.message).to.equal(`Could not connect to Kubernetes API server http://127.0.0.1:${port}: ECONNREFUSED.`)
  })

  it('gives up after the timeout when the server never answers', async () => {
    const sockets: net.Socket[] = []
    const silent = net.createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const {port} = silent.address() as net.AddressInfo
    const started = Date.now()
    try {
      const error = await berthRejection(testKubernetesEndpoint(creds(`https://127.0.0.1:${port}`), {timeoutMs: 300}))
      expect(error).to.be.instanceOf(ConnectionError)
      expect((error as ConnectionError).step).to.equal('timeout')
      expect(error.message).to.equal(`Kubernetes API server https://127.0.0.1:${port} did not answer in time.`)
      expect(Date.now() - started).to.be.below(3000)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('names the DNS step for an unknown host', () => {
    const error = kubeRequestError(Object.assign(new Error('request to https://nope.invalid/version failed, reason: getaddrinfo ENOTFOUND nope.invalid'), {code: 'ENOTFOUND', type: 'system'}), {
      target: 'Kubernetes API server https://nope.invalid',
    })
    expect(error).to.be.instanceOf(ConnectionError)
    expect((error as ConnectionError).step).to.equal('dns')
    expect(error.message).to.equal('Could not resolve the host of Kubernetes API server https://nope.invalid (DNS: ENOTFOUND).')
  })

  it('names the TLS step, without node-fetch\'s "request to URL failed" wording', () => {
    const fetchError = Object.assign(new Error('request to https://10.0.0.1:6443/version failed, reason: self-signed certificate'), {
      name: 'FetchError',
      type: 'system',
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    })
    const error = kubeRequestError(fetchError, {target: 'Kubernetes API server https://10.0.0.1:6443'})
    expect(error).to.be.instanceOf(ConnectionError)
    expect((error as ConnectionError).step).to.equal('tls')
    expect(error.message).to.equal('TLS failed talking to Kubernetes API server https://10.0.0.1:6443: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT).')
  })

  it('refuses an unusable stored kubeconfig with a hint to replace it', async () => {
    const garbage = await berthRejection(kubeClientFor(creds('https://a', {kubeconfig: 'clusters: ['})))
    expect(garbage).to.be.instanceOf(ValidationError)
    expect(garbage.message).to.match(/^the stored kubeconfig of endpoint "k" is not valid YAML \(line 1\): /)
    expect(garbage.hint).to.equal('Store a working kubeconfig with: berth endpoint update k --kubeconfig FILE')
    const noContext = await berthRejection(kubeClientFor(creds('https://a', {context: 'other'})))
    expect(noContext.message).to.equal('The stored kubeconfig of endpoint "k" has no context "other" (its contexts: tester@fake).')
  })

  it('returns a KubeConfig with the endpoint\'s context current', async () => {
    const kc = await kubeClientFor(creds('https://k8s.example.com:6443'))
    expect(kc.getCurrentContext()).to.equal('tester@fake')
    expect(kc.getCurrentCluster()?.server).to.equal('https://k8s.example.com:6443')
    expect(kc.getContextObject('tester@fake')?.namespace).to.equal('apps')
  })
})

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
