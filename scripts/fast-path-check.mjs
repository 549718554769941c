// The build's guard for the start-up fast path (src/cli/fast-path.ts): the reasons it could behave
// differently from oclif, for scripts/bundle.mjs to refuse the build. Tested by
// test/scripts/fast-path-check.test.ts.
import {readFileSync, readdirSync, statSync} from 'node:fs'
import path from 'node:path'

// src/cli/fast-path.ts reimplements parts of these oclif files; re-read them before moving the pin.
export const FAST_PATH_OCLIF_VERSION = '4.14.0'
// Hooks the fast path does not run. Other events are only fired where the fast path is never
// taken: plugins:postinstall by plugin commands, command_not_found and command_incomplete
// when argv names no command (the fast path runs only a command it found in the manifest).
export const SKIPPED_HOOKS = ['init', 'prerun', 'postrun', 'finally', 'preparse', 'jit_plugin_not_installed']
export const FULL_PATH_ONLY_HOOKS = ['command_not_found', 'command_incomplete', 'plugins:postinstall', 'plugins:preinstall']

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'))
}

function commandFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) return commandFiles(full)
    return entry.endsWith('.ts') && !entry.endsWith('.d.ts') ? [full] : []
  })
}

/** Reasons the fast path would not behave as oclif does for the package at root; empty when it is safe. */
export function fastPathProblems(root) {
  const commandsDir = path.join(root, 'src', 'commands')
  const problems = []
  const locked = readJson(path.join(root, 'package-lock.json')).packages?.['node_modules/@oclif/core']?.version
  const installed = readJson(path.join(root, 'node_modules', '@oclif', 'core', 'package.json')).version
  for (const [what, version] of [['package-lock.json', locked], ['node_modules', installed]]) {
    if (version !== FAST_PATH_OCLIF_VERSION) {
      problems.push(`@oclif/core in ${what} is ${version}, the fast path was written against ${FAST_PATH_OCLIF_VERSION}: compare node_modules/@oclif/core/lib/{main,command,execute}.js and config scopedEnvVar* with src/cli/fast-path.ts, run test/commands/fast-path.test.ts, then move FAST_PATH_OCLIF_VERSION in scripts/fast-path-check.mjs`)
    }
  }
  const pjson = readJson(path.join(root, 'package.json'))
  const plugins = [...(pjson.oclif.plugins ?? []), ...(pjson.oclif.devPlugins ?? [])]
  if (pjson.oclif.jitPlugins && Object.keys(pjson.oclif.jitPlugins).length > 0) problems.push('oclif.jitPlugins is set: the fast path does not run jit_plugin_not_installed')
  const ownTopics = new Set(commandFiles(commandsDir).map((file) => path.relative(commandsDir, file).split(path.sep)[0].replace(/\.ts$/, '')))
  for (const [name, oclif] of [[pjson.name, pjson.oclif], ...plugins.map((p) => [p, readJson(path.join(root, 'node_modules', p, 'package.json')).oclif ?? {}])]) {
    for (const event of Object.keys(oclif.hooks ?? {})) {
      if (SKIPPED_HOOKS.includes(event)) problems.push(`${name} has a "${event}" hook, which the fast path (src/cli/fast-path.ts) would skip`)
    }
    if (name === pjson.name) continue
    let manifest
    try {
      manifest = readJson(path.join(root, 'node_modules', name, 'oclif.manifest.json'))
    } catch {
      problems.push(`${name} has no oclif.manifest.json: cannot check that its command ids stay out of berth's topics`)
      continue
    }
    for (const id of Object.keys(manifest.commands ?? {})) {
      const first = id.split(':')[0]
      if (ownTopics.has(first)) problems.push(`${name} adds command "${id}" under berth's own topic "${first}": the fast path would not see it`)
    }
  }
  return problems
}
