/** How a column's cells line up: text to the left, figures to the right. */
export type ColumnAlign = 'left' | 'right'

/** One column of {@link renderTable}. */
export interface TableColumn {
  /** The header. */
  title: string
  /** Alignment of the header and the cells (default `left`). */
  align?: ColumnAlign
}

function pad(text: string, width: number, align: ColumnAlign): string {
  return align === 'right' ? text.padStart(width) : text.padEnd(width)
}

/**
 * A plain-text table: a header, a rule, then one line per row, columns two spaces apart, each as
 * wide as its widest cell. Lines are indented by `indent` spaces and end without trailing blanks.
 */
export function renderTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
  indent = 0,
) {
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, ...rows.map((row) => (row[i] ?? '').length)),
  )
  const line = (cells: readonly string[]) =>
    `${' '.repeat(indent)}${columns
      .map((column, i) => pad(cells[i] ?? '', widths[i] ?? 0, column.align ?? 'left'))
      .join('  ')}`.trimEnd()
  return [
    line(columns.map((column) => column.title)),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
  ].join('\n')
}
