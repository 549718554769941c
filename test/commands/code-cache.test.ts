import {expect} from 'chai'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {RunResult, berthEnv, runBerth, tempHome} from '../helpers/cli.js'

// bin/run.cjs keeps a V8 code cache of each bundle it loads under $XDG_CACHE_HOME/berth: the
// start-up bundle (dist/bundle/berth-core.cjs: `config list` runs from it alone) and the full one
// (dist/bundle/berth.cjs). It may only ever save time: missing, damaged, foreign, rejected or
// unwritable caches change nothing in what berth prints or how it exits.

describe('berth start-up code cache', function () {
  this.timeout(60_000)
  let home: string
  let cleanup: () => void
  let xdg: string
  let expected: RunResult

  const cacheDir = () => path.join(xdg, 'berth')
  const codeFiles = () => readdirSync(cacheDir()).filter((name) => name.startsWith('code-')).sort()
  const run = (extra: NodeJS.ProcessEnv = {}) => runBerth(['config', 'list'], {env: berthEnv(home, {XDG_CACHE_HOME: xdg, ...extra})})

  before(async () => {
    ;({home, cleanup} = tempHome())
    xdg = mkdtempSync(path.join(os.tmpdir(), 'berth-xdg-'))
    expected = await runBerth(['config', 'list'], {env: berthEnv(home, {XDG_CACHE_HOME: xdg, BERTH_NO_FAST_PATH: '1'})})
    expect(expected.code, expected.stderr).to.equal(0)
    expect(expected.stdout).to.contain('secret-store')
  })
  beforeEach(() => {
    rmSync(xdg, {recursive: true, force: true})
    mkdirSync(xdg)
  })
  after(() => {
    cleanup()
    rmSync(xdg, {recursive: true, force: true})
  })

  function expectSameOutput(result: RunResult): void {
    expect(result.stderr).to.equal(expected.stderr)
    expect(result.stdout).to.equal(expected.stdout)
    expect(result.code).to.equal(0)
  }

  it('writes one cache file on the first run, in a private directory, and uses it unchanged afterwards', async () => {
    expectSameOutput(await run())
    const files = codeFiles()
    expect(files).to.have.length(1)
    expect(files[0]).to.match(/^code-core-[0-9a-f]{8}\.bin$/)
    expect(statSync(cacheDir()).mode & 0o777).to.equal(0o700)
    const file = path.join(cacheDir(), files[0])
    expect(statSync(file).mode & 0o777).to.equal(0o600)
    const first = readFileSync(file)
    expect(first.toString('latin1', 0, 40)).to.match(/^berth-code-cache 1\|v\d+\.\d+\.\d+\|/)
    expect(first.length).to.be.greaterThan(100_000)
    expectSameOutput(await run())
    expect(readFileSync(file).equals(first), 'an accepted cache is not rewritten').to.equal(true)
    expect(codeFiles()).to.deep.equal(files)
  })

  it('keeps a separate cache per V8 flags, so alternating flags do not thrash one file', async () => {
    expectSameOutput(await run())
    expectSameOutput(await run({NODE_OPTIONS: '--max-old-space-size=300'}))
    expect(codeFiles()).to.have.length(2)
    const before = codeFiles().map((name) => readFileSync(path.join(cacheDir(), name)))
    expectSameOutput(await run())
    expectSameOutput(await run({NODE_OPTIONS: '--max-old-space-size=300'}))
    expect(codeFiles().map((name) => readFileSync(path.join(cacheDir(), name)))).to.deep.equal(before)
  })

  const damages: Array<{title: string; damage: (data: Buffer) => Buffer}> = [
    {title: 'bytes flipped in the middle (V8 would abort on them)', damage: (d) => Buffer.from(d.map((b, i) => (i > d.length / 3 && i < d.length / 3 + 4096 ? b ^ 0x5a : b)))},
    {title: 'truncated to half', damage: (d) => d.subarray(0, d.length >> 1)},
    {title: 'only the header line', damage: (d) => d.subarray(0, d.indexOf(10) + 1)},
    {title: 'empty', damage: () => Buffer.alloc(0)},
    {title: 'random bytes', damage: (d) => Buffer.from(d.map((_, i) => (i * 7919) & 0xff))},
    {title: 'another key in the header', damage: (d) => Buffer.concat([Buffer.from('berth-code-cache 1|v0.0.0'), d.subarray(d.indexOf(0x7c, 20))])},
  ]
  for (const {title, damage} of damages) {
    it(`ignores and rewrites a cache file that is ${title}`, async () => {
      expectSameOutput(await run())
      const [name] = codeFiles()
      const file = path.join(cacheDir(), name)
      const good = readFileSync(file)
      writeFileSync(file, damage(good))
      expectSameOutput(await run())
      expect(codeFiles()).to.deep.equal([name])
      expect(readFileSync(file).length, 'rewritten whole').to.be.greaterThan(100_000)
      expectSameOutput(await run())
    })
  }

  it('ignores a cache file others can write (it becomes code), and writes its own', async () => {
    expectSameOutput(await run())
    const [name] = codeFiles()
    const file = path.join(cacheDir(), name)
    const good = readFileSync(file)
    chmodSync(file, 0o666)
    expectSameOutput(await run())
    expect(statSync(file).mode & 0o777, 'replaced by a private file').to.equal(0o600)
    expect(readFileSync(file).length, 'rewritten whole').to.be.greaterThan(good.length / 2)
  })

  it('rewrites data V8 rejects (a valid checksum over data from another build)', async () => {
    expectSameOutput(await run())
    const [name] = codeFiles()
    const file = path.join(cacheDir(), name)
    const data = readFileSync(file)
    const newline = data.indexOf(10)
    // Same key and a correct CRC, but the body is V8 code cache for another script: V8 rejects it.
    const {crc32} = (await import('node:zlib')) as unknown as {crc32: (b: Buffer) => number}
    const vm = await import('node:vm')
    const foreign = new vm.Script('function other() { return 42 }\nother()').createCachedData()
    const key = data.toString('latin1', 0, data.lastIndexOf(0x20, newline))
    writeFileSync(file, Buffer.concat([Buffer.from(`${key} ${crc32(foreign).toString(16)}\n`), foreign]))
    expectSameOutput(await run())
    expect(readFileSync(file).length, 'rewritten').to.be.greaterThan(100_000)
  })

  it('still works when the cache directory cannot be created or written', async () => {
    const notADir = path.join(xdg, 'a-file')
    writeFileSync(notADir, 'not a directory')
    expectSameOutput(await run({XDG_CACHE_HOME: notADir}))
    expectSameOutput(await run({XDG_CACHE_HOME: notADir}))
    // A cache path that is a directory where the cache file should be.
    expectSameOutput(await run())
    const [name] = codeFiles()
    rmSync(path.join(cacheDir(), name))
    mkdirSync(path.join(cacheDir(), name))
    expectSameOutput(await run())
    expectSameOutput(await run())
  })

  it('prunes old cache files and stale temporary files, keeping the newest four of each bundle', async () => {
    mkdirSync(cacheDir(), {recursive: true})
    const old = Date.now() / 1000 - 3600
    for (const bundle of ['core-', 'full-', '']) {
      for (let i = 0; i < 6; i++) {
        const file = path.join(cacheDir(), `code-${bundle}0000000${i}.bin`)
        writeFileSync(file, `berth-code-cache 1|v0.0.${i} 0\nx`)
        utimesSync(file, old + i, old + i)
      }
    }
    const staleTmp = path.join(cacheDir(), 'code-core-00000009.bin.12345.tmp')
    writeFileSync(staleTmp, 'half written')
    utimesSync(staleTmp, old, old)
    writeFileSync(path.join(cacheDir(), 'unrelated.json'), '{}')
    expectSameOutput(await run())
    const left = codeFiles()
    const written = left.filter((name) => !/0000000\d\.bin$/.test(name))
    expect(written).to.have.length(1)
    // The start-up bundle's: the one just written and its three newest; the others untouched but for their own count.
    expect(left.filter((name) => name.startsWith('code-core-'))).to.have.members([...written, 'code-core-00000005.bin', 'code-core-00000004.bin', 'code-core-00000003.bin'])
    expect(left.filter((name) => name.startsWith('code-full-'))).to.have.members(['code-full-00000005.bin', 'code-full-00000004.bin', 'code-full-00000003.bin', 'code-full-00000002.bin'])
    expect(left.filter((name) => /^code-0/.test(name))).to.have.members(['code-00000005.bin', 'code-00000004.bin', 'code-00000003.bin', 'code-00000002.bin'])
    expect(readdirSync(cacheDir())).to.include('unrelated.json')
    expect(readdirSync(cacheDir())).not.to.include(path.basename(staleTmp))
  })

  it('keeps one cache per bundle when a run loads both, and survives damage to either', async () => {
    // `endpoint list --help` starts in the start-up bundle, which hands help to the full one.
    const helpArgs = ['endpoint', 'list', '--help']
    const helpExpected = await runBerth(helpArgs, {env: berthEnv(home, {XDG_CACHE_HOME: xdg, BERTH_NO_FAST_PATH: '1'})})
    rmSync(xdg, {recursive: true, force: true})
    mkdirSync(xdg)
    const help = () => runBerth(helpArgs, {env: berthEnv(home, {XDG_CACHE_HOME: xdg})})
    const sameHelp = (result: RunResult) => {
      expect(result.stdout).to.equal(helpExpected.stdout)
      expect(result.stderr).to.equal(helpExpected.stderr)
      expect(result.code).to.equal(0)
    }
    sameHelp(await help())
    const files = codeFiles()
    expect(files).to.have.length(2)
    expect(files[0]).to.match(/^code-core-[0-9a-f]{8}\.bin$/)
    expect(files[1]).to.match(/^code-full-[0-9a-f]{8}\.bin$/)
    for (const name of files) {
      const file = path.join(cacheDir(), name)
      const good = readFileSync(file)
      const damaged = Buffer.from(good.map((b, i) => (i > good.length / 3 && i < good.length / 3 + 4096 ? b ^ 0x5a : b)))
      writeFileSync(file, damaged)
      sameHelp(await help())
      expect(readFileSync(file).equals(damaged), `${name} rewritten`).to.equal(false)
      expect(readFileSync(file).length, `${name} rewritten whole`).to.be.greaterThan(100_000)
      sameHelp(await help())
    }
    // A command outside the start-up bundle loads only the full one.
    rmSync(xdg, {recursive: true, force: true})
    mkdirSync(xdg)
    const deleted = await runBerth(['template', 'delete', 'no-such-template', '--force'], {env: berthEnv(home, {XDG_CACHE_HOME: xdg})})
    expect(deleted.stderr).to.equal('Error: Template "no-such-template" not found in project "default".\nHint: List the templates with: berth template list\n')
    expect(deleted.code).to.equal(1)
    expect(codeFiles().map((name) => name.slice(0, 10))).to.deep.equal(['code-full-'])
  })

  it('uses $XDG_CACHE_HOME/berth, else ~/.cache/berth', async () => {
    const fakeHome = mkdtempSync(path.join(os.tmpdir(), 'berth-home-'))
    try {
      const result = await runBerth(['config', 'list'], {env: berthEnv(home, {HOME: fakeHome})})
      expectSameOutput(result)
      expect(readdirSync(path.join(fakeHome, '.cache', 'berth')).filter((n) => n.startsWith('code-'))).to.have.length(1)
      const relative = await runBerth(['config', 'list'], {env: berthEnv(home, {HOME: fakeHome, XDG_CACHE_HOME: 'relative/dir'}), cwd: fakeHome})
      expectSameOutput(relative)
      expect(readdirSync(fakeHome)).not.to.include('relative')
    } finally {
      rmSync(fakeHome, {recursive: true, force: true})
    }
  })
})
