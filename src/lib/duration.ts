import {UsageError} from './errors.js'
import {quote} from './names.js'

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/** "90s", "5m", "1h30m", "500ms" → milliseconds (Go's duration spelling, positive, at most 24 h). */
export function parseDuration(text: string, flag: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new UsageError(`${flag} ${quote(text)} is not a duration; write it like 90s, 5m or 1h30m.`)
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] as string] ?? 0), 0)
  if (ms <= 0) throw new UsageError(`${flag} must be longer than 0.`)
  if (ms > 24 * 3_600_000) throw new UsageError(`${flag} ${quote(text)} is longer than 24h.`)
  return Math.round(ms)
}
