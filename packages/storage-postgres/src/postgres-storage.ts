/**
 * The PostgreSQL storage driver: {@link postgresStorage}.
 *
 * @module
 */
import type { Analytics, StorageCallOptions, StorageV1 } from '@leadcall/core'
import pg from 'pg'
import { type ProcessAnalyticsOptions, processAnalytics } from './postgres-analytics.js'
import { abortable, DEFAULT_SCHEMA } from './postgres-common.js'
import { createContext } from './postgres-context.js'
import { documentOps } from './postgres-documents.js'
import { migrate } from './postgres-migrate.js'
import { queueOps } from './postgres-queue.js'
import { recordOps } from './postgres-records.js'
import { assertInteger, assertName, invalid, quoteSchema } from './postgres-support.js'

/** Options of {@link postgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * Where to connect, e.g. `postgres://user:password@host:5432/db`. The driver creates its own pool
   * and ends it on `close()`. Without it (and without `pool`), the `PG*` environment variables of
   * libpq apply (`PGHOST`, `PGUSER`, `PGDATABASE`, …).
   */
  connectionString?: string
  /**
   * An existing `pg.Pool` to use instead of creating one (then the pool settings below are
   * ignored). `close()` does not end it: the pool stays yours.
   */
  pool?: pg.Pool
  /** The schema every table lives in (default `leadcall`); an identifier, used case-sensitively. */
  schema?: string
  /**
   * Connections of the pool the driver creates (default 10). Each storage call holds one
   * connection for one statement, so this bounds the concurrent calls of the process; size it so
   * that every process together stays under the server's `max_connections`.
   */
  max?: number
  /** How long an idle connection stays open, in ms (default 10,000; 0 keeps them open). */
  idleTimeoutMs?: number
  /** How long to wait for a new connection, in ms, before failing (default: no limit). */
  connectionTimeoutMs?: number
  /** Cancels any statement of the pool's connections running longer than this, in ms (default: none). */
  statementTimeoutMs?: number
  /** TLS settings of the pool the driver creates, as in `pg` (`true`, or `tls.connect` options). */
  ssl?: pg.PoolConfig['ssl']
  /** `application_name` of the connections, shown in `pg_stat_activity` (default `leadcall`). */
  applicationName?: string
  /** Any other `pg.PoolConfig` setting of the pool the driver creates; the options above win. */
  poolConfig?: pg.PoolConfig
  /**
   * Runs {@link migrate} once before the first call (default false). Handy in development and
   * single-process deployments; with many processes prefer running the migrations once at deploy
   * time (`leadcall-postgres migrate`). Concurrent runs are safe either way.
   */
  autoMigrate?: boolean
  /**
   * Prepares the driver's fixed statements once per connection (default true), saving the parsing
   * and planning of every call. Turn it off behind a pooler that does not support prepared
   * statements (PgBouncer before 1.21 in transaction mode).
   */
  prepareStatements?: boolean
  /**
   * How `atomic` makes its commits durable:
   *
   * - `'early-release'` (default): the commit does not wait for its WAL flush, so its locks are
   *   released as soon as it is committed; the call then waits for a group flush (a tiny standard
   *   commit sent after it, shared by every commit completed meanwhile) before it resolves. An
   *   acknowledged commit is as durable as a standard commit, commits on the same key (a
   *   round-robin pointer, a busy agent, a day's counters) follow each other without one disk flush
   *   each, and no connection is held while the disk syncs. Other sessions may see a commit a few
   *   milliseconds before it is durable: if the database server crashes in that window, that
   *   commit is lost, but its writer never got an answer.
   * - `'synchronous'`: PostgreSQL's standard commit, in one round trip: nobody sees a commit before
   *   it is flushed, but its locks are held during the flush, so commits on one key are limited
   *   to one per disk flush, and optimistic writers contending on a hot key retry much more.
   * - `'asynchronous'`: `synchronous_commit = off` for `atomic`: one round trip, no wait for the
   *   flush; if the database server crashes, the acknowledged commits of the last moments (up to
   *   three times `wal_writer_delay`) may be lost (never part of one). An application crash loses
   *   nothing in any mode.
   *
   * Queue and record writes always commit the standard way.
   */
  commitMode?: 'early-release' | 'synchronous' | 'asynchronous'
  /**
   * The clock, in ms since epoch. By default every time-based rule (TTLs, leases, `availableAt`,
   * default scores and record times) reads the **database server's** clock, so that every process
   * agrees on them whatever their own clocks say. Pass a clock (e.g. a fake one in tests) to use it
   * instead.
   */
  now?: () => number
  /**
   * How often expired documents are deleted, in ms (default 60,000; `false` or 0 disables it).
   * Expired documents are invisible as soon as they expire, whether deleted or not; the sweep only
   * reclaims their space. Its timer never keeps the process alive and stops on `close()`.
   */
  sweepIntervalMs?: number | false
  /** Expired documents one sweep statement deletes at most (default 1,000); a sweep repeats it. */
  sweepBatchSize?: number
  /**
   * Receives errors of background work: the periodic sweep, and idle connections of the pool the
   * driver created (e.g. the server restarted). Default: ignored (the next call reports them).
   */
  onError?: (error: unknown) => void
}

