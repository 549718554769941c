import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {ConflictError, DamagedStateError, NotFoundError, ValidationError} from '../../../src/lib/errors.js'
import {StateStore} from '../../../src/lib/state/store.js'
import {parseYaml} from '../../../src/lib/yaml.js'
import {ROOT, tempHome} from '../../helpers/cli.js'
import {rejection} from '../../helpers/files.js'

const writer = path.join(ROOT, 'test', 'fixtures', 'state-writer.ts')

function runWriter(home: string, mode: string, names: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', writer, home, mode, ...names], {stdio: ['ignore', 'pipe', 'pipe']})
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await fs.readdir(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name))
  }
  return out
}

describe('StateStore', () => {
  let home: string
  let cleanup: () => void
  let store: StateStore
  const fixed = new Date('2026-01-02T03:04:05.000Z')

  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    store = new StateStore({home, actor: 'tester@host', now: () => fixed})
  })
  afterEach(() => cleanup())

  it('creates a Kubernetes-style document and reads it back', async () => {
    const created = await store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'team-a', labels: {tier: 'prod'}}, spec: {type: 'docker-registry'}})
    expect(created).to.deep.equal({
      apiVersion: 'berth.dev/v1alpha1',
      kind: 'Endpoint',
      metadata: {name: 'hub', project: 'team-a', labels: {tier: 'prod'}, createdBy: 'tester@host', createdAt: '2026-01-02T03:04:05.000Z', generation: 1},
      spec: {type: 'docker-registry'},
    })
    expect(await store.get('Endpoint', 'hub', 'team-a')).to.deep.equal(created)
    const file = path.join(home, 'projects', 'team-a', 'endpoints', 'hub.yaml')
    expect(parseYaml(await fs.readFile(file, 'utf8'), {source: file})).to.deep.equal(created)
    expect((await fs.stat(file)).mode & 0o777).to.equal(0o600)
  })

  it('scopes objects by project and keeps global kinds outside projects', async () => {
    await store.create({kind: 'Endpoint', metadata: {name: 'a', project: 'one'}, spec: {}})
    await store.create({kind: 'Endpoint', metadata: {name: 'b', project: 'two'}, spec: {}})
    await store.create({kind: 'ResourceInterface', metadata: {name: 'gitcoderepository'}, spec: {}})
    expect((await store.list('Endpoint', {project: 'one'})).map((d) => d.metadata.name)).to.deep.equal(['a'])
    expect((await store.list('Endpoint', {allProjects: true})).map((d) => d.metadata.name)).to.deep.equal(['a', 'b'])
    expect(await store.list('Endpoint', {project: 'default'})).to.deep.equal([])
    const global = await store.get('ResourceInterface', 'gitcoderepository')
    expect(global.metadata).to.not.have.property('project')
    expect(await store.projects()).to.deep.equal(['one', 'two'])
  })

  it('lists from its parse cache, and sees files changed behind its back', async () => {
    await store.create({kind: 'Endpoint', metadata: {name: 'a', project: 'default'}, spec: {v: 1}})
    await store.create({kind: 'Endpoint', metadata: {name: 'b', project: 'default'}, spec: {v: 1}})
    expect((await store.list('Endpoint', {project: 'default'})).map((d) => d.spec.v)).to.deep.equal([1, 1])
    const dir = path.join(home, 'projects', 'default', 'endpoints')
    expect(await fs.readdir(dir)).to.include('.list-cache.json')
    // Edited in place by hand (same inode), and one removed, one added by another process.
    const fileA = path.join(dir, 'a.yaml')
    await fs.writeFile(fileA, (await fs.readFile(fileA, 'utf8')).replace('v: 1', 'v: 22'))
    await fs.rm(path.join(dir, 'b.yaml'))
    await new StateStore({home}).create({kind: 'Endpoint', metadata: {name: 'c', project: 'default'}, spec: {v: 3}})
    expect((await store.list('Endpoint', {project: 'default'})).map((d) => [d.metadata.name, d.spec.v])).to.deep.equal([['a', 22], ['c', 3]])
    // A damaged cache is ignored and rebuilt.
    await fs.writeFile(path.join(dir, '.list-cache.json'), '{not json')
    expect((await store.list('Endpoint', {project: 'default'})).map((d) => d.metadata.name)).to.deep.equal(['a', 'c'])
    // Callers get copies: changing one does not change the next listing.
    const first = await store.list('Endpoint', {project: 'default'})
    first[0]!.spec.v = 'changed'
    expect((await store.list('Endpoint', {project: 'default'}))[0]!.spec.v).to.equal(22)
  })

  it('refuses to create an object twice', async () => {
    await store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {v: 1}})
    const err = await rejection(store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {v: 2}}))
    expect(err).to.be.instanceOf(ConflictError)
    expect(err.message).to.equal('Endpoint "hub" already exists in project "default".')
    expect((await store.get('Endpoint', 'hub', 'default')).spec).to.deep.equal({v: 1})
  })

  it('updates under the lock, counting generations, and deletes', async () => {
    await store.create({kind: 'Endpoint', metadata: {name: 'hub', project: 'default'}, spec: {v: 1}})
    const updated = await store.update('Endpoint', 'hub', 'default', (doc) => ({...doc, spec: {v: 2}}))
    expect(updated.metadata.generation).to.equal(2)
    expect(updated.metadata.updatedAt).to.equal(fixed.toISOString())
    expect((await store.get('Endpoint', 'hub', 'default')).spec).to.deep.equal({v: 2})
    const renamed = await rejection(store.update('Endpoint', 'hub', 'default', (doc) => ({...doc, metadata: {...doc.metadata, name: 'other'}})))
    expect(renamed.message).to.equal('The kind, name and project of Endpoint "hub" cannot change.')
    await store.delete('Endpoint', 'hub', 'default')
    const missing = await rejection(store.get('Endpoint', 'hub', 'default'))
    expect(missing).to.be.instanceOf(NotFoundError)
    expect(missing.message).to.equal('Endpoint "hub" not found in project "default".')
  })

  for (const bad of ['', 'Upper', 'under_score', '-lead', 'trail-', 'a'.repeat(64), '../etc', 'a/b', 'dot.ted', 'sp ace', 'nul\u0000', 'é']) {
    it(`rejects the name ${JSON.stringify(bad)} and writes nothing`, async () => {
      const err = await rejection(store.create({kind: 'Endpoint', metadata: {name: bad, project: 'default'}, spec: {}}))
      expect(err).to.be.instanceOf(ValidationError)
      expect(err.message).to.match(/^Invalid endpoint name ".*": /)
      expect(await allFiles(home).catch(() => [])).to.deep.equal([])
    })
  }

  it('rejects an invalid project name', async () => {
    const err = await rejection(store.create({kind: 'Endpoint', metadata: {name: 'ok', project: 'Bad Project'}, spec: {}}))
    expect(err.message).to.equal('Invalid project name "Bad Project": it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.')
  })

  it('names the file of a damaged document and keeps the others readable', async () => {
    await store.create({kind: 'Endpoint', metadata: {name: 'good', project: 'default'}, spec: {v: 1}})
    await store.create({kind: 'Endpoint', metadata: {name: 'bad', project: 'default'}, spec: {v: 1}})
    const file = path.join(home, 'projects', 'default', 'endpoints', 'bad.yaml')
    await fs.writeFile(file, 'apiVersion: berth.dev/v1alpha1\nkind: Endpoint\nmetadata: {name: bad\n')
    const err = await rejection(store.get('Endpoint', 'bad', 'default'))
    expect(err).to.be.instanceOf(DamagedStateError)
    expect(err.message).to.contain(`The stored Endpoint "bad" in ${file} is damaged: is not valid YAML`)
    expect((await store.get('Endpoint', 'good', 'default')).spec).to.deep.equal({v: 1})
    const listErr = await rejection(store.list('Endpoint', {project: 'default'}))
    expect(listErr.message).to.contain(file)
  })

  it('refuses documents that are YAML but not berth objects', async () => {
    const dir = path.join(home, 'projects', 'default', 'endpoints')
    await fs.mkdir(dir, {recursive: true})
    const cases: Array<[string, string]> = [
      ['- a\n- b\n', 'it is not a YAML mapping.'],
      ['apiVersion: v1\nkind: Endpoint\nmetadata: {name: x}\nspec: {}\n', 'apiVersion is "v1", expected "berth.dev/v1alpha1".'],
      ['apiVersion: berth.dev/v1alpha1\nkind: Service\nmetadata: {name: x}\nspec: {}\n', 'kind is "Service", expected "Endpoint".'],
      ['apiVersion: berth.dev/v1alpha1\nkind: Endpoint\nmetadata: {name: y}\nspec: {}\n', 'metadata.name is "y" but the file is named "x.yaml".'],
      ['apiVersion: berth.dev/v1alpha1\nkind: Endpoint\nmetadata: {name: x}\n', 'spec is missing or not a mapping.'],
    ]
    for (const [text, why] of cases) {
      await fs.writeFile(path.join(dir, 'x.yaml'), text)
      const err = await rejection(store.get('Endpoint', 'x', 'default'))
      expect(err.message).to.equal(`The stored Endpoint "x" in ${path.join(dir, 'x.yaml')} is damaged: ${why}`)
    }
  })

  it('refuses a YAML alias bomb in a stored file', async () => {
    const dir = path.join(home, 'projects', 'default', 'endpoints')
    await fs.mkdir(dir, {recursive: true})
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`)
    await fs.writeFile(path.join(dir, 'bomb.yaml'), `${lines.join('\n')}\n`)
    const err = await rejection(store.get('Endpoint', 'bomb', 'default'))
    expect(err).to.be.instanceOf(DamagedStateError)
    expect(err.message).to.match(/could not be read as YAML: .*alias/i)
  })

  it('loses nothing when 20 processes create objects at once', async function () {
    this.timeout(120_000)
    const names = Array.from({length: 20}, (_, i) => `obj-${i}`)
    const exits = await Promise.all(
      names.map(
        (name) =>
          new Promise<number>((resolve) => {
            const child = runWriter(home, 'create', [name])
            child.stderr.on('data', (d: Buffer) => process.stderr.write(d))
            child.on('close', (code) => resolve(code ?? 1))
          }),
      ),
    )
    expect(exits).to.deep.equal(names.map(() => 0))
    const docs = await store.list('Endpoint', {project: 'default'})
    expect(docs.map((d) => d.metadata.name).sort()).to.deep.equal([...names].sort())
    for (const doc of docs) expect(doc.spec.url).to.equal(`https://example.com/${doc.metadata.name}.git`)
    const leftovers = (await allFiles(home)).filter((f) => !f.endsWith('.yaml') && path.basename(f) !== '.list-cache.json')
    expect(leftovers).to.deep.equal([])
  })

  it('leaves every document parseable when a writer is killed with SIGKILL mid-write', async function () {
    this.timeout(120_000)
    const names = ['k1', 'k2', 'k3']
    for (let round = 0; round < 3; round++) {
      const child = runWriter(home, 'churn', names)
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve())
        child.once('close', (code) => reject(new Error(`writer exited early with ${code}`)))
      })
      await new Promise((r) => setTimeout(r, 150 + round * 97))
      child.kill('SIGKILL')
      await new Promise((r) => child.once('close', r))
      for (const name of names) {
        const doc = await store.get('Endpoint', name, 'default')
        expect(doc.metadata.name).to.equal(name)
        expect(String(doc.spec.blob).startsWith('x'.repeat(1000))).to.equal(true)
      }
    }
    // The dead writer's lock is taken over, and a new write goes through.
    const next = await new StateStore({home, lockTimeoutMs: 5000}).update('Endpoint', 'k1', 'default', (doc) => ({...doc, spec: {type: 'git', round: 'after'}}))
    expect(next.spec.round).to.equal('after')
    // ...and the killed writers' half-written temp files are swept then.
    expect((await allFiles(home)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([])
  })
})
