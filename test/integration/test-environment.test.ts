// One check per real service started by test/env/up.sh, so a broken environment shows up
// as a named failure here rather than as puzzling failures in feature tests.
import * as k8s from '@kubernetes/client-node'
import {expect} from 'chai'
import Docker from 'dockerode'
import {execFile} from 'node:child_process'
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {requireService} from '../helpers/services.js'

const run = promisify(execFile)

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

// WWW-Authenticate: Bearer realm="...",service="...",scope="..."
function parseChallenge(header: string | null): Record<string, string> {
  expect(header, 'WWW-Authenticate header').to.be.a('string')
  const [scheme, ...rest] = (header ?? '').split(' ')
  const params: Record<string, string> = {scheme}
  for (const m of rest.join(' ').matchAll(/(\w+)="([^"]*)"/g)) params[m[1]] = m[2]
  return params
}

interface TokenResponse {
  token: string
  access_token: string
  expires_in: number
  issued_at: string
}

describe('test environment: each service started by test/env/up.sh answers (a check of the environment, not of berth)', () => {
  it('registry: /v2/ needs Basic auth and speaks registry/2.0', async function () {
    const reg = requireService(this, 'registry')
    const anon = await fetch(`http://${reg.basicAddr}/v2/`)
    expect(anon.status).to.equal(401)
    expect(anon.headers.get('www-authenticate')).to.match(/^Basic realm=/)

    const wrong = await fetch(`http://${reg.basicAddr}/v2/`, {headers: {Authorization: basic(reg.user, 'wrong')}})
    expect(wrong.status).to.equal(401)

    const ok = await fetch(`http://${reg.basicAddr}/v2/`, {headers: {Authorization: basic(reg.user, reg.password)}})
    expect(ok.status).to.equal(200)
    expect(ok.headers.get('docker-distribution-api-version')).to.equal('registry/2.0')
  })

  it('registry: Bearer flow (challenge, token, 200) on the token registry', async function () {
    const reg = requireService(this, 'registry')
    const anon = await fetch(`http://${reg.tokenAddr}/v2/`)
    expect(anon.status).to.equal(401)
    const challenge = parseChallenge(anon.headers.get('www-authenticate'))
    expect(challenge.scheme).to.equal('Bearer')
    expect(challenge.realm).to.equal(reg.tokenRealm)
    expect(challenge.service).to.equal(reg.tokenService)

    const tokenUrl = new URL(challenge.realm)
    tokenUrl.searchParams.set('service', challenge.service)
    tokenUrl.searchParams.set('scope', 'repository:berth-test/busybox:pull')
    tokenUrl.searchParams.set('account', reg.user)

    const denied = await fetch(tokenUrl, {headers: {Authorization: basic(reg.user, 'wrong')}})
    expect(denied.status).to.equal(401)

    const tokenRes = await fetch(tokenUrl, {headers: {Authorization: basic(reg.user, reg.password)}})
    expect(tokenRes.status).to.equal(200)
    const body = (await tokenRes.json()) as TokenResponse
    expect(body.token).to.be.a('string').and.not.equal('')
    expect(body.access_token).to.equal(body.token)
    expect(body.expires_in).to.be.greaterThan(0)
    expect(Number.isNaN(Date.parse(body.issued_at)), `issued_at ${body.issued_at}`).to.equal(false)

    const ok = await fetch(`http://${reg.tokenAddr}/v2/`, {headers: {Authorization: `Bearer ${body.token}`}})
    expect(ok.status).to.equal(200)
    expect(ok.headers.get('docker-distribution-api-version')).to.equal('registry/2.0')
  })

  it('registry: the TLS registry is not trusted without its CA', async function () {
    const reg = requireService(this, 'registry')
    let error: unknown
    try {
      await fetch(`https://${reg.tlsAddr}/v2/`)
    } catch (err) {
      error = err
    }
    expect(error, 'fetch of a self-signed registry').to.be.instanceOf(Error)
    const cause = (error as Error & {cause?: {code?: string}}).cause
    expect(cause?.code).to.be.oneOf(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN'])
  })

  it('git: ls-remote through the git server with credentials from GIT_ASKPASS', async function () {
    const git = requireService(this, 'git')
    expect(git.repoUrl).to.not.include('@')
    const dir = await mkdtemp(join(tmpdir(), 'berth-smoke-git-'))
    try {
      const askpass = join(dir, 'askpass.sh')
      await writeFile(askpass, '#!/bin/sh\ncase "$1" in\n  Username*) printf "%s\\n" "$SMOKE_GIT_USER" ;;\n  *) printf "%s\\n" "$SMOKE_GIT_PASSWORD" ;;\nesac\n')
      await chmod(askpass, 0o700)
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: askpass,
        SMOKE_GIT_USER: git.user,
        SMOKE_GIT_PASSWORD: git.password,
      }
      const {stdout} = await run('git', ['ls-remote', git.repoUrl], {env})
      expect(stdout).to.match(/^[0-9a-f]{40}\trefs\/heads\/main$/m)
      expect(stdout).to.match(/^[0-9a-f]{40}\trefs\/heads\/release-1\.0$/m)

      const wrongEnv = {...env, SMOKE_GIT_PASSWORD: 'wrong'}
      let failed = false
      try {
        await run('git', ['ls-remote', git.repoUrl], {env: wrongEnv})
      } catch {
        failed = true
      }
      expect(failed, 'ls-remote with a wrong password fails').to.equal(true)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('docker: engine answers ping and lists the test image (dockerode)', async function () {
    const svc = requireService(this, 'docker')
    const docker = new Docker({socketPath: svc.socketPath})
    const pong: unknown = await docker.ping()
    expect(String(pong)).to.equal('OK')
    const images = await docker.listImages()
    const tags = images.flatMap((i) => i.RepoTags ?? [])
    expect(tags).to.include(svc.testImage)
  })

  it('kube: apiserver /version, namespaces as admin, 403 for the restricted user', async function () {
    const kube = requireService(this, 'kube')
    const admin = new k8s.KubeConfig()
    admin.loadFromFile(kube.adminKubeconfig)
    const version = await admin.makeApiClient(k8s.VersionApi).getCode()
    expect(version.gitVersion).to.match(/^v1\.\d+\.\d+/)

    const namespaces = await admin.makeApiClient(k8s.CoreV1Api).listNamespace()
    const names = namespaces.items.map((ns) => ns.metadata?.name)
    expect(names).to.include.members(['default', 'kube-system'])

    const restricted = new k8s.KubeConfig()
    restricted.loadFromFile(kube.restrictedKubeconfig)
    let code: number | undefined
    try {
      await restricted.makeApiClient(k8s.CoreV1Api).listNamespace()
    } catch (err) {
      code = err instanceof k8s.ApiException ? err.code : undefined
      if (code === undefined) throw err
    }
    expect(code, 'listNamespace as the restricted user').to.equal(403)
  })
})
