import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'

describe('berth config', () => {
  let home: string
  let cleanup: () => void
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  const berth = (args: string[], extra: NodeJS.ProcessEnv = {}) => runBerth(args, {env: berthEnv(home, extra)})

  it('lists defaults, sets, gets and unsets a setting', async () => {
    const list = await berth(['config', 'list', '--json'])
    expect(list.code).to.equal(0)
    const parsed = JSON.parse(list.stdout)
    expect(parsed.file).to.equal(path.join(home, 'config.yaml'))
    expect(parsed.settings.map((s: {key: string; value: string; source: string}) => [s.key, s.value, s.source])).to.deep.equal([
      ['project', 'default', 'default'],
      ['secret-store', 'keychain', 'default'],
    ])

    const set = await berth(['config', 'set', 'project', 'payments'])
    expect(set.code).to.equal(0)
    expect(set.stderr).to.equal('Set project to payments.\n')
    expect(await fs.readFile(path.join(home, 'config.yaml'), 'utf8')).to.equal('project: payments\n')

    const get = await berth(['config', 'get', 'project'])
    expect(get.stdout).to.equal('payments\n')
    const fromEnv = await berth(['config', 'get', 'project', '--json'], {BERTH_PROJECT: 'other'})
    expect(JSON.parse(fromEnv.stdout)).to.include({key: 'project', value: 'other', source: 'env'})

    const table = await berth(['config', 'list'])
    expect(table.stdout).to.equal('KEY           VALUE     SOURCE\nproject       payments  file\nsecret-store  keychain  default\n')

    const unset = await berth(['config', 'unset', 'project'])
    expect(unset.code).to.equal(0)
    expect((await berth(['config', 'get', 'project'])).stdout).to.equal('default\n')
  })

  it('rejects bad values with exit 2 and keeps the file unchanged', async () => {
    await berth(['config', 'set', 'project', 'payments'])
    const before = await fs.readFile(path.join(home, 'config.yaml'), 'utf8')
    const cases: Array<[string[], string]> = [
      [['config', 'set', 'project', 'Bad_Name'], 'Error: Invalid value "Bad_Name" for project: a project name must be a DNS-1123 label: it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.\n'],
      [['config', 'set', 'secret-store', 'plaintext'], 'Error: Invalid value "plaintext" for secret-store: expected one of: keychain, file, env.\n'],
      [['config', 'set', 'nope', 'x'], 'Error: Unknown setting "nope".\nHint: Known settings: project, secret-store.\n'],
      [['config', 'set', 'project', 'a\u001b[31mred'], 'Error: Invalid value "a\\u001b[31mred" for project: a project name must be a DNS-1123 label: it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.\n'],
    ]
    for (const [args, stderr] of cases) {
      const result = await berth(args)
      expect(result.code, args.join(' ')).to.equal(2)
      expect(result.stderr).to.equal(stderr)
      expect(result.stdout).to.equal('')
    }
    expect(await fs.readFile(path.join(home, 'config.yaml'), 'utf8')).to.equal(before)
  })

  it('reports errors as JSON with --json', async () => {
    const result = await berth(['config', 'get', 'nope', '--json'])
    expect(result.code).to.equal(2)
    expect(JSON.parse(result.stdout)).to.deep.equal({error: {code: 'usage', message: 'Unknown setting "nope".', hint: 'Known settings: project, secret-store.', step: null, exitCode: 2}})
  })

  it('exits 2 on usage errors: a missing argument, an unknown flag, an unknown command', async () => {
    const missing = await berth(['config', 'get'])
    expect(missing.code).to.equal(2)
    expect(missing.stderr).to.contain('Missing 1 required arg:\nkey')
    const flag = await berth(['config', 'list', '--bogus'])
    expect(flag.code).to.equal(2)
    expect(flag.stderr).to.equal('Error: Unknown flag "--bogus".\nHint: See: berth config list --help\n')
    const command = await berth(['nosuch'])
    expect(command.code).to.equal(2)
    expect(command.stderr).to.equal('Error: Unknown command "nosuch".\nHint: See the commands with: berth --help\n')
  })

  it('names a damaged settings file, exits 2, and shows no stack trace', async () => {
    const file = path.join(home, 'config.yaml')
    await fs.writeFile(file, 'project: [unclosed\n')
    const result = await berth(['config', 'list'])
    expect(result.code).to.equal(2)
    expect(result.stderr).to.match(new RegExp(`^Error: berth's settings file is damaged: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid YAML \\(line \\d+\\): `))
    expect(result.stderr).to.contain('Hint: Fix or delete the file; it only holds settings.')
    expect(result.stderr).to.not.match(/\n\s+at /)
    expect(await fs.readFile(file, 'utf8')).to.equal('project: [unclosed\n')
  })

  it('refuses an invalid BERTH_PROJECT on commands that use the project', async () => {
    const result = await berth(['config', 'get', 'project'], {BERTH_PROJECT: 'NOT OK'})
    // config get only reports the value; the project is validated where objects are read or written.
    expect(result.code).to.equal(0)
  })
})
