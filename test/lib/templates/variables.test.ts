import {expect} from 'chai'

import {assignVariables, checkVariable, parseAssignment, readVariablesFile, toKeyVal, variableData} from '../../../src/lib/templates/variables.js'
import {berthRejection} from '../../helpers/files.js'

const msg = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

describe('template variables', () => {
  it('parses --var KEY=VALUE with "=" in the value and an empty value', () => {
    expect(parseAssignment('dsn=postgres://u:p@db/x?a=b')).to.deep.equal({key: 'dsn', value: 'postgres://u:p@db/x?a=b'})
    expect(parseAssignment('empty=')).to.deep.equal({key: 'empty', value: ''})
    expect(parseAssignment('image.tag=1.4', '--var', true)).to.deep.equal({key: 'image.tag', value: '1.4'})
  })

  it('refuses a --var without "=", and keys that cannot be written {{.key}}', () => {
    expect(msg(() => parseAssignment('port'))).to.equal('--var "port" is not of the form KEY=VALUE.')
    expect(msg(() => parseAssignment('=1'))).to.equal('--var "=1" is not of the form KEY=VALUE.')
    expect(msg(() => parseAssignment('memory-limit=1'))).to.equal('Invalid variable name "memory-limit": use letters, digits and "_", not starting with a digit (it is written {{.name}} in the YAML).')
    expect(msg(() => parseAssignment('9lives=1'))).to.match(/^Invalid variable name "9lives"/)
    expect(msg(() => parseAssignment('a b=1', '--var', true))).to.match(/^Invalid value path "a b"/)
  })

  it('checks values against their type, naming the variable', () => {
    expect(msg(() => checkVariable({key: 'debug', value: 'yes', type: 'bool'}))).to.equal('Variable "debug" is bool: its value must be true or false, not "yes".')
    expect(msg(() => checkVariable({key: 'tier', value: 'huge', type: 'enum', options: ['small', 'large']}, 'service "web"'))).to.equal('Variable "tier" of service "web" must be one of small, large; "huge" is not.')
    expect(msg(() => checkVariable({key: 'tier', value: 'x', type: 'enum'}))).to.equal('Variable "tier" is enum but has no options; give them with --options a,b,c.')
    expect(msg(() => checkVariable({key: 'res', value: 'limits: [cpu', type: 'yaml'}))).to.match(/^Variable "res" is yaml, but its value is not valid YAML \(line \d+\): /)
    expect(msg(() => checkVariable({key: 'port', value: '1', type: 'string', options: ['1']}))).to.equal('Variable "port" is string; only enum variables take options.')
    expect(msg(() => checkVariable({key: 'x', value: '1', type: 'number' as never}))).to.equal('Variable "x" has type "number"; the types are: bool, string, enum, yaml.')
    for (const ok of [
      {key: 'debug', value: 'false', type: 'bool' as const},
      {key: 'tier', value: 'small', type: 'enum' as const, options: ['small', 'large']},
      {key: 'res', value: 'limits: {cpu: 100m}', type: 'yaml' as const},
      {key: 's', value: '', type: 'string' as const},
    ]) checkVariable(ok)
  })

  it('refuses an alias bomb as a yaml value, fast', () => {
    const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (const l of 'bcdefgh') lol.push(`${l}: &${l} [${Array(9).fill(`*${String.fromCharCode(l.charCodeAt(0) - 1)}`).join(',')}]`)
    const started = Date.now()
    expect(msg(() => checkVariable({key: 'bomb', value: lol.join('\n'), type: 'yaml'}))).to.match(/^Variable "bomb" is yaml, but its value could not be read as YAML: Excessive alias count/)
    expect(Date.now() - started).to.be.below(1000)
  })

  it('gives the renderer typed data: bool as a boolean, yaml parsed', () => {
    expect(variableData([
      {key: 'debug', value: 'true', type: 'bool'},
      {key: 'res', value: 'limits:\n  cpu: 100m\n', type: 'yaml'},
      {key: 'port', value: '8080', type: 'string'},
    ])).to.deep.equal({debug: true, res: {limits: {cpu: '100m'}}, port: '8080'})
  })

  it('prints KeyVal like the source: options [] and desc "" when absent', () => {
    expect(toKeyVal({key: 'cpuLimit', value: '55m', type: 'string'})).to.deep.equal({key: 'cpuLimit', value: '55m', type: 'string', options: [], desc: ''})
    expect(toKeyVal({key: 'debug', value: 'true', type: 'bool', desc: 'verbose logs'})).to.deep.equal({key: 'debug', value: true, type: 'bool', options: [], desc: 'verbose logs'})
  })

  it('reads the source\'s variable_yaml list and a plain mapping', () => {
    expect(readVariablesFile('- key: cpu\n  value: 12m\n  desc: cpu value\n  type: string\n- {key: replicas, value: 2}\n- {key: tier, value: small, type: enum, options: [small, large]}\n', 'vars.yaml')).to.deep.equal([
      {key: 'cpu', value: '12m', type: 'string', desc: 'cpu value'},
      {key: 'replicas', value: '2', type: 'string'},
      {key: 'tier', value: 'small', type: 'enum', options: ['small', 'large']},
    ])
    expect(readVariablesFile('debug: true\nport: 8080\nres: {limits: {cpu: 1}}\n', 'vars.yaml')).to.deep.equal([
      {key: 'debug', value: 'true', type: 'bool'},
      {key: 'port', value: '8080', type: 'string'},
      {key: 'res', value: '{"limits":{"cpu":1}}', type: 'yaml'},
    ])
  })

  it('refuses malformed variables files naming the entry', () => {
    expect(msg(() => readVariablesFile('- key: a\n  value: 1\n- key: a\n  value: 2\n', 'vars.yaml'))).to.equal('vars.yaml: variable "a" is given twice.')
    expect(msg(() => readVariablesFile('- 1\n', 'vars.yaml'))).to.equal('vars.yaml: entry 1 is not a {key, value, type} mapping.')
    expect(msg(() => readVariablesFile('- {key: a, value: 1, type: int}\n', 'vars.yaml'))).to.equal('vars.yaml: variable "a" has type "int"; the types are: bool, string, enum, yaml.')
    expect(msg(() => readVariablesFile('just text', 'vars.yaml'))).to.equal('vars.yaml must be a list of {key, value, type} entries or a mapping of names to values.')
  })

  it('assigns values keeping types, and checks the result', async () => {
    const vars = [{key: 'debug', value: 'false', type: 'bool' as const}]
    expect(assignVariables(vars, [{key: 'debug', value: 'true'}], () => ({key: '', value: '', type: 'string'}))).to.deep.equal([{key: 'debug', value: 'true', type: 'bool'}])
    expect(vars[0]!.value).to.equal('false')
    const error = await berthRejection(Promise.resolve().then(() => assignVariables(vars, [{key: 'debug', value: 'on'}], () => ({key: '', value: '', type: 'string'}))))
    expect(error.exitCode).to.equal(2)
  })
})
