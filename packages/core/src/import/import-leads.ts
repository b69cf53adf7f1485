import { randomUUID } from 'node:crypto'
import type { CsvError, Options as CsvParseOptions, InfoRecord } from 'csv-parse'
import { z } from 'zod'
import { normalizeLead } from '../domain/normalize-lead.js'
import type { CountryCode } from '../domain/phone.js'
import { LeadCallError, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import { validationError } from '../errors/validation.js'
import type { EventBus } from '../events/event-bus.js'
import type { SubmitLeadResult } from '../pipeline/lead-pipeline.js'
import { type ImportMapping, type ResolvedColumns, resolveColumns, rowToLeadInput } from './column-mapping.js'
import { type ChunkReader, type CsvChunk, type ImportSource, openSource } from './import-source.js'
import { LineCounter } from './line-counter.js'
import { loadCsvParse } from './load-csv-parse.js'

export type { ImportField, ImportMapping } from './column-mapping.js'
export type { CsvChunk, ImportSource } from './import-source.js'

/** Options of `app.importLeads()`. */
export interface ImportOptions {
  /**
   * Which CSV column feeds which lead field, e.g. `{ phone: 'Phone Number', firstName: 'First' }`
   * (column names compared case-insensitively). Fields left out are found among the usual headers,
   * see `DEFAULT_COLUMN_ALIASES`.
   */
  mapping?: ImportMapping
  /**
   * Rows per step (default 100): an `import.progress` event is emitted every `batchSize` rows
   * settled, and at most `2 × batchSize` rows (or `concurrency`, if larger) are held in memory,
   * read but not yet settled; the parser is paused while that window is full.
   */
  batchSize?: number
  /** How many rows are submitted at once at most (default 8). */
  concurrency?: number
  /**
   * The leads' `source` when a row has no `source` column value (default `csv-import`). Rows with
   * an external id are de-duplicated by the pipeline on `source` + `externalId`.
   */
  source?: string
  /**
   * Id of this import (default: a random UUID). Each row without an external id is submitted with
   * the idempotency key `import:<importId>:<line>`, so running an import again with the same id
   * after an interruption does not submit its rows twice (within the pipeline's de-duplication
   * window).
   */
  importId?: string
  /** The field delimiter (default `,`), e.g. `;` or a tab. */
  delimiter?: string
  /** Keeps the columns no field uses as the leads' custom attributes, keyed by header (default false). */
  keepUnmappedColumns?: boolean
  /** How many rejected rows the summary lists at most (default 1,000); `rejectedCount` counts them all. */
  maxRejected?: number
  /**
   * Stops the import: no more rows are read or submitted, the rows being submitted are waited for,
   * and the promise rejects with `signal.reason` (the last `import.progress`, with `done: true`,
   * tells how far it went). The source stream is destroyed or cancelled.
   */
  signal?: AbortSignal
}

/** A row the import did not submit, or that the pipeline refused. */
export interface ImportRejectedRow {
  /** The line of the file the row starts on (1-based; the header is line 1). */
  line: number
  /**
   * Why: `MISSING_PHONE`, `INVALID_PHONE`, `VALIDATION_FAILED` (a field is invalid, or the row is
   * malformed CSV) or the code the pipeline rejected or failed the lead with (e.g. `DNC_BLOCKED`).
   */
  code: LeadCallErrorCode
  /** In plain words. */
  message: string
}

/** What `app.importLeads()` resolves with. */
export interface ImportSummary {
  /** The id of the import (see {@link ImportOptions.importId}). */
  importId: string
  /** Data rows read (the header and blank lines excluded); `accepted + queued + rejectedCount + duplicates`. */
  rows: number
  /** Rows whose lead is being dialed or is already done (the pipeline said `received`, `dialing`, `in_call` or `completed`). */
  accepted: number
  /** Rows whose lead waits in the queue (no agent free, outside calling hours, …). */
  queued: number
  /** The rejected rows, by line, at most {@link ImportOptions.maxRejected} of them. */
  rejected: ImportRejectedRow[]
  /** How many rows were rejected in all (may exceed `rejected.length`). */
  rejectedCount: number
  /**
   * Rows skipped as duplicates: of an earlier row of the file (same phone number once normalized,
   * or same source and external id), or of a lead already received (an open process for the phone,
   * or the same source and external id, or the same idempotency key).
   */
  duplicates: number
  /** How long the import took. */
  durationMs: number
}

/** What {@link createLeadImporter} needs from the app. */
export interface LeadImporterDeps {
  /** Submits one lead, as `app.submitLead` does. */
  submitLead(
    input: unknown,
    options?: { idempotencyKey?: string; signal?: AbortSignal },
  ): Promise<SubmitLeadResult>
  /** Where `import.progress` events go. */
  events: Pick<EventBus, 'emit'>
  /** Country of phone numbers written in national form, as the app's `phone.defaultCountry`. */
  defaultCountry: CountryCode
}

/** Imports leads from CSV, see {@link createLeadImporter}. */
export type LeadImporter = (source: ImportSource, options?: ImportOptions) => Promise<ImportSummary>

/** Zod schema of {@link ImportOptions}. */
export const ImportOptionsSchema = z.object({
  mapping: z
    .record(
      z.string(),
      z.union([
        z.string().trim().min(1),
        z.array(z.string().trim().min(1)).min(1).readonly(),
        z.literal(false),
        z.undefined(),
      ]),
    )
    .optional(),
  batchSize: z.number().int().min(1).max(100_000).default(100),
  concurrency: z.number().int().min(1).max(10_000).default(8),
  source: z.string().trim().min(1).max(100).optional(),
  importId: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w.:-]+$/, 'Letters, digits, _ . : - only')
    .optional(),
  delimiter: z
    .string()
    .min(1)
    .max(4)
    .refine((value) => !/[\r\n"]/.test(value), 'A line break or a quote cannot be a delimiter')
    .default(','),
  keepUnmappedColumns: z.boolean().default(false),
  maxRejected: z.number().int().min(0).max(1_000_000).default(1000),
  signal: z
    .custom<AbortSignal>((value) => value instanceof AbortSignal, 'Expected an AbortSignal')
    .optional(),
})

/** The largest record read (bytes): a longer one, e.g. after a quote left open, stops the reading. */
const MAX_RECORD_BYTES = 1 << 20
/** Chunks are fed to the parser in slices of at most this many bytes or characters. */
const SLICE = 4096
/** Parsed records the parser may hold before it waits for the importer. */
const PARSER_BUFFER = 16

/** A record as the parser hands it over: its values and the line it starts on. */
interface ParsedRecord {
  values: string[]
  line: number
}

/** A row ready to submit. */
interface PendingRow {
  line: number
  input: Record<string, unknown>
  idempotencyKey?: string
}

/**
 * Creates `app.importLeads`: reads CSV from a file, text or stream with `csv-parse` (an optional
 * peer dependency, loaded on first use), in bounded memory whatever the file's size.
 *
 * - The first non-blank record is the header; columns are matched to lead fields by
 *   {@link ImportOptions.mapping} and the usual header names.
 * - Each row is validated as the pipeline will (`normalizeLead` with the app's default country); a
 *   row with no phone, an invalid phone, an invalid field or malformed CSV is rejected with its line
 *   and reason, without being submitted. A row whose phone (in E.164) or source and external id
 *   already appeared in the file is skipped as a duplicate.
 * - The other rows are submitted with `concurrency` at once, reading ahead at most
 *   `2 × batchSize` rows: the parser (and so the source) is paused while that window is full. The
 *   pipeline's answer makes the row accepted, queued, a duplicate (a redelivery, or
 *   `DUPLICATE_LEAD`: a process for the phone is open) or rejected (its error code).
 * - `import.progress` is emitted every `batchSize` rows settled and once at the end with `done: true`.
 *
 * The returned function rejects with a `LeadCallError` (`VALIDATION_FAILED`) when csv-parse is not
 * installed, the options are invalid, the header has no phone column (or lacks a mapped one), or the
 * source cannot be read; with `signal.reason` when aborted; with the error of `submitLead` when that
 * is not a `LeadCallError` (e.g. storage down), after the rows being submitted have settled.
 *
 * @example
 * ```ts
 * const summary = await app.importLeads({ path: 'leads.csv' }, { mapping: { phone: 'Mobile' } })
 * console.log(summary.accepted, summary.queued, summary.rejected) // [{ line: 7, code: 'INVALID_PHONE', … }]
 * ```
 */
export function createLeadImporter(deps: LeadImporterDeps): LeadImporter {
  return (source, options) => runImport(deps, source, options)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Cuts a chunk into slices, never between the two halves of a surrogate pair. */
function* slices(chunk: CsvChunk): Generator<CsvChunk> {
  if (chunk.length <= SLICE) {
    if (chunk.length > 0) yield chunk
    return
  }
  if (typeof chunk !== 'string') {
    for (let i = 0; i < chunk.length; i += SLICE) yield chunk.subarray(i, i + SLICE)
    return
  }
  for (let i = 0; i < chunk.length; ) {
    let end = Math.min(i + SLICE, chunk.length)
    const last = chunk.charCodeAt(end - 1)
    if (end < chunk.length && last >= 0xd800 && last <= 0xdbff) end--
    yield chunk.slice(i, end)
    i = end
  }
}

function isBlank(values: readonly string[]): boolean {
  return values.every((value) => value.trim() === '')
}

async function runImport(
  deps: LeadImporterDeps,
  source: ImportSource,
  given: ImportOptions = {},
): Promise<ImportSummary> {
  const parsed = ImportOptionsSchema.safeParse(given)
  if (!parsed.success) throw validationError('import options', parsed.error)
  const options = parsed.data
  const { signal, batchSize, concurrency, maxRejected } = options
  signal?.throwIfAborted()
  const startedAt = performance.now()
  const importId = options.importId ?? randomUUID()
  const defaultSource = options.source ?? 'csv-import'
  const mapping = (options.mapping ?? {}) as ImportMapping
  const windowSize = Math.max(batchSize * 2, concurrency)
  const csv = await loadCsvParse()
  signal?.throwIfAborted()

  const counts = { rows: 0, accepted: 0, queued: 0, rejected: 0, duplicates: 0 }
  const rejected: ImportRejectedRow[] = []
  const seenPhones = new Set<string>()
  const seenIds = new Set<string>()
  const queue: PendingRow[] = []
  const lines = new LineCounter()
  let columns: ResolvedColumns | undefined
  let headerParsed = false
  let lastSkipLine = 0
  /** Set when the parser cannot go on (a record too large, a quote never closed): the rest is not read. */
  let truncated = false
  let settled = 0
  let nextProgress = batchSize
  let active = 0
  /** Rows read and not settled yet: waiting in `queue` or being submitted. */
  let held = 0
  /** Set once the import must stop: the error it rejects with (the abort reason, or a failure). */
  let stop: { error: unknown } | undefined
  /** Wakes the import's main flow, waiting for room in the window or for submissions to settle. */
  let wake: (() => void) | undefined

  const notify = () => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  const waitForChange = () =>
    new Promise<void>((resolve) => {
      wake = resolve
    })

  const progress = (done: boolean) =>
    deps.events.emit('import.progress', {
      importId,
      rows: counts.rows,
      accepted: counts.accepted,
      queued: counts.queued,
      rejected: counts.rejected,
      duplicates: counts.duplicates,
      done,
    })
  const settle = () => {
    settled++
    if (settled >= nextProgress) {
      nextProgress = (Math.floor(settled / batchSize) + 1) * batchSize
      progress(false)
    }
  }
  const reject = (line: number, code: LeadCallErrorCode, message: string) => {
    counts.rejected++
    if (rejected.length < maxRejected) rejected.push({ line, code, message })
  }
  /** Stops the import: nothing more is read (the parser is destroyed) or submitted. */
  const halt = (error: unknown) => {
    stop ??= { error }
    notify()
    if (!parser.destroyed) parser.destroy()
  }

  const parser = csv.parse({
    delimiter: options.delimiter,
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    readableHighWaterMark: PARSER_BUFFER,
    on_record: (record: string[], context: InfoRecord): ParsedRecord | null => {
      const line = lines.record(record, context.lines, context.empty_lines)
      if (isBlank(record)) return null
      headerParsed = true
      return { values: record, line }
    },
    on_skip: (error: CsvError | undefined) => {
      if (!error || stop || truncated) return undefined
      const line = lines.skipped(Number(error.lines) || 0, Number(error.empty_lines) || 0)
      if (line === lastSkipLine || !headerParsed) return undefined
      lastSkipLine = line
      // csv-parse drops every later chunk after these: stop feeding it.
      truncated = error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE'
      counts.rows++
      reject(
        line,
        'VALIDATION_FAILED',
        `Malformed CSV row: ${error.message}${truncated ? '; the rest of the file was not read' : ''}`,
      )
      settle()
      return undefined
    },
  } satisfies CsvParseOptions<ParsedRecord, string[]> & { readableHighWaterMark: number } as CsvParseOptions)

  // Errors reach the importer through the iteration below; this keeps a late one from being unhandled.
  parser.on('error', () => {})
  const reader: ChunkReader = openSource(source)
  const onAbort = () => halt(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })

  /** Writes one slice and waits until the parser took it (or closed). */
  const write = (piece: CsvChunk) =>
    new Promise<void>((resolve) => {
      const done = () => {
        parser.off('close', done)
        resolve()
      }
      parser.once('close', done)
      parser.write(piece, done)
    })

  /** Feeds the source to the parser, one slice at a time. */
  const feed = async () => {
    try {
      for (;;) {
        if (stop || parser.destroyed) return
        const chunk = truncated ? null : await reader.next()
        if (chunk === null) break
        for (const piece of slices(chunk)) {
          if (stop || parser.destroyed || parser.writableEnded) return
          if (truncated) break
          await write(piece)
        }
      }
      if (!parser.destroyed && !parser.writableEnded) parser.end()
    } catch (error) {
      if (stop || parser.destroyed) return
      parser.destroy(
        LeadCallError.isInstance(error)
          ? error
          : new LeadCallError('VALIDATION_FAILED', {
              message: `Could not read the CSV source: ${messageOf(error)}`,
              cause: error,
            }),
      )
    }
  }

  /** Validates a row and either settles it (rejected, duplicate) or returns it to submit. */
  const prepare = (values: readonly string[], line: number, resolved: ResolvedColumns): PendingRow | null => {
    counts.rows++
    const input = rowToLeadInput(values, resolved, options.keepUnmappedColumns)
    input.source ??= defaultSource
    let phone: string
    let idKey: string | undefined
    try {
      const lead = normalizeLead(input, { defaultCountry: deps.defaultCountry, idGenerator: () => 'csv-row' })
      phone = lead.phone
      if (lead.externalId !== undefined) idKey = `${lead.source}\u0000${lead.externalId}`
    } catch (error) {
      if (!LeadCallError.isInstance(error)) throw error
      reject(line, error.code, error.message)
      settle()
      return null
    }
    if (seenPhones.has(phone) || (idKey !== undefined && seenIds.has(idKey))) {
      counts.duplicates++
      settle()
      return null
    }
    seenPhones.add(phone)
    if (idKey !== undefined) {
      seenIds.add(idKey)
      return { line, input }
    }
    return { line, input, idempotencyKey: `import:${importId}:${line}` }
  }

  const tally = (row: PendingRow, result: SubmitLeadResult) => {
    if (result.duplicate) counts.duplicates++
    else if (result.status === 'queued') counts.queued++
    else if (result.status === 'rejected' || result.status === 'failed') {
      reject(
        row.line,
        result.error?.code ?? 'VALIDATION_FAILED',
        result.error?.message ?? `The lead was ${result.status}`,
      )
    } else counts.accepted++
  }

  const submit = async (row: PendingRow) => {
    try {
      const submitOptions: { idempotencyKey?: string; signal?: AbortSignal } = {}
      if (row.idempotencyKey !== undefined) submitOptions.idempotencyKey = row.idempotencyKey
      if (signal) submitOptions.signal = signal
      tally(row, await deps.submitLead(row.input, submitOptions))
    } catch (error) {
      if (LeadCallError.isInstance(error)) {
        if (error.code === 'DUPLICATE_LEAD') counts.duplicates++
        else reject(row.line, error.code, error.message)
      } else if (!signal?.aborted) {
        halt(error)
      }
    } finally {
      active--
      held--
      settle()
      pump()
      notify()
    }
  }

  const pump = () => {
    while (!stop && active < concurrency && queue.length > 0) {
      const row = queue.shift() as PendingRow
      active++
      void submit(row)
    }
  }

  const feeding = feed()
  let sinceYield = 0
  try {
    try {
      for await (const item of parser as AsyncIterable<ParsedRecord>) {
        if (stop) break
        if (!columns) {
          columns = resolveColumns(item.values, mapping)
          continue
        }
        // Let timers and I/O run once a batch: storage that never yields (memory) would starve them.
        if (++sinceYield >= batchSize) {
          sinceYield = 0
          await new Promise((resolve) => setImmediate(resolve))
          if (stop) break
        }
        const row = prepare(item.values, item.line, columns)
        if (!row) continue
        while (held >= windowSize && !stop) await waitForChange()
        if (stop) break
        held++
        queue.push(row)
        pump()
      }
    } catch (error) {
      if (!stop) {
        halt(
          LeadCallError.isInstance(error)
            ? error
            : new LeadCallError('VALIDATION_FAILED', {
                message: `Invalid CSV: ${messageOf(error)}`,
                cause: error,
              }),
        )
      }
    }
    if (stop) {
      held -= queue.length
      queue.length = 0
    }
    while (active > 0 || (!stop && held > 0)) await waitForChange()
  } finally {
    signal?.removeEventListener('abort', onAbort)
    reader.close()
    if (!parser.destroyed) parser.destroy()
    void feeding
  }
  rejected.sort((a, b) => a.line - b.line)
  progress(true)
  if (stop) throw stop.error
  return {
    importId,
    rows: counts.rows,
    accepted: counts.accepted,
    queued: counts.queued,
    rejected,
    rejectedCount: counts.rejected,
    duplicates: counts.duplicates,
    durationMs: Math.round((performance.now() - startedAt) * 1000) / 1000,
  }
}
