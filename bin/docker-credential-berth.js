#!/usr/bin/env node
// docker's credential-helper entry point: `docker-credential-berth ACTION` is
// `berth credential docker ACTION` (get, store, erase, list), reading stdin as docker writes it.
const ACTIONS = new Set(['get', 'store', 'erase', 'list'])
const action = process.argv[2]
if (action === 'version') {
  const {readFile} = await import('node:fs/promises')
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`docker-credential-berth (berth ${pkg.version})\n`)
} else if (!ACTIONS.has(action) || process.argv.length > 3) {
  process.stderr.write('Usage: docker-credential-berth <store|get|erase|list|version>\n')
  process.exitCode = 1
} else {
  // Run exactly as berth does (bin/run.cjs), with the arguments berth would get.
  process.argv.splice(2, process.argv.length - 2, 'credential', 'docker', action)
  await import('./run.cjs')
}