/** The {@link StorageV1} of {@link postgresStorage}, with what is specific to PostgreSQL. */
export interface PostgresStorage extends StorageV1 {
  /** Always `postgres`. */
  readonly name: 'postgres'
  /** The schema the tables live in (unquoted). */
  readonly schema: string
  /** The pool the driver runs its statements on (yours, or the one it created). */
  readonly pool: pg.Pool
  /**
   * Deletes expired documents now (the periodic sweep does the same); returns how many. Safe to
   * run from several processes at once: rows another sweep holds are skipped.
   */
  sweepExpired(options?: StorageCallOptions): Promise<number>
  /**
   * Tracking analytics of one tenant computed in SQL from its process records: the figures of
   * `tracking.analytics()` (totals, errors by code, per-agent figures, balance, and a series by day,
   * hour, weekday or agent), over the exact period asked (not whole days), with **exact**
   * percentiles (`percentile_cont`) instead of the t-digest estimates. The period is a range of
   * the primary key of `records`, so its cost follows the processes in the period, not the table.
   *
   * It reads the records that are still kept: processes removed by `tracking.cleanup()` or
   * `tracking.recordRetentionMs` no longer count here, while `tracking.analytics()` (day counters)
   * still has them. The same rows are the view `<schema>.process_records`, for your own SQL.
   *
   * @throws {LeadCallError} `VALIDATION_FAILED` for a period that is not `from < to`, an unknown
   * `groupBy` or time zone, or more than 1,000 days grouped by day.
   */
  processAnalytics(options: ProcessAnalyticsOptions): Promise<Analytics>
  /** Stops the sweep timer and ends the pool if the driver created it. Calls fail afterwards. */
  close(): Promise<void>
}

const COMMIT_MODES: readonly string[] = ['early-release', 'synchronous', 'asynchronous']
const DEFAULT_SWEEP_MS = 60_000
const DEFAULT_SWEEP_BATCH = 1_000
/** Sweep statements one sweep runs at most, so that one sweep stays short. */
const SWEEP_ROUNDS = 100

/**
 * A {@link StorageV1} on PostgreSQL (`capabilities: { shared: true, durable: true }`): state is
 * shared by every process connected to the database and survives restarts. Run {@link migrate}
 * first (or pass `autoMigrate: true`).
 *
 * - **Documents** are rows of `documents` (`json` values, kept byte for byte). `atomic` is a single
 *   statement calling a PL/pgSQL function: one round trip, one transaction. It takes a
 *   transaction-scoped advisory lock per key it reads or writes (in a fixed order, so never a
 *   deadlock), then checks versions and applies the mutations under READ COMMITTED, which sees the
 *   latest committed rows once the locks are held: commits touching a common key are serialised,
 *   which makes `atomic` linearizable without serialisation failures or retries.
 * - **Queues** are rows of `queue_items`, ordered by priority, score and a bigserial enqueue
 *   sequence. `claim` is one `UPDATE` over `SELECT … FOR UPDATE SKIP LOCKED`: concurrent claimers
 *   never get the same item and never wait for each other. Leases are a token and an expiry.
 * - **Records** are rows of `records` keyed by `(ns, stream, time, seq)`.
 * - Expired documents and leases are invisible to every read and check as soon as they expire;
 *   expired documents are deleted by a periodic sweep (see `sweepIntervalMs`) or overwritten.
 * - Every call is at most one statement on one pooled connection: reads by key issued in the same
 *   turn of the event loop share one, and `early-release` commits share their flushes. A call
 *   made with an aborted signal rejects without sending anything; a signal aborted while the call
 *   waits rejects at once (a statement already sent still completes on the server).
 * - Validation errors are `LeadCallError`s with code `VALIDATION_FAILED`, as in the memory driver.
 *
 * @example
 * ```ts
 * import { createLeadCall } from '@leadcall/core'
 * import { migrate, postgresStorage } from '@leadcall/postgres'
 *
 * const connectionString = process.env.DATABASE_URL
 * await migrate({ connectionString })
 * const app = createLeadCall({ storage: postgresStorage({ connectionString }) })
 * ```
 */
