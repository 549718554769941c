#!/usr/bin/env node
// `berth --version` is answered here, in oclif's format, without loading oclif (about 80 ms).
// Everything else goes through oclif, bundled with the commands by scripts/bundle.mjs.
import {readFileSync} from 'node:fs'

if (process.argv.length === 3 && process.argv[2] === '--version') {
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`berth/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {execute} = await import('../dist/bundle/cli.js')
  await execute({dir: import.meta.url})
}
