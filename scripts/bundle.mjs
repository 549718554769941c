#!/usr/bin/env node
// Bundles the CLI (oclif core, every command, the library's start-up path, the fast path of
// src/cli/fast-path.ts) into one CommonJS file, dist/bundle/berth.cjs, which bin/run.cjs loads
// with a V8 code cache (see bin/run.cjs and issue 12: CJS + code cache + fast path is ~1.5x
// `node -e 0`, an ESM bundle ~2.9x). The same file is oclif's explicit command target (COMMANDS).
// Heavy or native packages stay external and are loaded with import() only by the commands that use them.
//
// The build fails loudly when the fast path could differ from oclif: another @oclif/core version
// than the one it was written against, or a plugin with a hook the fast path would skip.
// BERTH_BUILD_WITHOUT_FAST_PATH=1 builds anyway, with the fast path switched off.
import {build} from 'esbuild'
import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {createRequire} from 'node:module'

import {fastPathProblems} from './fast-path-check.mjs'
const require = createRequire(import.meta.url)

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const commandsDir = path.join(root, 'src', 'commands')

function commandFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) return commandFiles(full)
    return entry.endsWith('.ts') && !entry.endsWith('.d.ts') ? [full] : []
  })
}

const problems = fastPathProblems(root)
const fastPath = problems.length === 0
if (!fastPath) {
  const message = `refusing to build the fast path:\n  ${problems.join('\n  ')}`
  if (process.env.BERTH_BUILD_WITHOUT_FAST_PATH !== '1') {
    console.error(`${message}\n(BERTH_BUILD_WITHOUT_FAST_PATH=1 builds with the fast path switched off)`)
    process.exit(1)
  }
  console.warn(`${message}\nbuilding with the fast path switched off`)
}

const files = commandFiles(commandsDir).sort()
const idOf = (file) => path.relative(commandsDir, file).replace(/\.ts$/, '').split(path.sep).join(':')
// The start-up bundle's commands: what scripts, prompts and <TAB> completion call in loops, and
// docker and git call on every pull (credential helpers' get). Everything else, and oclif's plugin
// loader, help renderer and main, is in the full bundle, which the start-up bundle hands over to.
const CORE_COMMANDS = new Set([
  ...['config:get', 'config:list', 'config:set', 'config:unset'],
  ...['credential:docker:get', 'credential:docker:list', 'credential:git', 'credential:git:get'],
  ...['endpoint:list', 'endpoint:show', 'environment:list', 'environment:show'],
  ...['resource-interface:connectors', 'resource-interface:list', 'resource-interface:show'],
  ...['runtime:list', 'runtime:show', 'runtime:status', 'service:list', 'service:show'],
  ...['template:list', 'template:show', 'trigger:history', 'trigger:list', 'trigger:show'],
])
for (const id of CORE_COMMANDS) {
  if (!files.some((file) => idOf(file) === id)) throw new Error(`CORE_COMMANDS names "${id}", which is not a command: update scripts/bundle.mjs`)
}
// Each command module (and what only it uses) initialises when its id is looked up, not at start-up:
// require() of an ES module makes esbuild wrap it in a lazy initialiser.
const commandEntries = (ids) =>
  files
    .filter((file) => ids.has(idOf(file)))
    .map((file) => `  ${JSON.stringify(idOf(file))}: {enumerable: true, get: () => require(${JSON.stringify('./' + path.relative(root, file).split(path.sep).join('/'))}).default},`)
    .join('\n')

// Every command id with what oclif's normalizeArgv reads of it (the manifest's args and strict), from
// the compiled commands (npm run build compiles them first): the fast path's index, written into both
// bundles so a start does not read the 150 KiB oclif.manifest.json (test/scripts/command-index.test.ts).
const INDEX = {}
for (const file of files) {
  const compiled = path.join(root, 'dist', path.relative(path.join(root, 'src'), file)).replace(/\.ts$/, '.js')
  let Command
  try {
    Command = (await import(pathToFileURL(compiled).href)).default
  } catch (error) {
    throw new Error(`cannot read the command index from ${path.relative(root, compiled)} (run tsc first, as npm run build does): ${error.message}`)
  }
  INDEX[idOf(file)] = {args: Object.fromEntries(Object.keys(Command.args ?? {}).map((name) => [name, {}])), strict: Command.strict !== false}
}

