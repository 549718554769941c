import {expect} from 'chai'

import {ValidationError} from '../../src/lib/errors.js'
import {isPlainObject, parseFlatStringMapping, parseYaml, toYaml} from '../../src/lib/yaml.js'

function refusal(text: string, maxBytes?: number): ValidationError {
  try {
    parseYaml(text, {source: 'deploy/app.yaml', maxBytes})
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError)
    return error as ValidationError
  }
  throw new Error('expected parseYaml to refuse the text')
}

/** A Deployment as people write them: comments, anchors, block scalars, quoted numbers. */
const DEPLOYMENT = `# payments API, production
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-api
  labels: &labels
    app.kubernetes.io/name: payments-api
    app.kubernetes.io/part-of: "checkout"
spec:
  replicas: 3
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
      annotations:
        checksum/config: "0123456789abcdef"
    spec:
      containers:
        - name: api
          image: registry.example.com:5061/team/payments-api:1.4.2
          args: ["--port", "8080", "--log-level=info"]
          env:
            - name: JAVA_OPTS
              value: >-
                -Xms256m
                -Xmx512m
            - name: GREETING
              value: "héllo, wörld — ✓"
          ports:
            - containerPort: 8080
`

describe('yaml', () => {
  it('parses a realistic manifest with anchors, folded scalars and unicode', () => {
    const doc = parseYaml(DEPLOYMENT, {source: 'deploy/app.yaml'}) as {spec: {replicas: number; selector: {matchLabels: Record<string, string>}; template: {spec: {containers: Array<{env: Array<{value: string}>; args: string[]}>}}}}
    expect(doc.spec.replicas).to.equal(3)
    expect(doc.spec.selector.matchLabels).to.deep.equal({'app.kubernetes.io/name': 'payments-api', 'app.kubernetes.io/part-of': 'checkout'})
    const container = doc.spec.template.spec.containers[0]!
    expect(container.env.map((e) => e.value)).to.deep.equal(['-Xms256m -Xmx512m', 'héllo, wörld — ✓'])
    expect(container.args).to.deep.equal(['--port', '8080', '--log-level=info'])
  })

  it('round-trips through toYaml without aliases or folding', () => {
    const value = {a: {long: 'x'.repeat(200)}, b: ['1', 2, true, null]}
    const shared = {k: 'v'}
    const text = toYaml({...value, c: shared, d: shared})
    expect(text).to.not.match(/[&*]\w/)
    expect(text).to.contain(`long: ${'x'.repeat(200)}\n`)
    expect(parseYaml(text, {source: 'x'})).to.deep.equal({...value, c: {k: 'v'}, d: {k: 'v'}})
  })

  it('names the source and the line of a syntax error', () => {
    expect(refusal('apiVersion: v1\nclusters: [\n  - name: x\n').message).to.match(/^deploy\/app\.yaml is not valid YAML \(line \d+\): /)
    expect(refusal('a: 1\na: 2\n').message).to.match(/^deploy\/app\.yaml is not valid YAML \(line 2\): Map keys must be unique/)
  })

  it('refuses an alias bomb and an oversized text', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({length: 8}, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n')
    expect(refusal(bomb).message).to.match(/^deploy\/app\.yaml could not be read as YAML: /)
    expect(refusal('k: v\n'.repeat(100), 64).message).to.equal('deploy/app.yaml is larger than 64 bytes.')
  })

  it('tells a mapping from a list, null and scalars', () => {
    expect([{}, {a: 1}].every(isPlainObject)).to.equal(true)
    expect([[], null, 'x', 1, undefined].some(isPlainObject)).to.equal(false)
  })
})

// berth's settings file is read without the yaml package when it is in the simple form berth
// writes. That reader may decline anything, but where it answers it must answer what YAML does.
describe('yaml: the flat string mapping reader', () => {
  const yamlOf = (text: string): unknown => {
    try {
      return parseYaml(text, {source: 'config.yaml', maxBytes: 64 * 1024})
    } catch (error) {
      return error
    }
  }

  it('reads what toYaml writes for settings, and agrees with YAML', () => {
    const values = {project: 'payments-eu', 'secret-store': 'keychain', backend: 'kubernetes', 'kube-context': 'kind-berth@ci.example.com', namespace: 'berth-system_2'}
    const text = toYaml(values)
    expect(parseFlatStringMapping(text, 64 * 1024)).to.deep.equal(values)
    expect(yamlOf(text)).to.deep.equal(values)
    expect(parseFlatStringMapping('project: team-a', 64 * 1024), 'no final newline').to.deep.equal({project: 'team-a'})
  })

  it('declines everything YAML could read differently, so YAML reads it', () => {
    const declined = [
      '',
      '\n',
      'project: true\n',
      'project: NULL\n',
      'project: False\n',
      'true: x\n',
      'project: 123\n',
      'project: 0x1f\n',
      'project: .inf\n',
      'project: ~\n',
      'project: "team-a"\n',
      "project: 'team-a'\n",
      'project: team-a # the default\n',
      '# settings\nproject: team-a\n',
      'project: team-a\n\n',
      'project: team-a\r\n',
      'project:  team-a\n',
      'project: team-a \n',
      ' project: team-a\n',
      'project: team-a\nproject: team-b\n',
      'project: &a team-a\n',
      'project: [a, b]\n',
      'project: {a: b}\n',
      'project: |\n  team-a\n',
      'project: team: a\n',
      '---\nproject: team-a\n',
      'project: tëam-a\n',
      'Project: team-a\n',
      '__proto__: polluted\n',
      'project: team-a\n...\n',
      `project: ${'a'.repeat(70 * 1024)}\n`,
    ]
    for (const text of declined) expect(parseFlatStringMapping(text, 64 * 1024), JSON.stringify(text.slice(0, 60))).to.equal(undefined)
  })

  it('agrees with YAML on generated texts wherever it answers', () => {
    const keys = ['project', 'secret-store', 'backend', 'a', 'x-1', 'true', 'nul', 'Null']
    const values = ['team-a', 'default', 'file', 'keychain', 'kind-berth', 'a.b/c@d+e_f', 'True', 'null', 'no', 'yes', 'off', 'n', 'x1', 'e3', 'Infinity', 'NaN', 'a:b', 'a#b', 'a b', '-a', '1a', 'a\tb']
    let seed = 20_261_124
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % n
    }
    let answered = 0
    for (let i = 0; i < 3000; i++) {
      const lines = Array.from({length: 1 + random(4)}, () => `${keys[random(keys.length)]}: ${values[random(values.length)]}`)
      const text = lines.join('\n') + (random(2) ? '\n' : '')
      const flat = parseFlatStringMapping(text, 64 * 1024)
      if (flat === undefined) continue
      answered++
      expect(flat, JSON.stringify(text)).to.deep.equal(yamlOf(text))
    }
    expect(answered, 'the generator reaches the reader').to.be.greaterThan(300)
  })
})
