/**
 * What the parts of the PostgreSQL driver share: schema names, argument checks, JSON, the raw type
 * parsers, running one statement on a pooled connection with abort support, and error mapping.
 *
 * @internal
 * @module
 */
import { LeadCallError } from '@leadcall/core'
import type pg from 'pg'
import { abortable, quoteSchemaName, schemaProblem } from './postgres-common.js'
import type { Gate, TurnKind } from './postgres-gate.js'

/**
 * Checks a schema name and returns it quoted for SQL, or throws `VALIDATION_FAILED`; see
 * {@link schemaProblem}. @internal
 */
export function quoteSchema(schema: unknown): string {
  const problem = schemaProblem(schema)
  if (problem !== undefined) throw invalid(problem)
  return quoteSchemaName(schema as string)
}

/** Throws `VALIDATION_FAILED` unless `value` is a non-empty string PostgreSQL can store. @internal */
export function assertName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${what} must be a non-empty string`)
  if (value.includes('\u0000')) throw invalid(`${what} must not contain the character U+0000`)
}

/** Throws `VALIDATION_FAILED` unless `value` is a finite number. @internal */
export function assertFinite(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${what} must be a finite number`)
}

/** Throws `VALIDATION_FAILED` unless `value` is a finite number greater than 0. @internal */
export function assertPositive(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw invalid(`${what} must be a finite number greater than 0`)
}

/** Throws `VALIDATION_FAILED` unless `value` is an integer of at least `min`. @internal */
export function assertInteger(value: unknown, what: string, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw invalid(min === 0 ? `${what} must be a non-negative integer` : `${what} must be a positive integer`)
}

/** Serialises a JSON value, or throws `VALIDATION_FAILED` when it is not one. @internal */
export function encodeJson(value: unknown, what: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    throw new LeadCallError('VALIDATION_FAILED', { message: `${what} is not a JSON value`, cause })
  }
  if (text === undefined) throw invalid(`${what} is not a JSON value`)
  return text
}

/** A `VALIDATION_FAILED` error. @internal */
export function invalid(message: string, details?: unknown): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', details === undefined ? { message } : { message, details })
}

/** A row as the driver reads it: every column as its text (or null). @internal */
export type RawRow = Record<string, string | null>

const identity = (value: string) => value

/**
 * Type parsers that hand every column over as PostgreSQL's text. The driver converts columns itself
 * (JSON.parse for json, Number for numbers), so that it never depends on the global type parsers of
 * `pg`, which an application may have changed. @internal
 */
export const RAW_TYPES = { getTypeParser: () => identity } as unknown as pg.CustomTypesConfig

/** One statement: its text, its parameters, and a name to prepare it once per connection. @internal */
export interface Statement {
  /** Set for the fixed statements of the driver: prepared once per connection, then reused. */
  name?: string
  text: string
  values: unknown[]
}

/**
 * Runs one statement on a connection of `pool`, when `gate` gives it a turn of this `kind`.
 *
 * An aborted signal rejects before anything is sent. A signal aborted while waiting for a turn or
 * a connection rejects at once and nothing is sent. A signal aborted while the statement runs
 * rejects at once too, but the statement still completes on the server (its outcome is unknown to
 * the caller, as after a network timeout). @internal
 */
export function execute(
  pool: pg.Pool,
  gate: Gate,
  statement: Statement,
  kind: TurnKind,
  signal: AbortSignal | undefined,
): Promise<pg.QueryResult<RawRow>> {
  signal?.throwIfAborted()
  const task = async (aborted: () => boolean) =>
    (await withConnection(pool, gate, kind, signal, aborted, () => statement))!
  return signal === undefined ? task(() => false) : abortable(signal, task)
}

/**
 * Like {@link execute}, but the statement is built once the turn and the connection are there
 * (`build` returns `undefined` to run nothing): calls that queue meanwhile can join it. Resolves
 * with `undefined` when nothing ran. @internal
 */
export function executeLate(
  pool: pg.Pool,
  gate: Gate,
  build: () => Statement | undefined,
  kind: TurnKind,
): Promise<pg.QueryResult<RawRow> | undefined> {
  return withConnection(pool, gate, kind, undefined, () => false, build)
}

async function withConnection(
  pool: pg.Pool,
  gate: Gate,
  kind: TurnKind,
  signal: AbortSignal | undefined,
  aborted: () => boolean,
  build: () => Statement | undefined,
): Promise<pg.QueryResult<RawRow> | undefined> {
  await gate.acquire(kind, signal)
  try {
    const client = await pool.connect()
    if (aborted()) {
      client.release()
      signal?.throwIfAborted()
    }
    let statement: Statement | undefined
    try {
      statement = build()
    } finally {
      if (statement === undefined) client.release()
    }
    if (statement === undefined) return undefined
    const config: pg.QueryConfig = { text: statement.text, values: statement.values, types: RAW_TYPES }
    if (statement.name !== undefined) config.name = statement.name
    return await runOn(client, config)
  } finally {
    gate.release()
  }
}

async function runOn(client: pg.PoolClient, config: pg.QueryConfig): Promise<pg.QueryResult<RawRow>> {
  try {
    const result = await client.query<RawRow>(config)
    client.release()
    return result
  } catch (error) {
    // A server error leaves the connection usable; anything else (I/O) discards it.
    client.release(isServerError(error) ? undefined : (error as Error))
    throw mapError(error)
  }
}

/** True for an error the server sent (it carries an SQLSTATE), as opposed to a connection error. */
function isServerError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as { code: string }).code) &&
    typeof (error as { severity?: unknown }).severity === 'string'
  )
}

/** Turns the server errors the driver expects into `LeadCallError`s or clearer errors. @internal */
export function mapError(error: unknown): unknown {
  if (!isServerError(error)) return error
  const { code, message, detail } = error as { code: string; message: string; detail?: string }
  switch (code) {
    case 'LCV01':
    case 'LCV02':
      return new LeadCallError('VALIDATION_FAILED', { message, details: { key: detail }, cause: error })
    // invalid byte sequence (U+0000 in text), untranslatable character
    case '22021':
    case '22P05':
      return new LeadCallError('VALIDATION_FAILED', {
        message: `PostgreSQL cannot store this text: ${message}`,
        cause: error,
      })
    // undefined table, function or schema: the migrations did not run
    case '42P01':
    case '42883':
    case '3F000':
      return new Error(
        `The leadcall tables are missing (${message}): run migrate() from @leadcall/postgres or \`leadcall-postgres migrate\` first`,
        { cause: error },
      )
    default:
      return error
  }
}

/** Parses a JSON column. @internal */
export function json<T>(text: string | null | undefined): T {
  return JSON.parse(text as string) as T
}

/** A numeric column as a number. @internal */
export function num(text: string | null | undefined): number {
  return Number(text)
}
