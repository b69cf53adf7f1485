/**
 * Line numbers of CSV records as an editor shows them (1-based, the header on line 1), from the
 * counts csv-parse keeps.
 *
 * csv-parse tells, for each record, the line it ends on (`info.lines`). A record starts earlier when
 * a quoted field holds line breaks; and csv-parse counts a CR LF pair inside quotes as two lines
 * (between records, as one). So the start of a record is its end line, less the line breaks inside
 * its fields, less the CR LF pairs inside the fields of every record before it.
 *
 * @module
 */

/** Counts line breaks in `value` the way csv-parse does inside quotes (each CR and each LF) and the way an editor does (CR LF once). */
function breaks(value: string): { parser: number; crlf: number } {
  let parser = 0
  let crlf = 0
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) {
    parser++
    if (i > 0 && value.charCodeAt(i - 1) === 13) crlf++
  }
  for (let i = value.indexOf('\r'); i !== -1; i = value.indexOf('\r', i + 1)) parser++
  return { parser, crlf }
}

/** Tracks the start line of each record, fed every record (and skipped one) in the order parsed. */
export class LineCounter {
  /** CR LF pairs inside quoted fields so far: lines csv-parse counted twice. */
  private overcount = 0
  /** Editor line the last record ended on. */
  private lastEnd = 0
  /** csv-parse's count of skipped empty lines when the last record ended. */
  private emptyAtLastEnd = 0

  /** The start line of a record csv-parse ended at `parserLines`, with `emptyLines` skipped so far. */
  record(values: readonly unknown[], parserLines: number, emptyLines: number): number {
    let inside = 0
    let crlf = 0
    for (const value of values) {
      if (typeof value !== 'string' || (value.indexOf('\n') === -1 && value.indexOf('\r') === -1)) continue
      const counted = breaks(value)
      inside += counted.parser
      crlf += counted.crlf
    }
    const end = parserLines - this.overcount - crlf
    this.overcount += crlf
    this.lastEnd = end
    this.emptyAtLastEnd = emptyLines
    return parserLines - inside - (this.overcount - crlf)
  }

  /**
   * The start line of a record csv-parse skipped because of an error: the line after the last
   * record, past the empty lines skipped since.
   */
  skipped(parserLines: number, emptyLines: number): number {
    const start = this.lastEnd + 1 + Math.max(0, emptyLines - this.emptyAtLastEnd)
    this.lastEnd = Math.max(start, parserLines - this.overcount)
    this.emptyAtLastEnd = emptyLines
    return start
  }
}
