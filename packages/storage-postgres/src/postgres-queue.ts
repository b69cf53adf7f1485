/**
 * The priority queues of the PostgreSQL driver, one row per item in `queue_items`.
 *
 * - Queue order is `(priority, score, seq)`, where `seq` is a bigserial renewed by every enqueue.
 *   Waiting items (not leased) are in the partial index `queue_items_waiting` in that order;
 *   leased items are in `queue_items_leased` by lease expiry. Lookups by id can only use the
 *   primary key.
 * - A claim takes, in queue order, the first waiting items that are available and the first items
 *   whose lease expired: each found by walking its own index from the front, locked with
 *   `FOR UPDATE SKIP LOCKED` (concurrent claims lock different rows and never wait for each other),
 *   then updated by row address. Each claimed row gets a fresh random lease token and an expiry.
 * - An item is leased while its `lease_expires_at` is in the future; an expired lease needs no
 *   cleanup: the item is claimable again at its place, and reads stop showing the lease.
 * - `ack`, `release` and `extendLease` only match the row while the token's lease holds.
 * - Every operation is one statement, hence one round trip.
 *
 * @internal
 * @module
 */
import type {
  ClaimedItem,
  ClaimOptions,
  EnqueueInput,
  ListQueueOptions,
  QueueItem,
  QueueItemPatch,
  ReleaseOptions,
  StorageCallOptions,
} from '@leadcall/core'
import type { DriverContext } from './postgres-context.js'
import {
  assertFinite,
  assertInteger,
  assertName,
  assertPositive,
  encodeJson,
  json,
  num,
  type RawRow,
} from './postgres-support.js'

/** The queue operations of one storage. @internal */
export interface QueueOps {
  enqueue<T>(
    ns: string,
    queue: string,
    item: EnqueueInput<T>,
    options?: StorageCallOptions,
  ): Promise<QueueItem<T>>
  claim<T>(ns: string, queue: string, options: ClaimOptions): Promise<ClaimedItem<T>[]>
  ack(ns: string, queue: string, id: string, token: string, options?: StorageCallOptions): Promise<boolean>
  release(ns: string, queue: string, id: string, token: string, options?: ReleaseOptions): Promise<boolean>
  extendLease(
    ns: string,
    queue: string,
    id: string,
    token: string,
    leaseMs: number,
    options?: StorageCallOptions,
  ): Promise<boolean>
  getQueued<T>(
    ns: string,
    queue: string,
    id: string,
    options?: StorageCallOptions,
  ): Promise<QueueItem<T> | null>
  updateQueued<T>(
    ns: string,
    queue: string,
    id: string,
    patch: QueueItemPatch<T>,
    options?: StorageCallOptions,
  ): Promise<QueueItem<T> | null>
  removeQueued(ns: string, queue: string, id: string, options?: StorageCallOptions): Promise<boolean>
  listQueue<T>(ns: string, queue: string, options: ListQueueOptions): Promise<QueueItem<T>[]>
  queueSize(ns: string, queue: string, options?: StorageCallOptions): Promise<number>
  queuePosition(ns: string, queue: string, id: string, options?: StorageCallOptions): Promise<number | null>
}

