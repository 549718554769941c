// The kubernetes endpoint library against the real kube-apiserver of test/env/kube.sh.
import {expect} from 'chai'
import net from 'node:net'
import tls from 'node:tls'

import type {CredentialsOf} from '../../src/lib/endpoints/types.js'
import {AuthError, ValidationError} from '../../src/lib/errors.js'
import {kubeClientFor, testKubernetesEndpoint} from '../../src/lib/endpoints/probes/kubernetes.js'
import {parseKubeconfig, prepareKubeconfig, serializeKubeconfig} from '../../src/lib/kube/kubeconfig.js'
import {ConnectionError} from '../../src/lib/net/errors.js'
import {KubeService, requireService} from '../helpers/services.js'
import {berthRejection} from '../helpers/files.js'

async function credentialsFrom(file: string, server?: string): Promise<CredentialsOf<'kubernetes'>> {
  const prepared = await prepareKubeconfig({file, useCurrentContext: true, server})
  return {type: 'kubernetes', name: 'cluster', server: prepared.server, context: prepared.context, kubeconfig: prepared.kubeconfig}
}

/** The credentials with the stored kubeconfig's cluster or user changed. */
function altered(creds: CredentialsOf<'kubernetes'>, change: (cluster: Record<string, unknown>, user: Record<string, unknown>) => void): CredentialsOf<'kubernetes'> {
  const config = parseKubeconfig(creds.kubeconfig, 'test')
  change(config.clusters[0].cluster, config.users[0].user)
  return {...creds, kubeconfig: serializeKubeconfig(config)}
}


describe('integration: kubernetes endpoint against kube-apiserver', function () {
  this.timeout(60_000)
  let kube: KubeService

  beforeEach(function () {
    kube = requireService(this, 'kube')
  })

  it('reports the version and that the admin can list namespaces', async () => {
    const creds = await credentialsFrom(kube.adminKubeconfig, kube.server)
    const check = await testKubernetesEndpoint(creds)
    expect(check.details.version).to.match(/^v1\.34\.\d+$/)
    expect(check.summary).to.equal(`Kubernetes ${check.details.version} at ${kube.server} as berth-admin; can list namespaces`)
    expect(check.details).to.deep.include({server: kube.server, context: 'berth-admin@berth-test', user: 'berth-admin', canListNamespaces: true})
    expect(check.details.groups).to.include('system:masters')
  })

  it('reports that the restricted user cannot list namespaces (a 403 is an answer, not a failure)', async () => {
    const creds = await credentialsFrom(kube.restrictedKubeconfig)
    const check = await testKubernetesEndpoint(creds)
    expect(check.summary).to.equal(`Kubernetes ${check.details.version} at ${kube.server} as berth-restricted; cannot list namespaces (RBAC denies list on namespaces)`)
    expect(check.details.canListNamespaces).to.equal(false)
  })

  it('gives a loaded client that really talks to the cluster', async () => {
    const kc = await kubeClientFor(await credentialsFrom(kube.adminKubeconfig))
    const k8s = await import('@kubernetes/client-node')
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespace()
    expect(list.items.map((ns) => ns.metadata?.name)).to.include.members(['default', 'kube-system'])
  })

  it('fails with a 401 AuthError for a wrong token, without showing it', async () => {
    const creds = altered(await credentialsFrom(kube.adminKubeconfig), (_cluster, user) => {
      user.token = 'wrong-token-0123456789'
    })
    const error = await berthRejection(testKubernetesEndpoint(creds))
    expect(error).to.be.instanceOf(AuthError)
    expect(error.exitCode).to.equal(1)
    expect(error.message).to.equal(`Kubernetes API server ${kube.server} rejected the credentials (HTTP 401 Unauthorized).`)
    expect(`${error.message} ${error.hint}`).to.not.contain('wrong-token')
  })

  it('names the TLS step when the kubeconfig has no CA for the server', async () => {
    const creds = altered(await credentialsFrom(kube.adminKubeconfig), (cluster) => {
      delete cluster['certificate-authority-data']
    })
    const error = await berthRejection(testKubernetesEndpoint(creds))
    expect(error).to.be.instanceOf(ConnectionError)
    expect((error as ConnectionError).step).to.equal('tls')
    expect(error.message).to.equal(`TLS failed talking to Kubernetes API server ${kube.server}: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE).`)
  })

  it('names the TLS step when the kubeconfig trusts another CA', async () => {
    const otherCa = tls.rootCertificates[0]
    const creds = altered(await credentialsFrom(kube.adminKubeconfig), (cluster) => {
      cluster['certificate-authority-data'] = Buffer.from(otherCa).toString('base64')
    })
    const error = await berthRejection(testKubernetesEndpoint(creds))
    expect(error).to.be.instanceOf(ConnectionError)
    expect((error as ConnectionError).step).to.equal('tls')
    expect(error.message).to.match(new RegExp(`^TLS failed talking to Kubernetes API server ${kube.server.replace(/[.]/g, '\\.')}: `))
  })

  it('names the connect step for a wrong port', async () => {
    const port = await freePort()
    const server = kube.server.replace(/:\d+$/, `:${port}`)
    const creds = altered(await credentialsFrom(kube.adminKubeconfig), (cluster) => {
      cluster.server = server
    })
    const error = await berthRejection(testKubernetesEndpoint(creds))
    expect(error).to.be.instanceOf(ConnectionError)
    expect((error as ConnectionError).step).to.equal('connect')
    expect(error.message).to.equal(`Could not connect to Kubernetes API server ${server}: ECONNREFUSED.`)
  })

  it('refuses a --server URL that does not match the generated kubeconfig', async () => {
    const other = kube.server.replace('127.0.0.1', 'localhost')
    const error = await berthRejection(prepareKubeconfig({file: kube.adminKubeconfig, useCurrentContext: true, server: other}))
    expect(error).to.be.instanceOf(ValidationError)
    expect(error.message).to.equal(
      `The --server URL ${other} does not match the kubeconfig's cluster "berth-test" server ${kube.server}: the host differs (localhost vs 127.0.0.1).`,
    )
  })
})

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = (server.address() as net.AddressInfo)
  await new Promise((resolve) => server.close(resolve))
  return port
}
