import {expect} from 'chai'

import {TemplateSyntaxError, parseTemplate, renderTemplate, templateExpressions} from '../../../src/lib/resource-interfaces/templates.js'

describe('lib/resource-interfaces/templates', () => {
  it('finds one whole-string expression, braces inside it included', () => {
    expect(parseTemplate("{params.tags.map(tag => ({ref: tag + '}'}))}", '{')).to.deep.equal([{expression: "params.tags.map(tag => ({ref: tag + '}'}))"}])
    expect(parseTemplate('{`a${params.b + `}`}c`}', '{')).to.deep.equal([{expression: '`a${params.b + `}`}c`'}])
    expect(parseTemplate('{"\\"}" + x}', '{')).to.deep.equal([{expression: '"\\"}" + x'}])
  })
  it('splits text and expressions', () => {
    expect(parseTemplate('{connector.metadata.name}-{params.a}.yaml', '{')).to.deep.equal([{expression: 'connector.metadata.name'}, {text: '-'}, {expression: 'params.a'}, {text: '.yaml'}])
    expect(templateExpressions('plain text', '{')).to.deep.equal([])
  })
  it('reads ${...} templates of dynamic forms and keeps lone braces as text there', () => {
    expect(parseTemplate('${context.connector.spec.address + "/" + context.params.repository + ".git"}', '${')).to.deep.equal([
      {expression: 'context.connector.spec.address + "/" + context.params.repository + ".git"'},
    ])
    expect(parseTemplate('/api?q={x}&s=${current.search}', '${')).to.deep.equal([{text: '/api?q={x}&s='}, {expression: 'current.search'}])
  })
  it('keeps the type of a whole-string expression and turns embedded ones into text', () => {
    const values: Record<string, unknown> = {a: ['x', 'y'], n: 3, nil: null, o: {k: 'v'}}
    const evaluate = (code: string) => values[code]
    expect(renderTemplate(parseTemplate('{a}', '{'), evaluate)).to.deep.equal(['x', 'y'])
    expect(renderTemplate(parseTemplate('{n}', '{'), evaluate)).to.equal(3)
    expect(renderTemplate(parseTemplate('[{a}] {n} <{nil}> {o}', '{'), evaluate)).to.equal('[["x","y"]] 3 <> {"k":"v"}')
  })
  it('names an unclosed expression or string', () => {
    expect(() => parseTemplate('abc {params.a + 1', '{')).to.throw(TemplateSyntaxError, 'the expression starting at character 5 has no closing "}"')
    expect(() => parseTemplate("{'abc}", '{')).to.throw(TemplateSyntaxError, 'the string starting at character 1 is not closed')
  })
})
