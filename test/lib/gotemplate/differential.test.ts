import {expect} from 'chai'

import {TemplateError, renderTemplate} from '../../../src/lib/gotemplate/index.js'
import {type GoResult, goTemplateBinary, loadCorpus, runInGo} from './corpus.js'

type Outcome = {error: string} | {output: string}

function renderInBerth(template: string, data: unknown): Outcome {
  try {
    return {output: renderTemplate(template, data, {name: 'case'})}
  } catch (error) {
    if (error instanceof TemplateError) return {error: error.message}
    throw error
  }
}

describe('gotemplate: differential test against Go text/template', function () {
  this.timeout(120_000)
  const cases = loadCorpus()
  let go: GoResult[] = []

  before(async () => {
    go = await runInGo(await goTemplateBinary(), cases)
  })

  it('has the seed examples and at least 60 cases of its own', () => {
    const seed = cases.filter((c) => c.id.startsWith('seed:'))
    expect(seed.length).to.be.at.least(4)
    expect(cases.length - seed.length).to.be.at.least(60)
  })

  for (const [i, c] of cases.entries()) {
    it(c.id, () => {
      const ours = renderInBerth(c.template, c.data)
      const theirs = go[i]
      if (c.deviation) {
        expect(theirs.error, `Go was expected to succeed here (${c.deviation})`).to.equal(undefined)
        expect(ours, `berth refuses this on purpose: ${c.deviation}`).to.have.property('error')
      } else if (theirs.error === undefined) {
        expect(ours, `Go rendered ${JSON.stringify(theirs.output)}`).to.deep.equal({output: theirs.output})
      } else {
        expect(ours, `Go failed: ${theirs.error}`).to.have.property('error')
      }
      if (c.error !== undefined) expect(ours).to.deep.equal({error: c.error})
    })
  }
})
