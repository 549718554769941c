import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'

import {ROOT} from '../helpers/cli.js'

// The fast path finds a command id the way oclif does (normalizeArgv), from an index that
// scripts/bundle.mjs writes into each bundle instead of reading oclif.manifest.json on every
// start. The index must say what the manifest says: every berth command id, each one's argument
// names and whether it is strict. Both come from the same build (npm run build).

interface IndexEntry {
  args: Record<string, unknown>
  strict: boolean
}

interface ManifestEntry {
  args?: Record<string, unknown>
  strict?: boolean
  pluginType?: string
}

describe('the bundles\' command index', () => {
  const require = createRequire(import.meta.url)
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestEntry>}
  const bundles = {
    'start-up (dist/bundle/berth-core.cjs)': require(path.join(ROOT, 'dist', 'bundle', 'berth-core.cjs')) as {COMMANDS: object; INDEX: Record<string, IndexEntry>},
    'full (dist/bundle/berth.cjs)': require(path.join(ROOT, 'dist', 'bundle', 'berth.cjs')) as {COMMANDS: object; INDEX: Record<string, IndexEntry>},
  }

  for (const [name, bundle] of Object.entries(bundles)) {
    it(`${name}: names every command of the manifest, with its argument names and strictness`, () => {
      expect(Object.keys(bundle.INDEX).sort()).to.deep.equal(Object.keys(manifest.commands).sort())
      for (const [id, entry] of Object.entries(manifest.commands)) {
        expect(Object.keys(bundle.INDEX[id]!.args), `${id} args`).to.deep.equal(Object.keys(entry.args ?? {}))
        expect(bundle.INDEX[id]!.strict, `${id} strict`).to.equal(entry.strict !== false)
      }
      expect(Object.keys(bundle.INDEX).length, 'the index is not empty').to.be.greaterThan(50)
    })
  }

  it('the start-up bundle has a subset of the commands; the full bundle has them all', () => {
    const core = Object.keys(bundles['start-up (dist/bundle/berth-core.cjs)'].COMMANDS)
    const full = Object.keys(bundles['full (dist/bundle/berth.cjs)'].COMMANDS)
    expect(full.sort()).to.deep.equal(Object.keys(manifest.commands).sort())
    expect(core).to.include.members(['endpoint:list', 'endpoint:show', 'config:list'])
    expect(full).to.include.members(core)
    expect(core.length).to.be.lessThan(full.length)
  })
})
