/**
 * The append-only record streams of the PostgreSQL driver, one row per record in `records`.
 *
 * Records are ordered by `(time, seq)`, where `seq` is a bigserial: the primary key
 * `(ns, stream, time, seq)` serves range queries in both directions and trimming by age. Record
 * ids are `<time>-<seq>`, zero-padded (16 and 19 digits), so that comparing ids as plain strings
 * orders them like the records, out-of-order appends included (as in the memory driver, record
 * times are non-negative integers).
 *
 * @internal
 * @module
 */
import type { AppendInput, RangeOptions, StorageCallOptions, StoredRecord } from '@leadcall/core'
import type { DriverContext } from './postgres-context.js'
import {
  assertFinite,
  assertInteger,
  assertName,
  encodeJson,
  invalid,
  json,
  type RawRow,
} from './postgres-support.js'

/** The record operations of one storage. @internal */
export interface RecordOps {
  append<T>(
    ns: string,
    stream: string,
    record: AppendInput<T>,
    options?: StorageCallOptions,
  ): Promise<StoredRecord<T>>
  range<T>(ns: string, stream: string, options: RangeOptions): Promise<StoredRecord<T>[]>
  trim(ns: string, stream: string, before: number, options?: StorageCallOptions): Promise<number>
}

/** Bounds of bigint, for time bounds beyond any stored time. */
const BIGINT_MAX = 9223372036854775807n

/** Creates the record operations on the driver's context. @internal */
export function recordOps(ctx: DriverContext): RecordOps {
  const S = ctx.schema
  const appendSql = `INSERT INTO ${S}.records AS r (ns, stream, time, data)
    VALUES ($1, $2, coalesce($3::bigint, floor(coalesce($5::float8, ${S}.now_ms()))::bigint), $4::json)
    RETURNING r.time, r.seq`
  const trimSql = `DELETE FROM ${S}.records AS r WHERE r.ns = $1 AND r.stream = $2 AND r.time < $3::bigint`

  return {
    async append<T>(ns: string, stream: string, record: AppendInput<T>, options?: StorageCallOptions) {
      assertName(stream, 'stream')
      const time = record?.time
      if (time !== undefined && (!Number.isSafeInteger(time) || time < 0))
        throw invalid('record time must be a non-negative integer (ms since epoch)')
      const data = encodeJson(record.data, 'The record data')
      const { rows } = await ctx.run('append', appendSql, [ns, stream, time, data, ctx.now()], options)
      const row = rows[0]!
      return { id: recordId(row), time: Number(row.time), data: json<T>(data) }
    },

    async range<T>(ns: string, stream: string, options: RangeOptions) {
      assertName(stream, 'stream')
      const { from, to, limit, reverse = false } = options
      if (from !== undefined) assertFinite(from, 'from')
      if (to !== undefined) assertFinite(to, 'to')
      if (limit !== undefined) assertInteger(limit, 'limit', 0)
      if (limit === 0) {
        options.signal?.throwIfAborted()
        return []
      }
      const values: unknown[] = [ns, stream]
      let where = 'r.ns = $1 AND r.stream = $2'
      // Times are integers: time >= from ⇔ time >= ceil(from), and time < to ⇔ time < ceil(to).
      if (from !== undefined) {
        values.push(bigintBound(from))
        where += ` AND r.time >= $${values.length}::bigint`
      }
      if (to !== undefined) {
        values.push(bigintBound(to))
        where += ` AND r.time < $${values.length}::bigint`
      }
      const direction = reverse ? 'DESC' : 'ASC'
      let text = `SELECT r.time, r.seq, r.data FROM ${S}.records AS r WHERE ${where}
        ORDER BY r.time ${direction}, r.seq ${direction}`
      if (limit !== undefined) {
        values.push(limit)
        text += ` LIMIT $${values.length}`
      }
      const { rows } = await ctx.run(undefined, text, values, options)
      return rows.map((row) => ({ id: recordId(row), time: Number(row.time), data: json<T>(row.data) }))
    },

    async trim(ns: string, stream: string, before: number, options?: StorageCallOptions) {
      assertName(stream, 'stream')
      assertFinite(before, 'before')
      const result = await ctx.run('trim', trimSql, [ns, stream, bigintBound(before)], options)
      return result.rowCount ?? 0
    },
  }
}

/** The id of a record: `<time>-<seq>`, zero-padded so that ids sort like records. */
function recordId(row: RawRow): string {
  return `${row.time!.padStart(16, '0')}-${row.seq!.padStart(19, '0')}`
}

/** `ceil(value)` as a bigint literal, clamped to the range of bigint. */
function bigintBound(value: number): string {
  const ceiled = BigInt(Math.ceil(value))
  if (ceiled > BIGINT_MAX) return BIGINT_MAX.toString()
  if (ceiled < -BIGINT_MAX) return (-BIGINT_MAX).toString()
  return ceiled.toString()
}