// oclif's lazily required modules the start-up bundle leaves out: it takes them from the full bundle
// (OCLIF_MODULES there), which it loads only when one is used (the full path, or help after an error).
const FULL_ONLY_OCLIF = new Set(['config', 'config/index', 'help', 'help/index', 'main', 'execute', 'performance', 'ejs'])
const oclifLib = path.join(root, 'node_modules', '@oclif', 'core', 'lib')
/** The file a lazily required oclif module is, relative to the package root: the registry's key. */
const oclifKey = (dir, spec) => path.relative(root, createRequire(path.join(dir, 'x.js')).resolve(spec)).split(path.sep).join('/')
const fullOnlyKeys = new Set()

const entry = (kind) => `import {Config, execute, flush, handle} from '@oclif/core'
// Two oclif internals by file: its global cache (exit codes, config), which is not exported, and
// normalizeArgv from help/util (the public '@oclif/core/help' would load all of the help renderer).
// They are the very modules the bundle's oclif uses.
import Cache from './node_modules/@oclif/core/lib/cache.js'
import {normalizeArgv} from './node_modules/@oclif/core/lib/help/util.js'
import {runCli} from './src/cli/fast-path.ts'

export const COMMANDS = Object.defineProperties({}, {
${commandEntries(kind === 'core' ? CORE_COMMANDS : new Set(files.map(idOf)))}
})

export const INDEX = ${JSON.stringify(INDEX)}
${
  kind === 'full'
    ? `
// What the start-up bundle takes from this one (scripts/bundle.mjs FULL_ONLY_OCLIF).
export const OCLIF_MODULES = {
${[...fullOnlyKeys].sort().map((key) => `  ${JSON.stringify(key)}: () => require(${JSON.stringify('./' + key)}),`).join('\n')}
}
`
    : ''
}
// Getters and wrappers: oclif's Config and execute load its plugin loader, only the full path needs them.
export const main = (options) =>
  runCli(options, {
    Cache,
    COMMANDS,
    INDEX,
    get Config() {
      return Config
    },
    ${kind === 'core' ? '// Anything but a start-up command runs in the full bundle, fast path or not.\n    delegate: () => __berthFull().main,\n    ' : ''}enabled: ${fastPath},
    execute: (o) => execute(o),
    flush: () => flush(),
    handle: (e) => handle(e),
    normalizeArgv: (c, a) => normalizeArgv(c, a),
  })
`

const external = ['typescript', 'ts-node', 'tsx', '@kubernetes/client-node', 'dockerode', '@napi-rs/keyring', '@inquirer/prompts', 'quickjs-emscripten', 'quickjs-emscripten-core', '@jitl/quickjs-wasmfile-release-sync', 'ssh2', 'cpu-features', 'undici']
const outDir = path.join(root, 'dist', 'bundle')
// fdir (oclif's plugin globbing) probes `require.resolve("picomatch")` when it loads: a search of
// node_modules directories (~5-30 ms of stat calls) on every start. picomatch is in the bundle.
const bundledPicomatch = {
  name: 'bundled-picomatch',
  setup(b) {
    b.onLoad({filter: /[/\\]node_modules[/\\]fdir[/\\]dist[/\\]index\.c?js$/}, (args) => {
      const code = readFileSync(args.path, 'utf8')
      if (!code.includes('require.resolve("picomatch")')) throw new Error(`${args.path} no longer probes picomatch: drop the bundled-picomatch plugin in scripts/bundle.mjs`)
      return {contents: code.replace('require.resolve("picomatch")', '"picomatch"'), loader: 'js'}
    })
  },
}
// oclif's index, Command and flags require its plugin loader (config/: globbing, tsconfig reading),
// help renderer, main and module loader at load time; a command run by the fast path needs none of
// them. Those requires become lazy (loaded on first property access), which halves oclif's load time.
// oclif's own Node-version check is dropped: bundled, it looks for dist/package.json (absent) and
// silently does nothing after loading semver; src/cli/fast-path.ts checks berth's engines instead.
const LAZY_OCLIF = new Set(['node:fs/promises', 'config', 'config/index', 'help', 'help/index', 'help/util', 'main', 'execute', 'module-loader', 'performance', 'ejs', 'wrap-ansi', 'indent-string', 'clean-stack', 'node:readline'])
function lazyOclif(kind) {
  return {
    name: 'lazy-oclif',
    setup(b) {
      b.onLoad({filter: /[/\\]node_modules[/\\]@oclif[/\\]core[/\\]lib[/\\].*\.js$/}, (args) => {
        let code = readFileSync(args.path, 'utf8')
        const dir = path.dirname(args.path)
        let lazy = 0
        code = code.replace(/^(const|var) (\w+) = ((?:__importDefault|__importStar)?\(?require\("([^"]+)"\)\)?);$/gm, (line, decl, name, expr, spec) => {
          const target = spec.startsWith('.') ? path.relative(oclifLib, path.resolve(dir, spec)).split(path.sep).join('/') : spec
          if (!LAZY_OCLIF.has(target)) return line
          lazy++
          if (kind === 'core' && FULL_ONLY_OCLIF.has(target)) {
            const key = oclifKey(dir, spec)
            fullOnlyKeys.add(key)
            expr = expr.replace(`require("${spec}")`, `__berthFull().OCLIF_MODULES[${JSON.stringify(key)}]()`)
          }
          return `${decl} ${name} = __berthLazy(() => ${expr});`
        })
        if (args.path === path.join(oclifLib, 'index.js')) {
          if (!/^checkNodeVersion\(\);$/m.test(code)) throw new Error('@oclif/core/lib/index.js no longer calls checkNodeVersion(): update the lazy-oclif plugin in scripts/bundle.mjs')
          code = code.replace(/^checkNodeVersion\(\);$/m, '// checkNodeVersion(): done by src/cli/fast-path.ts')
        }
        if (lazy === 0) return undefined
        const helper = 'function __berthLazy(load) { let m; const get = () => (m ??= load()); return new Proxy({}, {get: (_, k) => get()[k], has: (_, k) => k in get(), ownKeys: () => Reflect.ownKeys(get()), getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(get(), k); return d && {...d, configurable: true} }}) }\n'
        return {contents: helper + code, loader: 'js'}
      })
    },
  }
}
/**
 * Lazy stand-ins for a module's exports, as ESM exports: a function is called through, a class
 * (a capitalised function) is a Proxy that constructs, reads statics and answers instanceof
 * through the real class. Other values are not offered: importing one fails the build.
 */
