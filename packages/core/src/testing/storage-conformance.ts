/**
 * The conformance kit of the storage specification: {@link storageConformance}.
 *
 * @module
 */
import { describe, it } from 'vitest'
import type { StorageV1 } from '../storage/storage-v1.js'
import { distributionConformance } from './storage-conformance-distribution.js'
import { documentConformance } from './storage-conformance-documents.js'
import { isolationConformance } from './storage-conformance-isolation.js'
import { queueConformance } from './storage-conformance-queues.js'
import { recordConformance } from './storage-conformance-records.js'
import { randomNamespace, type WithStorage } from './storage-test-context.js'

/** Options of {@link storageConformance}. */
export interface StorageConformanceOptions {
  /**
   * Skips the whole kit with this reason, shown as the name of the skipped suite (e.g. when the
   * driver's server is not reachable). `false` or absent runs it.
   */
  skip?: string | false
}

/**
 * Registers, with vitest, the tests every {@link StorageV1} driver must pass: documents, versions,
 * compare-and-set and counters under concurrency, TTL, queue order, exactly-once claims, leases,
 * records, namespace isolation, aborted calls, and distribution decisions committed through the
 * store (round-robin fairness and capacity under concurrency, from one app or two sharing it).
 *
 * Call it at the top level of a test file. Each test gets its own storage from `makeStorage`
 * (closed after the test, when it has `close`) and works in a fresh random namespace, so drivers
 * that share one server (or a server shared with other runs) never see each other's data. The
 * kit waits in real time (TTLs and leases of 200 ms, waits of 500 ms; the tests that wait run
 * concurrently) and copes with slow machines and network latency: it never asserts on how long
 * something took.
 *
 * @example
 * ```ts
 * // packages/storage-redis/src/redis-storage.test.ts
 * import { storageConformance } from '@leadcall/core/testing'
 * import { redisStorage } from './redis-storage.js'
 *
 * const url = process.env.REDIS_URL
 * storageConformance('redis', () => redisStorage({ url }), { skip: url ? false : 'REDIS_URL is not set' })
 * ```
 *
 * @param name - The driver's name, used in the suite's name.
 * @param makeStorage - Creates (or connects) a storage; called once per test.
 * @param options - See {@link StorageConformanceOptions}.
 */
export function storageConformance(
  name: string,
  makeStorage: () => StorageV1 | Promise<StorageV1>,
  options: StorageConformanceOptions = {},
): void {
  if (typeof options.skip === 'string') {
    describe.skip(options.skip, () => {
      it(`${name} storage conformance`, () => {})
    })
    return
  }

  const run: WithStorage = (test) => async () => {
    const storage = await makeStorage()
    try {
      await test({ storage, ns: randomNamespace() })
    } finally {
      await storage.close?.()
    }
  }

  describe(`${name} storage conformance`, () => {
    documentConformance(run)
    queueConformance(run)
    recordConformance(run)
    isolationConformance(run)
    distributionConformance(run)
  })
}
