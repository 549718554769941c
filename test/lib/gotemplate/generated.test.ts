import {expect} from 'chai'

import {TemplateError, renderTemplate} from '../../../src/lib/gotemplate/index.js'
import {type GoResult, goTemplateBinary, runInGo} from './corpus.js'
import {DATA, generateCase, generateTokenSoup, random} from './generate.js'

const SEED = 20_261_124
const COUNT = 3000
const NO_VALUE = 'berth does not print "<no value>"'

interface Comparison {
  mismatches: string[]
  rendered: number
  failedInBoth: number
}

function compare(cases: Array<{data: unknown; template: string}>, go: GoResult[]): Comparison {
  const result: Comparison = {mismatches: [], rendered: 0, failedInBoth: 0}
  for (const [i, c] of cases.entries()) {
    let ours: {error?: string; output?: string}
    try {
      ours = {output: renderTemplate(c.template, c.data)}
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error
      ours = {error: error.message}
    }
    const theirs = go[i]
    if (theirs.error !== undefined && ours.error !== undefined) result.failedInBoth++
    else if (theirs.output !== undefined && theirs.output === ours.output) result.rendered++
    // the one deliberate difference: Go prints "<no value>" where berth fails
    else if (!(theirs.output?.includes('<no value>') && ours.error?.includes(NO_VALUE))) {
      result.mismatches.push(`#${i} ${JSON.stringify(c.template)}\n  go:    ${JSON.stringify(theirs)}\n  berth: ${JSON.stringify(ours)}`)
    }
  }
  return result
}

describe('gotemplate: generated differential test against Go text/template', function () {
  this.timeout(120_000)

  it(`agrees with Go on ${COUNT} random templates (seed ${SEED})`, async () => {
    const rand = random(SEED)
    const cases = Array.from({length: COUNT}, () => ({template: generateCase(rand), data: DATA}))
    const go = await runInGo(await goTemplateBinary(), cases)
    const {mismatches, rendered, failedInBoth} = compare(cases, go)
    expect(mismatches.slice(0, 10).join('\n'), `${mismatches.length} of ${COUNT} differ`).to.equal('')
    // the generator must keep producing templates that render, or the test proves little
    expect(rendered, `rendered ${rendered}, failed in both ${failedInBoth}`).to.be.at.least(COUNT / 3)
  })

  it(`agrees with Go on ${COUNT} random token sequences, mostly malformed (seed ${SEED})`, async () => {
    const rand = random(SEED)
    const cases = Array.from({length: COUNT}, () => ({template: generateTokenSoup(rand), data: {x: [1, 'a'], y: {k: 'v'}}}))
    const go = await runInGo(await goTemplateBinary(), cases)
    const {mismatches, rendered, failedInBoth} = compare(cases, go)
    expect(mismatches.slice(0, 10).join('\n'), `${mismatches.length} of ${COUNT} differ`).to.equal('')
    expect(failedInBoth, `rendered ${rendered}, failed in both ${failedInBoth}`).to.be.at.least(COUNT / 5)
  })
})
