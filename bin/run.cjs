#!/usr/bin/env node
// berth's entry point (package.json bin; bin/run.js runs it too). `berth --version` is answered here, in oclif's format, without loading oclif.
// Everything else runs one of two bundles built by scripts/bundle.mjs: dist/bundle/berth-core.cjs
// (oclif's command runner and the data commands its first line lists) when argv names one of its
// commands, else dist/bundle/berth.cjs (every command, oclif's plugin loader and help); the first
// hands anything its fast path does not run to the second (__berthLoadFull) before printing.
// Each is compiled with a V8 code cache kept under $XDG_CACHE_HOME/berth (or ~/.cache/berth),
// written after the first run so it also holds the functions that run compiled lazily. A cache is
// keyed by the Node version, V8 flags and the bundle (content hash, size, mtime), written
// atomically, pruned, and ignored when missing, damaged, rejected by V8 or unwritable: it only
// ever saves time. A bundle's main() takes the fast path for a known command (src/cli/fast-path.ts) or runs oclif.
// CommonJS on purpose: an ES module entry costs Node ~5 ms more to start (bin/run.js imports this file).
'use strict'
const {closeSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync} = require('node:fs')
const Module = require('node:module')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')

const KEEP_CACHE_FILES = 4
// CommonJS's wrapper plus __berthImportHook: the bundle's import() calls (ESM plugins, lazily loaded
// packages) come here, as vm.Script code has no import() of its own on Node 20 (scripts/bundle.mjs).
const WRAPPER = ['(function (exports, require, module, __filename, __dirname, __berthImportHook, __berthLoadFull) { ', '\n});']
const importHook = (specifier, options) => import(specifier, options)

/** FNV-1a, 32 bits, as hex: names the cache file; the full key is checked inside it. */
function fnv(text) {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h.toString(16).padStart(8, '0')
}

function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'berth')
}

/**
 * The cached data for key, or undefined when there is none, it belongs to another key, or its
 * checksum does not match: V8 checks only versions, flags and the source length, and aborts the
 * process on damaged data, so nothing reaches it unchecked. The file: "<key> <crc32>\n<data>".
 */
function readCache(file, key, crc32) {
  try {
    // Only a file this user wrote and nobody else can change: it becomes code.
    const stat = statSync(file)
    if ((process.getuid && stat.uid !== process.getuid()) || (stat.mode & 0o022) !== 0) return undefined
    const data = readFileSync(file)
    const prefix = Buffer.from(`${key} `)
    const end = data.indexOf(10, prefix.length)
    if (end < 0 || !data.subarray(0, prefix.length).equals(prefix)) return undefined
    const body = data.subarray(end + 1)
    return body.length > 0 && data.toString('latin1', prefix.length, end) === crc32(body).toString(16) ? body : undefined
  } catch {
    return undefined
  }
}

function writeCache(dir, file, key, data, crc32) {
  try {
    mkdirSync(dir, {recursive: true, mode: 0o700})
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${key} ${crc32(data).toString(16)}\n`), data]), {mode: 0o600})
    renameSync(tmp, file)
    // Prune: per bundle, keep the newest few (other Node versions or flags in use); drop stale temp files.
    const now = Date.now()
    const entries = readdirSync(dir)
      .filter((name) => name.startsWith('code-'))
      .map((name) => ({name, mtime: statSync(path.join(dir, name)).mtimeMs}))
      .sort((a, b) => b.mtime - a.mtime)
    const kept = new Map()
    for (const {name, mtime} of entries) {
      if (name.endsWith('.tmp')) {
        if (now - mtime > 60_000) unlinkSync(path.join(dir, name))
        continue
      }
      const bundle = /^code-(?:([a-z]+)-)?[0-9a-f]{8}\.bin$/.exec(name)?.[1] ?? ''
      kept.set(bundle, (kept.get(bundle) ?? 0) + 1)
      if (kept.get(bundle) > KEEP_CACHE_FILES) unlinkSync(path.join(dir, name))
    }
  } catch {
    // A cache that cannot be written costs time on the next run, nothing else.
  }
}

/** A bundle's source and the content hash scripts/bundle.mjs wrote on its first line: "// berth-bundle <hash>[ commands=<id>,...]". */
function readBundle(name, file) {
  const source = readFileSync(file, 'utf8')
  return {name, file, source, id: /^\/\/ berth-bundle (\w+)/.exec(source)?.[1] ?? 'unknown'}
}

function loadBundle({name, file, source, id}) {
  const stat = statSync(file)
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ')
  const key = ['berth-code-cache 1', process.version, process.arch, flags, id, stat.size, stat.mtimeMs].join('|').replaceAll(/\s/g, ' ')
  const dir = cacheDir()
  const cacheFile = path.join(dir, `code-${name}-${fnv(key)}.bin`)
  // zlib.crc32 arrived in Node 20.15; without it, no cache.
  const {crc32} = require('node:zlib')
  const cachedData = crc32 ? readCache(cacheFile, key, crc32) : undefined
  const script = new vm.Script(WRAPPER[0] + source + WRAPPER[1], {
    cachedData,
    filename: file,
  })
  if (crc32 && (!cachedData || script.cachedDataRejected)) {
    // After the command ran, so the cache also holds the functions it compiled on the way.
    process.once('exit', () => writeCache(dir, cacheFile, key, script.createCachedData(), crc32))
  }
  const mod = new Module(file, undefined)
  mod.filename = file
  mod.paths = Module._nodeModulePaths(path.dirname(file))
  // oclif require()s the full bundle as its command target: let it find this instance.
  Module._cache[file] = mod
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file), importHook, loadFull)
  mod.loaded = true
  return mod.exports
}

const root = path.join(__dirname, '..')
const bundles = path.join(root, 'dist', 'bundle')
let full
function loadFull() {
  return (full ??= loadBundle(readBundle('full', path.join(bundles, 'berth.cjs'))))
}

/** The start-up bundle's command ids, from its first line (without reading the rest). */
function startupCommands(file) {
  try {
    const fd = openSync(file, 'r')
    try {
      const head = Buffer.alloc(4096)
      const text = head.toString('latin1', 0, readSync(fd, head, 0, head.length, 0))
      return /^\/\/ berth-bundle \w+ commands=(\S+)\n/.exec(text)?.[1].split(',') ?? []
    } finally {
      closeSync(fd)
    }
  } catch {
    return []
  }
}

/** The start-up bundle (oclif's command runner and berth's data commands) when argv names one of its commands. */
function startupBundle(argv) {
  const file = path.join(bundles, 'berth-core.cjs')
  // The command id as typed (topic separator " "); the bundle still checks it the way oclif does.
  const named = startupCommands(file).some((id) => id.split(':').every((part, i) => argv[i] === part))
  return named ? loadBundle(readBundle('core', file)) : undefined
}

if (process.argv.length === 3 && process.argv[2] === '--version') {
  const {version} = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
  process.stdout.write(`berth/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const argv = process.argv.slice(2)
  const {main} = startupBundle(argv) ?? loadFull()
  main({argv, root}).catch((error) => {
    // oclif's handler deals with every error of a command; this is for a failure around it.
    process.stderr.write(process.env.DEBUG ? `${error?.stack ?? error}\n` : `Error: ${error?.message ?? error}\nThis is a bug in berth; run again with DEBUG=1 for the stack trace.\n`)
    process.exitCode = 1
  })
}
