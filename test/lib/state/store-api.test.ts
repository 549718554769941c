import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {ConflictError, DamagedStateError, NotFoundError, ValidationError} from '../../../src/lib/errors.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {tempHome} from '../../helpers/cli.js'
import {rejection} from '../../helpers/files.js'

const SERVICE_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/name: web}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: registry.example.com:5061/team/web:1.4.2
          env: [{name: GREETING, value: "héllo: wörld # not a comment"}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web}
spec:
  endpoints: [{port: metrics, interval: 30s}]
`

describe('StateStore API', () => {
  let home: string
  let cleanup: () => void
  let store: StateStore
  let clock: Date
  const dir = () => path.join(home, 'projects', 'team-a', 'services')

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    clock = new Date('2026-01-02T03:04:05.000Z')
    store = new StateStore({home, actor: 'tester@host', now: () => clock})
  })
  afterEach(() => cleanup())

  describe('project', () => {
    it('is required for project-scoped kinds: leaving it out is a bug, not "default"', async () => {
      const cases: Array<Promise<unknown>> = [
        store.get('Endpoint', 'hub'),
        store.tryGet('Endpoint', 'hub'),
        store.list('Endpoint'),
        store.create({kind: 'Endpoint', metadata: {name: 'hub'}, spec: {}}),
        store.update('Endpoint', 'hub', undefined, (doc) => doc),
        store.updateStatus('Endpoint', 'hub', undefined, () => ({})),
        store.delete('Endpoint', 'hub'),
      ]
      for (const call of cases) {
        const err = await rejection(call)
        expect(err.constructor).to.equal(Error)
        expect(err.message).to.equal('StateStore: Endpoint objects belong to a project, and no project was given (a bug in the caller).')
      }
      expect(await fs.readdir(home)).to.deep.equal([])
    })

    it('is not needed for global kinds', async () => {
      await store.create({kind: 'ResourceInterface', metadata: {name: 'gitcoderepository'}, spec: {}})
      expect((await store.list('ResourceInterface')).map((d) => d.metadata.name)).to.deep.equal(['gitcoderepository'])
    })
  })

  describe('compare-and-swap and status', () => {
    it('updates only while the generation is the one expected', async () => {
      await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {replicas: 1}})
      const read = await store.get('Service', 'web', 'team-a')
      await store.update('Service', 'web', 'team-a', (doc) => ({...doc, spec: {replicas: 2}}), {expectedGeneration: read.metadata.generation})
      const before = await fs.readFile(path.join(dir(), 'web.yaml'), 'utf8')
      const err = await rejection(store.update('Service', 'web', 'team-a', (doc) => ({...doc, spec: {replicas: 9}}), {expectedGeneration: read.metadata.generation}))
      expect(err).to.be.instanceOf(ConflictError)
      expect(err.message).to.equal('Service "web" in project "team-a" was changed meanwhile: expected generation 1, found 2.')
      expect((err as ConflictError).hint).to.equal(undefined)
      expect(await fs.readFile(path.join(dir(), 'web.yaml'), 'utf8')).to.equal(before)
    })

    it('writes status without moving the generation, and keeps observedGeneration', async () => {
      await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {replicas: 1}})
      const updated = await store.update('Service', 'web', 'team-a', (doc) => ({...doc, spec: {replicas: 2}}))
      clock = new Date('2026-01-02T04:00:00.000Z')
      const withStatus = await store.updateStatus('Service', 'web', 'team-a', (doc) => ({observedGeneration: doc.metadata.generation, phase: 'Deployed'}))
      expect(withStatus.metadata).to.deep.equal(updated.metadata)
      expect(withStatus.spec).to.deep.equal({replicas: 2})
      expect(withStatus.status).to.deep.equal({observedGeneration: 2, phase: 'Deployed'})
      expect(await store.get('Service', 'web', 'team-a')).to.deep.equal(withStatus)
      const stale = await rejection(store.updateStatus('Service', 'web', 'team-a', () => ({phase: 'Failed'}), {expectedGeneration: 1}))
      expect(stale).to.be.instanceOf(ConflictError)
      // A spec change afterwards moves the generation past the observed one.
      const changed = await store.update('Service', 'web', 'team-a', (doc) => ({...doc, spec: {replicas: 3}}))
      expect(changed.metadata.generation).to.equal(3)
      expect(changed.status).to.deep.equal({observedGeneration: 2, phase: 'Deployed'})
    })
  })

  describe('bodies', () => {
    const digest = (text: string) => createHash('sha256').update(text).digest('hex')
    const bodyFile = (key: string, text: string) => path.join(dir(), 'web.bodies', `${digest(text).slice(0, 16)}.${key}`)

    it('stores large texts beside the document, records their digest and keeps them out of the list cache', async () => {
      const doc = await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {}, bodies: {'manifest.yaml': SERVICE_YAML}})
      expect(doc.metadata.bodies).to.deep.equal({'manifest.yaml': {sha256: digest(SERVICE_YAML), bytes: Buffer.byteLength(SERVICE_YAML)}})
      expect(await fs.readFile(bodyFile('manifest.yaml', SERVICE_YAML), 'utf8')).to.equal(SERVICE_YAML)
      expect(await store.readBody('Service', 'web', 'team-a', 'manifest.yaml')).to.equal(SERVICE_YAML)
      expect(await store.readBody('Service', 'web', 'team-a', 'values.yaml')).to.equal(undefined)
      expect((await store.list('Service', {project: 'team-a'})).map((d) => d.metadata.name)).to.deep.equal(['web'])
      const cache = await fs.readFile(path.join(dir(), '.list-cache.json'), 'utf8')
      expect(cache).to.not.contain('ServiceMonitor')
      expect(await fs.readFile(path.join(dir(), 'web.yaml'), 'utf8')).to.not.contain('ServiceMonitor')
    })

    it('replaces, keeps and removes bodies on update, and removes them with the document', async () => {
      await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {}, bodies: {'manifest.yaml': SERVICE_YAML, 'values.yaml': 'replicas: 3\n'}})
      const next = await store.update('Service', 'web', 'team-a', (doc) => ({...doc, metadata: {...doc.metadata, bodies: {}}}), {bodies: {'manifest.yaml': 'kind: ConfigMap\n', 'values.yaml': null}})
      expect(Object.keys(next.metadata.bodies ?? {})).to.deep.equal(['manifest.yaml'])
      expect(await store.readBody('Service', 'web', 'team-a', 'manifest.yaml')).to.equal('kind: ConfigMap\n')
      expect(await store.readBody('Service', 'web', 'team-a', 'values.yaml')).to.equal(undefined)
      expect(await fs.readdir(path.join(dir(), 'web.bodies'))).to.deep.equal([path.basename(bodyFile('manifest.yaml', 'kind: ConfigMap\n'))])
      // An update without bodies keeps them.
      await store.update('Service', 'web', 'team-a', (doc) => ({...doc, spec: {replicas: 1}}))
      expect(await store.readBody('Service', 'web', 'team-a', 'manifest.yaml')).to.equal('kind: ConfigMap\n')
      await store.delete('Service', 'web', 'team-a')
      expect(await fs.readdir(dir())).to.deep.equal(['.list-cache.json'])
    })

    it('lets readers racing updates read the old or the new body, never a damaged one', async function () {
      this.timeout(30_000)
      const versions = Array.from({length: 20}, (_, i) => SERVICE_YAML.replace('replicas: 3', `replicas: ${i}`))
      await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {}, bodies: {'manifest.yaml': versions[0]!}})
      const writes = versions.slice(1).map((text) => store.update('Service', 'web', 'team-a', (doc) => doc, {bodies: {'manifest.yaml': text}}))
      const reads = Array.from({length: 60}, (_, i) => new Promise((resolve) => setTimeout(resolve, i)).then(() => store.readBody('Service', 'web', 'team-a', 'manifest.yaml')))
      const [, texts] = await Promise.all([Promise.all(writes), Promise.all(reads)])
      for (const text of texts) expect(versions).to.include(text)
      expect(await fs.readdir(path.join(dir(), 'web.bodies'))).to.deep.equal([path.basename(bodyFile('manifest.yaml', versions[19]!))])
    })

    it('refuses bad keys and oversized bodies before writing anything', async () => {
      for (const key of ['../escape', 'a/b', '..', '.hidden', '', 'x'.repeat(201), 'nul\u0000']) {
        const err = await rejection(store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {}, bodies: {[key]: 'x'}}))
        expect(err).to.be.instanceOf(ValidationError)
        expect(err.message).to.equal(`Invalid body key ${JSON.stringify(key)}: use letters, digits, ".", "_" and "-" (no "/", no ".."), at most 200 characters.`)
      }
      const big = 'x'.repeat(8 * 1024 * 1024 + 1)
      const err = await rejection(store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {}, bodies: {'chart.tgz.b64': big}}))
      expect(err.message).to.equal('The body "chart.tgz.b64" is 8388609 bytes; at most 8388608 bytes are stored.')
      expect(await fs.readdir(home)).to.deep.equal([])
      await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {}})
      const before = await fs.readFile(path.join(dir(), 'web.yaml'), 'utf8')
      expect((await rejection(store.update('Service', 'web', 'team-a', (d) => d, {bodies: {'a/../../x': 'x'}}))).message).to.match(/^Invalid body key/)
      expect((await rejection(store.readBody('Service', 'web', 'team-a', '../web.yaml'))).message).to.match(/^Invalid body key/)
      expect(await fs.readFile(path.join(dir(), 'web.yaml'), 'utf8')).to.equal(before)
    })

    it('names a body changed or lost behind its back as damaged', async () => {
      await store.create({kind: 'Service', metadata: {name: 'web', project: 'team-a'}, spec: {}, bodies: {'manifest.yaml': SERVICE_YAML}})
      const file = bodyFile('manifest.yaml', SERVICE_YAML)
      await fs.writeFile(file, SERVICE_YAML.replace('replicas: 3', 'replicas: 4'))
      const err = await rejection(store.readBody('Service', 'web', 'team-a', 'manifest.yaml'))
      expect(err).to.be.instanceOf(DamagedStateError)
      expect(err.message).to.equal(`The body "manifest.yaml" of Service "web" in ${file} is damaged: its content does not match the digest recorded in the document.`)
      await fs.rm(file)
      expect((await rejection(store.readBody('Service', 'web', 'team-a', 'manifest.yaml'))).message).to.equal(`The body "manifest.yaml" of Service "web" in ${file} is damaged: the file is missing.`)
      expect(await rejection(store.readBody('Service', 'nope', 'team-a', 'manifest.yaml'))).to.be.instanceOf(NotFoundError)
    })
  })

  describe('damaged documents', () => {
    beforeEach(async () => {
      for (const name of ['alpha', 'bravo', 'charlie']) await store.create({kind: 'Endpoint', metadata: {name, project: 'team-a'}, spec: {type: 'git'}})
    })
    const file = (name: string) => path.join(home, 'projects', 'team-a', 'endpoints', `${name}.yaml`)

    it('lists the readable documents and names the damaged files', async () => {
      await fs.writeFile(file('bravo'), 'apiVersion: berth.dev/v1alpha1\nkind: Endpoint\nmetadata: {name: bravo\n')
      for (const reads of ['sync', 'async'] as const) {
        const result = await store.listWithProblems('Endpoint', {project: 'team-a', reads})
        expect(result.documents.map((d) => d.metadata.name)).to.deep.equal(['alpha', 'charlie'])
        expect(result.damaged).to.have.length(1)
        expect(result.damaged[0]!.file).to.equal(file('bravo'))
        expect(result.damaged[0]!.message).to.match(new RegExp(`^The stored Endpoint "bravo" in ${file('bravo')} is damaged: is not valid YAML`))
      }
      const err = await rejection(store.list('Endpoint', {project: 'team-a'}))
      expect(err).to.be.instanceOf(DamagedStateError)
    })

    it('deletes a damaged document only when asked to, saying what it removed', async () => {
      await fs.writeFile(file('bravo'), '- not\n- a mapping\n')
      expect(await rejection(store.delete('Endpoint', 'bravo', 'team-a'))).to.be.instanceOf(DamagedStateError)
      const removed = await store.delete('Endpoint', 'bravo', 'team-a', {allowDamaged: true})
      expect(removed).to.deep.equal({damaged: {file: file('bravo'), message: `The stored Endpoint "bravo" in ${file('bravo')} is damaged: it is not a YAML mapping.`}})
      expect((await store.list('Endpoint', {project: 'team-a'})).map((d) => d.metadata.name)).to.deep.equal(['alpha', 'charlie'])
      const good = await store.delete('Endpoint', 'alpha', 'team-a', {allowDamaged: true})
      expect(good.document?.metadata.name).to.equal('alpha')
      expect(await rejection(store.delete('Endpoint', 'bravo', 'team-a', {allowDamaged: true}))).to.be.instanceOf(NotFoundError)
    })
  })

  describe('list parse cache', () => {
    const cacheFile = () => path.join(home, 'projects', 'team-a', 'endpoints', '.list-cache.json')
    const readCache = async () => JSON.parse(await fs.readFile(cacheFile(), 'utf8')) as {entries: Record<string, {ino: number; size: number; mtimeMs: number; doc: {spec: unknown}}>}

    it('is kept current by writers, so a list after a write parses nothing', async () => {
      await store.create({kind: 'Endpoint', metadata: {name: 'alpha', project: 'team-a'}, spec: {v: 1}})
      await store.create({kind: 'Endpoint', metadata: {name: 'bravo', project: 'team-a'}, spec: {v: 1}})
      await store.update('Endpoint', 'alpha', 'team-a', (doc) => ({...doc, spec: {v: 2}}))
      await store.updateStatus('Endpoint', 'bravo', 'team-a', () => ({observedGeneration: 1}))
      // No list has run: every entry was written by a writer, and matches its file as it is now.
      let cache = await readCache()
      expect(Object.keys(cache.entries)).to.deep.equal(['alpha.yaml', 'bravo.yaml'])
      for (const [entry, cached] of Object.entries(cache.entries)) {
        const stat = await fs.stat(path.join(home, 'projects', 'team-a', 'endpoints', entry))
        expect([cached.ino, cached.size, cached.mtimeMs]).to.deep.equal([stat.ino, stat.size, stat.mtimeMs])
      }
      expect(cache.entries['alpha.yaml']!.doc.spec).to.deep.equal({v: 2})
      const before = await fs.readFile(cacheFile(), 'utf8')
      expect((await store.list('Endpoint', {project: 'team-a'})).map((d) => d.spec)).to.deep.equal([{v: 2}, {v: 1}])
      // The list found everything current: it parsed no file, so it did not rewrite the cache.
      expect(await fs.readFile(cacheFile(), 'utf8')).to.equal(before)
      await store.delete('Endpoint', 'bravo', 'team-a')
      cache = await readCache()
      expect(Object.keys(cache.entries)).to.deep.equal(['alpha.yaml'])
    })

    it('never trusts a damaged cache: entries that do not match their file are parsed again', async () => {
      await store.create({kind: 'Endpoint', metadata: {name: 'alpha', project: 'team-a'}, spec: {v: 1}})
      await store.create({kind: 'Endpoint', metadata: {name: 'bravo', project: 'team-a'}, spec: {v: 1}})
      const cache = await readCache()
      // Matching file identity, but a document of another kind or name, or not a document at all.
      const alpha = cache.entries['alpha.yaml']!
      const bravo = cache.entries['bravo.yaml']!
      await fs.writeFile(
        cacheFile(),
        JSON.stringify({version: 1, entries: {'alpha.yaml': {...alpha, doc: {...alpha.doc, kind: 'Service', spec: {v: 'forged'}}}, 'bravo.yaml': {...bravo, doc: 'forged'}}}),
      )
      expect((await store.list('Endpoint', {project: 'team-a'})).map((d) => d.spec)).to.deep.equal([{v: 1}, {v: 1}])
      expect(await fs.readFile(cacheFile(), 'utf8')).to.not.contain('forged')
      for (const damaged of ['{not json', '[]', '{"version":1,"entries":[1,2]}', 'null']) {
        await fs.writeFile(cacheFile(), damaged)
        expect((await store.list('Endpoint', {project: 'team-a'})).map((d) => d.spec)).to.deep.equal([{v: 1}, {v: 1}])
        // A writer facing a damaged cache starts a new one.
        await store.update('Endpoint', 'alpha', 'team-a', (doc) => doc)
        expect(Object.keys((await readCache()).entries)).to.include('alpha.yaml')
      }
    })

    it('answers a get from the cache while the file is unchanged, and from the file once it changed or the entry is forged', async () => {
      await store.create({kind: 'Endpoint', metadata: {name: 'alpha', project: 'team-a'}, spec: {v: 1, url: 'https://git.example.com:8443/tenant/app.git'}})
      const cache = await readCache()
      const alpha = cache.entries['alpha.yaml']!
      // Same identity as the file, a different document: only a get that read the cache sees it.
      await fs.writeFile(cacheFile(), JSON.stringify({version: 1, entries: {'alpha.yaml': {...alpha, doc: {...alpha.doc, spec: {v: 'from-cache'}}}}}))
      expect((await store.get('Endpoint', 'alpha', 'team-a')).spec).to.deep.equal({v: 'from-cache'})
      // A forged entry (another kind) or a damaged cache is not used.
      await fs.writeFile(cacheFile(), JSON.stringify({version: 1, entries: {'alpha.yaml': {...alpha, doc: {...alpha.doc, kind: 'Service', spec: {v: 'forged'}}}}}))
      expect((await store.get('Endpoint', 'alpha', 'team-a')).spec).to.deep.equal({v: 1, url: 'https://git.example.com:8443/tenant/app.git'})
      await fs.writeFile(cacheFile(), '{not json')
      expect((await store.get('Endpoint', 'alpha', 'team-a')).spec).to.deep.equal({v: 1, url: 'https://git.example.com:8443/tenant/app.git'})
      // The file edited by hand (new size and mtime): the file wins over the stale entry.
      await fs.writeFile(cacheFile(), JSON.stringify({version: 1, entries: {'alpha.yaml': {...alpha, doc: {...alpha.doc, spec: {v: 'stale'}}}}}))
      const file = path.join(home, 'projects', 'team-a', 'endpoints', 'alpha.yaml')
      await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('v: 1', 'v: 2  # edited by hand'))
      expect((await store.get('Endpoint', 'alpha', 'team-a')).spec).to.deep.equal({v: 2, url: 'https://git.example.com:8443/tenant/app.git'})
    })

    it('reads the same with async reads (for a server)', async () => {
      for (const name of ['alpha', 'bravo']) await store.create({kind: 'Endpoint', metadata: {name, project: 'team-a'}, spec: {v: name}})
      await fs.rm(cacheFile())
      const sync = await store.list('Endpoint', {project: 'team-a'})
      const async = await store.list('Endpoint', {project: 'team-a', reads: 'async'})
      expect(async).to.deep.equal(sync)
      expect(async.map((d) => d.spec.v)).to.deep.equal(['alpha', 'bravo'])
    })
  })
})
