import { describe, expect, it } from 'vitest'
import { silentLogger } from '../logging/logger.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { AtomicOperation, StorageCallOptions, StorageV1 } from '../storage/storage-v1.js'
import { createMetricsStore } from './metrics-store.js'
import { tk } from './tracking-keys.js'

/** A memory storage counting the commits that write `key`. */
function counting(key: string) {
  const inner = memoryStorage()
  const counter = { writes: 0, conflicts: 0 }
  const storage: StorageV1 = Object.assign(Object.create(inner) as StorageV1, {
    async atomic(ns: string, operation: AtomicOperation, options?: StorageCallOptions) {
      const result = await inner.atomic(ns, operation, options)
      if (operation.mutations.some((m) => m.key === key)) {
        if (result.ok) counter.writes++
        else counter.conflicts++
      }
      return result
    },
  })
  return { storage, counter }
}

describe('the day index of agents', () => {
  it('takes agents new at the same time in one write, not one contended write each', async () => {
    const day = '2026-11-23'
    const { storage, counter } = counting(tk.agents(day))
    const metrics = createMetricsStore({
      storage,
      ns: 'default',
      logger: silentLogger,
      agentName: async (id) => id.toUpperCase(),
    })
    // Every agent's first lead of the day, all at once: names given, and names looked up.
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        metrics.ensureIndexed(day, new Map([[`a${i}`, i % 2 === 0 ? `Agent ${i}` : `a${i}`]])),
      ),
    )
    const index = (await storage.get<Record<string, string>>('default', tk.agents(day)))?.value ?? {}
    expect(Object.keys(index)).toHaveLength(300)
    expect(index.a0).toBe('Agent 0')
    expect(index.a1).toBe('A1')
    expect(counter.writes).toBeLessThanOrEqual(3)
    expect(counter.conflicts).toBe(0)
    // Known agents write nothing; a new one later, once.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => metrics.ensureIndexed(day, new Map([[`a${i}`, `a${i}`]]))),
    )
    expect(counter.writes).toBeLessThanOrEqual(3)
    const before = counter.writes
    await metrics.ensureIndexed(day, new Map([['late', 'Late']]))
    expect(counter.writes).toBe(before + 1)
  })

  it('rejects every waiting caller when the write fails, and writes again on the next call', async () => {
    const day = '2026-11-24'
    const inner = memoryStorage()
    let failing = true
    const storage: StorageV1 = Object.assign(Object.create(inner) as StorageV1, {
      async atomic(ns: string, operation: AtomicOperation, options?: StorageCallOptions) {
        if (failing && operation.mutations.some((m) => m.key === tk.agents(day)))
          throw new Error('store down')
        return inner.atomic(ns, operation, options)
      },
    })
    const metrics = createMetricsStore({
      storage,
      ns: 'default',
      logger: silentLogger,
      agentName: async () => undefined,
    })
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => metrics.ensureIndexed(day, new Map([[`b${i}`, `B${i}`]]))),
    )
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    failing = false
    await metrics.ensureIndexed(day, new Map([['b0', 'B0']]))
    expect((await inner.get<Record<string, string>>('default', tk.agents(day)))?.value).toEqual({ b0: 'B0' })
  })
})
