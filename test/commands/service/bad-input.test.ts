import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {berthEnv, runBerth, tempHome} from '../../helpers/cli.js'
import {stateFiles} from '../../helpers/files.js'

const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{.name}}
spec:
  selector: {matchLabels: {app: {{.name}}}}
  template:
    metadata: {labels: {app: {{.name}}, tier: {{.tier}}}}
    spec:
      containers:
      - name: app
        image: registry.example.com:5443/shop/{{.name}}:1.0
`
const VARIABLES = `- {key: name, value: cart, type: string}
- {key: tier, value: small, type: enum, options: [small, large], desc: pod size}
- {key: debug, value: "false", type: bool}
`
const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  cpu: "{{.cpu}}"\n'

function aliasBomb(): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: lol}', 'data:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  let prev = 'a'
  for (const l of 'bcdefghi') {
    lines.push(`  ${l}: &${l} [${Array(9).fill(`*${prev}`).join(',')}]`)
    prev = l
  }
  return `${lines.join('\n')}\n`
}

describe('berth service and template: malformed and hostile input', () => {
  let home: string
  let cleanup: () => void
  let initial: Record<string, string>
  const file = (name: string) => path.join(home, 'in', name)
  const env = () => berthEnv(home, {BERTH_PROJECT: 'shop'})

  before(async () => {
    ;({home, cleanup} = tempHome())
    await fs.mkdir(path.join(home, 'in'))
    const files: Record<string, string> = {
      'micro.yaml': TEMPLATE,
      'vars.yaml': VARIABLES,
      'cm.yaml': CONFIGMAP,
      'not-yaml.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata: [\n',
      'bomb.yaml': aliasBomb(),
      'no-kind.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\ndata: {x: "1"}\n',
      'list.yaml': '- apiVersion: v1\n  kind: ConfigMap\n',
      'bad-types.yaml': '- {key: port, value: 80, type: int}\n',
      'bad-yaml-var.yaml': '- {key: res, value: "limits: [cpu", type: yaml}\n',
      'empty.yaml': '# nothing here\n',
      'unsupported.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{template "other" .}}\n',
      'lookup.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "{{ lookup "v1" "Secret" "ns" "x" }}"\n',
      'loop.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "{{range 1000000000}}x{{end}}"\n',
      'output-bomb.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "{{range $i := .n}}{{range $j := $.n}}{{range $k := $.n}}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{{end}}{{end}}{{end}}"\n',
      'n.yaml': '- {key: n, value: "300", type: yaml}\n',
      'unclosed.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "{{ if .on }}yes{{ end }"\n',
    }
    for (const [name, text] of Object.entries(files)) await fs.writeFile(file(name), text)
    for (const args of [
      ['template', 'create', 'micro', '-f', file('micro.yaml'), '--variables', file('vars.yaml')],
      ['service', 'create', 'cart', '--template', 'micro', '--auto-sync'],
      ['service', 'create', 'settings', '-f', file('cm.yaml'), '--var', 'cpu=100m'],
    ]) {
      const made = await runBerth(args, {env: env()})
      expect(made.code, made.stderr).to.equal(0)
    }
    initial = await stateFiles(home)
  })
  after(() => cleanup())

  const cases: Array<{title: string; args: () => string[]; stderr: string | RegExp; code?: number; input?: string}> = [
    {title: 'an undefined variable', args: () => ['service', 'create', 'x', '-f', file('cm.yaml')], stderr: 'Error: The YAML of service "x" uses variable "cpu" with no value.\nHint: Give it with --var cpu=VALUE\n'},
    {title: 'a wrong enum value at create', args: () => ['service', 'create', 'x', '--template', 'micro', '--var', 'tier=huge'], stderr: 'Error: Variable "tier" must be one of small, large; "huge" is not.\n'},
    {title: 'a wrong enum value at set-var', args: () => ['service', 'set-var', 'cart', '--var', 'tier=medium'], stderr: 'Error: Variable "tier" of service "cart" must be one of small, large; "medium" is not.\n'},
    {title: 'a bool that is not true or false', args: () => ['service', 'set-var', 'cart', '--var', 'debug=yes'], stderr: 'Error: Variable "debug" of service "cart" is bool: its value must be true or false, not "yes".\n'},
    {title: 'a yaml value that does not parse', args: () => ['service', 'set-var', 'settings', '--var', 'cpu=limits: [x', '--type', 'yaml'], stderr: /^Error: Variable "cpu" of service "settings" is yaml, but its value is not valid YAML \(line 1\): /},
    {title: 'an enum type without options', args: () => ['service', 'set-var', 'settings', '--var', 'cpu=1', '--type', 'enum'], stderr: 'Error: Variable "cpu" of service "settings" is enum but has no options; give them with --options a,b,c.\n'},
    {title: 'an unsupported template construct ({{template}})', args: () => ['service', 'create', 'x', '-f', file('unsupported.yaml')], stderr: 'Error: The YAML of service "x", line 6, column 8: {{template}} is not supported\n'},
    {title: 'a function berth does not have (helm\'s lookup)', args: () => ['service', 'create', 'x', '-f', file('lookup.yaml')], stderr: 'Error: The YAML of service "x", line 6, column 10: function "lookup" is not supported\n'},
    {title: 'a template that does not parse', args: () => ['service', 'create', 'x', '-f', file('unclosed.yaml')], stderr: 'Error: The YAML of service "x", line 6, column 30: unterminated quoted string\n'},
    {title: 'a huge range loop', args: () => ['service', 'create', 'x', '-f', file('loop.yaml')], stderr: 'Error: The YAML of service "x", line 6, column 9: stopped after 1000000 steps: the template does too much work (a huge or endless range?)\n'},
    {title: 'a template whose output explodes', args: () => ['service', 'create', 'x', '-f', file('output-bomb.yaml'), '--variables', file('n.yaml')], stderr: 'Error: The YAML of service "x", line 6, column 63: output is larger than 8388608 bytes\n'},
    {title: 'an unsupported construct in a template', args: () => ['template', 'create', 't3', '-f', file('unsupported.yaml')], stderr: 'Error: The YAML of template "t3", line 6, column 8: {{template}} is not supported\n'},
    {title: 'a huge range loop in a template update', args: () => ['template', 'update', 'micro', '-f', file('loop.yaml')], stderr: 'Error: The YAML of template "micro", line 6, column 9: stopped after 1000000 steps: the template does too much work (a huge or endless range?)\n'},
    {title: 'YAML that does not parse', args: () => ['service', 'create', 'x', '-f', file('not-yaml.yaml')], stderr: /^Error: The YAML of service "x" is not valid YAML \(document 1, line \d+\): /},
    {title: 'a YAML alias bomb', args: () => ['service', 'create', 'x', '-f', file('bomb.yaml')], stderr: 'Error: The YAML of service "x" could not be read as YAML (document 1, line 1): Excessive alias count indicates a resource exhaustion attack\nHint: YAML aliases (*name) may be used at most 50 times in a document; write the values out.\n'},
    {title: 'a document without kind', args: () => ['service', 'create', 'x', '-f', file('no-kind.yaml')], stderr: 'Error: The YAML of service "x", document 2 (line 5) has no kind.\n'},
    {title: 'a document without kind at update', args: () => ['service', 'update', 'settings', '-f', file('no-kind.yaml')], stderr: 'Error: The YAML of service "settings", document 2 (line 5) has no kind.\n'},
    {title: 'a YAML list instead of objects', args: () => ['service', 'create', 'x', '-f', file('list.yaml')], stderr: 'Error: The YAML of service "x", document 1 (line 1) is not a Kubernetes object: it is a list, not a mapping.\n'},
    {title: 'YAML with no objects', args: () => ['service', 'create', 'x', '-f', file('empty.yaml')], stderr: 'Error: The YAML of service "x" has no Kubernetes objects (the YAML is empty).\n'},
    {title: 'a variables file with an unknown type', args: () => ['service', 'create', 'x', '-f', file('cm.yaml'), '--variables', file('bad-types.yaml')], stderr: `Error: ${'$FILE'}: variable "port" has type "int"; the types are: bool, string, enum, yaml.\n`},
    {title: 'a variable name that cannot be written {{.name}}', args: () => ['service', 'create', 'x', '-f', file('cm.yaml'), '--var', 'cpu-limit=1'], stderr: 'Error: Invalid variable name "cpu-limit": use letters, digits and "_", not starting with a digit (it is written {{.name}} in the YAML).\n'},
    {title: 'a --var without "="', args: () => ['service', 'create', 'x', '-f', file('cm.yaml'), '--var', 'cpu'], stderr: 'Error: --var "cpu" is not of the form KEY=VALUE.\n'},
    {title: 'a variable the template does not have', args: () => ['service', 'create', 'x', '--template', 'micro', '--var', 'replicas=3'], stderr: 'Error: Template "micro" has no variable "replicas"; its variables are: name, tier, debug.\n'},
    {title: 'two sources', args: () => ['service', 'create', 'x', '--template', 'micro', '-f', file('cm.yaml')], stderr: 'Error: Give one source: --template, -f were all given.\n'},
    {title: 'no source', args: () => ['service', 'create', 'x'], stderr: 'Error: Missing required input: --template T, -f FILE or --helm-template T.\n'},
    {title: '--auto-sync on raw YAML', args: () => ['service', 'create', 'x', '-f', file('cm.yaml'), '--var', 'cpu=1', '--auto-sync'], stderr: 'Error: --auto-sync needs --template or --helm-template: a service made from raw YAML has no template to follow.\n'},
    {title: 'a missing file', args: () => ['service', 'create', 'x', '-f', file('missing.yaml')], stderr: `Error: -f "${'$DIR'}/missing.yaml": no such file.\n`},
    {title: 'an upper-case service name', args: () => ['service', 'create', 'Cart', '-f', file('cm.yaml'), '--var', 'cpu=1'], stderr: /^Error: Invalid service name "Cart": /},
    {title: 'an existing service name', args: () => ['service', 'create', 'cart', '--template', 'micro'], stderr: 'Error: Service "cart" already exists in project "shop".\nHint: Change it with: berth service update cart -f FILE, or delete it first.\n', code: 1},
    {title: 'a service that is only in the test set, asked for in production', args: () => ['service', 'show', 'cart', '--production'], stderr: 'Error: Production service "cart" not found in project "shop".\nHint: List the production services with: berth service list --production\n', code: 1},
    {title: 'a bad label key', args: () => ['service', 'label', 'cart', 'bad key=x'], stderr: 'Error: Invalid label key "bad key": use letters, digits, "-", "_" and ".", optionally after a DNS prefix and "/" (e.g. team or example.com/tier).\n'},
    {title: 'a label value with a slash', args: () => ['service', 'label', 'cart', 'team=a/b'], stderr: 'Error: Invalid value for label "team": "a/b" (at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit).\n'},
    {title: 'a bad label selector', args: () => ['service', 'list', '-l', 'team=a,,x'], stderr: 'Error: -l "team=a,,x" has an empty term.\n'},
    {title: 'a template whose variables file has a bad yaml default', args: () => ['template', 'create', 't2', '-f', file('micro.yaml'), '--variables', file('bad-yaml-var.yaml')], stderr: /^Error: Variable "res" is yaml, but its value is not valid YAML \(line 1\): /},
    {title: 'a template whose defaults render to a document without kind', args: () => ['template', 'create', 't2', '-f', file('no-kind.yaml')], stderr: 'Error: Template "t2" rendered with its defaults, document 2 (line 5) has no kind.\n'},
    {title: 'a template change the auto-sync service cannot render', args: () => ['template', 'update', 'micro', '-f', file('no-kind.yaml')], stderr: 'Error: Template "micro" rendered with its defaults, document 2 (line 5) has no kind.\n'},
    {title: 'a diff against an endpoint that does not exist (diff(1): errors are exit 2)', args: () => ['service', 'diff', 'cart', '--endpoint', 'nope'], stderr: 'Error: Endpoint "nope" not found in project "shop".\nHint: List what exists with: berth endpoint list\n'},
    {title: 'a deploy to an endpoint that does not exist', args: () => ['service', 'deploy', 'cart', '--endpoint', 'nope'], stderr: 'Error: Endpoint "nope" not found in project "shop".\nHint: List what exists with: berth endpoint list\n', code: 1},
    {title: 'a deploy to an environment that does not exist', args: () => ['service', 'deploy', 'cart', '--env', 'nope'], stderr: 'Error: Environment "nope" not found in project "shop".\nHint: List what exists with: berth environment list\n', code: 1},
    {title: 'a deploy with no target', args: () => ['service', 'deploy', 'cart'], stderr: 'Error: Missing required flag: --endpoint K8S (a kubernetes endpoint) or --env ENV (an environment).\n'},
    {title: 'a deploy to a bad namespace name', args: () => ['service', 'deploy', 'cart', '--endpoint', 'nope', '-n', 'Shop_NS'], stderr: /^Error: Invalid namespace "Shop_NS": /},
    {title: 'a bad --timeout', args: () => ['service', 'deploy', 'cart', '--endpoint', 'k8s', '--timeout', 'soon'], stderr: 'Error: --timeout "soon" is not a duration; write it like 90s, 5m or 1h30m.\n'},
  ]

  for (const c of cases) {
    it(`refuses ${c.title}: exit ${c.code ?? 2}, stdout empty, state unchanged`, async () => {
      const started = Date.now()
      const result = await runBerth(c.args(), {env: env(), input: c.input})
      const elapsed = Date.now() - started
      expect(result.code, result.stderr).to.equal(c.code ?? 2)
      const expected = typeof c.stderr === 'string' ? c.stderr.replace('$FILE', file('bad-types.yaml')).replace('$DIR', path.join(home, 'in')) : c.stderr
      if (typeof expected === 'string') expect(result.stderr).to.equal(expected)
      else expect(result.stderr).to.match(expected)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.not.match(/\n\s+at /)
      expect(await stateFiles(home)).to.deep.equal(initial)
      // Everything here is refused before any work: a bomb or a loop must not cost time.
      expect(elapsed).to.be.below(5000)
    })
  }

  it('prints the error as JSON with --json', async () => {
    const result = await runBerth(['service', 'create', 'x', '-f', file('no-kind.yaml'), '--json'], {env: env()})
    expect(result.code).to.equal(2)
    expect(JSON.parse(result.stdout)).to.deep.equal({error: {code: 'validation', message: 'The YAML of service "x", document 2 (line 5) has no kind.', exitCode: 2}})
  })
})
