import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'

describe('berth endpoint list/delete with a damaged endpoint file', () => {
  let home: string
  let cleanup: () => void
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  const env = () => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'correct horse: battery #1', THE_SECRET: 'p@ss:w0rd/"quoted"'})
  const berth = (args: string[], input?: string) => runBerth(args, {env: env(), input})
  const file = (name: string) => path.join(home, 'projects', 'default', 'endpoints', `${name}.yaml`)

  beforeEach(async () => {
    for (const [name, address] of [['alpha', 'https://registry.example.com:5061'], ['bravo', 'http://127.0.0.1:6000'], ['charlie', 'https://registry.example.com:6000']]) {
      const created = await berth(['endpoint', 'create', 'docker-registry', name!, '--address', address!, '--username', 'tenant/ci-user', '--password-env', 'THE_SECRET'])
      expect(created.code, created.stderr).to.equal(0)
    }
    await fs.writeFile(file('bravo'), '- apiVersion: berth.dev/v1alpha1\n- kind: Endpoint\n')
  })

  it('lists the others and names the damaged file on stderr, exit 0', async () => {
    const warning = `Warning: The stored Endpoint "bravo" in ${file('bravo')} is damaged: it is not a YAML mapping.\nHint: Fix the file, or delete it with: berth endpoint delete bravo\n`
    const json = await berth(['endpoint', 'list', '--json'])
    expect(json.code).to.equal(0)
    expect((JSON.parse(json.stdout) as Array<{name: string}>).map((e) => e.name)).to.deep.equal(['alpha', 'charlie'])
    expect(json.stderr).to.equal(warning)
    const table = await berth(['endpoint', 'list'])
    expect(table.code).to.equal(0)
    expect(table.stdout).to.contain('alpha').and.contain('charlie').and.not.contain('bravo')
    expect(table.stderr).to.equal(warning)
  })

  it('deletes the damaged endpoint after saying so, with the secret berth stored for it', async () => {
    const show = await berth(['endpoint', 'show', 'bravo'])
    expect(show.code).to.equal(2)
    expect(show.stdout).to.equal('')
    expect(show.stderr).to.equal(`Error: The stored Endpoint "bravo" in ${file('bravo')} is damaged: it is not a YAML mapping.\nHint: Fix the file by hand or delete it; no other object is affected.\n`)
    const deleted = await berth(['endpoint', 'delete', 'bravo'])
    expect(deleted.code, deleted.stderr).to.equal(0)
    expect(deleted.stdout).to.equal('')
    expect(deleted.stderr).to.equal(`The stored Endpoint "bravo" in ${file('bravo')} is damaged: it is not a YAML mapping.\nDeleted the damaged file and its password from the secret store.\n`)
    expect(await fs.readdir(path.dirname(file('bravo')))).to.not.include('bravo.yaml')
    const secrets = JSON.parse(await fs.readFile(path.join(home, 'secrets.enc'), 'utf8')) as {entries: Record<string, unknown>}
    expect(Object.keys(secrets.entries).sort()).to.deep.equal(['default/Endpoint/alpha/password', 'default/Endpoint/charlie/password'])
    const list = await berth(['endpoint', 'list', '--json'])
    expect(list.stderr).to.equal('')
    expect((JSON.parse(list.stdout) as Array<{name: string}>).map((e) => e.name)).to.deep.equal(['alpha', 'charlie'])
    const again = await berth(['endpoint', 'delete', 'bravo', '--json'])
    expect(again.code).to.equal(1)
    expect(JSON.parse(again.stdout).error).to.deep.equal({code: 'not-found', message: 'Endpoint "bravo" not found in project "default".', hint: 'List what exists with: berth endpoint list', step: null, exitCode: 1})
  })
})
