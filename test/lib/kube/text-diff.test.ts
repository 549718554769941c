import {expect} from 'chai'

import {diffLines, unifiedDiff} from '../../../src/lib/kube/text-diff.js'

describe('kube/text-diff', () => {
  it('returns the shortest edit script, applying it gives the new text', () => {
    const a = ['apiVersion: v1', 'kind: ConfigMap', 'data:', '  a: "1"', '  b: "2"']
    const b = ['apiVersion: v1', 'kind: ConfigMap', 'data:', '  a: "10"', '  b: "2"', '  c: "3"']
    const edits = diffLines(a, b)
    expect(edits.filter((e) => e.op !== ' ')).to.deep.equal([
      {op: '-', line: '  a: "1"'},
      {op: '+', line: '  a: "10"'},
      {op: '+', line: '  c: "3"'},
    ])
    expect(edits.filter((e) => e.op !== '-').map((e) => e.line)).to.deep.equal(b)
    expect(edits.filter((e) => e.op !== '+').map((e) => e.line)).to.deep.equal(a)
  })

  it('prints hunks with context and line numbers like diff -u', () => {
    const old = Array.from({length: 20}, (_, i) => `line ${i + 1}`).join('\n') + '\n'
    const changed = old.replace('line 3\n', 'line three\n').replace('line 18\n', '')
    expect(unifiedDiff(old, changed, {oldLabel: 'live/v1/ConfigMap/shop/web', newLabel: 'merged/v1/ConfigMap/shop/web'})).to.equal(
      [
        '--- live/v1/ConfigMap/shop/web',
        '+++ merged/v1/ConfigMap/shop/web',
        '@@ -1,6 +1,6 @@',
        ' line 1',
        ' line 2',
        '-line 3',
        '+line three',
        ' line 4',
        ' line 5',
        ' line 6',
        '@@ -15,6 +15,5 @@',
        ' line 15',
        ' line 16',
        ' line 17',
        '-line 18',
        ' line 19',
        ' line 20',
        '',
      ].join('\n'),
    )
  })

  it('is empty for equal texts and a whole addition from nothing', () => {
    expect(unifiedDiff('a\n', 'a\n', {oldLabel: 'x', newLabel: 'y'})).to.equal('')
    expect(unifiedDiff('', 'a: 1\nb: 2\n', {oldLabel: '/dev/null', newLabel: 'merged/v1/ConfigMap/ns/c'})).to.equal('--- /dev/null\n+++ merged/v1/ConfigMap/ns/c\n@@ -0,0 +1,2 @@\n+a: 1\n+b: 2\n')
  })

  it('handles completely different texts', () => {
    const edits = diffLines(['a', 'b'], ['c', 'd', 'e'])
    expect(edits.filter((e) => e.op === '-')).to.have.length(2)
    expect(edits.filter((e) => e.op === '+')).to.have.length(3)
  })
})
