/**
 * Process records as CSV (RFC 4180) and JSONL text.
 *
 * CSV: one header line, then one line per record, `\r\n` line ends; a field is quoted when it holds
 * a comma, a quote, a line break or leading/trailing spaces, quotes doubled. A text field a
 * spreadsheet would run as a formula (starting with `=`, `@`, a tab or a carriage return, or with
 * `+`/`-` unless it is all digits, `*` and separators like a phone) is prefixed with `'`. Steps go in one column
 * as compact JSON.
 *
 * @internal
 * @module
 */
import type { ProcessRecord } from '../domain/process-record.js'
import { DETAIL } from './record-builder.js'

/** The CSV columns, in order, with how each is read from a record. @internal */
export const CSV_COLUMNS: readonly [string, (r: ProcessRecord) => unknown][] = [
  ['processId', (r) => r.processId],
  ['type', (r) => r.type],
  ['timestamp', (r) => r.timestamp],
  ['updatedAt', (r) => r.updatedAt],
  ['status', (r) => r.status],
  ['success', (r) => r.success],
  ['finalStatus', (r) => r.finalStatus],
  ['processingTimeMs', (r) => r.processingTimeMs],
  ['leadId', (r) => r.lead.id],
  ['leadName', (r) => r.lead.name],
  ['leadPhone', (r) => r.lead.phone],
  ['leadEmail', (r) => r.lead.email],
  ['leadSource', (r) => r.lead.source],
  ['leadExternalId', (r) => r.lead.externalId],
  ['leadPriority', (r) => r.lead.priority],
  ['agentId', (r) => r.agent?.id],
  ['agentName', (r) => r.agent?.name],
  ['contactId', (r) => r.contactId],
  ['callId', (r) => r.callId],
  ['attempts', (r) => r.attempts],
  ['errorCode', (r) => r.errorCode],
  ['errorMessage', (r) => r.errorMessage],
  ['dayOfWeek', (r) => r.metadata.dayOfWeek],
  ['hourOfDay', (r) => r.metadata.hourOfDay],
  ['source', (r) => r.metadata.source],
  ['tenant', (r) => r.metadata.tenant],
  ['talkSec', (r) => r.steps.find((s) => s.name === 'track')?.detail?.[DETAIL.talkSec]],
  ['steps', (r) => JSON.stringify(r.steps)],
]

/** The CSV header line. @internal */
export function csvHeader(): string {
  return `${CSV_COLUMNS.map(([name]) => name).join(',')}\r\n`
}

/** One record as a CSV line. @internal */
export function csvLine(record: ProcessRecord): string {
  return `${CSV_COLUMNS.map(([, read]) => csvField(read(record))).join(',')}\r\n`
}

/** One record as a JSONL line. @internal */
export function jsonlLine(record: ProcessRecord): string {
  return `${JSON.stringify(record)}\n`
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/
const FORMULA = /^[=@\t\r+-]/
/** A number or a (masked) phone: starts with `+`/`-` yet is no formula. */
const NUMBER_LIKE = /^[+-][\d*\s().-]*$/

/** One CSV field. @internal */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  let text = typeof value === 'string' ? value : JSON.stringify(value)
  if (FORMULA.test(text) && !NUMBER_LIKE.test(text)) text = `'${text}`
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
