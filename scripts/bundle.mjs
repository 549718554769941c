#!/usr/bin/env node
// Bundles the CLI (oclif core, every command, the library's start-up path) into dist/berth.js,
// so start-up reads one file instead of hundreds: bare oclif costs ~2.4x `node -e 0`, bundled ~1.8x.
// Heavy or native packages stay external and are loaded with import() only by the commands that use them.
import {build} from 'esbuild'
import {readdirSync, rmSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const commandsDir = path.join(root, 'src', 'commands')

function commandFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) return commandFiles(full)
    return entry.endsWith('.ts') && !entry.endsWith('.d.ts') ? [full] : []
  })
}

const files = commandFiles(commandsDir).sort()
const imports = files.map((file, i) => `import C${i} from ${JSON.stringify('./' + path.relative(root, file).split(path.sep).join('/'))}`)
const entries = files.map((file, i) => {
  const id = path.relative(commandsDir, file).replace(/\.ts$/, '').split(path.sep).join(':')
  return `  ${JSON.stringify(id)}: C${i},`
})
const commandsEntry = `${imports.join('\n')}
export const COMMANDS = {
${entries.join('\n')}
}
`

const external = ['typescript', 'ts-node', 'tsx', '@kubernetes/client-node', 'dockerode', '@napi-rs/keyring', '@inquirer/prompts', 'undici', 'ssh2', 'cpu-features']
rmSync(path.join(root, 'dist', 'bundle'), {recursive: true, force: true})
const result = await build({
  entryPoints: {cli: 'berth-entry:cli', commands: 'berth-entry:commands'},
  plugins: [
    {
      // Two entries sharing one oclif chunk: bin/run.js loads only `cli`; oclif imports `commands` when a command runs.
      name: 'berth-entries',
      setup(b) {
        b.onResolve({filter: /^berth-entry:/}, (args) => ({path: args.path.slice('berth-entry:'.length), namespace: 'berth-entry'}))
        b.onLoad({filter: /.*/, namespace: 'berth-entry'}, (args) => ({
          contents: args.path === 'cli' ? "export {execute} from '@oclif/core'\n" : commandsEntry,
          resolveDir: root,
          loader: 'ts',
        }))
      },
    },
  ],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: path.join(root, 'dist', 'bundle'),
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  external,
  // oclif core is CommonJS: give its require() calls a real require in the ESM bundle.
  banner: {js: "import {createRequire as __berthCreateRequire} from 'node:module'; const require = __berthCreateRequire(import.meta.url);"},
  legalComments: 'none',
  minify: true,
  keepNames: true,
  logLevel: "warning",
  metafile: true,
})
console.log(`bundled ${files.length} commands into dist/bundle/commands.js (oclif in dist/bundle/cli.js)`)
if (process.env.BERTH_BUNDLE_REPORT) {
  const sizes = new Map()
  for (const [file, info] of Object.entries(result.metafile.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'berth'
    sizes.set(pkg, (sizes.get(pkg) ?? 0) + info.bytes)
  }
  for (const [pkg, bytes] of [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(bytes / 1024).toFixed(0).padStart(8)} KiB  ${pkg}`)
}