/** Creates the queue operations on the driver's context. @internal */
export function queueOps(ctx: DriverContext): QueueOps {
  const S = ctx.schema
  const T = `${S}.queue_items`
  /** The clock of a statement whose last parameter is the client clock (or null). */
  const now = (param: string) => `coalesce(${param}::float8, ${S}.now_ms())`
  /** The columns of an item, its lease shown only while it holds. */
  const columns = (
    at: string,
  ) => `q.id, q.priority, q.score, q.seq, q.available_at, q.enqueued_at, q.attempts,
    q.payload, CASE WHEN q.lease_expires_at > ${at} THEN q.lease_token END AS lease_token,
    CASE WHEN q.lease_expires_at > ${at} THEN q.lease_expires_at END AS lease_expires_at`
  // `IS NOT DISTINCT FROM` (the token is never null) rather than `=`: the condition then does not
  // imply `lease_token IS NOT NULL`, so that the only index a plan can use is the primary key.
  const holds = (token: string, at: string) =>
    `q.ns = $1 AND q.queue = $2 AND q.id = $3 AND q.lease_token IS NOT DISTINCT FROM ${token}
      AND q.lease_expires_at > ${at}`

  const enqueueSql = `INSERT INTO ${T} AS q (ns, queue, id, priority, score, available_at, enqueued_at, payload)
    SELECT $1, $2, $3, $4::float8, coalesce($5::float8, c.now), coalesce($6::float8, c.now), c.now, $7::json
    FROM (SELECT ${now('$8')} AS now) AS c
    ON CONFLICT (ns, queue, id) DO UPDATE SET priority = excluded.priority, score = excluded.score,
      seq = excluded.seq, available_at = excluded.available_at, payload = excluded.payload,
      lease_token = NULL, lease_expires_at = NULL
    RETURNING ${columns('0')}`
  // The rows to claim: the first available waiting items and the first expired leases, each branch
  // walking its own partial index in order and locking what it takes (SKIP LOCKED: rows another
  // claim holds are passed over), merged in queue order. ARRAY(…) runs once: a rescan would lock
  // further rows. The update then finds the locked rows by address (a TID scan, whatever the
  // statistics), and nobody can change them before this statement ends.
  const pick = (where: string) => `SELECT w.ctid AS tid, w.priority, w.score, w.seq FROM ${T} AS w
      WHERE w.ns = $1 AND w.queue = $2 AND ${where} AND w.available_at <= ${now('$5')}
      ORDER BY w.priority, w.score, w.seq LIMIT $4 FOR UPDATE SKIP LOCKED`
  const claimSql = `UPDATE ${T} AS q SET attempts = q.attempts + 1, lease_token = gen_random_uuid()::text,
      lease_expires_at = ${now('$5')} + $3::float8
    WHERE q.ctid = ANY(ARRAY(
      SELECT p.tid FROM (
        SELECT * FROM (${pick('w.lease_token IS NULL')}) AS waiting
        UNION ALL
        SELECT * FROM (${pick(`w.lease_token IS NOT NULL AND w.lease_expires_at <= ${now('$5')}`)}) AS expired
      ) AS p
      ORDER BY p.priority, p.score, p.seq LIMIT $4
    ))
    RETURNING ${columns('0')}`
  const ackSql = `DELETE FROM ${T} AS q WHERE ${holds('$4', now('$5'))}`
  const releaseSql = `UPDATE ${T} AS q SET lease_token = NULL, lease_expires_at = NULL,
      priority = coalesce($6::float8, q.priority), score = coalesce($7::float8, q.score),
      available_at = coalesce($8::float8, ${now('$5')})
    WHERE ${holds('$4', now('$5'))}`
  const extendSql = `UPDATE ${T} AS q SET lease_expires_at = ${now('$5')} + $6::float8
    WHERE ${holds('$4', now('$5'))}`
  const getSql = `SELECT ${columns(now('$4'))} FROM ${T} AS q WHERE q.ns = $1 AND q.queue = $2 AND q.id = $3`
  const updateSql = `UPDATE ${T} AS q SET priority = coalesce($5::float8, q.priority),
      score = coalesce($6::float8, q.score), available_at = coalesce($7::float8, q.available_at),
      payload = coalesce($8::json, q.payload), lease_token = NULL, lease_expires_at = NULL
    WHERE q.ns = $1 AND q.queue = $2 AND q.id = $3
      AND (q.lease_expires_at IS NULL OR q.lease_expires_at <= ${now('$4')})
    RETURNING ${columns('0')}`
  const removeSql = `DELETE FROM ${T} AS q WHERE q.ns = $1 AND q.queue = $2 AND q.id = $3`
  // The waiting items come in order from their index, the few leased ones are sorted.
  const listBranch = (where: string) => `SELECT * FROM (SELECT ${columns(now('$3'))} FROM ${T} AS q
      WHERE q.ns = $1 AND q.queue = $2 AND ${where}
      ORDER BY q.priority, q.score, q.seq LIMIT $4::bigint + $5::bigint) AS b`
  const listSql = `SELECT l.* FROM (
      ${listBranch('q.lease_token IS NULL')}
      UNION ALL
      ${listBranch('q.lease_token IS NOT NULL')}
    ) AS l
    ORDER BY l.priority, l.score, l.seq OFFSET $4 LIMIT $5`
  const sizeSql = `SELECT count(*) AS size FROM ${T} AS q WHERE q.ns = $1 AND q.queue = $2`
  // The items before it in queue order (priority, score, seq), claimed ones included, plus one.
  const positionSql = `SELECT 1 + (
      SELECT count(*) FROM ${T} AS q
      WHERE q.ns = t.ns AND q.queue = t.queue AND (q.priority, q.score, q.seq) < (t.priority, t.score, t.seq)
    ) AS position
    FROM ${T} AS t WHERE t.ns = $1 AND t.queue = $2 AND t.id = $3`

  return {
    async enqueue<T>(ns: string, queue: string, input: EnqueueInput<T>, options?: StorageCallOptions) {
      assertName(queue, 'queue')
      assertName(input?.id, 'item id')
      assertFinite(input.priority, 'priority')
      if (input.score !== undefined) assertFinite(input.score, 'score')
      if (input.availableAt !== undefined) assertFinite(input.availableAt, 'availableAt')
      const payload = encodeJson(input.payload, `The payload of "${input.id}"`)
      const { rows } = await ctx.run(
        'enqueue',
        enqueueSql,
        [ns, queue, input.id, input.priority, input.score, input.availableAt, payload, ctx.now()],
        options,
      )
      return toItem<T>(rows[0]!)
    },

    async claim<T>(ns: string, queue: string, options: ClaimOptions) {
      assertName(queue, 'queue')
      assertPositive(options?.leaseMs, 'leaseMs')
      const limit = options.limit ?? 1
      assertInteger(limit, 'limit', 1)
      const { rows } = await ctx.run(
        'claim',
        claimSql,
        [ns, queue, options.leaseMs, limit, ctx.now()],
        options,
      )
      // RETURNING has no order: put the claimed items back in queue order.
      rows.sort(byQueueOrder)
      return rows.map((row) => toItem<T>(row) as ClaimedItem<T>)
    },

    async ack(ns: string, queue: string, id: string, token: string, options?: StorageCallOptions) {
      assertName(queue, 'queue')
      if (!isText(id) || !isText(token)) return false
      const result = await ctx.run('ack', ackSql, [ns, queue, id, token, ctx.now()], options)
      return result.rowCount === 1
    },

    async release(ns: string, queue: string, id: string, token: string, options: ReleaseOptions = {}) {
      assertName(queue, 'queue')
      if (options.availableAt !== undefined) assertFinite(options.availableAt, 'availableAt')
      if (options.priority !== undefined) assertFinite(options.priority, 'priority')
      if (options.score !== undefined) assertFinite(options.score, 'score')
      if (!isText(id) || !isText(token)) return false
      const result = await ctx.run(
        'release',
        releaseSql,
        [ns, queue, id, token, ctx.now(), options.priority, options.score, options.availableAt],
        options,
      )
      return result.rowCount === 1
    },

    async extendLease(
      ns: string,
      queue: string,
      id: string,
      token: string,
      leaseMs: number,
      options?: StorageCallOptions,
    ) {
      assertName(queue, 'queue')
      assertPositive(leaseMs, 'leaseMs')
      if (!isText(id) || !isText(token)) return false
      const result = await ctx.run(
        'extendLease',
        extendSql,
        [ns, queue, id, token, ctx.now(), leaseMs],
        options,
      )
      return result.rowCount === 1
    },

    async getQueued<T>(ns: string, queue: string, id: string, options?: StorageCallOptions) {
      assertName(queue, 'queue')
      if (!isText(id)) return null
      const { rows } = await ctx.run('getQueued', getSql, [ns, queue, id, ctx.now()], options)
      return rows[0] === undefined ? null : toItem<T>(rows[0])
    },

    async updateQueued<T>(
      ns: string,
      queue: string,
      id: string,
      patch: QueueItemPatch<T>,
      options?: StorageCallOptions,
    ) {
      assertName(queue, 'queue')
      if (patch.priority !== undefined) assertFinite(patch.priority, 'priority')
      if (patch.score !== undefined) assertFinite(patch.score, 'score')
      if (patch.availableAt !== undefined) assertFinite(patch.availableAt, 'availableAt')
      const payload =
        patch.payload === undefined ? undefined : encodeJson(patch.payload, `The payload of "${id}"`)
      if (!isText(id)) return null
      const { rows } = await ctx.run(
        'updateQueued',
        updateSql,
        [ns, queue, id, ctx.now(), patch.priority, patch.score, patch.availableAt, payload],
        options,
      )
      return rows[0] === undefined ? null : toItem<T>(rows[0])
    },

    async removeQueued(ns: string, queue: string, id: string, options?: StorageCallOptions) {
      assertName(queue, 'queue')
      if (!isText(id)) return false
      const result = await ctx.run('removeQueued', removeSql, [ns, queue, id], options)
      return result.rowCount === 1
    },

    async listQueue<T>(ns: string, queue: string, options: ListQueueOptions) {
      assertName(queue, 'queue')
      const offset = options.offset ?? 0
      const limit = options.limit ?? 100
      assertInteger(offset, 'offset', 0)
      assertInteger(limit, 'limit', 1)
      const { rows } = await ctx.run('listQueue', listSql, [ns, queue, ctx.now(), offset, limit], options)
      return rows.map((row) => toItem<T>(row))
    },

    async queueSize(ns: string, queue: string, options?: StorageCallOptions) {
      assertName(queue, 'queue')
      const { rows } = await ctx.run('queueSize', sizeSql, [ns, queue], options)
      return num(rows[0]!.size)
    },

    async queuePosition(ns: string, queue: string, id: string, options?: StorageCallOptions) {
      assertName(queue, 'queue')
      if (!isText(id)) return null
      const { rows } = await ctx.run('queuePosition', positionSql, [ns, queue, id], options)
      return rows[0] === undefined ? null : num(rows[0].position)
    },
  }
}

/** An item for the caller; the lease columns are already null unless the lease holds. */
function toItem<T>(row: RawRow): QueueItem<T> {
  const item: QueueItem<T> = {
    id: row.id!,
    priority: num(row.priority),
    score: num(row.score),
    availableAt: num(row.available_at),
    enqueuedAt: num(row.enqueued_at),
    attempts: num(row.attempts),
    payload: json<T>(row.payload),
  }
  if (row.lease_token !== null && row.lease_token !== undefined)
    item.lease = { token: row.lease_token, expiresAt: num(row.lease_expires_at) }
  return item
}

function byQueueOrder(a: RawRow, b: RawRow): number {
  return (
    num(a.priority) - num(b.priority) ||
    num(a.score) - num(b.score) ||
    (BigInt(a.seq!) < BigInt(b.seq!) ? -1 : BigInt(a.seq!) > BigInt(b.seq!) ? 1 : 0)
  )
}

/** Ids and tokens that can match a row (anything else matches nothing). */
function isText(value: unknown): value is string {
  return typeof value === 'string' && !value.includes('\u0000')
}
