import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {BackendHome, backendHome, storedState, testBackends} from '../../helpers/backends.js'
import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: 'https://127.0.0.1:6443'}
users:
- name: admin
  user: {token: abc}
contexts:
- name: dev-admin
  context: {cluster: dev, user: admin}
current-context: dev-admin
`

for (const backend of testBackends()) describe(`berth endpoint create: malformed and hostile input (${backend} backend)`, () => {
  let b: BackendHome
  let home: string
  let initial: Record<string, string>

  before(async function () {
    b = await backendHome(this, backend)
    home = b.home
    const env = berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p', S: 'secret'})
    // One endpoint already stored: bad input must leave it and everything else as it is.
    const made = await runBerth(['endpoint', 'create', 'docker-registry', 'existing', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'], {env})
    expect(made.code, made.stderr).to.equal(0)
    await fs.writeFile(path.join(home, 'good.kubeconfig'), KUBECONFIG)
    await fs.writeFile(path.join(home, 'not-yaml.kubeconfig'), 'apiVersion: v1\nclusters: [\n  - name: x\n')
    await fs.writeFile(path.join(home, 'list.kubeconfig'), '- a\n- b\n')
    initial = await storedState(b)
  })
  after(async () => b?.cleanup())

  const kc = (name: string) => path.join(home, name)
  const reg = (...extra: string[]) => ['endpoint', 'create', 'docker-registry', ...extra]

  const cases: Array<{title: string; args: () => string[]; stderr: string | RegExp | (() => string | RegExp); code?: number; input?: string | Buffer; env?: NodeJS.ProcessEnv}> = [
    {title: 'a name with upper case', args: () => reg('MyReg', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'), stderr: 'Error: Invalid endpoint name "MyReg": it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.\nHint: Use a DNS-1123 label such as "my-registry" (lower case, digits and "-", at most 63 characters).\n'},
    {title: 'a path-traversal name', args: () => reg('../../etc', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'), stderr: /^Error: Invalid endpoint name "\.\.\/\.\.\/etc": /},
    {title: 'a name with a terminal escape', args: () => reg('a\u001b[2Jb', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'), stderr: /^Error: Invalid endpoint name "a\\u001b\[2Jb": /},
    {title: 'a 64-character name', args: () => reg('a'.repeat(64), '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'), stderr: /it is 64 characters long \(at most 63\)/},
    {title: 'an existing name', args: () => reg('existing', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'), stderr: 'Error: Endpoint "existing" already exists in project "default".\nHint: Change it with: berth endpoint update existing\n', code: 1},
    {title: 'an unknown type', args: () => ['endpoint', 'create', 'ftp', 'x'], stderr: 'Error: Unknown endpoint type "ftp"; choose one of: docker-registry, kubernetes, git, iam, codearts-repo.\n'},
    {title: 'an address without scheme', args: () => reg('r1', '--address', 'registry.example.com:5000', '--username', 'u', '--password-env', 'S'), stderr: 'Error: --address "registry.example.com:5000" has no scheme; write it as a URL, e.g. https://registry.example.com:5000.\n'},
    {title: 'an address with a wrong scheme', args: () => reg('r1', '--address', 'ftp://registry.example.com', '--username', 'u', '--password-env', 'S'), stderr: 'Error: --address "ftp://registry.example.com" uses ftp://; a docker-registry endpoint needs http:// or https://.\n'},
    {title: 'an address with credentials in it', args: () => reg('r1', '--address', 'https://u:pw@registry.example.com', '--username', 'u', '--password-env', 'S'), stderr: 'Error: --address must not contain a username or password; give them with --username and a password flag instead.\n'},
    {title: 'a git URL over ssh', args: () => ['endpoint', 'create', 'git', 'g1', '--url', 'ssh://git@example.com/a.git', '--username', 'u', '--password-env', 'S'], stderr: 'Error: --url "ssh://git@example.com/a.git" uses ssh://; a git endpoint needs https://.\n'},
    {title: 'a git URL over plain http to a remote host', args: () => ['endpoint', 'create', 'git', 'g1', '--url', 'http://example.com/a.git', '--username', 'u', '--password-env', 'S'], stderr: 'Error: --url "http://example.com/a.git" uses http://; a git endpoint needs https:// (http:// is accepted only for this machine: localhost, 127.x.x.x, ::1).\n'},
    {title: 'a git ext:: transport', args: () => ['endpoint', 'create', 'git', 'g1', '--url', 'ext::sh -c touch% /tmp/pwned', '--username', 'u', '--password-env', 'S'], stderr: 'Error: --url "ext::sh -c touch% /tmp/pwned" contains spaces or control characters.\n'},
    {title: 'a codearts username with a leading space', args: () => ['endpoint', 'create', 'codearts-repo', 'c1', '--url-prefix', 'https://codehub.example.com', '--username', ' tenant/user', '--password-env', 'S'], stderr: 'Error: The username " tenant/user" starts with a space; CodeArts Repo usernames have the form tenant/iam-user with no spaces around them (berth does not trim them for you).\n'},
    {title: 'a codearts username with a trailing space', args: () => ['endpoint', 'create', 'codearts-repo', 'c1', '--url-prefix', 'https://codehub.example.com', '--username', 'tenant/user ', '--password-env', 'S'], stderr: 'Error: The username "tenant/user " ends with a space; CodeArts Repo usernames have the form tenant/iam-user with no spaces around them (berth does not trim them for you).\n'},
    {title: 'a codearts username without a tenant', args: () => ['endpoint', 'create', 'codearts-repo', 'c1', '--url-prefix', 'https://codehub.example.com', '--username', 'user', '--password-env', 'S'], stderr: 'Error: The username "user" is not of the form tenant/iam-user (one "/" between the tenant and the IAM user name, no spaces).\n'},
    {title: 'a codearts prefix over http', args: () => ['endpoint', 'create', 'codearts-repo', 'c1', '--url-prefix', 'http://codehub.example.com', '--username', 't/u', '--password-env', 'S'], stderr: 'Error: --url-prefix "http://codehub.example.com" uses http://; a codearts-repo endpoint needs https:// (http:// is accepted only for this machine: localhost, 127.x.x.x, ::1).\n'},
    {title: 'an access key id with symbols', args: () => ['endpoint', 'create', 'iam', 'i1', '--access-key-id', 'AK-$(id)', '--secret-access-key-env', 'S'], stderr: 'Error: The access key id "AK-$(id)" is not valid: it must be 8 to 128 letters and digits (e.g. a 20-character AK such as HPUAXXXXXXXXXXXXXXXX).\n'},
    {title: 'a flag of another type', args: () => reg('r1', '--url', 'https://x.example.com', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'), stderr: 'Error: --url does not apply to a docker-registry endpoint.\nHint: See: berth endpoint create docker-registry --help\n'},
    {title: 'a secret given as the value of --password-env', args: () => reg('r1', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'hunter2!'), stderr: 'Error: --password-env takes the name of an environment variable (e.g. --password-env REGISTRY_PASSWORD), not the password itself.\n'},
    {title: 'an unset password variable', args: () => reg('r1', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'NOT_SET_ANYWHERE'), stderr: 'Error: --password-env names NOT_SET_ANYWHERE, but that environment variable is not set or is empty.\n'},
    {title: 'a password on stdin that is not UTF-8', args: () => reg('r1', '--address', 'https://r.example.com', '--username', 'u', '--password-stdin'), input: Buffer.from([0x61, 0x62, 0xff, 0xfe, 0x63, 0x64]), stderr: 'Error: The password on stdin is not valid UTF-8; give the secret as UTF-8 text.\n'},
    {title: 'a password on stdin with a NUL byte', args: () => reg('r1', '--address', 'https://r.example.com', '--username', 'u', '--password-stdin'), input: 'ab\0cd', stderr: 'Error: The password on stdin contains a NUL byte, which no tool berth hands it to can carry.\n'},
    {title: 'a git token on stdin with a line break inside', args: () => ['endpoint', 'create', 'git', 'g1', '--url', 'https://git.example.com/a.git', '--username', 'ci@corp.com', '--password-stdin'], input: 'first-line\nsecond-line\n', stderr: 'Error: The password or access token on stdin contains a line break; a password, token or key is one line (git and docker cannot be given one with a line break).\n'},
    {title: 'a codearts password in a variable with a line break', args: () => ['endpoint', 'create', 'codearts-repo', 'c1', '--url-prefix', 'https://codehub.example.com', '--username', 'mytenant/ci-user', '--password-env', 'TWO_LINES'], env: {TWO_LINES: 'pass\r\nword'}, stderr: 'Error: The password in TWO_LINES contains a line break; a password, token or key is one line (git and docker cannot be given one with a line break).\n'},
    {title: 'a secret key in a variable holding U+FFFD', args: () => ['endpoint', 'create', 'iam', 'i1', '--access-key-id', 'HPUAEXAMPLEKEY000001', '--secret-access-key-env', 'MANGLED'], env: {MANGLED: 'ab\uFFFD\uFFFDcd'}, stderr: 'Error: The secret access key in MANGLED contains U+FFFD, the replacement for bytes that are not UTF-8; give the secret as UTF-8 text.\n'},
    {title: 'a password variable over 64 KiB', args: () => reg('r1', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'HUGE'), env: {HUGE: 'x'.repeat(65_537)}, stderr: 'Error: HUGE holds more than 65536 bytes; that is not a secret berth can store.\n'},
    {title: 'a password on stdin over 64 KiB', args: () => reg('r1', '--address', 'https://r.example.com', '--username', 'u', '--password-stdin'), input: 'x'.repeat(65_537), stderr: 'Error: stdin holds more than 65536 bytes; that is not a secret berth can store.\n'},
    {title: 'both password flags', args: () => reg('r1', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S', '--password-stdin'), stderr: 'Error: Give the password one way only: --password-stdin or --password-env, not both.\n'},
    {title: 'missing flags in a script', args: () => reg('r1'), stderr: 'Error: Missing required inputs: --address, --username, --password-stdin or --password-env VAR (stdin is not a terminal, so berth cannot ask for them).\nHint: Pass them as flags, or run the command at a terminal to be asked.\n'},
    {title: 'a kubeconfig that is not YAML', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', kc('not-yaml.kubeconfig')], stderr: () => new RegExp(`^Error: --kubeconfig ${kc('not-yaml.kubeconfig').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid YAML \\(line \\d+\\): `)},
    {title: 'a kubeconfig that is a YAML list', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', kc('list.kubeconfig')], stderr: /^Error: --kubeconfig .*list\.kubeconfig is not a kubeconfig/},
    {title: 'a kubeconfig that does not exist', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', kc('missing.kubeconfig')], stderr: () => `Error: Could not read the kubeconfig file ${kc('missing.kubeconfig')}: no such file.\n`},
    {title: 'a context the kubeconfig lacks', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', kc('good.kubeconfig'), '--context', 'prod'], stderr: /^Error: .*context "prod".*dev-admin/},
    {title: 'a server that disagrees with the kubeconfig', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', kc('good.kubeconfig'), '--server', 'https://10.1.2.3:6443'], stderr: /^Error: The --server URL https:\/\/10\.1\.2\.3:6443 does not match the kubeconfig's cluster "dev" server https:\/\/127\.0\.0\.1:6443: the host differs \(10\.1\.2\.3 vs 127\.0\.0\.1\)/},
    {title: 'a server on another port', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', kc('good.kubeconfig'), '--server', 'https://127.0.0.1:8443'], stderr: /the port differs \(8443 vs 6443\)/},
    {title: 'an unknown command', args: () => ['endpoint', 'frobnicate'], stderr: 'Error: Unknown command "endpoint frobnicate".\nHint: See the commands with: berth endpoint --help\n'},
    {title: 'a name beginning with "-"', args: () => reg('-hub', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'), stderr: 'Error: Unknown flag "-hub".\nHint: A value beginning with "-" (such as a name) goes after --, with the flags before it: berth endpoint create [FLAGS] -- … -hub. See: berth endpoint create --help\n'},
    {title: 'a name beginning with "-" given after --', args: () => ['endpoint', 'create', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S', '--', 'docker-registry', '-hub'], stderr: /^Error: Invalid endpoint name "-hub": /},
    {title: 'a missing required flag', args: () => ['image', 'pull', 'team/app:1.0'], stderr: 'Error: Missing required flag --endpoint (-e).\nHint: See: berth image pull --help\n'},
    {title: 'a kubeconfig on stdin over the size cap', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', '/dev/stdin'], input: 'x'.repeat(4 * 1024 * 1024 + 1), stderr: 'Error: Could not read the kubeconfig file /dev/stdin: it is larger than 4194304 bytes.\n'},
    {title: 'a kubeconfig that is a directory', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', home], stderr: () => `Error: Could not read the kubeconfig file ${home}: it is a directory.\n`},
    {title: 'both kubeconfig sources', args: () => ['endpoint', 'create', 'kubernetes', 'k1', '--kubeconfig', kc('good.kubeconfig'), '--from-current-context'], stderr: 'Error: Give the kubeconfig one way only: --kubeconfig FILE or --from-current-context, not both.\n'},
  ]

  for (const c of cases) {
    it(`refuses ${c.title}: exit ${c.code ?? 2}, state unchanged`, async () => {
      const result = await runBerth(c.args(), {env: berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p', S: 'secret', ...c.env}), input: c.input})
      expect(result.code, result.stderr).to.equal(c.code ?? 2)
      const expected = typeof c.stderr === 'function' ? c.stderr() : c.stderr
      if (typeof expected === 'string') expect(result.stderr).to.equal(expected)
      else expect(result.stderr).to.match(expected)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.not.match(/\n\s+at /)
      expect(await storedState(b)).to.deep.equal(initial)
    })
  }

  it('reports a validation error as JSON with --json', async () => {
    const result = await runBerth([...reg('Bad', '--address', 'https://r.example.com', '--username', 'u', '--password-env', 'S'), '--json'], {env: berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p', S: 'secret'})})
    expect(result.code).to.equal(2)
    expect(JSON.parse(result.stdout).error).to.deep.equal({
      code: 'validation',
      message: 'Invalid endpoint name "Bad": it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.',
      hint: 'Use a DNS-1123 label such as "my-registry" (lower case, digits and "-", at most 63 characters).',
      step: null,
      exitCode: 2,
    })
  })
})

describe('berth endpoint show/update/delete/test: malformed names', () => {
  let home: string
  let cleanup: () => void
  before(() => ({home, cleanup} = tempHome()))
  after(() => cleanup())

  for (const verb of ['show', 'update', 'delete', 'test']) {
    it(`${verb} of an upper-case name: exit 2, "Invalid endpoint name" as everywhere, nothing written`, async () => {
      const result = await runBerth(['endpoint', verb, 'Hub'], {env: berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'p'})})
      expect(result.stderr).to.equal('Error: Invalid endpoint name "Hub": it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.\nHint: Use a DNS-1123 label such as "my-registry" (lower case, digits and "-", at most 63 characters).\n')
      expect(result.stdout).to.equal('')
      expect(result.code).to.equal(2)
      expect(await stateFiles(home)).to.deep.equal({})
    })
  }
})

