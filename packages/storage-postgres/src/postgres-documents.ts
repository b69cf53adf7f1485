/**
 * The keyed documents of the PostgreSQL driver: reads, listing, the atomic commit and the sweep of
 * expired documents.
 *
 * - `get`, `getMany` and `list` are one statement each; an expired row is filtered out by the
 *   statement itself, so it is invisible even before the sweep deletes it. `get` and `getMany`
 *   wait for commits in progress on their keys (see `read_documents` in the migration).
 * - `atomic` is one call of the `atomic` SQL function (see `migrations/0001_initial.sql`): checks
 *   and mutations in one statement, hence one round trip and one transaction. In `early-release`
 *   mode a successful write then waits for a group flush (see `postgres-flush.ts`).
 * - Every statement is written so that any plan PostgreSQL may cache for it (generic plans
 *   included, costed without statistics) probes an index per key: `ns = $1` alone is never left
 *   for a plan to scan a whole namespace with.
 *
 * @internal
 * @module
 */
import type {
  AtomicOperation,
  AtomicResult,
  ListOptions,
  ListPage,
  StorageCallOptions,
  StorageEntry,
} from '@leadcall/core'
import type { DriverContext } from './postgres-context.js'
import { createReader } from './postgres-reads.js'
import {
  assertFinite,
  assertInteger,
  assertName,
  assertPositive,
  encodeJson,
  invalid,
  json,
  type RawRow,
} from './postgres-support.js'

/** The document operations of one storage. @internal */
export interface DocumentOps {
  get<T>(ns: string, key: string, options?: StorageCallOptions): Promise<StorageEntry<T> | null>
  getMany<T>(
    ns: string,
    keys: readonly string[],
    options?: StorageCallOptions,
  ): Promise<(StorageEntry<T> | null)[]>
  list<T>(ns: string, options: ListOptions): Promise<ListPage<T>>
  atomic(ns: string, operation: AtomicOperation, options?: StorageCallOptions): Promise<AtomicResult>
  sweep(batchSize: number, options?: StorageCallOptions): Promise<number>
}

/** An operation as the parameters of the `atomic` function take it. */
interface Encoded {
  checkKeys: string[]
  checkVersions: (string | null)[]
  /** One letter per mutation: `s`et, `d`elete, `i`ncrement. */
  types: string
  keys: string[]
  /** The JSON texts of the values of sets (`null` for the other mutations), as one JSON array. */
  values: string[]
  ttls: (number | null)[]
  bys: (number | null)[]
}

/** Creates the document operations on the driver's context. @internal */
export function documentOps(ctx: DriverContext): DocumentOps {
  const S = ctx.schema
  const live = (now: string) =>
    `(d.expires_at IS NULL OR d.expires_at > coalesce(${now}::float8, ${S}.now_ms()))`
  // Reads by key wait for commits in progress on their keys, see `read_documents` in the migration.
  const readSql = `SELECT r.i, r.value, r.version, r.expires_at
    FROM ${S}.read_documents($1::text[], $2::text[], $3::float8) AS r`
  const read = createReader(ctx, readSql)
  const atomicSql = `SELECT ${S}.atomic($1, $2::text[], $3::text[], $4, $5::text[], $6::json,
    $7::float8[], $8::float8[], $9::boolean, $10::float8, $11::boolean) AS result`
  // The rows are locked (and so cannot change) until the statement ends: delete them by row address.
  const sweepSql = `DELETE FROM ${S}.documents d WHERE d.ctid = ANY(ARRAY(
      SELECT e.ctid FROM ${S}.documents e
      WHERE e.expires_at <= coalesce($1::float8, ${S}.now_ms())
      ORDER BY e.expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ))`

  return {
    async get<T>(ns: string, key: string, options?: StorageCallOptions) {
      assertName(key, 'key')
      const row = (await read(ns, [key], options))[0]
      return row === undefined ? null : toEntry<T>(key, row)
    },

    async getMany<T>(ns: string, keys: readonly string[], options?: StorageCallOptions) {
      if (!Array.isArray(keys)) throw invalid('keys must be an array')
      for (const key of keys) assertName(key, 'key')
      const out: (StorageEntry<T> | null)[] = keys.map(() => null)
      if (keys.length === 0) {
        options?.signal?.throwIfAborted()
        return out
      }
      const rows = await read(ns, keys, options)
      // One parsed value per requested position, so that a key asked twice yields two copies.
      rows.forEach((row, index) => {
        if (row !== undefined) out[index] = toEntry<T>(keys[index]!, row)
      })
      return out
    },

    async list<T>(ns: string, options: ListOptions) {
      const { prefix, cursor, limit } = options
      if (limit !== undefined) assertInteger(limit, 'limit', 1)
      if (prefix !== undefined && typeof prefix !== 'string') throw invalid('prefix must be a string')
      if (cursor !== undefined && typeof cursor !== 'string') throw invalid('cursor must be a string')
      const values: unknown[] = [ns, ctx.now()]
      const param = (value: unknown) => {
        values.push(value)
        return `$${values.length}`
      }
      let where = `d.ns = $1 AND ${live('$2')}`
      if (prefix !== undefined && prefix.length > 0) {
        const p = param(prefix)
        // A key range the primary key index serves, then the exact test.
        where += ` AND d.key >= ${p} AND starts_with(d.key, ${p})`
        const end = prefixEnd(prefix)
        if (end !== undefined) where += ` AND d.key < ${param(end)}`
      }
      if (cursor !== undefined) where += ` AND d.key > ${param(cursor)}`
      // One row more than asked tells whether another page follows.
      const tail = limit === undefined ? '' : ` LIMIT ${param(limit + 1)}`
      const text = `SELECT d.key, d.value, d.version, d.expires_at FROM ${S}.documents d
        WHERE ${where} ORDER BY d.key${tail}`
      const { rows } = await ctx.run(undefined, text, values, options)
      const more = limit !== undefined && rows.length > limit
      const page = more ? rows.slice(0, limit) : rows
      const entries = page.map((row) => toEntry<T>(row.key!, row))
      return more ? { entries, cursor: entries[entries.length - 1]!.key } : { entries }
    },

    async atomic(ns: string, operation: AtomicOperation, options?: StorageCallOptions) {
      const encoded = encode(operation)
      if (encoded.keys.length === 0 && encoded.checkKeys.length === 0) {
        options?.signal?.throwIfAborted()
        return { ok: true, versions: {}, counters: {} }
      }
      return ctx.committing(async () => {
        const { rows } = await ctx.run(
          'atomic',
          atomicSql,
          [
            ns,
            encoded.checkKeys,
            encoded.checkVersions,
            encoded.types,
            encoded.keys,
            `[${encoded.values.join(',')}]`,
            encoded.ttls,
            encoded.bys,
            new Set(encoded.keys).size === encoded.keys.length,
            ctx.now(),
            ctx.commitMode === 'synchronous',
          ],
          options,
          true,
        )
        const result = json<AtomicResult>(rows[0]!.result)
        // A key checked twice is reported once.
        if (!result.ok) {
          result.conflicts = [...new Set(result.conflicts)]
          return result
        }
        // In `early-release` mode the commit did not wait for its WAL flush (its locks went at
        // once): a successful write waits for a flush that started after it before the call
        // resolves, so that an acknowledged commit is always durable.
        if (encoded.keys.length > 0 && ctx.commitMode === 'early-release') await ctx.flush(options)
        return result
      })
    },

    async sweep(batchSize: number, options?: StorageCallOptions) {
      const result = await ctx.run('sweep', sweepSql, [ctx.now(), batchSize], options)
      return result.rowCount ?? 0
    },
  }
}

