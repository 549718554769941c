import {expect} from 'chai'

import {createKeyedProgress} from '../../../src/lib/output/keyed-progress.js'

function sink(tty: boolean) {
  const out: string[] = []
  return {stream: {write: (t: string) => out.push(t), isTTY: tty, columns: 40}, out}
}

describe('keyed progress', () => {
  it('writes one line per change when not a terminal, none for repeats', () => {
    const {stream, out} = sink(false)
    const p = createKeyedProgress(stream)
    p.update('a', 'deployment/web progressing: 0 of 2 updated')
    p.update('b', 'deployment/api progressing')
    p.update('a', 'deployment/web progressing: 0 of 2 updated')
    p.update('a', 'deployment/web rolled out')
    expect(out.join('')).to.equal('deployment/web progressing: 0 of 2 updated\ndeployment/api progressing\ndeployment/web rolled out\n')
  })

  it('rewrites each key\'s line in place at a terminal, cut to the width', () => {
    const {stream, out} = sink(true)
    const p = createKeyedProgress(stream)
    p.update('a', 'deployment/web progressing')
    p.update('b', 'deployment/api progressing')
    p.update('a', 'deployment/web rolled out: 2 of 2 replicas available and more text')
    expect(out).to.deep.equal([
      'deployment/web progressing\n',
      'deployment/api progressing\n',
      '\u001b[2A\r\u001b[2Kdeployment/web rolled out: 2 of 2 repli\r\u001b[2B',
    ])
  })
})
