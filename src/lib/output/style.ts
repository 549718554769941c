import type {ChalkInstance} from 'chalk'

/** Whether a stream gets colour: never with NO_COLOR or TERM=dumb, never when not a terminal, always with FORCE_COLOR. */
export function colorEnabled(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true
  if (env.TERM === 'dumb') return false
  return Boolean(stream.isTTY)
}

export interface Style {
  bold(s: string): string
  dim(s: string): string
  red(s: string): string
  green(s: string): string
  yellow(s: string): string
  cyan(s: string): string
}

const plain: Style = {bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s, yellow: (s) => s, cyan: (s) => s}

/** A style for one stream; chalk is loaded only when colour is on. */
export async function styleFor(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): Promise<Style> {
  if (!colorEnabled(stream, env)) return plain
  const {Chalk} = await import('chalk')
  const chalk: ChalkInstance = new Chalk({level: 1})
  return {bold: chalk.bold, dim: chalk.dim, red: chalk.red, green: chalk.green, yellow: chalk.yellow, cyan: chalk.cyan}
}

export const plainStyle = plain
