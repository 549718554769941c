import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {BackendHome, backendHome, testBackends} from '../../helpers/backends.js'
import {berthEnv, runBerth} from '../../helpers/cli.js'
import {kubeService} from '../../helpers/services.js'

const KNOWN = 'Known settings: project, secret-store, backend, kube-kubeconfig, kube-context, kube-namespace.'

for (const backend of testBackends()) describe(`berth config (${backend} backend)`, () => {
  let b: BackendHome
  let home: string
  beforeEach(async function () {
    b = await backendHome(this, backend)
    home = b.home
  })
  afterEach(async () => b?.cleanup())

  /** The backend rows of config list: from the environment on kubernetes, defaults on file. */
  const backendRows = (): Array<[string, string, string]> =>
    backend === 'kubernetes'
      ? [['backend', 'kubernetes', 'env'], ['kube-kubeconfig', kubeService().adminKubeconfig, 'env'], ['kube-context', '', 'default'], ['kube-namespace', b.namespace ?? '', 'env']]
      : [['backend', 'file', 'default'], ['kube-kubeconfig', '', 'default'], ['kube-context', '', 'default'], ['kube-namespace', 'berth-system', 'default']]

  const berth = (args: string[], extra: NodeJS.ProcessEnv = {}) => runBerth(args, {env: berthEnv(home, extra)})

  it('lists defaults, sets, gets and unsets a setting', async () => {
    const list = await berth(['config', 'list', '--json'])
    expect(list.code).to.equal(0)
    const parsed = JSON.parse(list.stdout)
    expect(parsed.file).to.equal(path.join(home, 'config.yaml'))
    expect(parsed.settings.map((s: {key: string; value: string; source: string}) => [s.key, s.value, s.source])).to.deep.equal([
      ['project', 'default', 'default'],
      ['secret-store', 'keychain', 'default'],
      ...backendRows(),
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
    const rows: Array<[string, string, string]> = [['project', 'payments', 'file'], ['secret-store', 'keychain', 'default'], ...backendRows()]
    const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['KEY', 'VALUE'][i]!.length))
    const line = (cells: string[]) => `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]!.padEnd(widths[1]!)}  ${cells[2]}`.trimEnd()
    expect(table.stdout).to.equal(`${[line(['KEY', 'VALUE', 'SOURCE']), ...rows.map(line)].join('\n')}\n`)

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
      [['config', 'set', 'nope', 'x'], `Error: Unknown setting "nope".\nHint: ${KNOWN}\n`],
      [['config', 'set', 'backend', 'etcd'], 'Error: Invalid value "etcd" for backend: expected one of: file, kubernetes.\n'],
      [['config', 'set', 'kube-namespace', 'Berth_System'], 'Error: Invalid value "Berth_System" for kube-namespace: a namespace must be a DNS-1123 label: it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.\n'],
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
    expect(JSON.parse(result.stdout)).to.deep.equal({error: {code: 'usage', message: 'Unknown setting "nope".', hint: KNOWN, step: null, exitCode: 2}})
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

  it('refuses an unknown BERTH_BACKEND on commands that use the state, exit 2, nothing printed', async () => {
    const result = await berth(['endpoint', 'list'], {BERTH_BACKEND: 'etcd'})
    expect(result.code).to.equal(2)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.equal('Error: BERTH_BACKEND is "etcd"; expected file or kubernetes.\n')
  })

  it('refuses an invalid BERTH_PROJECT on commands that use the project', async () => {
    const result = await berth(['config', 'get', 'project'], {BERTH_PROJECT: 'NOT OK'})
    // config get only reports the value; the project is validated where objects are read or written.
    expect(result.code).to.equal(0)
  })
})
