import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { storageConformance } from '../testing/index.js'
import { memoryStorage } from './memory-storage.js'

storageConformance('memory', () => memoryStorage())

/** A memory storage on a fake clock that tests move by hand. */
function fakeClock(start = 1_000_000) {
  const clock = { time: start }
  const storage = memoryStorage({ now: () => clock.time })
  return { clock, storage }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (reason: unknown) => reason,
  )
}

describe('memoryStorage', () => {
  it('declares its name, version and capabilities', () => {
    const storage = memoryStorage()
    expect(storage.specificationVersion).toBe('v1')
    expect(storage.name).toBe('memory')
    expect(storage.capabilities).toEqual({ shared: false, durable: false })
  })

  describe('on a fake clock', () => {
    it('expires keys at their expiry time', async () => {
      const { clock, storage } = fakeClock()
      await storage.atomic('ns', { mutations: [{ type: 'set', key: 'k', value: 1, ttlMs: 100 }] })
      expect(await storage.get('ns', 'k')).toMatchObject({ value: 1, expiresAt: clock.time + 100 })
      clock.time += 99
      expect((await storage.list('ns')).entries).toHaveLength(1)
      clock.time += 1
      expect(await storage.get('ns', 'k')).toBeNull()
      expect((await storage.list('ns')).entries).toEqual([])
      const result = await storage.atomic('ns', {
        checks: [{ key: 'k', version: null }],
        mutations: [{ type: 'increment', key: 'k', by: 2, ttlMs: 50 }],
      })
      expect(result).toMatchObject({ ok: true, counters: { k: 2 } })
      clock.time += 25
      // An increment of an existing key keeps its expiry.
      await storage.atomic('ns', { mutations: [{ type: 'increment', key: 'k', by: 1, ttlMs: 1000 }] })
      expect(await storage.get('ns', 'k')).toMatchObject({ value: 3, expiresAt: clock.time + 25 })
    })

    it('sweeps expired keys on writes without any read', async () => {
      const { clock, storage } = fakeClock()
      const mutations = Array.from({ length: 5000 }, (_, index) => ({
        type: 'set' as const,
        key: `k${index}`,
        value: index,
        ttlMs: 10,
      }))
      await storage.atomic('ns', { mutations })
      clock.time += 10
      for (let index = 0; index < 400; index++)
        await storage.atomic('other', { mutations: [{ type: 'set', key: 'x', value: index }] })
      expect(await storage.get('ns', 'k0')).toBeNull()
      expect((await storage.list('ns')).entries).toEqual([])
    })

    it('frees a lease at its expiry time, in queue order, and the old token is lost', async () => {
      const { clock, storage } = fakeClock()
      for (const [id, priority] of [
        ['a', 1],
        ['b', 0],
        ['c', 1],
      ] as const)
        await storage.enqueue('ns', 'q', { id, priority, payload: id })
      const first = await storage.claim('ns', 'q', { leaseMs: 100, limit: 2 })
      expect(first.map((item) => item.id)).toEqual(['b', 'a'])
      clock.time += 100
      // Expired but not claimed again: the lease is lost all the same.
      expect(await storage.extendLease('ns', 'q', 'b', first[0]!.lease.token, 100)).toBe(false)
      expect((await storage.getQueued('ns', 'q', 'b'))?.lease).toBeUndefined()
      const again = await storage.claim('ns', 'q', { leaseMs: 100, limit: 5 })
      expect(again.map((item) => [item.id, item.attempts])).toEqual([
        ['b', 2],
        ['a', 2],
        ['c', 1],
      ])
      expect(await storage.ack('ns', 'q', 'a', first[1]!.lease.token)).toBe(false)
    })

    it('hands out a delayed item at its availableAt, in order with the others', async () => {
      const { clock, storage } = fakeClock()
      await storage.enqueue('ns', 'q', {
        id: 'later',
        priority: 0,
        availableAt: clock.time + 50,
        payload: null,
      })
      await storage.enqueue('ns', 'q', { id: 'low', priority: 3, payload: null })
      clock.time += 49
      expect((await storage.claim('ns', 'q', { leaseMs: 10 })).map((item) => item.id)).toEqual(['low'])
      await storage.enqueue('ns', 'q', { id: 'normal', priority: 2, payload: null })
      clock.time += 1
      expect((await storage.claim('ns', 'q', { leaseMs: 10, limit: 5 })).map((item) => item.id)).toEqual([
        'later',
        'normal',
      ])
    })

    it('uses the clock for default scores, availability and record times', async () => {
      const { clock, storage } = fakeClock(5_000)
      const item = await storage.enqueue('ns', 'q', { id: 'a', priority: 0, payload: null })
      expect(item).toMatchObject({ score: 5_000, availableAt: 5_000, enqueuedAt: 5_000 })
      clock.time = 6_000
      expect((await storage.append('ns', 's', { data: null })).time).toBe(6_000)
    })
  })

  describe('values', () => {
    it('rejects what is not JSON with VALIDATION_FAILED, writing nothing', async () => {
      const storage = memoryStorage()
      const circular: Record<string, unknown> = {}
      circular.self = circular
      for (const value of [undefined, () => 1, 10n, circular, Symbol('s')]) {
        const error = await rejection(
          storage.atomic('ns', {
            mutations: [
              { type: 'set', key: 'ok', value: 1 },
              { type: 'set', key: 'bad', value },
            ],
          }),
        )
        expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
      }
      expect(await storage.get('ns', 'ok')).toBeNull()
      const error = await rejection(storage.enqueue('ns', 'q', { id: 'a', priority: 0, payload: 10n }))
      expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
      expect(await storage.queueSize('ns', 'q')).toBe(0)
    })

    it('stores values with JSON semantics', async () => {
      const storage = memoryStorage()
      const at = new Date(0)
      await storage.atomic('ns', {
        mutations: [{ type: 'set', key: 'k', value: { at, gone: undefined, list: [1] } }],
      })
      expect((await storage.get('ns', 'k'))?.value).toEqual({ at: at.toISOString(), list: [1] })
    })

    it('rejects bad arguments with VALIDATION_FAILED', async () => {
      const storage = memoryStorage()
      const calls = () => [
        storage.get('', 'k'),
        storage.get('ns', ''),
        storage.atomic('ns', { mutations: [{ type: 'increment', key: 'k', by: Number.NaN }] }),
        storage.atomic('ns', { mutations: [{ type: 'set', key: 'k', value: 1, ttlMs: 0 }] }),
        storage.list('ns', { limit: 0 }),
        storage.enqueue('ns', 'q', { id: 'a', priority: Number.POSITIVE_INFINITY, payload: null }),
        storage.claim('ns', 'q', { leaseMs: -1 }),
        storage.listQueue('ns', 'q', { offset: -1 }),
        storage.append('ns', 's', { time: 1.5, data: null }),
        storage.range('ns', 's', { limit: -1 }),
      ]
      for (const call of calls()) {
        const error = await rejection(call)
        expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
      }
      // The same checks apply to an existing queue; and the failed calls left nothing behind.
      await storage.enqueue('ns', 'q', { id: 'x', priority: 0, payload: null })
      await expect(storage.claim('ns', 'q', { leaseMs: 0 })).rejects.toThrow(/leaseMs/)
      expect(await storage.listQueue('ns', 'q')).toHaveLength(1)
      expect(await storage.range('ns', 's')).toEqual([])
    })
  })

  it('numbers versions with one counter for the whole storage', async () => {
    const storage = memoryStorage()
    const versions: number[] = []
    for (const ns of ['a', 'b', 'a']) {
      const result = await storage.atomic(ns, { mutations: [{ type: 'set', key: 'k', value: ns }] })
      if (result.ok) versions.push(Number(result.versions.k))
    }
    expect(versions).toEqual([1, 2, 3])
  })

  it('gives record ids that sort as strings like the records', async () => {
    const storage = memoryStorage()
    for (const time of [5, 1_700_000_000_000, 3, 5, 40, 1_700_000_000_000, 0])
      await storage.append('ns', 's', { time, data: time })
    const records = await storage.range('ns', 's')
    const ids = records.map((record) => record.id)
    expect([...ids].sort()).toEqual(ids)
    expect(records.map((record) => record.time)).toEqual([
      0, 3, 5, 5, 40, 1_700_000_000_000, 1_700_000_000_000,
    ])
  })

  it('rejects with the reason of an aborted signal', async () => {
    const storage = memoryStorage()
    const reason = new Error('stop')
    expect(await rejection(storage.get('ns', 'k', { signal: AbortSignal.abort(reason) }))).toBe(reason)
  })

  it('drops everything on close and refuses calls afterwards', async () => {
    const storage = memoryStorage()
    await storage.atomic('ns', { mutations: [{ type: 'set', key: 'k', value: 1 }] })
    await storage.close?.()
    await expect(storage.get('ns', 'k')).rejects.toThrow(/closed/)
  })

  it('enqueues, claims and acks 100,000 items', async () => {
    const storage = memoryStorage()
    const count = 100_000
    for (let index = 0; index < count; index++)
      await storage.enqueue('ns', 'q', { id: `lead-${index}`, priority: index % 4, payload: { index } })
    expect(await storage.queueSize('ns', 'q')).toBe(count)
    // Priorities 0 and 1 fill the first half of the queue order.
    const page = await storage.listQueue('ns', 'q', { offset: count / 2, limit: 2 })
    expect(page.map((item) => item.id)).toEqual(['lead-2', 'lead-6'])

    let claimed = 0
    let acked = 0
    let outOfOrder = 0
    let lastPriority = 0
    for (;;) {
      const items = await storage.claim('ns', 'q', { leaseMs: 60_000, limit: 1 + (claimed % 7) })
      if (items.length === 0) break
      for (const item of items) {
        if (item.priority < lastPriority) outOfOrder++
        lastPriority = item.priority
        if (await storage.ack('ns', 'q', item.id, item.lease.token)) acked++
        claimed++
      }
    }
    expect({ claimed, acked, outOfOrder }).toEqual({ claimed: count, acked: count, outOfOrder: 0 })
    expect(await storage.queueSize('ns', 'q')).toBe(0)
  })

  it('re-offers 100,000 items whose leases expired', async () => {
    const { clock, storage } = fakeClock()
    const count = 100_000
    for (let index = 0; index < count; index++)
      await storage.enqueue('ns', 'q', {
        id: `lead-${index}`,
        priority: 0,
        score: count - index,
        payload: null,
      })
    const first = await storage.claim('ns', 'q', { leaseMs: 10, limit: count })
    clock.time += 10
    const second = await storage.claim('ns', 'q', { leaseMs: 10, limit: count })
    expect(second.map((item) => item.id)).toEqual(first.map((item) => item.id))
    expect(second[0]).toMatchObject({ id: `lead-${count - 1}`, attempts: 2 })
  })
})
