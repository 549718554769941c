import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ROOT} from '../helpers/cli.js'

// scripts/fast-path-check.mjs is what makes the build refuse a fast path that could differ from
// oclif. Each case builds a small package tree (package.json, package-lock.json, node_modules
// with @oclif/core and plugins, src/commands) and names what the check must find.

interface Check {
  FAST_PATH_OCLIF_VERSION: string
  FULL_PATH_ONLY_HOOKS: string[]
  fastPathProblems(root: string): string[]
}

interface Tree {
  lockedOclif?: string
  installedOclif?: string
  rootHooks?: Record<string, string>
  pluginHooks?: Record<string, string>
  pluginCommands?: string[]
  pluginManifest?: boolean
  jitPlugins?: Record<string, string>
}

describe('scripts/fast-path-check.mjs: when the build refuses the fast path', () => {
  let check: Check
  let dir: string

  before(async () => {
    const file = path.join(ROOT, 'scripts', 'fast-path-check.mjs')
    check = (await import(file)) as Check
  })
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'berth-fast-check-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  function write(file: string, value: unknown): void {
    mkdirSync(path.dirname(path.join(dir, file)), {recursive: true})
    writeFileSync(path.join(dir, file), typeof value === 'string' ? value : JSON.stringify(value, null, 2))
  }

  function tree(t: Tree = {}): string {
    const pinned = check.FAST_PATH_OCLIF_VERSION
    write('package.json', {name: 'berth', version: '1.0.0', oclif: {bin: 'berth', plugins: ['@oclif/plugin-autocomplete'], hooks: t.rootHooks, jitPlugins: t.jitPlugins}})
    write('package-lock.json', {packages: {'node_modules/@oclif/core': {version: t.lockedOclif ?? pinned}}})
    write('node_modules/@oclif/core/package.json', {name: '@oclif/core', version: t.installedOclif ?? pinned})
    write('node_modules/@oclif/plugin-autocomplete/package.json', {
      name: '@oclif/plugin-autocomplete',
      oclif: {hooks: {'plugins:postinstall': './lib/hooks/refresh-cache.js', ...t.pluginHooks}},
    })
    rmSync(path.join(dir, 'node_modules/@oclif/plugin-autocomplete/oclif.manifest.json'), {force: true})
    if (t.pluginManifest !== false) {
      const commands = Object.fromEntries((t.pluginCommands ?? ['autocomplete', 'autocomplete:create']).map((id) => [id, {id}]))
      write('node_modules/@oclif/plugin-autocomplete/oclif.manifest.json', {version: '3.2.0', commands})
    }
    write('src/commands/endpoint/list.ts', 'export default class {}\n')
    write('src/commands/config/get.ts', 'export default class {}\n')
    return dir
  }

  it('finds nothing in berth as it is', () => {
    expect(check.fastPathProblems(ROOT)).to.deep.equal([])
  })

  it('finds nothing in a tree like berth, with a plugins:postinstall hook', () => {
    expect(check.fastPathProblems(tree())).to.deep.equal([])
  })

  it('refuses another @oclif/core version in package-lock.json or node_modules', () => {
    const problems = check.fastPathProblems(tree({lockedOclif: '4.15.0', installedOclif: '4.13.2'}))
    expect(problems).to.have.length(2)
    expect(problems[0]).to.match(/^@oclif\/core in package-lock\.json is 4\.15\.0, the fast path was written against \d+\.\d+\.\d+: /)
    expect(problems[1]).to.match(/^@oclif\/core in node_modules is 4\.13\.2, /)
  })

  it('accepts hooks that fire only when no command is found (command_not_found, command_incomplete), in berth and in a plugin', () => {
    for (const event of ['command_not_found', 'command_incomplete']) {
      expect(check.fastPathProblems(tree({pluginHooks: {[event]: './lib/hooks/x.js'}}))).to.deep.equal([])
      expect(check.fastPathProblems(tree({rootHooks: {[event]: './dist/hooks/x.js'}}))).to.deep.equal([])
    }
  })

  it('lists the same full-path-only hooks as src/cli/fast-path.ts', async () => {
    const {FULL_PATH_ONLY_HOOKS} = await import('../../src/cli/fast-path.js')
    expect([...FULL_PATH_ONLY_HOOKS]).to.deep.equal(check.FULL_PATH_ONLY_HOOKS)
  })

  for (const event of ['init', 'prerun', 'postrun', 'finally', 'preparse']) {
    it(`refuses a plugin with a "${event}" hook, and the same hook in berth itself`, () => {
      expect(check.fastPathProblems(tree({pluginHooks: {[event]: './lib/hooks/x.js'}}))).to.deep.equal([
        `@oclif/plugin-autocomplete has a "${event}" hook, which the fast path (src/cli/fast-path.ts) would skip`,
      ])
      expect(check.fastPathProblems(tree({rootHooks: {[event]: './dist/hooks/x.js'}}))).to.deep.equal([`berth has a "${event}" hook, which the fast path (src/cli/fast-path.ts) would skip`])
    })
  }

  it('refuses jit plugins', () => {
    expect(check.fastPathProblems(tree({jitPlugins: {'@oclif/plugin-update': '^4'}}))).to.deep.equal(['oclif.jitPlugins is set: the fast path does not run jit_plugin_not_installed'])
  })

  it("refuses a plugin command under one of berth's topics, and a plugin without a manifest", () => {
    expect(check.fastPathProblems(tree({pluginCommands: ['autocomplete', 'endpoint:complete']}))).to.deep.equal([
      `@oclif/plugin-autocomplete adds command "endpoint:complete" under berth's own topic "endpoint": the fast path would not see it`,
    ])
    expect(check.fastPathProblems(tree({pluginManifest: false}))).to.deep.equal([
      "@oclif/plugin-autocomplete has no oclif.manifest.json: cannot check that its command ids stay out of berth's topics",
    ])
  })
})
