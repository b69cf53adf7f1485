/**
 * The Redis storage driver: {@link redisStorage}.
 *
 * @module
 */
import type { StorageCallOptions, StorageV1 } from '@leadcall/core'
import { type Cluster, Redis, type RedisOptions } from 'ioredis'
import type { RedisContext } from './redis-context.js'
import { commitAtomic, getDocument, getDocuments, listDocuments } from './redis-documents.js'
import { keyLayout } from './redis-keys.js'
import { RedisQueue } from './redis-queue.js'
import { appendRecord, rangeRecords, trimRecords } from './redis-records.js'
import { assertName, invalid } from './redis-support.js'

/** Options of {@link redisStorage}. */
export interface RedisStorageOptions {
  /**
   * Where to connect, e.g. `redis://:password@redis.internal:6379/0` or `rediss://…` for TLS.
   * Defaults to `redis://127.0.0.1:6379`. Not allowed together with `client`.
   */
  url?: string
  /**
   * An ioredis client to use instead of creating one: a `Redis` (standalone, Sentinel) or a
   * `Cluster`. The storage uses it as it is and never closes it: `close()` leaves it connected, for
   * the application to close. Share one client between the storage and the rest of the application
   * when connections are scarce.
   */
  client?: Redis | Cluster
  /**
   * Options of the ioredis client the storage creates from `url`: TLS, password, `db`,
   * `maxRetriesPerRequest`, `connectTimeout`, `keepAlive`, `enableAutoPipelining`, … (see ioredis'
   * `RedisOptions`). Not allowed together with `client`: configure that client yourself.
   */
  redisOptions?: RedisOptions
  /**
   * Receives the connection errors of the client the storage creates (ioredis reports them while it
   * reconnects; the calls made meanwhile wait, then fail with their own error). Without it, ioredis
   * prints them to the console. Not allowed together with `client`: listen on that client yourself.
   */
  onError?: (error: Error) => void
  /**
   * The first part of every key, `leadcall` by default: give each application (or environment)
   * sharing one Redis its own prefix. Tenants of one application are already apart (each is a
   * namespace with its own hash tag). Must not be empty nor contain `{` or `}`.
   */
  prefix?: string
}

/**
 * A {@link StorageV1} on Redis (6.2 or later, standalone, Sentinel or Cluster) through ioredis:
 * state shared by every process that connects, and as durable as the server's persistence
 * (`capabilities: { shared: true, durable: true }`; see the README on AOF and RDB).
 *
 * - Every atomic change is one Lua script, sent by SHA1 (`EVALSHA`) in one round trip: `atomic`
 *   (checks and all mutations), `enqueue`, `claim`, `ack`, `release`, `extendLease`,
 *   `updateQueued`, `removeQueued`, `append`. Redis runs a script alone, so `atomic` and `claim` are
 *   linearizable.
 * - Reads are one command where they can be: `get` (`GET`), `getMany` (`MGET`), `range`, `trim`,
 *   `queueSize`; `list` reads an index of keys with `ZRANGEBYLEX`, then the page with `MGET`.
 * - TTLs are native (`SET … PXAT`). Every time rule — TTLs, leases, `availableAt`, default scores
 *   and record times — uses the Redis server's clock, one clock for every process.
 * - Every key of a namespace carries the namespace as its Cluster hash tag, and every script names
 *   all its keys in `KEYS`, so scripts run on Redis Cluster.
 * - Values are stored as JSON text: what you write and what you read are always copies, and a value
 *   that is not JSON is rejected with `VALIDATION_FAILED`, as are invalid arguments.
 * - A call made with an aborted signal rejects with the signal's reason before sending anything; a
 *   signal aborted while the command is in flight rejects the call at once, but the command may
 *   still be applied by the server (as with any network store).
 * - Errors of the connection or the server (e.g. Redis unreachable) reject with ioredis's error.
 * - `close()` closes the client the storage created (not one passed as `client`); the storage
 *   rejects every call afterwards.
 *
 * @example
 * ```ts
 * import { createLeadCall } from '@leadcall/core'
 * import { redisStorage } from '@leadcall/redis'
 *
 * const app = createLeadCall({ storage: redisStorage({ url: process.env.REDIS_URL }) })
 * ```
 */
