import {expect} from 'chai'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ValidationError} from '../../../src/lib/errors.js'
import {
  Kubeconfig,
  checkServerAgreement,
  currentContextKubeconfigPath,
  minifyKubeconfig,
  parseKubeconfig,
  parseServerUrl,
  prepareKubeconfig,
  selectContext,
  serializeKubeconfig,
} from '../../../src/lib/kube/kubeconfig.js'
import {parseYaml} from '../../../src/lib/yaml.js'

const SOURCE = '--kubeconfig k.yaml'

const VALID = `apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0E=
- name: prod
  cluster:
    server: https://prod.example.com
users:
- name: alice
  user:
    token: s3cret-token
- name: bob
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
contexts:
- name: alice@dev
  context: {cluster: dev, user: alice, namespace: apps}
- name: bob@prod
  context: {cluster: prod, user: bob}
current-context: alice@dev
preferences: {}
`

function caught(fn: () => unknown): ValidationError {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError)
    expect((error as ValidationError).exitCode).to.equal(2)
    return error as ValidationError
  }
  throw new Error('expected a ValidationError, nothing was thrown')
}

async function caughtAsync(fn: () => Promise<unknown>): Promise<ValidationError> {
  try {
    await fn()
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError)
    expect((error as ValidationError).exitCode).to.equal(2)
    return error as ValidationError
  }
  throw new Error('expected a ValidationError, nothing was thrown')
}

function parseMessage(text: string): string {
  return caught(() => parseKubeconfig(text, SOURCE)).message
}

