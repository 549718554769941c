/** Where a progress display writes: stderr in the command layer. */
export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface KeyedProgress {
  /** Show `text` as the line of `key`: rewritten in place at a terminal, a new line elsewhere when it changed. */
  update(key: string, text: string): void
  done(): void
}

/**
 * Progress as one line per thing (an object, a workload). At a terminal each thing keeps
 * its line, rewritten in place; otherwise a plain line each time a thing's text changes,
 * so CI logs get one line per event.
 */
export function createKeyedProgress(stream: ProgressStream, options: {tty?: boolean} = {}): KeyedProgress {
  const tty = options.tty ?? Boolean(stream.isTTY)
  const last = new Map<string, string>()
  const row = new Map<string, number>()
  let lines = 0
  const fit = (text: string) => {
    const columns = stream.columns && stream.columns > 0 ? stream.columns : 80
    const width = Math.max(20, columns - 1)
    // eslint-disable-next-line no-control-regex
    const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ')
    return clean.length > width ? clean.slice(0, width) : clean
  }
  return {
    update(key, text) {
      if (last.get(key) === text) return
      last.set(key, text)
      if (!tty) {
        stream.write(`${text}\n`)
        return
      }
      const at = row.get(key)
      if (at === undefined) {
        row.set(key, lines)
        stream.write(`${fit(text)}\n`)
        lines++
        return
      }
      const up = lines - at
      stream.write(`\x1b[${up}A\r\x1b[2K${fit(text)}\r\x1b[${up}B`)
    },
    done() {},
  }
}
