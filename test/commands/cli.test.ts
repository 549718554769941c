import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {ROOT, berthEnv, runBerth, tempHome} from '../helpers/cli.js'

describe('berth (top level)', () => {
  let home: string
  let cleanup: () => void
  before(() => ({home, cleanup} = tempHome()))
  after(() => cleanup())

  it('prints its version in oclif\'s format', async () => {
    const {version} = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
    const result = await runBerth(['--version'], {env: berthEnv(home)})
    expect(result.code).to.equal(0)
    expect(result.stdout).to.equal(`berth/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
  })

  it('lists its topics in --help and explains a topic with help TOPIC', async () => {
    const help = await runBerth(['--help'], {env: berthEnv(home)})
    expect(help.code).to.equal(0)
    for (const topic of ['config', 'endpoint', 'image', 'credential']) expect(help.stdout).to.match(new RegExp(`^  ${topic} `, 'm'))
    const topic = await runBerth(['help', 'endpoint'], {env: berthEnv(home)})
    expect(topic.code).to.equal(0)
    expect(topic.stdout).to.match(/^ {2}endpoint create {2}/m)
    const command = await runBerth(['endpoint', 'create', '--help'], {env: berthEnv(home)})
    expect(command.stdout).to.contain('EXAMPLES')
    expect(command.stdout).to.contain('--password-stdin')
  })

  it('offers shell completion through the autocomplete plugin', async () => {
    const result = await runBerth(['autocomplete', 'bash'], {env: berthEnv(home, {HOME: home})})
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('berth autocomplete')
  })
})
