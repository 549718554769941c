import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {BackendHome, backendHome, storedState, testBackends} from '../../helpers/backends.js'
import {berthEnv, runBerth} from '../../helpers/cli.js'

/** Every file under the home with its content and, on kubernetes, every berth object, ConfigMap and Secret. */
async function snapshot(b: BackendHome): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for (const entry of await fs.readdir(b.home, {withFileTypes: true, recursive: true})) {
    if (entry.isFile() && !entry.name.endsWith('.lock')) out.push([path.join(entry.parentPath, entry.name), await fs.readFile(path.join(entry.parentPath, entry.name), 'latin1')])
  }
  if (b.backend === 'kubernetes') out.push(...Object.entries(await storedState(b)).filter(([where]) => !where.startsWith('/')))
  return out.sort()
}

for (const backend of testBackends()) describe(`berth credential git get|store|erase (${backend} backend)`, () => {
  let bh: BackendHome
  let home: string
  const secret = 'git-helper-secret-42'
  const env = (extra: NodeJS.ProcessEnv = {}) => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'test-passphrase', ...extra})
  const berth = (args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) => runBerth(args, {env: env(extra), input})

  before(async function () {
    bh = await backendHome(this, backend)
    home = bh.home
    const a = await berth(['endpoint', 'create', 'git', 'app', '--url', 'https://git.example.com/team/app.git', '--username', 'ci', '--password-env', 'S'], undefined, {S: secret})
    expect(a.code, a.stderr).to.equal(0)
    const b = await berth(['endpoint', 'create', 'codearts-repo', 'hub', '--url-prefix', 'https://git.example.com', '--username', 'tenant/ci-user', '--password-env', 'S'], undefined, {S: 'hub-secret'})
    expect(b.code, b.stderr).to.equal(0)
  })
  after(async () => bh?.cleanup())

  it('get prints the matching endpoint\'s username and password', async () => {
    const app = await berth(['credential', 'git', 'get'], 'protocol=https\nhost=git.example.com\npath=team/app.git\n\n')
    expect(app).to.deep.equal({code: 0, stdout: `username=ci\npassword=${secret}\n`, stderr: ''})
    const hub = await berth(['credential', 'git', 'get'], 'protocol=https\nhost=git.example.com\npath=other/lib.git\ncapability[]=authtype\n\n')
    expect(hub).to.deep.equal({code: 0, stdout: 'username=tenant/ci-user\npassword=hub-secret\n', stderr: ''})
  })

  it('get without a path matches by host, the first endpoint by name', async () => {
    const r = await berth(['credential', 'git', 'get'], 'protocol=https\nhost=git.example.com\n\n')
    expect(r).to.deep.equal({code: 0, stdout: `username=ci\npassword=${secret}\n`, stderr: ''})
  })

  it('get prints nothing without a match', async () => {
    for (const input of ['protocol=https\nhost=other.example.com\npath=team/app.git\n\n', 'protocol=http\nhost=git.example.com\n\n', 'protocol=https\nhost=git.example.com\nusername=someone-else\n\n', '']) {
      expect(await berth(['credential', 'git', 'get'], input), input).to.deep.equal({code: 0, stdout: '', stderr: ''})
    }
  })

  it('ignores an action it does not know, as gitcredentials(7) asks: exit 0, nothing printed or changed', async () => {
    const before = await snapshot(bh)
    for (const action of ['frobnicate', 'capability', 'approve']) {
      expect(await berth(['credential', 'git', action], 'protocol=https\nhost=git.example.com\n\n'), action).to.deep.equal({code: 0, stdout: '', stderr: ''})
    }
    expect(await snapshot(bh)).to.deep.equal(before)
    const none = await berth(['credential', 'git'], '')
    expect(none).to.deep.equal({
      code: 2,
      stdout: '',
      stderr: "Error: Give the action git asks for: get, store or erase.\nHint: git runs this itself once configured: git config --global credential.helper '!berth credential git'\n",
    })
  })

  it('refuses malformed input with exit 2, without echoing it', async () => {
    const before = await snapshot(bh)
    for (const action of ['get', 'store', 'erase']) {
      const r = await berth(['credential', 'git', action], `protocol=https\nhost=git.example.com\n${secret}\n\n`)
      expect(r.code, action).to.equal(2)
      expect(r.stdout, action).to.equal('')
      expect(r.stderr, action).to.equal(
        "Error: Malformed git credential input on line 3: expected key=value.\nHint: This command is run by git: git config credential.helper '!berth credential git'. Input is key=value lines ended by a blank line (see gitcredentials(7)).\n",
      )
    }
    expect(await snapshot(bh)).to.deep.equal(before)
  })

  it('store and erase change nothing', async () => {
    const before = await snapshot(bh)
    const stored = await berth(['credential', 'git', 'store'], `protocol=https\nhost=git.example.com\npath=team/app.git\nusername=ci\npassword=${secret}\n\n`)
    expect(stored).to.deep.equal({code: 0, stdout: '', stderr: ''})
    const other = await berth(['credential', 'git', 'store'], 'protocol=https\nhost=git.example.com\npath=team/app.git\nusername=ci\npassword=typed\n\n')
    expect(other).to.deep.equal({
      code: 0,
      stdout: '',
      stderr: 'berth: git used credentials for https://git.example.com/team/app.git that differ from endpoint "app"; berth did not save them. To change the endpoint: berth endpoint update app\n',
    })
    const erased = await berth(['credential', 'git', 'erase'], `protocol=https\nhost=git.example.com\npath=team/app.git\nusername=ci\npassword=${secret}\n\n`)
    expect(erased).to.deep.equal({
      code: 0,
      stdout: '',
      stderr: 'berth: https://git.example.com/team/app.git rejected the credentials of endpoint "app"; berth keeps them. Check them with: berth endpoint test app; change them with: berth endpoint update app\n',
    })
    const unrelated = await berth(['credential', 'git', 'erase'], 'protocol=https\nhost=nowhere.example.com\nusername=a\npassword=b\n\n')
    expect(unrelated).to.deep.equal({code: 0, stdout: '', stderr: ''})
    expect(await snapshot(bh)).to.deep.equal(before)
    const still = await berth(['credential', 'git', 'get'], 'protocol=https\nhost=git.example.com\npath=team/app.git\n\n')
    expect(still.stdout).to.equal(`username=ci\npassword=${secret}\n`)
  })
})
