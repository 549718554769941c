// Malformed and hostile input to `berth resource-interface`: exact exit code and message,
// nothing on stdout, no stack trace, and the stored state unchanged.
import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'

const HOSTILE = `apiVersion: connectors.alauda.io/v1alpha1
kind: ResourceInterface
metadata:
  name: hostile
  labels:
    resourceinterface.connectors.cpaas.io/category: GitCodeRepository
spec:
  params:
    - {name: mode, type: string, default: ok}
  attributes:
    - name: value
      type: string
      expression: "{params.mode === 'spin' ? (() => { for (;;) {} })() : params.mode === 'escape' ? this.constructor.constructor('return process')().exit(7) : params.mode === 'bomb' ? 'x'.repeat(2 ** 29) : params.mode === 'number' ? 42 : params.mode}"
`

describe('berth resource-interface: malformed and hostile input', function () {
  this.timeout(120_000)
  let home: string
  let cleanup: () => void
  let initial: Record<string, string>
  const env = () => berthEnv(home, {BERTH_SECRET_STORE: 'file', BERTH_PASSPHRASE: 'pä$$ w0rd!', S: 'AKSK-secret/+=value', GP: 'git p@ss:word'})
  const file = (name: string) => path.join(home, name)

  before(async () => {
    ;({home, cleanup} = tempHome())
    const ok = async (args: string[]) => {
      const r = await runBerth(args, {env: env()})
      expect(r.code, r.stderr).to.equal(0)
    }
    await ok(['endpoint', 'create', 'git', 'src', '--url', 'https://git.example.com:8443/scm', '--username', 'tenant/dev.user', '--password-env', 'GP'])
    await ok(['endpoint', 'create', 'iam', 'keys', '--access-key-id', 'HPUAEXAMPLEKEY0001', '--secret-access-key-env', 'S'])
    await fs.writeFile(file('hostile.yaml'), HOSTILE)
    await ok(['ri', 'apply', '-f', file('hostile.yaml')])
    await fs.writeFile(file('not-yaml.yaml'), 'apiVersion: connectors.alauda.io/v1alpha1\nspec: [\n  - name: x\n')
    await fs.writeFile(file('bad-type.yaml'), 'apiVersion: connectors.alauda.io/v1alpha1\nkind: ResourceInterface\nmetadata: {name: counts}\nspec:\n  params:\n    - {name: count, type: integer}\n')
    await fs.writeFile(file('bad-expr.yaml'), 'apiVersion: connectors.alauda.io/v1alpha1\nkind: ResourceInterface\nmetadata: {name: bad-expr}\nspec:\n  attributes:\n    - {name: url, type: string, expression: "{connector.spec.address +}"}\n')
    await fs.writeFile(file('bomb.yaml'), 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n')
    await fs.writeFile(file('huge.yaml'), `# ${'x'.repeat(1024 * 1024 + 10)}\n`)
    await fs.mkdir(file('a-directory'))
    initial = await stateFiles(path.join(home))
  })
  after(() => cleanup())

  const cases: Array<{title: string; args: () => string[]; stderr: string | RegExp | (() => string | RegExp); code?: number}> = [
    {title: 'a file that does not exist', args: () => ['ri', 'apply', '-f', file('missing.yaml')], stderr: () => `Error: Cannot read "${file('missing.yaml')}": no such file.\n`},
    {title: 'a directory as the file', args: () => ['ri', 'apply', '-f', file('a-directory')], stderr: () => `Error: Cannot read "${file('a-directory')}": it is not a regular file.\n`},
    {title: 'a file over 1 MiB', args: () => ['ri', 'apply', '-f', file('huge.yaml')], stderr: () => `Error: "${file('huge.yaml')}" is larger than 1048576 bytes.\n`},
    {title: 'a file that is not YAML', args: () => ['ri', 'apply', '-f', file('not-yaml.yaml')], stderr: () => new RegExp(`^Error: ${file('not-yaml.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid YAML \\(line \\d+\\): `)},
    {title: 'a YAML alias bomb', args: () => ['ri', 'apply', '-f', file('bomb.yaml')], stderr: () => new RegExp(`^Error: ${file('bomb.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} could not be read as YAML: `)},
    {
      title: 'an unknown param type',
      args: () => ['ri', 'apply', '-f', file('bad-type.yaml')],
      stderr: () => `Error: ResourceInterface "counts" in ${file('bad-type.yaml')} is not valid:\n  - spec.params[0].type: "integer" is not a param type (string, array, object)\nHint: See the built-in ones for the expected shape: berth resource-interface show gitcoderepository -o yaml\n`,
    },
    {
      title: 'an expression that does not parse',
      args: () => ['ri', 'apply', '-f', file('bad-expr.yaml')],
      stderr: () => `Error: ResourceInterface "bad-expr" in ${file('bad-expr.yaml')} is not valid:\n  - spec.attributes[0].expression: expression {connector.spec.address +} does not parse: SyntaxError: unexpected token in expression: ')'\nHint: See the built-in ones for the expected shape: berth resource-interface show gitcoderepository -o yaml\n`,
    },
    {title: 'a name with a path in it', args: () => ['ri', 'show', '../../etc/passwd'], stderr: /^Error: Invalid resource interface name "\.\.\/\.\.\/etc\/passwd": /},
    {title: 'an unknown interface', args: () => ['ri', 'show', 'mavenartifact'], stderr: 'Error: ResourceInterface "mavenartifact" not found.\nHint: List what exists with: berth resource-interface list\n', code: 1},
    {title: 'deleting a built-in', args: () => ['ri', 'delete', 'gitcoderepository'], stderr: 'Error: ResourceInterface "gitcoderepository" is built into berth and cannot be deleted.\nHint: Replace it with your own version: berth resource-interface apply -f FILE (metadata.name: gitcoderepository).\n'},
    {title: 'deleting what does not exist', args: () => ['ri', 'delete', 'nothing-here'], stderr: 'Error: ResourceInterface "nothing-here" not found.\nHint: List what exists with: berth resource-interface list\n', code: 1},
    {title: 'a connector that does not exist', args: () => ['ri', 'resolve', 'gitcoderepository', '--connector', 'nope', '--param', 'repository=a'], stderr: 'Error: Endpoint "nope" not found in project "default".\nHint: List what exists with: berth endpoint list\n', code: 1},
    {title: 'an endpoint that is not a connector', args: () => ['ri', 'resolve', 'gitcoderepository', '--connector', 'keys', '--param', 'repository=a'], stderr: 'Error: Endpoint "keys" is an iam endpoint, which is not a connector of any resource interface.\nHint: Connectors are endpoints of type git, codearts-repo, docker-registry.\n'},
    {title: 'a connector of the wrong class', args: () => ['ri', 'resolve', 'ociartifact', '--connector', 'src', '--param', 'repository=a', '--param', 'tags=v1'], stderr: 'Error: Endpoint "src" (git) cannot serve ResourceInterface "ociartifact".\nHint: Use an endpoint of type docker-registry; list them with: berth resource-interface connectors ociartifact\n'},
    {title: 'a missing required param', args: () => ['ri', 'resolve', 'gitcoderepository', '--connector', 'src'], stderr: 'Error: Missing param of ResourceInterface "gitcoderepository": repository.\nHint: Give --param repository=VALUE, or ask for them with --interactive.\n'},
    {title: 'an unknown param', args: () => ['ri', 'resolve', 'gitcoderepository', '--connector', 'src', '--param', 'branch=main'], stderr: 'Error: ResourceInterface "gitcoderepository" has no param "branch".\nHint: Its params: repository, revision.\n'},
    {title: 'a param without =', args: () => ['ri', 'resolve', 'gitcoderepository', '--connector', 'src', '--param', 'repository'], stderr: 'Error: --param "repository" is not NAME=VALUE.\nHint: For example: --param repository=team/app\n'},
    {title: 'a param given twice', args: () => ['ri', 'resolve', 'gitcoderepository', '--connector', 'src', '--param', 'repository=a', '--param', 'repository=b'], stderr: 'Error: --param repository is given more than once.\nHint: Give an array param once, as a,b,c or a JSON array.\n'},
    {title: '--interactive without a terminal', args: () => ['ri', 'resolve', 'gitcoderepository', '--connector', 'src', '--interactive'], stderr: '--interactive needs a terminal on stdin.'},
    {title: 'an endless loop in an expression', args: () => ['ri', 'resolve', 'hostile', '--connector', 'src', '--param', 'mode=spin'], stderr: 'Error: Expression {params.mode === \'spin\' ? (() => { for (;;) {} })() : params.…} in attribute "value" of ResourceInterface "hostile" did not finish within 250 ms (the time limit).\n'},
    {title: 'an expression reaching for process', args: () => ['ri', 'resolve', 'hostile', '--connector', 'src', '--param', 'mode=escape'], stderr: 'Error: Expression {params.mode === \'spin\' ? (() => { for (;;) {} })() : params.…} in attribute "value" of ResourceInterface "hostile" failed: ReferenceError: \'process\' is not defined.\n'},
    {title: 'a memory bomb in an expression', args: () => ['ri', 'resolve', 'hostile', '--connector', 'src', '--param', 'mode=bomb'], stderr: 'Error: Expression {params.mode === \'spin\' ? (() => { for (;;) {} })() : params.…} in attribute "value" of ResourceInterface "hostile" ran out of memory (the limit is 32 MiB).\n'},
    {title: 'an expression of the wrong type', args: () => ['ri', 'resolve', 'hostile', '--connector', 'src', '--param', 'mode=number'], stderr: 'Error: Attribute "value" of ResourceInterface "hostile" is of type string, but its expression gave a number (42).\n'},
    {title: 'an unknown output format', args: () => ['ri', 'resolve', 'gitcoderepository', '--connector', 'src', '--param', 'repository=a', '-o', 'xml'], stderr: /^Error: Expected --output=xml to be one of: yaml, json, tekton/},
  ]

  for (const c of cases) {
    it(`refuses ${c.title}: exit ${c.code ?? 2}, nothing on stdout, state unchanged`, async () => {
      const started = Date.now()
      const result = await runBerth(c.args(), {env: env()})
      expect(result.code, result.stderr).to.equal(c.code ?? 2)
      const expected = typeof c.stderr === 'function' ? c.stderr() : c.stderr
      if (typeof expected === 'string' && expected.startsWith('Error: ')) expect(result.stderr).to.equal(expected)
      else if (typeof expected === 'string') expect(result.stderr).to.include(expected)
      else expect(result.stderr).to.match(expected)
      expect(result.stdout).to.equal('')
      expect(result.stderr).not.to.match(/\n\s+at .+:\d+:\d+/)
      expect(Date.now() - started).to.be.below(15_000)
      expect(await stateFiles(home)).to.deep.equal(initial)
    })
  }

  it('still works after the hostile runs', async () => {
    const result = await runBerth(['ri', 'resolve', 'hostile', '--connector', 'src', '--param', 'mode=fine', '--json'], {env: env()})
    expect(result.code, result.stderr).to.equal(0)
    expect(JSON.parse(result.stdout).attributes).to.deep.equal([{name: 'value', type: 'string', value: 'fine', parameter: 'value'}])
  })
})
