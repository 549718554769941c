import {expect} from 'chai'

import {ValidationError} from '../../../src/lib/errors.js'
import {TemplateError, parseTemplate, renderTemplate} from '../../../src/lib/gotemplate/index.js'

function failure(run: () => unknown): TemplateError {
  try {
    run()
  } catch (error) {
    expect(error).to.be.instanceOf(TemplateError)
    return error as TemplateError
  }
  expect.fail('expected a TemplateError')
}

const SERVICE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
spec:
  replicas: {{ .replicas }}
  template:
    spec:
      containers:
      - name: {{ .name }}
        image: {{ .image }}
        resources:
          limits:
            cpu: {{ .cpuLimit }}
`

describe('gotemplate: rendering', () => {
  it('renders a service with string and yaml-typed variables', () => {
    const out = renderTemplate(SERVICE, {name: 'checkout', replicas: 2, image: 'registry.example.com:5443/shop/checkout:v1', cpuLimit: '55m'})
    expect(out).to.contain('  replicas: 2\n').and.contain('cpu: 55m\n').and.contain('image: registry.example.com:5443/shop/checkout:v1\n')
  })

  it('is a ValidationError with exit code 2, naming the template, line and column', () => {
    const err = failure(() => renderTemplate(SERVICE, {name: 'checkout', replicas: 2, image: 'x'}, {name: 'service/checkout'}))
    expect(err).to.be.instanceOf(ValidationError)
    expect(err.exitCode).to.equal(2)
    expect(err.message).to.equal('template "service/checkout" line 14, column 21: executing <.cpuLimit>: map has no entry for key "cpuLimit"')
    expect([err.line, err.column, err.templateName]).to.deep.equal([14, 21, 'service/checkout'])
  })

  it('never prints <no value> or an empty string for a null value', () => {
    const err = failure(() => renderTemplate('a: 1\nb: {{ .b }}', {b: null}, {name: 's'}))
    expect(err.message).to.equal('template "s" line 2, column 7: executing <.b>: the value is nil; berth does not print "<no value>" (check the variable, or use default)')
    expect(renderTemplate('b: {{ .b | default "x" }}', {b: null})).to.equal('b: x')
  })

  it('names unsupported constructs and unknown functions at parse time', () => {
    expect(failure(() => parseTemplate('kind: Service\n{{ define "x" }}{{ end }}', {name: 't'})).message).to.equal('template "t" line 2, column 4: {{define}} is not supported')
    expect(failure(() => parseTemplate('{{ template "x" . }}', {name: 't'})).message).to.equal('template "t" line 1, column 4: {{template}} is not supported')
    expect(failure(() => parseTemplate('a\n\n  {{ block "x" . }}{{ end }}', {name: 't'})).message).to.equal('template "t" line 3, column 6: {{block}} is not supported')
    expect(failure(() => parseTemplate('x: {{ .name | upper }}', {name: 't'})).message).to.equal('template "t" line 1, column 15: function "upper" is not supported')
    expect(failure(() => parseTemplate('{{ $undefined }}', {name: 't'})).message).to.equal('template "t" line 1, column 4: undefined variable "$undefined"')
  })

  it('reports syntax errors with their line', () => {
    expect(failure(() => parseTemplate('a: 1\nb: {{ if .x }}yes', {name: 't'})).message).to.equal(
      'template "t" line 2, column 18: unexpected EOF: a {{if}}, {{range}} or {{with}} has no {{end}}',
    )
    expect(failure(() => parseTemplate('a: {{ .x', {name: 't'})).message).to.equal('template "t" line 1, column 9: unclosed action')
    expect(failure(() => parseTemplate('{{ end }}', {name: 't'})).message).to.equal('template "t" line 1, column 4: unexpected {{end}}')
    expect(failure(() => parseTemplate('{{ break }}', {name: 't'})).message).to.equal('template "t" line 1, column 4: {{break}} outside {{range}}')
  })

  it('stops a huge range after maxSteps steps', () => {
    const started = Date.now()
    const err = failure(() => renderTemplate('{{ range .n }}{{ range $.n }}{{ range $.n }}x{{ end }}{{ end }}{{ end }}', {n: 100_000}, {name: 'bomb'}))
    expect(err.message).to.equal('template "bomb" line 1, column 45: stopped after 1000000 steps: the template does too much work (a huge or endless range?)')
    expect(Date.now() - started).to.be.below(5000)
    expect(failure(() => renderTemplate('{{ range 10 }}{{ . }}{{ end }}', {}, {name: 'small', maxSteps: 20})).message).to.match(/^template "small" line 1, column \d+: stopped after 20 steps/)
  })

  it('stops output beyond maxOutputBytes', () => {
    const err = failure(() => renderTemplate('{{ range .items }}{{ . }}\n{{ end }}', {items: Array.from({length: 100}, () => 'x'.repeat(100))}, {name: 'big', maxOutputBytes: 5000}))
    expect(err.message).to.equal('template "big" line 1, column 22: output is larger than 5000 bytes')
  })

  it('stops strings that grow without being printed', () => {
    const err = failure(() => renderTemplate('{{ $s := "0123456789" }}{{ range 30 }}{{ $s = printf "%s%s" $s $s }}{{ end }}', {}, {name: 'grow'}))
    expect(err.message).to.equal('template "grow" line 1, column 47: executing <printf "%s%s" $s $s>: printf made a string larger than 4194304 bytes')
  })

  it('refuses nesting deeper than 1000 levels', () => {
    const err = failure(() => parseTemplate('{{ ' + '('.repeat(1500) + '1' + ')'.repeat(1500) + ' }}', {name: 'deep'}))
    expect(err.message).to.equal('template "deep" line 1, column 1004: nesting deeper than 1000 levels is not supported')
  })

  it('refuses data that is not plain', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => renderTemplate('{{ .self }}', cyclic, {name: 'c'})).to.throw(ValidationError, 'template "c": data refers to itself at .self')
    expect(() => renderTemplate('{{ .d }}', {d: new Date(0)}, {name: 'c'})).to.throw(ValidationError, 'template "c": the value at .d is a Date, not plain data')
  })
})

describe('gotemplate: variables()', () => {
  it('lists the top-level keys a template reads, in order of first use', () => {
    const t = parseTemplate(
      '{{ .a }}{{ range .items }}{{ .inner }}{{ $.top }}{{ else }}{{ .b }}{{ end }}{{ with .c }}{{ .d }}{{ end }}{{ index . "e" }}{{ if .f }}{{ (.g).h }}{{ end }}{{ .a }}{{ .x.y }}',
    )
    expect(t.variables()).to.deep.equal(['a', 'items', 'top', 'b', 'c', 'e', 'f', 'g', 'x'])
  })

  it('gives the position of every reference', () => {
    const t = parseTemplate('a: {{ .port }}\nb:\n  {{ .port | quote }}')
    expect(t.variableReferences()).to.deep.equal([
      {name: 'port', line: 1, column: 7},
      {name: 'port', line: 3, column: 6},
    ])
  })

  it('finds the seed service2 variables', () => {
    const t = parseTemplate('hello: {{.world}}\ncontainerPort: {{.port}}\nmemory: {{.memoryLimit}}\ncpu: {{.cpuLimit}}\nport: {{.port}}')
    expect(t.variables()).to.deep.equal(['world', 'port', 'memoryLimit', 'cpuLimit'])
  })
})

describe('gotemplate: work limits on long strings', () => {
  it('counts the characters functions read and make, so a loop over a big value stops early', () => {
    const data = {m: Object.fromEntries(Array.from({length: 5000}, (_, i) => [`key${i}`, 'v'.repeat(100)]))}
    const started = Date.now()
    const err = failure(() => renderTemplate('{{ range 1000000 }}{{ $x := printf "%v" $.m }}{{ end }}', data, {name: 'work'}))
    expect(err.message).to.equal('template "work" line 1, column 29: stopped after 1000000 steps: the template does too much work (a huge or endless range?)')
    expect(Date.now() - started).to.be.below(10_000)
  })
})

describe('gotemplate: error positions', () => {
  it('counts columns in characters and shortens long actions', () => {
    const err = failure(() => renderTemplate(`名前: 😀 {{ printf "%s ${'x'.repeat(100)}" .missing }}`, {}, {name: 'pos'}))
    expect(err.message).to.equal(
      `template "pos" line 1, column 123: executing <.missing>: map has no entry for key "missing"`,
    )
    const long = failure(() => renderTemplate(`{{ len (printf "${'y'.repeat(100)}") 1 }}`, {}, {name: 'pos'}))
    expect(long.message).to.equal(`template "pos" line 1, column 4: executing <len (printf "${'y'.repeat(64)}...>: wrong number of args for len: want 1 got 2`)
  })
})