export function postgresStorage(options: PostgresStorageOptions = {}): PostgresStorage {
  const schema = options.schema ?? DEFAULT_SCHEMA
  const quotedSchema = quoteSchema(schema)
  if (options.pool !== undefined && options.connectionString !== undefined)
    throw invalid('postgresStorage: pass either pool or connectionString, not both')
  if (options.now !== undefined && typeof options.now !== 'function') throw invalid('now must be a function')
  const sweepMs = options.sweepIntervalMs === false ? 0 : (options.sweepIntervalMs ?? DEFAULT_SWEEP_MS)
  assertInteger(sweepMs, 'sweepIntervalMs', 0)
  const sweepBatch = options.sweepBatchSize ?? DEFAULT_SWEEP_BATCH
  assertInteger(sweepBatch, 'sweepBatchSize', 1)
  const onError = options.onError ?? (() => {})
  const commitMode = options.commitMode ?? 'early-release'
  if (!COMMIT_MODES.includes(commitMode))
    throw invalid(`commitMode must be one of ${COMMIT_MODES.join(', ')}, got ${JSON.stringify(commitMode)}`)

  const ownPool = options.pool === undefined
  const pool = options.pool ?? createPool(options, onError)
  let closed = false
  let closing: Promise<void> | undefined
  let migrating: Promise<void> | undefined

  const ready = (call?: StorageCallOptions): Promise<void> | undefined => {
    if (options.autoMigrate !== true) return undefined
    migrating ??= migrate({ pool, schema }).then(
      () => {},
      (error: unknown) => {
        migrating = undefined
        throw error
      },
    )
    const pending = migrating
    return call?.signal === undefined ? pending : abortable(call.signal, () => pending)
  }
  const ctx = createContext({
    pool,
    concurrency: poolSize(pool),
    schemaName: schema,
    quotedSchema,
    now: options.now,
    prepareStatements: options.prepareStatements ?? true,
    commitMode,
    ready,
  })
  const documents = documentOps(ctx)
  const queues = queueOps(ctx)
  const records = recordOps(ctx)

  /** Common entry of every call: aborted signal, closed storage, namespace. */
  function begin(ns: string, call: StorageCallOptions | undefined): void {
    call?.signal?.throwIfAborted()
    if (closed) throw new Error('This postgres storage is closed')
    assertName(ns, 'namespace')
  }

  let sweeping = false
  async function sweepExpired(call?: StorageCallOptions): Promise<number> {
    call?.signal?.throwIfAborted()
    if (closed) throw new Error('This postgres storage is closed')
    let total = 0
    for (let round = 0; round < SWEEP_ROUNDS && !closed; round++) {
      const removed = await documents.sweep(sweepBatch, call)
      total += removed
      if (removed < sweepBatch) break
    }
    return total
  }
  const timer =
    sweepMs > 0
      ? setInterval(() => {
          if (sweeping || closed) return
          sweeping = true
          sweepExpired().then(
            () => {
              sweeping = false
            },
            (error: unknown) => {
              sweeping = false
              if (!closed) onError(error)
            },
          )
        }, sweepMs)
      : undefined
  timer?.unref()

  return {
    specificationVersion: 'v1',
    name: 'postgres',
    capabilities: { shared: true, durable: true },
    schema,
    pool,
    sweepExpired,
    async processAnalytics(call) {
      call?.signal?.throwIfAborted()
      if (closed) throw new Error('This postgres storage is closed')
      return processAnalytics(ctx, call)
    },

    async get(ns, key, call) {
      begin(ns, call)
      return documents.get(ns, key, call)
    },
    async getMany(ns, keys, call) {
      begin(ns, call)
      return documents.getMany(ns, keys, call)
    },
    async list(ns, call = {}) {
      begin(ns, call)
      return documents.list(ns, call)
    },
    async atomic(ns, operation, call) {
      begin(ns, call)
      return documents.atomic(ns, operation, call)
    },

    async enqueue(ns, queue, item, call) {
      begin(ns, call)
      return queues.enqueue(ns, queue, item, call)
    },
    async claim(ns, queue, call) {
      begin(ns, call)
      return queues.claim(ns, queue, call)
    },
    async ack(ns, queue, id, token, call) {
      begin(ns, call)
      return queues.ack(ns, queue, id, token, call)
    },
    async release(ns, queue, id, token, call = {}) {
      begin(ns, call)
      return queues.release(ns, queue, id, token, call)
    },
    async extendLease(ns, queue, id, token, leaseMs, call) {
      begin(ns, call)
      return queues.extendLease(ns, queue, id, token, leaseMs, call)
    },
    async getQueued(ns, queue, id, call) {
      begin(ns, call)
      return queues.getQueued(ns, queue, id, call)
    },
    async updateQueued(ns, queue, id, patch, call) {
      begin(ns, call)
      return queues.updateQueued(ns, queue, id, patch, call)
    },
    async removeQueued(ns, queue, id, call) {
      begin(ns, call)
      return queues.removeQueued(ns, queue, id, call)
    },
    async listQueue(ns, queue, call = {}) {
      begin(ns, call)
      return queues.listQueue(ns, queue, call)
    },
    async queuePosition(ns, queue, id, call) {
      begin(ns, call)
      return queues.queuePosition(ns, queue, id, call)
    },
    async queueSize(ns, queue, call) {
      begin(ns, call)
      return queues.queueSize(ns, queue, call)
    },

    async append(ns, stream, record, call) {
      begin(ns, call)
      return records.append(ns, stream, record, call)
    },
    async range(ns, stream, call = {}) {
      begin(ns, call)
      return records.range(ns, stream, call)
    },
    async trim(ns, stream, before, call) {
      begin(ns, call)
      return records.trim(ns, stream, before, call)
    },

    close() {
      closed = true
      if (timer !== undefined) clearInterval(timer)
      // The commits under way finish, flush wait included, before the pool ends.
      closing ??= ctx.idle().then(() => (ownPool ? pool.end() : undefined))
      return closing
    },
  }
}

function createPool(options: PostgresStorageOptions, onError: (error: unknown) => void): pg.Pool {
  const config: pg.PoolConfig = { ...options.poolConfig }
  if (options.connectionString !== undefined) config.connectionString = options.connectionString
  config.application_name = options.applicationName ?? config.application_name ?? 'leadcall'
  config.max = options.max ?? config.max ?? 10
  if (options.idleTimeoutMs !== undefined) config.idleTimeoutMillis = options.idleTimeoutMs
  if (options.connectionTimeoutMs !== undefined) config.connectionTimeoutMillis = options.connectionTimeoutMs
  if (options.statementTimeoutMs !== undefined) config.statement_timeout = options.statementTimeoutMs
  if (options.ssl !== undefined) config.ssl = options.ssl
  assertInteger(config.max, 'max', 1)
  const pool = new pg.Pool(config)
  // Without a listener, an error of an idle connection (e.g. a server restart) would crash the
  // process; the pool drops that connection and opens a new one when needed.
  pool.on('error', onError)
  return pool
}

/** The size of a pool (`max`, 10 by default in pg). */
function poolSize(pool: pg.Pool): number {
  const max = (pool as { options?: { max?: unknown } }).options?.max
  return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : 10
}
