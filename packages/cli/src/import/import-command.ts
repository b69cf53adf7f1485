import { basename } from 'node:path'
import type { ImportSummary } from '@leadcall/core'
import cliProgress from 'cli-progress'
import { formatBytes, formatDuration } from '../format/format.js'
import { renderTable } from '../format/table.js'
import type { ServerOptions } from '../http/server-client.js'
import { type CliIo, writeJson, writeLine } from '../io.js'
import { uploadCsv } from './upload-csv.js'

/** Options of {@link importCommand}. */
export interface ImportCommandOptions extends ServerOptions {
  /** Path of the CSV file. */
  file: string
  /** Print the server's summary as JSON, and nothing else, on stdout; no progress bar. */
  json?: boolean
}

/** The summary table and the rejected rows, as `leadcall import` prints them. */
export function formatImportSummary(summary: ImportSummary, file: string): string {
  const lines = [
    `Imported ${file}: ${summary.rows} row${summary.rows === 1 ? '' : 's'} in ${formatDuration(summary.durationMs)} (import ${summary.importId})`,
    '',
    renderTable(
      [{ title: 'rows' }, { title: 'count', align: 'right' }],
      [
        ['accepted', String(summary.accepted)],
        ['queued', String(summary.queued)],
        ['rejected', String(summary.rejectedCount)],
        ['duplicates', String(summary.duplicates)],
      ],
      2,
    ),
  ]
  if (summary.rejected.length > 0) {
    const listed =
      summary.rejected.length < summary.rejectedCount
        ? ` (the first ${summary.rejected.length} of ${summary.rejectedCount})`
        : ''
    lines.push(
      '',
      `Rejected rows${listed}:`,
      renderTable(
        [{ title: 'line', align: 'right' }, { title: 'code' }, { title: 'reason' }],
        summary.rejected.map((row) => [String(row.line), row.code, row.message]),
        2,
      ),
    )
  }
  return lines.join('\n')
}

/**
 * `leadcall import`: streams a CSV file to a server's `POST /leads/import`, with a progress bar of
 * the bytes sent on stderr when it is a terminal (none with `json`), then prints the summary — as
 * a table, or with `json` the server's JSON as is. Resolves once printed, whatever rows were
 * rejected; throws what {@link uploadCsv} throws when the import itself is refused.
 */
export async function importCommand(options: ImportCommandOptions, io: CliIo): Promise<void> {
  const name = basename(options.file)
  const live = !options.json && io.stderr.isTTY === true
  const bar = live
    ? new cliProgress.SingleBar(
        {
          stream: io.stderr,
          format: `Uploading ${name} [{bar}] {percentage}% | {sent} / {size}`,
          barsize: 30,
          hideCursor: true,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined
  let size = 0
  let summary: ImportSummary
  try {
    summary = await uploadCsv({
      ...options,
      onStart(total) {
        size = total
        if (bar) bar.start(Math.max(total, 1), 0, { sent: formatBytes(0), size: formatBytes(total) })
        else if (!options.json)
          writeLine(io.stderr, `Uploading ${name} (${formatBytes(total)}) to ${options.url}`)
      },
      onProgress(sent) {
        bar?.update(sent, { sent: formatBytes(sent), size: formatBytes(size) })
      },
    })
  } finally {
    bar?.stop()
  }
  if (options.json) writeJson(io.stdout, summary)
  else writeLine(io.stdout, formatImportSummary(summary, name))
}
