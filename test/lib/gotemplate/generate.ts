// Random templates and data for the generated differential test: a seeded generator,
// so a failing case is reproducible from its number.

/** mulberry32: a small seeded PRNG. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d_2b_79_f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export const DATA = {
  name: 'checkout',
  image: 'registry.example.com:5443/shop/checkout:v1.4.0',
  empty: '',
  unicode: 'héllo → wörld',
  quoteish: 'say "hi"\tnow\\',
  port: 8080,
  zero: 0,
  negative: -17,
  big: 9_007_199_254_740_991,
  ratio: 0.25,
  pi: 3.141_592_653_589_793,
  tiny: 1.5e-7,
  huge: 1.234_567_89e21,
  half: 2.5,
  yes: true,
  no: false,
  nothing: null,
  list: ['a', 2, 3.5, true, null, {k: 'v'}],
  ints: [3, 1, 2],
  strings: ['b', 'a', 'c'],
  emptyList: [],
  map: {b: 2, a: 'x', 'c-d': [1, 2], e: null, f: {g: 'h'}},
  emptyMap: {},
  nested: {deep: {deeper: {value: 'found', n: 7}}},
}

const FIELDS = [
  '.name', '.image', '.empty', '.unicode', '.quoteish', '.port', '.zero', '.negative', '.big', '.ratio', '.pi', '.tiny', '.huge', '.half',
  '.yes', '.no', '.nothing', '.list', '.ints', '.strings', '.emptyList', '.map', '.emptyMap', '.nested', '.nested.deep', '.nested.deep.deeper.value',
  '.nested.deep.deeper.n', '.map.f.g', '.map.a', '$.port', '$', '.',
]
const BAD_FIELDS = ['.missing', '.name.length', '.nothing.x', '.map.zz']
// No huge integers: Go would range over them for ever.
const RANGE_TARGETS = ['.list', '.ints', '.strings', '.emptyList', '.map', '.emptyMap', '.nested', '.nothing', '.name', '.zero', '.negative', '.ratio', '.missing', '3', '0', '$.strings', '$.map.f']
const LITERALS = ['"s"', '""', '"a b"', '`raw`', '0', '1', '-1', '2', '1.5', '0.1', '-2.5', '1e3', '1e21', '0x1F', "'a'", 'true', 'false', 'nil', '3', '100']
const FORMATS = [
  '%v', '%s', '%d', '%q', '%t', '%f', '%.2f', '%e', '%g', '%x', '%X', '%5s', '%-5s|', '%05d', '%+d', '% d', '%.3s', '%8.3f', '%-8.2e|', '%c', '%T', '%o',
  '%#x', '%+.1e', '%6v|', '%[1]v', '%%', '%.0f', '%G', '%U', '%08.3f', '%+q', '%#q', '%x %x', '%v-%v', '%d%%', '%*d', '%.*f', '%!', '%',
]
const FUNCS1 = ['len', 'not', 'quote', 'print', 'println', 'index']
const FUNCS2 = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'default', 'index', 'print', 'quote']

export function generateCase(rand: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]
  const operand = (depth: number): string => {
    const r = rand()
    if (r < 0.02) return pick(BAD_FIELDS)
    if (r < 0.3) return pick(FIELDS)
    if (r < 0.5) return pick(FIELDS).replace(/^\.(?=.)/, '$.')
    if (r < 0.8 || depth > 2) return pick(LITERALS)
    return `(${expression(depth + 1)})`
  }
  const expression = (depth: number): string => {
    const r = rand()
    if (r < 0.25) return operand(depth)
    if (r < 0.4) return `${pick(FUNCS1)} ${operand(depth)}`
    if (r < 0.65) return `${pick(FUNCS2)} ${operand(depth)} ${operand(depth)}`
    if (r < 0.7) return `printf ${JSON.stringify(pick(FORMATS))}`
    if (r < 0.8) return `printf ${JSON.stringify(randomFormat())} ${operand(depth)}${rand() < 0.5 ? ' ' + operand(depth) : ''}`
    if (r < 0.9) return `${operand(depth)} | ${pick(['len', 'not', 'quote', 'print', 'printf "%v"', 'default "d"', 'eq 1', 'index .map'])}`
    return `${pick(['eq', 'and', 'or'])} ${operand(depth)} ${operand(depth)} ${operand(depth)}`
  }
  const randomFormat = (): string => {
    let f = '%'
    for (const flag of ['-', '+', '#', ' ', '0']) if (rand() < 0.15) f += flag
    if (rand() < 0.4) f += String(Math.floor(rand() * 12))
    if (rand() < 0.3) f += '.' + (rand() < 0.8 ? String(Math.floor(rand() * 8)) : '')
    return f + pick(['v', 's', 'd', 'q', 't', 'f', 'F', 'e', 'E', 'g', 'G', 'x', 'X', 'o', 'O', 'b', 'c', 'U', 'T', 'z', 'w'])
  }
  const trim = (): [string, string] => [rand() < 0.2 ? '{{- ' : '{{', rand() < 0.2 ? ' -}}' : '}}']
  const block = (depth: number): string => {
    const [l, r] = trim()
    const x = rand()
    if (x < 0.45 || depth > 1) return `${pick(['', ' ', '\n', 'a: ', ' - '])}${l}${expression(0)}${r}`
    if (x < 0.6) return `${l}if ${expression(0)}${r}T${block(depth + 1)}${rand() < 0.5 ? `{{else}}E${block(depth + 1)}` : ''}{{end}}`
    if (x < 0.75) return `${l}range ${rand() < 0.5 ? '$i, $v := ' : ''}${pick(RANGE_TARGETS)}${r}[${block(depth + 1)}]${rand() < 0.3 ? '{{else}}none' : ''}{{end}}`
    if (x < 0.85) return `${l}with ${expression(0)}${r}W${block(depth + 1)}${rand() < 0.5 ? '{{else}}none' : ''}{{end}}`
    if (x < 0.95) return `{{$x := ${expression(0)}}}${block(depth + 1)}{{$x}}`
    return `{{/* c */}}${block(depth + 1)}`
  }
  let out = ''
  const n = 1 + Math.floor(rand() * 2)
  for (let i = 0; i < n; i++) out += block(0)
  return out
}

const TOKENS = [
  '{{', '}}', '{{- ', ' -}}', '{{-', '-}}', ' ', ' ', '\n', '\t', '/*', '*/', '.x', '.y', '.', '$', '$v', ':=', '=', ',', '|', '(', ')', '"s"',
  '`r`', "'c'", '1', '-1', '2.5', 'if', 'else', 'end', 'range', 'with', 'break', 'continue', 'nil', 'true', 'len', 'eq', 'not', 'print',
  'printf', 'quote', 'default', 'index', 'text', ': ', '-',
]

/** A random sequence of template tokens: mostly invalid, to exercise the lexer and parser. */
export function generateTokenSoup(rand: () => number): string {
  let out = ''
  const n = 3 + Math.floor(rand() * 14)
  for (let i = 0; i < n; i++) out += TOKENS[Math.floor(rand() * TOKENS.length)]
  return out
}
