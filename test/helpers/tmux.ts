import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {promisify} from 'node:util'

const run = promisify(execFile)

/** Quote one word for sh. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/**
 * A program driven at a real pseudo-terminal: tmux runs it, send-keys types,
 * capture-pane reads the screen. Each session has its own tmux server socket.
 */
export class TmuxSession {
  private readonly socket = `berth-test-${randomBytes(4).toString('hex')}`
  private readonly name = 'main'

  async start(command: string, options: {width?: number; height?: number} = {}): Promise<void> {
    await this.tmux(['new-session', '-d', '-s', this.name, '-x', String(options.width ?? 160), '-y', String(options.height ?? 50), command])
    await this.tmux(['set-option', '-t', this.name, 'remain-on-exit', 'on'])
  }

  /** The visible screen plus scrollback, as text. */
  async screen(): Promise<string> {
    const {stdout} = await this.tmux(['capture-pane', '-p', '-J', '-S', '-200', '-t', this.name])
    return stdout
  }

  async waitFor(pattern: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    let last = ''
    while (Date.now() < deadline) {
      last = await this.screen()
      if (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) return last
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`Timed out waiting for ${String(pattern)} on the terminal. Screen:\n${last}`)
  }

  /** Type literal text. */
  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-t', this.name, '-l', text])
  }

  /** Press keys by tmux name: Enter, Down, BSpace, C-c … */
  async press(...keys: string[]): Promise<void> {
    for (const key of keys) await this.tmux(['send-keys', '-t', this.name, key])
  }

  async kill(): Promise<void> {
    await this.tmux(['kill-server']).catch(() => undefined)
  }

  private tmux(args: string[]) {
    return run('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {env: {PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color'}})
  }
}
