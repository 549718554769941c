/**
 * A unified diff of two texts, line by line (Myers' O(ND) algorithm): small enough to
 * own, and the objects compared are a few hundred lines at most.
 */

type Edit = {op: ' ' | '-' | '+'; line: string}

/** The shortest edit script turning `a` into `b`. */
export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  let found = false
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) {
        found = true
        break
      }
    }
  }
  // Walk the trace back from (n, m).
  const edits: Edit[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] as Int32Array
    const k = x - y
    const prevK = k === -d || (k !== d && (vd[offset + k - 1] as number) < (vd[offset + k + 1] as number)) ? k + 1 : k - 1
    const prevX = d === 0 ? 0 : (vd[offset + prevK] as number)
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      edits.push({op: ' ', line: a[--x] as string})
      y--
    }
    if (d === 0) break
    if (x === prevX) edits.push({op: '+', line: b[--y] as string})
    else edits.push({op: '-', line: a[--x] as string})
  }
  while (x > 0 && y > 0) {
    edits.push({op: ' ', line: a[--x] as string})
    y--
  }
  return edits.reverse()
}

export interface UnifiedDiffOptions {
  oldLabel: string
  newLabel: string
  /** Unchanged lines around each change (default 3). */
  context?: number
}

/** The unified diff of two texts ("" when they are equal), with ---/+++ headers and @@ hunks. */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): string {
  if (oldText === newText) return ''
  const split = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'))
  const edits = diffLines(split(oldText), split(newText))
  const context = options.context ?? 3
  const out = [`--- ${options.oldLabel}`, `+++ ${options.newLabel}`]
  let i = 0
  // Line numbers (1-based) in old and new before edits[i].
  const oldLine: number[] = []
  const newLine: number[] = []
  let o = 1
  let nl = 1
  for (const edit of edits) {
    oldLine.push(o)
    newLine.push(nl)
    if (edit.op !== '+') o++
    if (edit.op !== '-') nl++
  }
  while (i < edits.length) {
    if ((edits[i] as Edit).op === ' ') {
      i++
      continue
    }
    const start = Math.max(0, i - context)
    let end = i
    // Extend the hunk while the next change is within 2×context unchanged lines.
    for (;;) {
      while (end < edits.length && (edits[end] as Edit).op !== ' ') end++
      let next = end
      while (next < edits.length && (edits[next] as Edit).op === ' ') next++
      if (next < edits.length && next - end <= 2 * context) end = next
      else {
        end = Math.min(edits.length, end + context)
        break
      }
    }
    const hunk = edits.slice(start, end)
    const oldCount = hunk.filter((e) => e.op !== '+').length
    const newCount = hunk.filter((e) => e.op !== '-').length
    const oldStart = oldCount === 0 ? (oldLine[start] as number) - 1 : (oldLine[start] as number)
    const newStart = newCount === 0 ? (newLine[start] as number) - 1 : (newLine[start] as number)
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`)
    for (const edit of hunk) out.push(`${edit.op}${edit.line}`)
    i = end
  }
  return `${out.join('\n')}\n`
}
