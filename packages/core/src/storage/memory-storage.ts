/**
 * The in-process storage driver: {@link memoryStorage}.
 *
 * @module
 */
import { MemoryDocuments } from './memory-documents.js'
import { MemoryQueue } from './memory-queue.js'
import { MemoryStream } from './memory-records.js'
import { assertName } from './memory-support.js'
import type { StorageCallOptions, StorageV1 } from './storage-v1.js'

/** Options of {@link memoryStorage}. */
export interface MemoryStorageOptions {
  /**
   * The clock, in ms since epoch (default `Date.now`). Every time-based rule reads it: TTLs, leases,
   * `availableAt`, default scores and record times. Tests pass a fake clock to skip waiting.
   */
  now?: () => number
}

/**
 * A {@link StorageV1} that keeps everything in the memory of the process: fast, dependency-free,
 * and right for tests, demos and single-process deployments. State is neither shared between
 * processes nor kept across restarts (`capabilities: { shared: false, durable: false }`); use
 * `@leadcall/redis` or `@leadcall/postgres` for that.
 *
 * - Values are stored as JSON text, so what you write and what you read are always copies, and a
 *   value that is not JSON is rejected with `VALIDATION_FAILED`.
 * - Versions are a counter shared by all keys of the storage, as decimal strings.
 * - Expired keys behave exactly as absent and are removed lazily (on reads, and a few on every
 *   write); no timer is ever started, so the storage never keeps a process alive.
 * - `atomic` and `claim` run synchronously inside, hence are linearizable.
 * - Queues keep their order as they change: a claim or an ack costs a binary search and a short
 *   splice, never a sort, even with hundreds of thousands of items.
 * - Record ids are `<time>-<sequence>`, zero-padded so that they sort as strings like the records;
 *   record times must be non-negative integers.
 * - Every method rejects with the signal's reason when called with an aborted signal.
 * - `close()` drops all data; the storage rejects every call afterwards.
 *
 * @example
 * ```ts
 * import { memoryStorage } from '@leadcall/core'
 *
 * const storage = memoryStorage()
 * await storage.atomic('tenant-1', { mutations: [{ type: 'increment', key: 'leads', by: 1 }] })
 * ```
 */
export function memoryStorage(options: MemoryStorageOptions = {}): StorageV1 {
  const now = options.now ?? (() => Date.now())
  let documents = new MemoryDocuments(now)
  let queues = new Map<string, Map<string, MemoryQueue>>()
  let streams = new Map<string, Map<string, MemoryStream>>()
  let closed = false
  // Stand-ins for absent queues and streams: they check arguments and answer "nothing" as an empty
  // one would. Reads never write, and writes go through `ensure`, so they stay empty.
  const noQueue = new MemoryQueue()
  const noStream = new MemoryStream()

  /** Common entry of every call: aborted signal, closed storage, namespace. */
  function begin(ns: string, options: StorageCallOptions | undefined): void {
    options?.signal?.throwIfAborted()
    if (closed) throw new Error('This memory storage is closed')
    assertName(ns, 'namespace')
  }

  function queueOf(ns: string, name: string): MemoryQueue {
    assertName(name, 'queue')
    return queues.get(ns)?.get(name) ?? noQueue
  }

  function streamOf(ns: string, name: string): MemoryStream {
    assertName(name, 'stream')
    return streams.get(ns)?.get(name) ?? noStream
  }

  function ensure<V>(spaces: Map<string, Map<string, V>>, ns: string, name: string, create: () => V): V {
    let space = spaces.get(ns)
    if (space === undefined) {
      space = new Map()
      spaces.set(ns, space)
    }
    let value = space.get(name)
    if (value === undefined) {
      value = create()
      space.set(name, value)
    }
    return value
  }

  /** Forgets a container once it is empty (or was just created by a call that failed). */
  function prune<V extends { size: number }>(
    spaces: Map<string, Map<string, V>>,
    ns: string,
    name: string,
  ): void {
    const space = spaces.get(ns)
    if (space?.get(name)?.size !== 0) return
    space.delete(name)
    if (space.size === 0) spaces.delete(ns)
  }

  return {
    specificationVersion: 'v1',
    name: 'memory',
    capabilities: { shared: false, durable: false },

    async get(ns, key, options) {
      begin(ns, options)
      return documents.get(ns, key)
    },
    async getMany(ns, keys, options) {
      begin(ns, options)
      return documents.getMany(ns, keys)
    },
    async list(ns, options = {}) {
      begin(ns, options)
      return documents.list(ns, options)
    },
    async atomic(ns, operation, options) {
      begin(ns, options)
      return documents.atomic(ns, operation)
    },

    async enqueue(ns, queue, item, options) {
      begin(ns, options)
      assertName(queue, 'queue')
      try {
        return ensure(queues, ns, queue, () => new MemoryQueue()).enqueue(item, now())
      } finally {
        prune(queues, ns, queue)
      }
    },
    async claim(ns, queue, options) {
      begin(ns, options)
      return queueOf(ns, queue).claim(options.leaseMs, options.limit ?? 1, now())
    },
    async ack(ns, queue, id, token, options) {
      begin(ns, options)
      const done = queueOf(ns, queue).ack(id, token, now())
      if (done) prune(queues, ns, queue)
      return done
    },
    async release(ns, queue, id, token, options = {}) {
      begin(ns, options)
      return queueOf(ns, queue).release(id, token, options, now())
    },
    async extendLease(ns, queue, id, token, leaseMs, options) {
      begin(ns, options)
      return queueOf(ns, queue).extendLease(id, token, leaseMs, now())
    },
    async getQueued(ns, queue, id, options) {
      begin(ns, options)
      return queueOf(ns, queue).get(id, now())
    },
    async updateQueued(ns, queue, id, patch, options) {
      begin(ns, options)
      return queueOf(ns, queue).update(id, patch, now())
    },
    async removeQueued(ns, queue, id, options) {
      begin(ns, options)
      const done = queueOf(ns, queue).delete(id)
      if (done) prune(queues, ns, queue)
      return done
    },
    async listQueue(ns, queue, options = {}) {
      begin(ns, options)
      return queueOf(ns, queue).list(options.offset ?? 0, options.limit ?? 100, now())
    },
    async queueSize(ns, queue, options) {
      begin(ns, options)
      return queueOf(ns, queue).size
    },
    async queuePosition(ns, queue, id, options) {
      begin(ns, options)
      return queueOf(ns, queue).position(id)
    },

    async append(ns, stream, record, options) {
      begin(ns, options)
      assertName(stream, 'stream')
      try {
        return ensure(streams, ns, stream, () => new MemoryStream()).append(record, now())
      } finally {
        prune(streams, ns, stream)
      }
    },
    async range(ns, stream, options = {}) {
      begin(ns, options)
      const { from, to, limit, reverse = false } = options
      return streamOf(ns, stream).range(from, to, limit, reverse)
    },
    async trim(ns, stream, before, options) {
      begin(ns, options)
      const removed = streamOf(ns, stream).trim(before)
      if (removed > 0) prune(streams, ns, stream)
      return removed
    },

    async close() {
      closed = true
      documents = new MemoryDocuments(now)
      queues = new Map()
      streams = new Map()
    },
  }
}
