import type {DockerProgressEvent} from './images.js'

/** Where a progress display writes: stderr in the command layer. */
export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressRenderer {
  update(event: DockerProgressEvent): void
  /** Ends the display (a TTY display leaves its last state on screen). */
  done(): void
}

/**
 * The display for push/pull progress. At a terminal: one line per layer, rewritten in
 * place as the engine reports bytes (docker's own layout). Otherwise: a plain line each
 * time a layer's status changes ("a1b2c3: Pushed"), never one per byte, so CI logs stay short.
 */
export function createProgressRenderer(stream: ProgressStream, options: {tty?: boolean} = {}): ProgressRenderer {
  return (options.tty ?? Boolean(stream.isTTY)) ? new TerminalProgress(stream) : new PlainProgress(stream)
}

function lineOf(event: DockerProgressEvent): string {
  const text = event.id ? `${event.id}: ${event.status}` : event.status
  return event.progress ? `${text} ${event.progress}` : text
}

class PlainProgress implements ProgressRenderer {
  private readonly lastStatus = new Map<string, string>()
  constructor(private readonly stream: ProgressStream) {}

  update(event: DockerProgressEvent): void {
    if (!event.status) return
    if (event.id) {
      if (this.lastStatus.get(event.id) === event.status) return
      this.lastStatus.set(event.id, event.status)
      this.stream.write(`${event.id}: ${event.status}\n`)
      return
    }
    this.stream.write(`${event.status}\n`)
  }

  done(): void {}
}

class TerminalProgress implements ProgressRenderer {
  /** Lines written so far, bottom last; a layer keeps its line and is rewritten there. */
  private lines = 0
  private readonly row = new Map<string, number>()
  constructor(private readonly stream: ProgressStream) {}

  update(event: DockerProgressEvent): void {
    if (!event.status) return
    const text = this.fit(lineOf(event))
    const row = event.id === undefined ? undefined : this.row.get(event.id)
    if (row === undefined) {
      if (event.id !== undefined) this.row.set(event.id, this.lines)
      this.stream.write(`${text}\n`)
      this.lines++
      return
    }
    const up = this.lines - row
    // up to the layer's line, clear it, write, back down to the bottom
    this.stream.write(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`)
  }

  done(): void {}

  /** Cut a line to the terminal width: a wrapped line would break the cursor arithmetic. */
  private fit(text: string): string {
    // a pseudo-terminal without a size reports 0 columns
    const columns = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : 80
    const width = Math.max(20, columns - 1)
    return text.length > width ? text.slice(0, width) : text
  }
}
