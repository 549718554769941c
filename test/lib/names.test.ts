import {expect} from 'chai'

import {ValidationError} from '../../src/lib/errors.js'
import {assertDns1123Label, dns1123LabelProblem, printable, quote} from '../../src/lib/names.js'

describe('names', () => {
  it('accepts DNS-1123 labels up to 63 characters', () => {
    for (const name of ['a', 'prod-registry', '0day', 'a'.repeat(63), 'x-1-y']) expect(dns1123LabelProblem(name), name).to.equal(undefined)
  })

  it('says why a name is not a label', () => {
    expect(dns1123LabelProblem('')).to.equal('it is empty')
    expect(dns1123LabelProblem('a'.repeat(64))).to.equal('it is 64 characters long (at most 63)')
    for (const name of ['MyReg', '-lead', 'trail-', 'dots.in.it', 'under_score', '../../etc', 'é', 'a b', 'tab\tname']) {
      expect(dns1123LabelProblem(name), name).to.equal('it must consist of lower-case letters, digits and "-", and start and end with a letter or digit')
    }
  })

  it('throws a ValidationError naming the thing, the value escaped, with a hint', () => {
    let error: unknown
    try {
      assertDns1123Label('a\u001b[2Jb', 'endpoint name')
    } catch (caught) {
      error = caught
    }
    expect(error).to.be.instanceOf(ValidationError)
    expect((error as ValidationError).message).to.equal('Invalid endpoint name "a\\u001b[2Jb": it must consist of lower-case letters, digits and "-", and start and end with a letter or digit.')
    expect((error as ValidationError).exitCode).to.equal(2)
    expect((error as ValidationError).hint).to.match(/^Use a DNS-1123 label/)
  })

  it('makes hostile values printable: control characters escaped, length bounded, quotes escaped once', () => {
    expect(printable('ok\r\nInjected: yes\u0007')).to.equal('ok\\u000d\\u000aInjected: yes\\u0007')
    expect(printable('\u009b31m')).to.equal('\\u009b31m')
    expect(printable('x'.repeat(100))).to.equal(`${'x'.repeat(80)}…`)
    expect(printable('x'.repeat(10), 4)).to.equal('xxxx…')
    expect(quote('say "hi"\n')).to.equal('"say \\"hi\\"\\u000a"')
  })
})