function lazyFunctions(mod, load) {
  return Object.keys(mod)
    .filter((name) => /^[A-Za-z]\w*$/.test(name) && typeof mod[name] === 'function')
    .map((name) =>
      /^[A-Z]/.test(name)
        ? `export const ${name} = new Proxy(function ${name}() {}, {construct: (_, args, t) => Reflect.construct(${load}().${name}, args, t === ${name} ? ${load}().${name} : t), apply: (_, self, args) => Reflect.apply(${load}().${name}, self, args), get: (_, k) => ${load}().${name}[k]})`
        : `export const ${name} = (...args) => ${load}().${name}(...args)`,
    )
    .join('\n')
}
// The yaml package (~40 modules building schemas) initialises when berth first parses or writes
// YAML, not at start-up: `endpoint list` answers from the list cache's JSON. berth's sources import
// 'yaml' through this facade, which offers every function and class the package exports.
const lazyYaml = {
  name: 'lazy-yaml',
  setup(b) {
    b.onResolve({filter: /^yaml$/}, (args) => (args.importer.startsWith(path.join(root, 'src') + path.sep) ? {path: 'yaml', namespace: 'berth-lazy-yaml'} : undefined))
    b.onLoad({filter: /.*/, namespace: 'berth-lazy-yaml'}, () => ({
      contents: `let yaml
const load = () => (yaml ??= require('yaml'))
${lazyFunctions(require('yaml'), 'load')}
`,
      resolveDir: root,
      loader: 'js',
    }))
  },
}
/**
 * A Node built-in that loads on first use, not at start-up: berth's sources import its functions
 * (and classes) through this facade. node:crypto is about 15 internal modules; node:child_process
 * brings net, dgram and stream along, and only commands that run a program need it.
 */
function lazyBuiltin(name) {
  const filter = new RegExp(`^(node:)?${name}$`)
  const namespace = `berth-lazy-${name.replaceAll('_', '-')}`
  return {
    name: `lazy-${name}`,
    setup(b) {
      b.onResolve({filter}, (args) => (args.importer.startsWith(path.join(root, 'src') + path.sep) ? {path: name, namespace} : undefined))
      b.onLoad({filter: /.*/, namespace}, () => ({
        contents: `let loaded
const load = () => (loaded ??= require('node:${name}'))
${lazyFunctions(require(`node:${name}`), 'load')}
`,
        resolveDir: root,
        loader: 'js',
      }))
    },
  }
}
/**
 * One bundle's text: esbuild's CommonJS output with every import() call renamed __berthImport.
 * bin/run.cjs compiles a bundle with vm.Script, where import() has no loader on Node 20 (and
 * USE_MAIN_CONTEXT_DEFAULT_LOADER stops working once code comes from the cache): it supplies
 * __berthImportHook; a plain require() of the file keeps import(). The start-up bundle reaches the
 * full one through __berthFull(): bin/run.cjs hands it __berthLoadFull, a plain require() uses require.
 */
