import {expect} from 'chai'

import {createProgressRenderer} from '../../../src/lib/docker/progress.js'

function sink(columns?: number): {text: string; columns?: number; isTTY?: boolean; write(s: string): void} {
  const out = {text: '', columns, write: (s: string) => void (out.text += s)}
  return out
}

describe('push/pull progress display', () => {
  const events = [
    {status: 'The push refers to repository [127.0.0.1:5000/team/app]'},
    {id: 'aaa', status: 'Preparing'},
    {id: 'bbb', status: 'Preparing'},
    {id: 'aaa', status: 'Pushing', progress: '[=>   ] 1MB/5MB', current: 1, total: 5},
    {id: 'aaa', status: 'Pushing', progress: '[===> ] 3MB/5MB', current: 3, total: 5},
    {id: 'bbb', status: 'Layer already exists'},
    {id: 'aaa', status: 'Pushed'},
    {status: '1: digest: sha256:abc size: 527'},
  ]

  it('prints one plain line per status change when not at a terminal', () => {
    const out = sink()
    const renderer = createProgressRenderer(out)
    for (const e of events) renderer.update(e)
    renderer.done()
    expect(out.text).to.equal(
      [
        'The push refers to repository [127.0.0.1:5000/team/app]',
        'aaa: Preparing',
        'bbb: Preparing',
        'aaa: Pushing',
        'bbb: Layer already exists',
        'aaa: Pushed',
        '1: digest: sha256:abc size: 527',
        '',
      ].join('\n'),
    )
  })

  it('rewrites each layer\'s line in place at a terminal', () => {
    const out = sink()
    const renderer = createProgressRenderer(out, {tty: true})
    for (const e of events) renderer.update(e)
    expect(out.text).to.equal(
      'The push refers to repository [127.0.0.1:5000/team/app]\n' +
        'aaa: Preparing\n' +
        'bbb: Preparing\n' +
        // aaa is 2 lines above the bottom, bbb 1
        '\x1b[2A\r\x1b[2Kaaa: Pushing [=>   ] 1MB/5MB\r\x1b[2B' +
        '\x1b[2A\r\x1b[2Kaaa: Pushing [===> ] 3MB/5MB\r\x1b[2B' +
        '\x1b[1A\r\x1b[2Kbbb: Layer already exists\r\x1b[1B' +
        '\x1b[2A\r\x1b[2Kaaa: Pushed\r\x1b[2B' +
        '1: digest: sha256:abc size: 527\n',
    )
  })

  it('cuts lines to the terminal width so they never wrap', () => {
    const out = sink(30)
    const renderer = createProgressRenderer(out, {tty: true})
    renderer.update({id: 'aaa', status: 'Downloading', progress: `[${'='.repeat(50)}>] 1MB/5MB`})
    expect(out.text).to.equal(`${'aaa: Downloading ['.padEnd(29, '=')}\n`)
  })

  it('follows the stream\'s TTY flag by default', () => {
    const tty = Object.assign(sink(), {isTTY: true})
    const renderer = createProgressRenderer(tty)
    renderer.update({id: 'x', status: 'Waiting'})
    renderer.update({id: 'x', status: 'Pushed'})
    expect(tty.text).to.include('\x1b[1A')
  })
})
