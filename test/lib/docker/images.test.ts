import {expect} from 'chai'

import {scrub} from '../../../src/lib/docker/images.js'

describe('engine messages and secrets', () => {
  it('shows the message whole unless it holds the secret as a word; never masks substrings', () => {
    expect(scrub('unauthorized: incorrect username or password', ['pass'])).to.equal('unauthorized: incorrect username or password')
    expect(scrub('lookup nonexistent.invalid: no such host', ['x'])).to.equal('lookup nonexistent.invalid: no such host')
    expect(scrub('bad credentials hunter2 for ci', ['hunter2'])).to.equal('(the message is not shown: it contains the password)')
    expect(scrub('auth p@ss.w*rd refused', ['p@ss.w*rd'])).to.equal('(the message is not shown: it contains the password)')
  })
})