/** Checks and encodes an operation, before anything is sent (as the memory driver does). */
function encode(operation: AtomicOperation): Encoded {
  if (typeof operation !== 'object' || operation === null || !Array.isArray(operation.mutations))
    throw invalid('operation.mutations must be an array')
  const checks = operation.checks
  if (checks !== undefined && !Array.isArray(checks)) throw invalid('checks must be an array')
  const out: Encoded = {
    checkKeys: [],
    checkVersions: [],
    types: '',
    keys: [],
    values: [],
    ttls: [],
    bys: [],
  }
  for (const mutation of operation.mutations) {
    assertName(mutation?.key, 'mutation key')
    const { key } = mutation
    switch (mutation.type) {
      case 'set':
        if (mutation.ttlMs !== undefined) assertPositive(mutation.ttlMs, 'ttlMs')
        push(out, 's', key, encodeJson(mutation.value, `The value of "${key}"`), mutation.ttlMs, null)
        break
      case 'delete':
        push(out, 'd', key, 'null', undefined, null)
        break
      case 'increment':
        assertFinite(mutation.by, 'increment by')
        if (mutation.ttlMs !== undefined) assertPositive(mutation.ttlMs, 'ttlMs')
        push(out, 'i', key, 'null', mutation.ttlMs, mutation.by)
        break
      default:
        throw invalid(`Unknown mutation type ${JSON.stringify((mutation as { type?: unknown }).type)}`)
    }
  }
  for (const check of checks ?? []) {
    assertName(check?.key, 'check key')
    if (check.version !== null && typeof check.version !== 'string')
      throw invalid('check version must be a string or null')
    out.checkKeys.push(check.key)
    out.checkVersions.push(check.version)
  }
  return out
}

function push(
  out: Encoded,
  type: string,
  key: string,
  value: string,
  ttlMs: number | undefined,
  by: number | null,
): void {
  out.types += type
  out.keys.push(key)
  out.values.push(value)
  out.ttls.push(ttlMs ?? null)
  out.bys.push(by)
}

function toEntry<T>(key: string, row: RawRow): StorageEntry<T> {
  const entry: StorageEntry<T> = { key, value: json<T>(row.value), version: row.version! }
  if (row.expires_at !== null && row.expires_at !== undefined) entry.expiresAt = Number(row.expires_at)
  return entry
}

/**
 * The smallest string above every string that starts with `prefix`, in the code point order of the
 * `C` collation (the last code point that can be incremented, incremented), or `undefined` when
 * there is none.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix)
  while (points.length > 0) {
    let next = points.pop()!.codePointAt(0)! + 1
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next)
  }
  return undefined
}