describe('kube/kubeconfig', () => {
  describe('parseKubeconfig', () => {
    it('reads a valid kubeconfig, keeping every list and the current-context', () => {
      const config = parseKubeconfig(VALID, SOURCE)
      expect(config.clusters.map((c) => c.name)).to.deep.equal(['dev', 'prod'])
      expect(config.users.map((u) => u.name)).to.deep.equal(['alice', 'bob'])
      expect(config.contexts.map((c) => c.name)).to.deep.equal(['alice@dev', 'bob@prod'])
      expect(config['current-context']).to.equal('alice@dev')
      expect(config.clusters[0].cluster.server).to.equal('https://127.0.0.1:6443')
      expect(config.contexts[0].context.namespace).to.equal('apps')
    })

    it('rejects text that is not YAML, keeping the parser\'s line', () => {
      expect(parseMessage('clusters: [')).to.equal(
        '--kubeconfig k.yaml is not valid YAML (line 1): Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 12:',
      )
      expect(parseMessage('clusters: []\n\tcontexts: []\n')).to.match(/^--kubeconfig k\.yaml is not valid YAML \(line 2\): /)
      expect(parseMessage('a: 1\na: 2\n')).to.match(/^--kubeconfig k\.yaml is not valid YAML \(line 2\): Map keys must be unique/)
      expect(parseMessage('a: 1\n---\nb: 2\n')).to.match(/^--kubeconfig k\.yaml is not valid YAML \(line 2\): Source contains multiple documents/)
    })

    it('refuses a YAML alias bomb instead of expanding it', () => {
      const bomb = [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
        'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
        'clusters: [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
      ].join('\n')
      expect(parseMessage(bomb)).to.equal('--kubeconfig k.yaml could not be read as YAML: Excessive alias count indicates a resource exhaustion attack')
    })

    it('refuses an oversized file', () => {
      const big = `clusters: []\nusers: []\ncontexts: []\n# ${'x'.repeat(4 * 1024 * 1024)}\n`
      expect(parseMessage(big)).to.equal('--kubeconfig k.yaml is larger than 4194304 bytes.')
    })

    it('rejects YAML that is not a map', () => {
      expect(parseMessage('')).to.equal('--kubeconfig k.yaml is not a kubeconfig: it is empty.')
      expect(parseMessage('# only a comment\n')).to.equal('--kubeconfig k.yaml is not a kubeconfig: it is empty.')
      expect(parseMessage('- clusters\n- users\n')).to.equal(
        '--kubeconfig k.yaml is not a kubeconfig: it is a list, not a map with clusters, contexts and users.',
      )
      expect(parseMessage('just some text')).to.equal(
        '--kubeconfig k.yaml is not a kubeconfig: it is a string, not a map with clusters, contexts and users.',
      )
      expect(parseMessage('42')).to.equal('--kubeconfig k.yaml is not a kubeconfig: it is a number, not a map with clusters, contexts and users.')
      expect(parseMessage('!!binary aGVsbG8=')).to.equal(
        '--kubeconfig k.yaml is not a kubeconfig: it is binary data, not a map with clusters, contexts and users.',
      )
    })

    it('rejects another kind of document', () => {
      expect(parseMessage('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n')).to.equal(
        '--kubeconfig k.yaml is not a kubeconfig: its kind is "Deployment", not "Config".',
      )
      expect(parseMessage('kind: [Config]\nclusters: []\nusers: []\ncontexts: []\n')).to.equal(
        '--kubeconfig k.yaml is not a kubeconfig: its kind is a list, not "Config".',
      )
      expect(parseMessage('apiVersion: v2\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n')).to.equal(
        '--kubeconfig k.yaml is not a kubeconfig: its apiVersion is "v2", not "v1".',
      )
    })

    it('names the lists that are missing', () => {
      expect(parseMessage('apiVersion: v1\nkind: Config\npreferences: {}\n')).to.equal(
        '--kubeconfig k.yaml is not a kubeconfig: it has no "clusters", "contexts" or "users" list.',
      )
      expect(parseMessage('clusters: []\nusers: []\n')).to.equal('--kubeconfig k.yaml is not a kubeconfig: it has no "contexts" list.')
      expect(parseMessage('contexts: []\n')).to.equal('--kubeconfig k.yaml is not a kubeconfig: it has no "clusters" or "users" list.')
    })

    it('accepts the null lists kubectl writes for an empty config', () => {
      const config = parseKubeconfig('apiVersion: v1\nkind: Config\nclusters: null\ncontexts: null\nusers: null\ncurrent-context: ""\n', SOURCE)
      expect(config.clusters).to.deep.equal([])
      expect(config.contexts).to.deep.equal([])
      expect(config).to.not.have.property('current-context')
    })

    it('rejects malformed lists and entries', () => {
      const base = 'contexts: []\nusers: []\n'
      expect(parseMessage(`${base}clusters: {dev: {server: x}}\n`)).to.equal('--kubeconfig k.yaml is not a valid kubeconfig: "clusters" is a map, not a list.')
      expect(parseMessage(`${base}clusters: [dev]\n`)).to.equal('--kubeconfig k.yaml is not a valid kubeconfig: clusters[0] is a string, not a map.')
      expect(parseMessage(`${base}clusters: [{cluster: {server: 'https://a'}}]\n`)).to.equal('--kubeconfig k.yaml is not a valid kubeconfig: clusters[0] has no name.')
      expect(parseMessage(`${base}clusters: [{name: 7, cluster: {}}]\n`)).to.equal('--kubeconfig k.yaml is not a valid kubeconfig: clusters[0] has no name.')
      expect(parseMessage(`${base}clusters: [{name: dev}]\n`)).to.equal('--kubeconfig k.yaml is not a valid kubeconfig: cluster "dev" has no "cluster" map.')
      expect(parseMessage(`${base}clusters: [{name: dev, cluster: https://a}]\n`)).to.equal(
        '--kubeconfig k.yaml is not a valid kubeconfig: cluster "dev" has no "cluster" map (found a string).',
      )
      expect(parseMessage(`${base}clusters: [{name: dev, cluster: {server: a}}, {name: dev, cluster: {server: b}}]\n`)).to.equal(
        '--kubeconfig k.yaml is not a valid kubeconfig: it has two clusters named "dev".',
      )
      expect(parseMessage('clusters: []\nusers: []\ncontexts: [{name: c, context: {cluster: [a]}}]\n')).to.equal(
        '--kubeconfig k.yaml is not a valid kubeconfig: context "c" field "cluster" is a list, not a string.',
      )
      expect(parseMessage('clusters: []\ncontexts: []\nusers: [{name: u, user: {token: 12345}}]\n')).to.equal(
        '--kubeconfig k.yaml is not a valid kubeconfig: user "u" field "token" is a number, not a string.',
      )
      expect(parseMessage('clusters: []\ncontexts: []\nusers: [{name: u, user: {exec: aws}}]\n')).to.equal(
        '--kubeconfig k.yaml is not a valid kubeconfig: user "u" field "exec" is a string, not a map.',
      )
      expect(parseMessage('clusters: []\ncontexts: []\nusers: [{name: u, user: {as-groups: [a, 1]}}]\n')).to.equal(
        '--kubeconfig k.yaml is not a valid kubeconfig: user "u" field "as-groups" is a list, not a list of strings.',
      )
      expect(parseMessage(`${base}clusters: [{name: dev, cluster: {insecure-skip-tls-verify: "yes"}}]\n`)).to.equal(
        '--kubeconfig k.yaml is not a valid kubeconfig: cluster "dev" field "insecure-skip-tls-verify" is a string, not a boolean.',
      )
      expect(parseMessage(`${base}clusters: []\ncurrent-context: [a]\n`)).to.equal(
        '--kubeconfig k.yaml is not a valid kubeconfig: "current-context" is a list, not a string.',
      )
    })

    it('keeps a __proto__ key as plain data without touching prototypes', () => {
      const config = parseKubeconfig('__proto__: {polluted: true}\nclusters: []\ncontexts: []\nusers: [{name: u, user: {__proto__: {token: x}}}]\n', SOURCE)
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined)
      expect(config.users[0].user.token).to.equal(undefined)
    })
  })

  describe('selectContext', () => {
    const config = () => parseKubeconfig(VALID, SOURCE)

    it('returns the named context with its cluster and user', () => {
      const selected = selectContext(config(), {context: 'bob@prod', useCurrentContext: true})
      expect(selected.name).to.equal('bob@prod')
      expect(selected.cluster.name).to.equal('prod')
      expect(selected.user.name).to.equal('bob')
    })

    it('uses the current-context when none is named', () => {
      const selected = selectContext(config(), {useCurrentContext: true})
      expect(selected.name).to.equal('alice@dev')
      expect(selected.context.namespace).to.equal('apps')
    })

    it('uses the only context when current-context is not wanted, and refuses to guess between several', () => {
      const one = parseKubeconfig('clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n', SOURCE)
      expect(selectContext(one, {useCurrentContext: false}).name).to.equal('x')
      expect(caught(() => selectContext(config(), {useCurrentContext: false, source: SOURCE})).message).to.equal(
        '--kubeconfig k.yaml has 2 contexts; say which one to use (its contexts: alice@dev, bob@prod).',
      )
    })

    it('fails when there are no contexts at all', () => {
      const empty = parseKubeconfig('clusters: []\nusers: []\ncontexts: []\n', SOURCE)
      const error = caught(() => selectContext(empty, {context: 'x', useCurrentContext: true, source: SOURCE}))
      expect(error.message).to.equal('--kubeconfig k.yaml has no contexts.')
      expect(error.hint).to.contain('kubectl config set-context')
      expect(caught(() => selectContext(empty, {useCurrentContext: true})).message).to.equal('The kubeconfig has no contexts.')
    })

    it('lists the available contexts when the named one is unknown', () => {
      const error = caught(() => selectContext(config(), {context: 'staging', useCurrentContext: true, source: SOURCE}))
      expect(error.message).to.equal('--kubeconfig k.yaml has no context "staging" (its contexts: alice@dev, bob@prod).')
      expect(error.hint).to.equal('Choose one with --context NAME.')
    })

    it('fails when current-context is unset or names a missing context', () => {
      const unset = config()
      delete unset['current-context']
      expect(caught(() => selectContext(unset, {useCurrentContext: true})).message).to.equal(
        'The kubeconfig has no current-context (its contexts: alice@dev, bob@prod).',
      )
      const dangling = parseKubeconfig(VALID.replace('current-context: alice@dev', 'current-context: gone'), SOURCE)
      expect(caught(() => selectContext(dangling, {useCurrentContext: true, source: SOURCE})).message).to.equal(
        'The current-context "gone" of --kubeconfig k.yaml is not one of its contexts (its contexts: alice@dev, bob@prod).',
      )
    })

    it('fails when the context names a cluster or user that is not there', () => {
      const noCluster = parseKubeconfig(VALID.replace('{cluster: dev, user: alice', '{cluster: staging, user: alice'), SOURCE)
      expect(caught(() => selectContext(noCluster, {useCurrentContext: true, source: SOURCE})).message).to.equal(
        'Context "alice@dev" in --kubeconfig k.yaml names cluster "staging", which is not in it (its clusters: dev, prod).',
      )
      const noUser = parseKubeconfig(VALID.replace('{cluster: dev, user: alice', '{cluster: dev, user: carol'), SOURCE)
      expect(caught(() => selectContext(noUser, {useCurrentContext: true, source: SOURCE})).message).to.equal(
        'Context "alice@dev" in --kubeconfig k.yaml names user "carol", which is not in it (its users: alice, bob).',
      )
      const noUsers = parseKubeconfig('clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: []\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n', SOURCE)
      expect(caught(() => selectContext(noUsers, {useCurrentContext: false})).message).to.equal(
        'Context "x" in the kubeconfig names user "u", which is not in it (it has no users).',
      )
      const unnamed = parseKubeconfig('clusters: []\nusers: []\ncontexts: [{name: x, context: {user: u}}]\n', SOURCE)
      expect(caught(() => selectContext(unnamed, {useCurrentContext: false})).message).to.equal('Context "x" in the kubeconfig names no cluster.')
      const anonymous = parseKubeconfig('clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: []\ncontexts: [{name: x, context: {cluster: c}}]\n', SOURCE)
      expect(caught(() => selectContext(anonymous, {useCurrentContext: false})).message).to.equal(
        'Context "x" in the kubeconfig names no user; berth needs the credentials to reach the cluster.',
      )
      const noServer = parseKubeconfig('clusters: [{name: c, cluster: {}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n', SOURCE)
      expect(caught(() => selectContext(noServer, {useCurrentContext: false})).message).to.equal('Cluster "c" in the kubeconfig has no server URL.')
    })
  })

  describe('checkServerAgreement', () => {
    const cluster = (server: string) => ({name: 'c', cluster: {server}})

    it('returns the kubeconfig\'s server when no --server is given', () => {
      expect(checkServerAgreement(cluster('https://k8s.example.com:6443'), undefined)).to.equal('https://k8s.example.com:6443')
    })

    it('accepts URLs that agree after normalisation, returning the given one', () => {
      expect(checkServerAgreement(cluster('https://k8s.example.com:6443'), 'https://K8S.Example.COM:6443/')).to.equal('https://K8S.Example.COM:6443/')
      expect(checkServerAgreement(cluster('https://k8s.example.com'), 'https://k8s.example.com:443')).to.equal('https://k8s.example.com:443')
      expect(checkServerAgreement(cluster('http://k8s.example.com:80/'), 'HTTP://k8s.example.com')).to.equal('HTTP://k8s.example.com')
      expect(checkServerAgreement(cluster('https://h/k8s/clusters/c-1'), 'https://h/k8s/clusters/c-1/')).to.equal('https://h/k8s/clusters/c-1/')
      expect(checkServerAgreement(cluster('https://[::1]:6443'), 'https://[0:0::1]:6443')).to.equal('https://[0:0::1]:6443')
    })

    it('says the host differs', () => {
      expect(caught(() => checkServerAgreement(cluster('https://b:6443'), 'https://a:6443')).message).to.equal(
        'The --server URL https://a:6443 does not match the kubeconfig\'s cluster "c" server https://b:6443: the host differs (a vs b).',
      )
    })

    it('says the scheme differs', () => {
      expect(caught(() => checkServerAgreement(cluster('https://a:6443'), 'http://a:6443')).message).to.equal(
        'The --server URL http://a:6443 does not match the kubeconfig\'s cluster "c" server https://a:6443: the scheme differs (http vs https).',
      )
    })

    it('says the port differs, counting default ports', () => {
      expect(caught(() => checkServerAgreement(cluster('https://a:6443'), 'https://a:6444')).message).to.equal(
        'The --server URL https://a:6444 does not match the kubeconfig\'s cluster "c" server https://a:6443: the port differs (6444 vs 6443).',
      )
      expect(caught(() => checkServerAgreement(cluster('https://a:6443'), 'https://a')).message).to.equal(
        'The --server URL https://a does not match the kubeconfig\'s cluster "c" server https://a:6443: the port differs (443 vs 6443).',
      )
    })

    it('says the path differs', () => {
      expect(caught(() => checkServerAgreement(cluster('https://a/k8s/clusters/c-1'), 'https://a/')).message).to.equal(
        'The --server URL https://a/ does not match the kubeconfig\'s cluster "c" server https://a/k8s/clusters/c-1: the path differs (/ vs /k8s/clusters/c-1).',
      )
    })

    it('names every part that differs', () => {
      const error = caught(() => checkServerAgreement(cluster('https://b:6443'), 'http://a:8080'))
      expect(error.message).to.equal(
        'The --server URL http://a:8080 does not match the kubeconfig\'s cluster "c" server https://b:6443: the scheme differs (http vs https), the host differs (a vs b) and the port differs (8080 vs 6443).',
      )
      expect(error.hint).to.contain('--context')
    })

    it('requires http or https URLs, on either side', () => {
      expect(caught(() => checkServerAgreement(cluster('https://a'), 'ftp://a')).message).to.equal('The --server URL ftp://a must use http or https, not ftp.')
      expect(caught(() => checkServerAgreement(cluster('https://a'), 'a:6443')).message).to.equal('The --server URL a:6443 must use http or https, not a.')
      expect(caught(() => checkServerAgreement(cluster('https://a'), '127.0.0.1:6443')).message).to.equal(
        'The --server URL "127.0.0.1:6443" is not a valid URL; expected https://HOST[:PORT].',
      )
      expect(caught(() => checkServerAgreement(cluster('tcp://a:6443'), 'https://a:6443')).message).to.equal(
        'The kubeconfig\'s cluster "c" server tcp://a:6443 must use http or https, not tcp.',
      )
      expect(caught(() => checkServerAgreement(cluster('https://a'), 'https://a?x=1')).message).to.equal('The --server URL https://a?x=1 must not have a query or fragment.')
    })

    it('never repeats credentials embedded in a URL', () => {
      const error = caught(() => checkServerAgreement(cluster('https://a'), 'https://admin:hunter2@a'))
      expect(error.message).to.equal('The --server URL must not contain a username or password; the credentials belong in the kubeconfig.')
      expect(caught(() => parseServerUrl('https://admin:hunter2@', 'The --server URL')).message).to.not.contain('hunter2')
    })
  })

  describe('minifyKubeconfig', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'berth-kubeconfig-'))
    })
    afterEach(() => rmSync(dir, {recursive: true, force: true}))

    it('keeps only the context, its cluster and user, and sets current-context', async () => {
      const {config, context, inlined} = await minifyKubeconfig(parseKubeconfig(VALID, SOURCE), 'bob@prod', {baseDir: dir})
      expect(config).to.deep.equal({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'prod', cluster: {server: 'https://prod.example.com'}}],
        users: [{name: 'bob', user: {'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ'}}],
        contexts: [{name: 'bob@prod', context: {cluster: 'prod', user: 'bob'}}],
        'current-context': 'bob@prod',
      })
      expect(context.name).to.equal('bob@prod')
      expect(inlined).to.deep.equal([])
    })

    it('inlines certificate-authority, client-certificate, client-key and tokenFile, relative to the kubeconfig', async () => {
      mkdirSync(path.join(dir, 'pki'))
      writeFileSync(path.join(dir, 'pki', 'ca.crt'), 'CA PEM\n')
      writeFileSync(path.join(dir, 'client.crt'), 'CERT PEM\n')
      writeFileSync(path.join(dir, 'client.key'), 'KEY PEM\n')
      writeFileSync(path.join(dir, 'token'), '  tok-from-file\n')
      const abs = path.join(dir, 'client.key')
      const text = `clusters:
- name: c
  cluster: {server: "https://a:6443", certificate-authority: pki/ca.crt}
users:
- name: cert
  user: {client-certificate: ./client.crt, client-key: ${abs}}
- name: tok
  user: {tokenFile: token, token: stale}
contexts:
- {name: x, context: {cluster: c, user: cert}}
- {name: y, context: {cluster: c, user: tok}}
`
      const config = parseKubeconfig(text, SOURCE)
      const x = await minifyKubeconfig(config, 'x', {baseDir: dir})
      expect(x.config.clusters[0].cluster).to.deep.equal({server: 'https://a:6443', 'certificate-authority-data': Buffer.from('CA PEM\n').toString('base64')})
      expect(x.config.users[0].user).to.deep.equal({
        'client-certificate-data': Buffer.from('CERT PEM\n').toString('base64'),
        'client-key-data': Buffer.from('KEY PEM\n').toString('base64'),
      })
      expect(x.inlined).to.deep.equal([
        {field: 'certificate-authority', file: path.join(dir, 'pki', 'ca.crt')},
        {field: 'client-certificate', file: path.join(dir, 'client.crt')},
        {field: 'client-key', file: abs},
      ])
      const y = await minifyKubeconfig(config, 'y', {baseDir: dir})
      expect(y.config.users[0].user).to.deep.equal({token: 'tok-from-file'})
      // The input is left as it was.
      expect(config.clusters[0].cluster['certificate-authority']).to.equal('pki/ca.crt')
    })

    it('keeps inline data over a file reference, without reading the file', async () => {
      const text = 'clusters: [{name: c, cluster: {server: "https://a", certificate-authority: missing.crt, certificate-authority-data: Q0E=}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n'
      const {config, inlined} = await minifyKubeconfig(parseKubeconfig(text, SOURCE), 'x', {baseDir: dir})
      expect(config.clusters[0].cluster).to.deep.equal({server: 'https://a', 'certificate-authority-data': 'Q0E='})
      expect(inlined).to.deep.equal([])
    })

    it('fails clearly when a referenced file cannot be read', async () => {
      const text = (ref: string) =>
        `clusters: [{name: c, cluster: {server: "https://a", certificate-authority: ${ref}}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n`
      const missing = await caughtAsync(() => minifyKubeconfig(parseKubeconfig(text('ca.crt'), SOURCE), 'x', {baseDir: dir, source: SOURCE}))
      expect(missing.message).to.equal(`Could not read the certificate-authority file ${path.join(dir, 'ca.crt')} named by cluster "c" in --kubeconfig k.yaml: no such file.`)
      const directory = await caughtAsync(() => minifyKubeconfig(parseKubeconfig(text('.'), SOURCE), 'x', {baseDir: dir}))
      expect(directory.message).to.equal(`Could not read the certificate-authority file ${dir} named by cluster "c" in the kubeconfig: it is a directory.`)
      const device = await caughtAsync(() => minifyKubeconfig(parseKubeconfig(text('/dev/zero'), SOURCE), 'x', {baseDir: dir}))
      expect(device.message).to.equal('Could not read the certificate-authority file /dev/zero named by cluster "c" in the kubeconfig: it is not a regular file.')
      if (process.getuid?.() !== 0) {
        writeFileSync(path.join(dir, 'secret.crt'), 'x')
        chmodSync(path.join(dir, 'secret.crt'), 0o000)
        const denied = await caughtAsync(() => minifyKubeconfig(parseKubeconfig(text('secret.crt'), SOURCE), 'x', {baseDir: dir}))
        expect(denied.message).to.equal(`Could not read the certificate-authority file ${path.join(dir, 'secret.crt')} named by cluster "c" in the kubeconfig: permission denied.`)
      }
    })

    it('rejects an empty token file', async () => {
      writeFileSync(path.join(dir, 'token'), '\n\n')
      const text = 'clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [{name: u, user: {tokenFile: token}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n'
      const error = await caughtAsync(() => minifyKubeconfig(parseKubeconfig(text, SOURCE), 'x', {baseDir: dir}))
      expect(error.message).to.equal(`The tokenFile file ${path.join(dir, 'token')} named by user "u" in the kubeconfig is empty.`)
    })

    it('rejects data fields that are not base64, and a certificate without its key', async () => {
      const text = (user: string) => `clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [{name: u, user: ${user}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n`
      expect((await caughtAsync(() => minifyKubeconfig(parseKubeconfig(text('{client-certificate-data: "-----BEGIN CERT", client-key-data: S0VZ}'), SOURCE), 'x', {baseDir: dir}))).message).to.equal(
        'The client-certificate-data of user "u" in the kubeconfig is not base64.',
      )
      expect((await caughtAsync(() => minifyKubeconfig(parseKubeconfig(text('{client-certificate-data: Q0VSVA==}'), SOURCE), 'x', {baseDir: dir}))).message).to.equal(
        'User "u" of context "x" in the kubeconfig has a client certificate but no client key.',
      )
    })

    it('rejects exec and auth-provider users, saying why', async () => {
      const text = (user: string) => `clusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [{name: u, user: ${user}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n`
      const exec = await caughtAsync(() =>
        minifyKubeconfig(parseKubeconfig(text('{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}}'), SOURCE), 'x', {baseDir: dir, source: SOURCE}),
      )
      expect(exec.message).to.equal(
        'User "u" of context "x" in --kubeconfig k.yaml gets its credentials from an exec plugin ("aws"); berth stores a self-contained kubeconfig and cannot store a plugin-based user.',
      )
      expect(exec.hint).to.contain('kubectl create token')
      const provider = await caughtAsync(() => minifyKubeconfig(parseKubeconfig(text('{auth-provider: {name: oidc, config: {}}}'), SOURCE), 'x', {baseDir: dir}))
      expect(provider.message).to.equal(
        'User "u" of context "x" in the kubeconfig gets its credentials from an auth-provider plugin ("oidc"); berth stores a self-contained kubeconfig and cannot store a plugin-based user.',
      )
    })

    it('rejects an unknown context', async () => {
      const error = await caughtAsync(() => minifyKubeconfig(parseKubeconfig(VALID, SOURCE), 'nope', {baseDir: dir}))
      expect(error.message).to.equal('The kubeconfig has no context "nope" (its contexts: alice@dev, bob@prod).')
    })
  })

  describe('serializeKubeconfig', () => {
    it('writes YAML that parses back to the same kubeconfig', async () => {
      const {config} = await minifyKubeconfig(parseKubeconfig(VALID, SOURCE), 'alice@dev', {baseDir: os.tmpdir()})
      const text = serializeKubeconfig(config)
      expect(text.startsWith('apiVersion: v1\nkind: Config\nclusters:\n')).to.equal(true)
      expect(parseYaml(text, {source: 'x'})).to.deep.equal(config)
      expect(parseKubeconfig(text, 'x')).to.deep.equal(config)
    })
  })

  describe('currentContextKubeconfigPath', () => {
    it('uses the first path of $KUBECONFIG', () => {
      expect(currentContextKubeconfigPath({KUBECONFIG: `/a/one${path.delimiter}/b/two`})).to.equal('/a/one')
      expect(currentContextKubeconfigPath({KUBECONFIG: `${path.delimiter}/b/two`})).to.equal('/b/two')
    })

    it('falls back to ~/.kube/config', () => {
      expect(currentContextKubeconfigPath({HOME: '/home/u'})).to.equal('/home/u/.kube/config')
      expect(currentContextKubeconfigPath({HOME: '/home/u', KUBECONFIG: ''})).to.equal('/home/u/.kube/config')
      expect(currentContextKubeconfigPath({}, '/h')).to.equal('/h/.kube/config')
    })
  })

  describe('prepareKubeconfig', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'berth-kubeconfig-'))
    })
    afterEach(() => rmSync(dir, {recursive: true, force: true}))

    it('reads, selects, checks and minifies a kubeconfig file', async () => {
      const file = path.join(dir, 'config')
      writeFileSync(path.join(dir, 'ca.crt'), 'CA')
      writeFileSync(file, VALID.replace('certificate-authority-data: Q0E=', 'certificate-authority: ca.crt'))
      const prepared = await prepareKubeconfig({file, useCurrentContext: true, server: 'https://127.0.0.1:6443/'})
      expect(prepared).to.deep.include({server: 'https://127.0.0.1:6443/', context: 'alice@dev', cluster: 'dev', user: 'alice'})
      expect(prepared.inlined).to.deep.equal([{field: 'certificate-authority', file: path.join(dir, 'ca.crt')}])
      const stored: Kubeconfig = parseKubeconfig(prepared.kubeconfig, 'stored')
      expect(stored.clusters).to.deep.equal([{name: 'dev', cluster: {server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'Q0E='}}])
      expect(stored.users).to.deep.equal([{name: 'alice', user: {token: 's3cret-token'}}])
      expect(stored['current-context']).to.equal('alice@dev')
    })

    it('names the file in every error', async () => {
      const file = path.join(dir, 'config')
      writeFileSync(file, VALID)
      expect((await caughtAsync(() => prepareKubeconfig({file, context: 'bob@prod', useCurrentContext: true, server: 'https://127.0.0.1:6443'}))).message).to.equal(
        'The --server URL https://127.0.0.1:6443 does not match the kubeconfig\'s cluster "prod" server https://prod.example.com: the host differs (127.0.0.1 vs prod.example.com) and the port differs (6443 vs 443).',
      )
      expect((await caughtAsync(() => prepareKubeconfig({file, context: 'x', useCurrentContext: true}))).message).to.equal(
        `${file} has no context "x" (its contexts: alice@dev, bob@prod).`,
      )
      expect((await caughtAsync(() => prepareKubeconfig({file: path.join(dir, 'nope'), useCurrentContext: true}))).message).to.equal(
        `Could not read the kubeconfig file ${path.join(dir, 'nope')}: no such file.`,
      )
      expect((await caughtAsync(() => prepareKubeconfig({file: dir, useCurrentContext: true}))).message).to.equal(
        `Could not read the kubeconfig file ${dir}: it is a directory.`,
      )
      writeFileSync(file, 'clusters: [')
      expect((await caughtAsync(() => prepareKubeconfig({file, source: '--kubeconfig config', useCurrentContext: true}))).message).to.match(
        /^--kubeconfig config is not valid YAML \(line 1\): /,
      )
    })
  })
})
