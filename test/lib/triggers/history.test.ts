import {expect} from 'chai'
import {promises as fs, readdirSync} from 'node:fs'
import path from 'node:path'

import {HistoryLog, RunRecord, historyFile, readHistory, unfinishedRuns} from '../../../src/lib/triggers/history.js'
import {tempHome} from '../../helpers/cli.js'

let clock = 0

/** A line as serve writes it: `at` is when it was written, so it grows line by line. */
function record(i: number, status: RunRecord['status'], extra: Partial<RunRecord> = {}): RunRecord {
  clock++
  return {
    run: `r${i.toString().padStart(6, '0')}`,
    trigger: 'checkout-api',
    project: 'payments',
    status,
    at: new Date(Date.UTC(2026, 10, 24, 8, 0, 0) + clock * 1000).toISOString(),
    source: 'distribution',
    eventId: `7c1e5f2a-4b8d-4e0a-9f3c-${i.toString().padStart(12, '0')}`,
    inputs: {owner: 'payments', namespace: 'payments', repositoryName: 'checkout-api', image: `127.0.0.1:35001/payments/checkout-api:1.4.${i}`, tag: `1.4.${i}`},
    ...extra,
  }
}

describe('trigger history log', () => {
  let home: string
  let cleanup: () => void
  beforeEach(() => {
    ;({home, cleanup} = tempHome())
    clock = 0
  })
  afterEach(() => cleanup())

  it('appends one line per status change and reads each run once, newest first', async () => {
    const file = historyFile(home, 'payments', 'checkout-api')
    const log = new HistoryLog(file)
    await log.append(record(1, 'queued'))
    await log.append(record(2, 'queued'))
    await log.append(record(1, 'running'))
    await log.append(record(1, 'succeeded', {summary: 'exit 0'}))
    await log.append(record(3, 'ignored', {reason: 'the trigger is disabled'}))
    await log.close()
    const text = await fs.readFile(file, 'utf8')
    expect(text.trim().split('\n')).to.have.length(5)
    expect((await fs.stat(file)).mode & 0o777).to.equal(0o600)
    const page = await readHistory(file, {limit: 20})
    expect(page.records.map((r) => [r.run, r.status])).to.deep.equal([
      ['r000003', 'ignored'],
      ['r000001', 'succeeded'],
      ['r000002', 'queued'],
    ])
    expect((await readHistory(file, {status: 'succeeded'})).records.map((r) => r.run)).to.deep.equal(['r000001'])
    // Lines 1..5 were written at 08:00:01..05; since 08:00:03 leaves run 3 (05) and run 1's last line (04).
    expect((await readHistory(file, {since: new Date(Date.UTC(2026, 10, 24, 8, 0, 3))})).records.map((r) => r.run)).to.deep.equal(['r000003', 'r000001'])
  })

  it('acknowledges every one of 2,000 concurrent appends, each on disk as one whole line', async () => {
    const file = historyFile(home, 'payments', 'checkout-api')
    const log = new HistoryLog(file)
    await Promise.all(Array.from({length: 2000}, (_, i) => log.append(record(i, 'queued'))))
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n')
    expect(lines).to.have.length(2000)
    expect(new Set(lines.map((l) => (JSON.parse(l) as RunRecord).run)).size).to.equal(2000)
    await log.close()
  })

  it('answers --limit 20 from the tail of a 100,000-record log', async () => {
    const file = historyFile(home, 'payments', 'checkout-api')
    await fs.mkdir(path.dirname(file), {recursive: true})
    const lines: string[] = []
    for (let i = 0; i < 100_000; i++) lines.push(JSON.stringify(record(i, i % 7 === 0 ? 'failed' : 'succeeded')))
    await fs.writeFile(file, `${lines.join('\n')}\n`)
    const size = (await fs.stat(file)).size
    const page = await readHistory(file, {limit: 20})
    expect(page.records).to.have.length(20)
    expect(page.records[0]!.run).to.equal('r099999')
    expect(page.bytesRead).to.be.at.most(64 * 1024)
    expect(size).to.be.greaterThan(30 * 1024 * 1024)
    const failed = await readHistory(file, {limit: 20, status: 'failed'})
    expect(failed.records.every((r) => r.status === 'failed')).to.equal(true)
    expect(failed.bytesRead).to.be.at.most(3 * 64 * 1024)
  })

  it('skips a line torn by a crash mid-append', async () => {
    const file = historyFile(home, 'payments', 'checkout-api')
    const log = new HistoryLog(file)
    await log.append(record(1, 'succeeded'))
    await log.close()
    await fs.appendFile(file, '{"run":"r000002","status":"runn')
    expect((await readHistory(file)).records.map((r) => r.run)).to.deep.equal(['r000001'])
  })

  it('rotates past the size limit, keeps the segments asked for, and carries unfinished runs into the new log', async () => {
    const file = historyFile(home, 'payments', 'checkout-api')
    const log = new HistoryLog(file, {maxBytes: 4096, maxSegments: 2})
    await log.append(record(0, 'queued'))
    for (let i = 1; i < 200; i++) await log.append(record(i, 'succeeded'))
    await log.close()
    const names = readdirSync(path.dirname(file)).sort()
    expect(names).to.deep.equal(['checkout-api.1.jsonl', 'checkout-api.2.jsonl', 'checkout-api.jsonl'])
    for (const name of names) expect((await fs.stat(path.join(path.dirname(file), name))).size).to.be.below(4096 + 1024)
    // Run 0 is still queued: it is in the current log, so a restarted serve finds it.
    expect((await unfinishedRuns(file)).map((r) => r.run)).to.deep.equal(['r000000'])
    // Reading spans the segments when the current one has too few runs: every retained run, newest first.
    const retained = new Set<string>()
    for (const name of names) for (const line of (await fs.readFile(path.join(path.dirname(file), name), 'utf8')).trim().split('\n')) retained.add((JSON.parse(line) as RunRecord).run)
    const current = (await fs.readFile(file, 'utf8')).trim().split('\n').length
    const page = await readHistory(file, {limit: 1000})
    expect(page.records).to.have.length(retained.size)
    expect(retained.size).to.be.greaterThan(current + 10)
    expect(page.records[0]!.run).to.equal('r000199')
  })

  it('finds the runs a killed serve left queued or running', async () => {
    const file = historyFile(home, 'payments', 'checkout-api')
    const log = new HistoryLog(file)
    await log.append(record(1, 'queued'))
    await log.append(record(1, 'running'))
    await log.append(record(2, 'queued'))
    await log.append(record(3, 'queued'))
    await log.append(record(3, 'running'))
    await log.append(record(3, 'failed', {error: 'exit 1'}))
    await log.close()
    expect((await unfinishedRuns(file)).map((r) => [r.run, r.status])).to.deep.equal([
      ['r000001', 'running'],
      ['r000002', 'queued'],
    ])
  })
})
