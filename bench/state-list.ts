// Measures StateStore.list of 100 endpoints: synchronous reads (the CLI's default) against
// fs.promises reads (for a server), with and without the parse cache, and the cost of one
// update (which keeps the cache current). Run: node --import tsx bench/state-list.ts
import {mkdtempSync, rmSync} from 'node:fs'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {StateStore} from '../src/lib/state/store.js'

const RUNS = 41
const home = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-state-'))
const store = new StateStore({home, actor: 'bench@host'})
const cache = path.join(home, 'projects', 'default', 'endpoints', '.list-cache.json')

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function time(fn: () => Promise<unknown>, before?: () => Promise<void>): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < RUNS; i++) {
    if (before) await before()
    const start = process.hrtime.bigint()
    await fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return median(samples)
}

try {
  for (let i = 0; i < 100; i++) {
    await store.create({
      kind: 'Endpoint',
      metadata: {name: `registry-${String(i).padStart(3, '0')}`, project: 'default', labels: {team: `team-${i % 7}`}},
      spec: {type: 'docker-registry', address: `https://registry-${i}.example.com:5061`, username: `tenant/ci-user-${i}`, description: 'x'.repeat(200), secretRefs: {password: {backend: 'file', key: `default/Endpoint/registry-${i}/password`}}},
    })
  }
  const dropCache = () => fs.rm(cache, {force: true})
  const rows: Array<[string, number]> = [
    ['list, sync reads, warm cache', await time(() => store.list('Endpoint', {project: 'default'}))],
    ['list, async reads, warm cache', await time(() => store.list('Endpoint', {project: 'default', reads: 'async'}))],
    ['list, sync reads, no cache', await time(() => store.list('Endpoint', {project: 'default'}), dropCache)],
    ['list, async reads, no cache', await time(() => store.list('Endpoint', {project: 'default', reads: 'async'}), dropCache)],
    ['update of one (keeps the cache current)', await time(() => store.update('Endpoint', 'registry-050', 'default', (doc) => ({...doc, spec: {...doc.spec, description: `${Date.now()}`}})))],
    ['list right after that update, sync', await time(() => store.list('Endpoint', {project: 'default'}), async () => {
      await store.update('Endpoint', 'registry-050', 'default', (doc) => ({...doc, spec: {...doc.spec, description: `${Date.now()}`}}))
    })],
  ]
  console.log(`StateStore, 100 endpoints, median of ${RUNS} runs (ms)`)
  for (const [label, ms] of rows) console.log(`${label.padEnd(44)} ${ms.toFixed(2)}`)
} finally {
  rmSync(home, {recursive: true, force: true})
}
