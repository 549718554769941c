// The differential corpus (corpus/*.yaml) and a client for the Go text/template runner.
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'

import {ROOT} from '../../helpers/cli.js'
import {goTemplateService, serviceAvailable} from '../../helpers/services.js'

export interface CorpusCase {
  /** file:name, unique */
  id: string
  name: string
  template: string
  data: unknown
  /** berth refuses where Go succeeds, on purpose: why */
  deviation?: string
  /** the exact message berth gives, when the case pins it */
  error?: string
}

export interface GoResult {
  output?: string
  error?: string
}

const CORPUS = path.join(ROOT, 'test', 'lib', 'gotemplate', 'corpus')

export function loadCorpus(): CorpusCase[] {
  const cases: CorpusCase[] = []
  const seen = new Set<string>()
  for (const file of readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort()) {
    const entries = parse(readFileSync(path.join(CORPUS, file), 'utf8')) as Array<Omit<CorpusCase, 'id'>>
    for (const entry of entries) {
      const id = `${file.replace(/\.yaml$/, '')}: ${entry.name}`
      if (seen.has(id)) throw new Error(`duplicate corpus case ${id}`)
      if (typeof entry.template !== 'string') throw new Error(`corpus case ${id} has no template`)
      seen.add(id)
      cases.push({...entry, id, data: entry.data ?? {}})
    }
  }
  return cases
}

/** The runner binary: from gotemplate.env, or built now (the build is idempotent and takes seconds). */
export async function goTemplateBinary(): Promise<string> {
  if (serviceAvailable('gotemplate')) {
    const {binary} = goTemplateService()
    if (existsSync(binary)) return binary
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'test', 'env', 'build-gotemplate.sh')], {stdio: ['ignore', 'ignore', 'inherit']})
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build-gotemplate.sh exited ${code}`))))
  })
  return goTemplateService().binary
}

/** Run every case through Go text/template in one process. */
export async function runInGo(binary: string, cases: Array<{data: unknown; template: string}>): Promise<GoResult[]> {
  const input = cases.map((c) => JSON.stringify({template: c.template, data: c.data})).join('\n') + '\n'
  const child = spawn(binary, [], {stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  child.stdin.end(input)
  const code = await done
  if (code !== 0) throw new Error(`${binary} exited ${code}: ${stderr}`)
  const results = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as GoResult)
  if (results.length !== cases.length) throw new Error(`${binary} answered ${results.length} of ${cases.length} cases`)
  return results
}