async function bundle(kind) {
  const result = await build({
    plugins: [bundledPicomatch, lazyOclif(kind), lazyYaml, lazyBuiltin('crypto'), lazyBuiltin('child_process')],
    stdin: {contents: entry(kind), resolveDir: root, sourcefile: `berth-${kind}-entry.ts`, loader: 'ts'},
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    write: false,
    outfile: path.join(outDir, `berth-${kind}.cjs`),
    external,
    legalComments: 'none',
    minify: process.env.BERTH_BUNDLE_MINIFY !== '0',
    keepNames: true,
    logLevel: 'warning',
    metafile: true,
  })
  const raw = result.outputFiles[0].text
  const sourceFile = ts.createSourceFile('berth.cjs', raw, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS)
  const importCalls = []
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) importCalls.push(node.expression.getStart(sourceFile))
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  let text = raw
  for (const at of importCalls.sort((a, b) => b - a)) {
    if (text.slice(at, at + 6) !== 'import') throw new Error(`bundle: expected import() at ${at}`)
    text = `${text.slice(0, at)}__berthImport${text.slice(at + 6)}`
  }
  let prefix = 'var __berthImport=typeof __berthImportHook=="function"?__berthImportHook:(s,o)=>import(s,o);'
  if (kind === 'core') prefix += 'var __berthFullExports,__berthFull=()=>__berthFullExports??=typeof __berthLoadFull=="function"?__berthLoadFull():require("./berth.cjs");'
  text = prefix + text
  // The first line names the content (bin/run.cjs keys the code cache by it, with size and mtime);
  // the start-up bundle's also lists its commands, so bin/run.cjs skips it for any other.
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 32)
  const header = kind === 'core' ? `// berth-bundle ${hash} commands=${[...CORE_COMMANDS].sort().join(',')}\n` : `// berth-bundle ${hash}\n`
  if (header.length > 4000) throw new Error('the start-up bundle lists more commands than bin/run.cjs reads of its first line (4096 bytes)')
  return {text: header + text, metafile: result.metafile}
}

const ts = (await import('typescript')).default
// The start-up bundle first: it records which oclif modules the full bundle must offer it.
const core = await bundle('core')
const full = await bundle('full')
const coreInputs = Object.keys(Object.values(core.metafile.outputs)[0].inputs)
const fullOnlyFiles = new Set([...fullOnlyKeys])
const leaked = coreInputs.filter((file) => fullOnlyFiles.has(file))
if (leaked.length > 0) throw new Error(`the start-up bundle includes modules meant for the full bundle only: ${leaked.join(', ')}`)
rmSync(outDir, {recursive: true, force: true})
mkdirSync(outDir, {recursive: true})
for (const [name, {text}] of [['berth-core.cjs', core], ['berth.cjs', full]]) {
  writeFileSync(path.join(outDir, `${name}.tmp`), text)
  renameSync(path.join(outDir, `${name}.tmp`), path.join(outDir, name))
}
const kib = (b) => `${(b.text.length / 1024).toFixed(0)} KiB`
console.log(`bundled oclif and ${CORE_COMMANDS.size} start-up commands into dist/bundle/berth-core.cjs (${kib(core)}), all ${files.length} commands into dist/bundle/berth.cjs (${kib(full)}); fast path ${fastPath ? 'on' : 'OFF'}`)
if (process.env.BERTH_BUNDLE_REPORT) {
  const sizes = new Map()
  // Bytes each package contributes to the minified start-up bundle.
  for (const [file, info] of Object.entries(Object.values(core.metafile.outputs)[0].inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'berth'
    sizes.set(pkg, (sizes.get(pkg) ?? 0) + info.bytesInOutput)
  }
  for (const [pkg, bytes] of [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(bytes / 1024).toFixed(0).padStart(8)} KiB  ${pkg}`)
}
