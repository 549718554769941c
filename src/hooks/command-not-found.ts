import type {Hook} from '@oclif/core'

import {quote} from '../lib/names.js'

/**
 * An unknown command, said the way it was typed ("endpoint frobnicate", not oclif's
 * "endpoint:frobnicate"), with the help of the nearest topic. Exit 2 (usage).
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const words = options.id.split(':')
  const topics = new Set(options.config.topics.map((t) => t.name))
  let topic = ''
  for (let i = words.length - 1; i > 0 && !topic; i--) {
    const candidate = words.slice(0, i).join(':')
    if (topics.has(candidate)) topic = candidate
  }
  const bin = options.config.bin
  process.stderr.write(`Error: Unknown command ${quote(words.join(' '))}.\n`)
  process.stderr.write(`Hint: See the commands with: ${bin} ${topic ? `${topic.split(':').join(' ')} ` : ''}--help\n`)
  process.exitCode = 2
}

export default hook
