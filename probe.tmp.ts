import {TemplateError, renderTemplate} from './src/lib/gotemplate/index.js'
import {goTemplateBinary, runInGo} from './test/lib/gotemplate/corpus.js'
import {DATA, generateCase, random} from './test/lib/gotemplate/generate.js'
const N = Number(process.argv[2] ?? 3000)
const rand = random(Number(process.argv[3] ?? 1))
const cases = Array.from({length: N}, () => ({template: generateCase(rand), data: DATA}))
const go = await runInGo(await goTemplateBinary(), cases)
let bad = 0, errs = 0, dev = 0
cases.forEach((c, i) => {
  let ours: {output?: string; error?: string}
  try { ours = {output: renderTemplate(c.template, c.data)} } catch (e) { if (!(e instanceof TemplateError)) { ours = {error: 'CRASH ' + (e as Error).stack} } else ours = {error: (e as Error).message} }
  const g = go[i]
  if (g.error && ours.error) { errs++; return }
  if (g.output !== undefined && g.output === ours.output) return
  if (g.output !== undefined && g.output.includes('<no value>') && ours.error?.includes('berth does not print')) { dev++; return }
  bad++
  if (bad <= 25) console.log(JSON.stringify(c.template), '\n   go:', JSON.stringify(g), '\n   us:', JSON.stringify(ours))
})
console.log({N, bad, errs, dev})
