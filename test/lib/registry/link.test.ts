import {expect} from 'chai'

import {ExternalError} from '../../../src/lib/errors.js'
import {nextLinkUrl} from '../../../src/lib/registry/link.js'

describe('Link header', () => {
  it('resolves the registry tag-list pagination link against the request URL', () => {
    const url = nextLinkUrl('</v2/team/app/tags/list?last=b&n=2>; rel="next"', 'http://127.0.0.1:5000/v2/team/app/tags/list?n=2')
    expect(url?.href).to.equal('http://127.0.0.1:5000/v2/team/app/tags/list?last=b&n=2')
  })

  it('finds rel=next among several links, with commas inside <> and quotes, several relation types and any case', () => {
    const header = '<https://r.example/a?x=1,2>; rel="prev"; title="a, b", <https://r.example/b?y=3,4>; REL="Next Last"'
    expect(nextLinkUrl(header, 'https://r.example/')?.href).to.equal('https://r.example/b?y=3,4')
  })

  it('accepts an unquoted rel and parameters without values', () => {
    expect(nextLinkUrl('<a>;rel=next;crossorigin', 'http://h/v2/x/tags/list')?.href).to.equal('http://h/v2/x/tags/a')
  })

  it('returns undefined without a next link and for an empty header', () => {
    expect(nextLinkUrl('</v2/x>; rel="prev"', 'http://h/')).to.equal(undefined)
    expect(nextLinkUrl(null, 'http://h/')).to.equal(undefined)
    expect(nextLinkUrl('', 'http://h/')).to.equal(undefined)
  })

  it('does not match "next" as part of another relation type', () => {
    expect(nextLinkUrl('</a>; rel="nextish"', 'http://h/')).to.equal(undefined)
  })

  it('refuses a header it cannot parse instead of returning a short list', () => {
    for (const junk of ['garbage, "x,y", <ok>; rel=next', '<unterminated; rel=next']) {
      let error: unknown
      try {
        nextLinkUrl(junk, 'http://h/', 'registry 127.0.0.1:5000')
      } catch (caught) {
        error = caught
      }
      expect(error, junk).to.be.instanceOf(ExternalError)
      expect((error as Error).message, junk).to.match(/^registry 127\.0\.0\.1:5000 sent a Link header berth cannot read \(".*"\): /)
    }
  })
})