export function redisStorage(options: RedisStorageOptions = {}): StorageV1 {
  const keys = keyLayout(options.prefix ?? 'leadcall')
  const owned = options.client === undefined
  if (
    !owned &&
    (options.url !== undefined || options.redisOptions !== undefined || options.onError !== undefined)
  )
    throw invalid('Pass either client, or url, redisOptions and onError, not both')
  // A Cluster has the same command API as a Redis client; the driver only uses that API.
  const client = (options.client ??
    new Redis(options.url ?? 'redis://127.0.0.1:6379', options.redisOptions ?? {})) as Redis
  if (owned && options.onError !== undefined) client.on('error', options.onError)
  const ctx: RedisContext = { client, keys }
  let closed = false

  /** Common entry of every call: aborted signal, closed storage, namespace; then the work. */
  async function call<R>(
    ns: string,
    options: StorageCallOptions | undefined,
    work: () => Promise<R>,
  ): Promise<R> {
    const signal = options?.signal
    signal?.throwIfAborted()
    if (closed) throw new Error('This redis storage is closed')
    assertName(ns, 'namespace')
    const done = work()
    return signal === undefined ? done : abortable(done, signal)
  }

  function queue(ns: string, name: string): RedisQueue {
    assertName(name, 'queue')
    return new RedisQueue(ctx, keys.queue(ns, name))
  }

  function stream(name: string): string {
    assertName(name, 'stream')
    return name
  }

  return {
    specificationVersion: 'v1',
    name: 'redis',
    capabilities: { shared: true, durable: true },

    get: (ns, key, options) => call(ns, options, () => getDocument(ctx, ns, key)),
    getMany: (ns, keys, options) => call(ns, options, () => getDocuments(ctx, ns, keys)),
    list: (ns, options = {}) => call(ns, options, () => listDocuments(ctx, ns, options)),
    atomic: (ns, operation, options) => call(ns, options, () => commitAtomic(ctx, ns, operation)),

    enqueue: (ns, name, item, options) => call(ns, options, () => queue(ns, name).enqueue(item)),
    claim: (ns, name, options) => call(ns, options, () => queue(ns, name).claim(options)),
    ack: (ns, name, id, token, options) => call(ns, options, () => queue(ns, name).ack(id, token)),
    release: (ns, name, id, token, options = {}) =>
      call(ns, options, () => queue(ns, name).release(id, token, options)),
    extendLease: (ns, name, id, token, leaseMs, options) =>
      call(ns, options, () => queue(ns, name).extendLease(id, token, leaseMs)),
    getQueued: (ns, name, id, options) => call(ns, options, () => queue(ns, name).get(id)),
    updateQueued: (ns, name, id, patch, options) =>
      call(ns, options, () => queue(ns, name).update(id, patch)),
    removeQueued: (ns, name, id, options) => call(ns, options, () => queue(ns, name).remove(id)),
    listQueue: (ns, name, options = {}) => call(ns, options, () => queue(ns, name).list(options)),
    queueSize: (ns, name, options) => call(ns, options, () => queue(ns, name).size()),
    queuePosition: (ns, name, id, options) => call(ns, options, () => queue(ns, name).position(id)),

    append: (ns, name, record, options) =>
      call(ns, options, () => appendRecord(ctx, ns, stream(name), record)),
    range: (ns, name, options = {}) => call(ns, options, () => rangeRecords(ctx, ns, stream(name), options)),
    trim: (ns, name, before, options) => call(ns, options, () => trimRecords(ctx, ns, stream(name), before)),

    async close() {
      if (closed) return
      closed = true
      if (!owned) return
      try {
        await client.quit()
      } catch {
        client.disconnect()
      }
    },
  }
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<R>(promise: Promise<R>, signal: AbortSignal): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
