export interface Column<R> {
  header: string
  get: (row: R) => string
}

/** A plain text table: header, rows, columns padded to fit. Width-safe for CJK is not attempted. */
export function renderTable<R>(rows: readonly R[], columns: ReadonlyArray<Column<R>>, style: {header: (s: string) => string} = {header: (s) => s}): string {
  const cells = rows.map((row) => columns.map((c) => oneLine(c.get(row))))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)))
  const line = (values: string[], fmt: (s: string) => string = (s) => s) =>
    values
      .map((v, i) => (i === values.length - 1 ? fmt(v) : fmt(v.padEnd(widths[i]!))))
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header.toUpperCase()), style.header), ...cells.map((r) => line(r))].join('\n')
}

function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ')
}
