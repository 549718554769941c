import {expect} from 'chai'

import {nextLinkUrl, parseLinkHeader} from '../../../src/lib/registry/link.js'

describe('Link header', () => {
  it('parses the registry tag-list pagination link', () => {
    expect(parseLinkHeader('</v2/team/app/tags/list?last=b&n=2>; rel="next"')).to.deep.equal([{target: '/v2/team/app/tags/list?last=b&n=2', params: {rel: 'next'}}])
  })

  it('resolves the next link against the request URL', () => {
    const url = nextLinkUrl('</v2/team/app/tags/list?last=b&n=2>; rel="next"', 'http://127.0.0.1:5000/v2/team/app/tags/list?n=2')
    expect(url?.href).to.equal('http://127.0.0.1:5000/v2/team/app/tags/list?last=b&n=2')
  })

  it('finds rel=next among several links, with commas inside <> and quotes', () => {
    const header = '<https://r.example/a?x=1,2>; rel="prev"; title="a, b", <https://r.example/b?y=3,4>; REL="Next Last"'
    expect(parseLinkHeader(header)).to.deep.equal([
      {target: 'https://r.example/a?x=1,2', params: {rel: 'prev', title: 'a, b'}},
      {target: 'https://r.example/b?y=3,4', params: {rel: 'Next Last'}},
    ])
    expect(nextLinkUrl(header, 'https://r.example/')?.href).to.equal('https://r.example/b?y=3,4')
  })

  it('accepts an unquoted rel and parameters without values', () => {
    expect(parseLinkHeader('<a>;rel=next;crossorigin')).to.deep.equal([{target: 'a', params: {rel: 'next', crossorigin: ''}}])
    expect(nextLinkUrl('<a>;rel=next', 'http://h/v2/x/tags/list')?.href).to.equal('http://h/v2/x/tags/a')
  })

  it('returns undefined without a next link, for an empty header and for junk', () => {
    expect(nextLinkUrl('</v2/x>; rel="prev"', 'http://h/')).to.equal(undefined)
    expect(nextLinkUrl(null, 'http://h/')).to.equal(undefined)
    expect(nextLinkUrl('', 'http://h/')).to.equal(undefined)
    expect(parseLinkHeader('garbage, "x,y", <ok>; rel=next')).to.deep.equal([{target: 'ok', params: {rel: 'next'}}])
    expect(parseLinkHeader('<unterminated; rel=next')).to.deep.equal([])
  })

  it('does not match "next" as part of another relation type', () => {
    expect(nextLinkUrl('</a>; rel="nextish"', 'http://h/')).to.equal(undefined)
  })
})
