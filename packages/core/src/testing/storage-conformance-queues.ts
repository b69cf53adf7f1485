/**
 * Conformance tests of the priority queues of a {@link StorageV1}: order, delays, exactly-once
 * claims, leases, release, updates, removal and listing.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { StorageV1 } from '../storage/storage-v1.js'
import {
  EXPIRY_WAIT_MS,
  HEAVY_TEST_TIMEOUT_MS,
  SHORT_MS,
  sleep,
  stopwatch,
  WAITING_TEST_TIMEOUT_MS,
  type WithStorage,
} from './storage-test-context.js'

const Q = 'leads'
/** A lease no test outlives. */
const LONG_LEASE_MS = 60_000

/** Enqueues `[id, priority]` pairs one after the other (so their enqueue order is known). */
async function enqueueAll(
  storage: StorageV1,
  ns: string,
  items: [id: string, priority: number][],
): Promise<void> {
  for (const [id, priority] of items) await storage.enqueue(ns, Q, { id, priority, payload: { id } })
}

/** Claims up to `limit` items with a long lease and returns their ids. */
async function claimIds(storage: StorageV1, ns: string, limit: number): Promise<string[]> {
  const claimed = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS, limit })
  return claimed.map((item) => item.id)
}

/** Sleeps until `Date.now()` has passed `time` by a safety margin. */
async function sleepPast(time: number): Promise<void> {
  await sleep(Math.max(0, time - Date.now()) + 150)
}

/** Registers the queue tests. @internal */
export function queueConformance(run: WithStorage): void {
  describe('queues', () => {
    it(
      'enqueues an item and reports it as stored',
      run(async ({ storage, ns }) => {
        const before = Date.now()
        const item = await storage.enqueue(ns, Q, { id: 'a', priority: 1, payload: { name: 'Ada' } })
        expect(item).toMatchObject({ id: 'a', priority: 1, attempts: 0, payload: { name: 'Ada' } })
        expect(item.lease).toBeUndefined()
        for (const time of [item.score, item.availableAt, item.enqueuedAt]) {
          expect(typeof time).toBe('number')
          expect(Math.abs(time - before)).toBeLessThan(60_000)
        }
        expect(await storage.getQueued(ns, Q, 'a')).toEqual(item)
        expect(await storage.getQueued(ns, Q, 'missing')).toBeNull()
      }),
    )

    it(
      'claims by priority, then enqueue order',
      run(async ({ storage, ns }) => {
        await enqueueAll(storage, ns, [
          ['normal-1', 2],
          ['urgent-1', 0],
          ['high-1', 1],
          ['urgent-2', 0],
          ['normal-2', 2],
          ['low-1', 3],
          ['high-2', 1],
          ['urgent-3', 0],
        ])
        const order: string[] = []
        for (let ids = await claimIds(storage, ns, 3); ids.length > 0; ids = await claimIds(storage, ns, 3)) {
          expect(ids.length).toBeLessThanOrEqual(3)
          order.push(...ids)
        }
        expect(order).toEqual([
          'urgent-1',
          'urgent-2',
          'urgent-3',
          'high-1',
          'high-2',
          'normal-1',
          'normal-2',
          'low-1',
        ])
      }),
    )

    it(
      'orders by score within a priority, ties by enqueue order',
      run(async ({ storage, ns }) => {
        const items: [string, number, number][] = [
          ['a', 1, 30],
          ['b', 1, 10],
          ['c', 1, 20],
          ['d', 1, 10],
          ['e', 0, 999],
          ['f', 1, -5],
        ]
        for (const [id, priority, score] of items)
          await storage.enqueue(ns, Q, { id, priority, score, payload: null })
        expect(await claimIds(storage, ns, 10)).toEqual(['e', 'f', 'b', 'd', 'c', 'a'])
      }),
    )

    it(
      'leases what it claims: attempts, token and expiry',
      run(async ({ storage, ns }) => {
        await enqueueAll(storage, ns, [
          ['a', 0],
          ['b', 0],
        ])
        const claimed = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS, limit: 5 })
        expect(claimed.map((item) => item.id)).toEqual(['a', 'b'])
        for (const item of claimed) {
          expect(item.attempts).toBe(1)
          expect(item.payload).toEqual({ id: item.id })
          expect(typeof item.lease.token).toBe('string')
          expect(item.lease.expiresAt).toBeGreaterThan(Date.now() + LONG_LEASE_MS / 2)
        }
        expect(claimed[0]!.lease.token).not.toBe(claimed[1]!.lease.token)
        expect(await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })).toEqual([])
        expect(await storage.claim(ns, 'no-such-queue', { leaseMs: LONG_LEASE_MS })).toEqual([])
        expect((await storage.getQueued(ns, Q, 'a'))?.lease).toEqual(claimed[0]!.lease)
      }),
    )

    it(
      'hands every item to exactly one of 20 concurrent claimers',
      run(async ({ storage, ns }) => {
        const ids = Array.from({ length: 200 }, (_, index) => `lead-${index}`)
        await Promise.all(
          ids.map((id, index) => storage.enqueue(ns, Q, { id, priority: index % 4, payload: { id } })),
        )
        expect(await storage.queueSize(ns, Q)).toBe(200)

        const claims = new Map<string, number>()
        const tokens = new Set<string>()
        const failedAcks: string[] = []
        const claimer = async (worker: number): Promise<void> => {
          const limit = worker % 2 === 0 ? 1 : 3
          for (;;) {
            const items = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS, limit })
            if (items.length === 0) return
            for (const item of items) {
              claims.set(item.id, (claims.get(item.id) ?? 0) + 1)
              tokens.add(item.lease.token)
              if (!(await storage.ack(ns, Q, item.id, item.lease.token))) failedAcks.push(item.id)
            }
          }
        }
        await Promise.all(Array.from({ length: 20 }, (_, worker) => claimer(worker)))

        expect([...claims.keys()].sort()).toEqual([...ids].sort())
        expect([...claims.values()].every((count) => count === 1)).toBe(true)
        expect(tokens.size).toBe(200)
        expect(failedAcks).toEqual([])
        expect(await storage.queueSize(ns, Q)).toBe(0)
      }),
      HEAVY_TEST_TIMEOUT_MS,
    )

    it(
      'releases a claimed item with a new priority or score',
      run(async ({ storage, ns }) => {
        await enqueueAll(storage, ns, [
          ['a', 1],
          ['b', 1],
          ['c', 1],
        ])
        const [a] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        expect(a?.id).toBe('a')
        expect(await storage.release(ns, Q, 'a', 'not-the-token')).toBe(false)
        expect(await storage.release(ns, Q, 'a', a!.lease.token, { priority: 2 })).toBe(true)
        expect(await storage.release(ns, Q, 'a', a!.lease.token)).toBe(false)
        const released = await storage.getQueued(ns, Q, 'a')
        expect(released).toMatchObject({ id: 'a', priority: 2, attempts: 1 })
        expect(released?.lease).toBeUndefined()

        const [b] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        expect(b?.id).toBe('b')
        expect(await storage.release(ns, Q, 'b', b!.lease.token, { score: Number.MAX_SAFE_INTEGER })).toBe(
          true,
        )
        const rest = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS, limit: 5 })
        expect(rest.map((item) => [item.id, item.attempts])).toEqual([
          ['c', 1],
          ['b', 2],
          ['a', 2],
        ])
      }),
    )

    it(
      'updates a waiting item, but not a claimed or missing one',
      run(async ({ storage, ns }) => {
        await enqueueAll(storage, ns, [
          ['a', 2],
          ['b', 2],
          ['c', 2],
        ])
        const updated = await storage.updateQueued(ns, Q, 'c', { priority: 0, payload: { id: 'c', v: 2 } })
        expect(updated).toMatchObject({ id: 'c', priority: 0, attempts: 0, payload: { id: 'c', v: 2 } })
        expect(await storage.updateQueued(ns, Q, 'missing', { priority: 0 })).toBeNull()

        const [c] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        expect(c).toMatchObject({ id: 'c', payload: { id: 'c', v: 2 } })
        expect(await storage.updateQueued(ns, Q, 'c', { priority: 5 })).toBeNull()
        expect((await storage.getQueued(ns, Q, 'c'))?.priority).toBe(0)

        await storage.updateQueued(ns, Q, 'a', { availableAt: Date.now() + LONG_LEASE_MS })
        expect(await claimIds(storage, ns, 5)).toEqual(['b'])
        await storage.updateQueued(ns, Q, 'a', { availableAt: Date.now() - 1000 })
        expect(await claimIds(storage, ns, 5)).toEqual(['a'])
      }),
    )

    it(
      're-orders a waiting item by a new score',
      run(async ({ storage, ns }) => {
        await storage.enqueue(ns, Q, { id: 'x', priority: 1, score: 10, payload: null })
        await storage.enqueue(ns, Q, { id: 'y', priority: 1, score: 20, payload: null })
        await storage.updateQueued(ns, Q, 'y', { score: 5 })
        expect((await storage.listQueue(ns, Q)).map((item) => item.id)).toEqual(['y', 'x'])
        expect(await claimIds(storage, ns, 2)).toEqual(['y', 'x'])
      }),
    )

    it(
      'removes an item, waiting or claimed',
      run(async ({ storage, ns }) => {
        await enqueueAll(storage, ns, [
          ['a', 0],
          ['b', 1],
          ['c', 2],
        ])
        expect(await storage.removeQueued(ns, Q, 'a')).toBe(true)
        expect(await storage.removeQueued(ns, Q, 'a')).toBe(false)
        expect(await storage.removeQueued(ns, 'no-such-queue', 'a')).toBe(false)
        expect(await storage.queueSize(ns, Q)).toBe(2)

        const [b] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        expect(b?.id).toBe('b')
        expect(await storage.removeQueued(ns, Q, 'b')).toBe(true)
        expect(await storage.ack(ns, Q, 'b', b!.lease.token)).toBe(false)
        expect(await storage.getQueued(ns, Q, 'b')).toBeNull()
        expect(await claimIds(storage, ns, 5)).toEqual(['c'])
        expect(await storage.queueSize(ns, Q)).toBe(1)
      }),
    )

    it(
      'lists items in queue order with offset and limit, claimed ones included',
      run(async ({ storage, ns }) => {
        const items = Array.from({ length: 12 }, (_, index): [string, number] => [
          `i${index}`,
          (index * 7) % 3,
        ])
        await enqueueAll(storage, ns, items)
        const expected = [...items].sort((x, y) => x[1] - y[1]).map(([id]) => id)
        const [claimed] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        expect(claimed?.id).toBe(expected[0])

        const all = await storage.listQueue(ns, Q)
        expect(all.map((item) => item.id)).toEqual(expected)
        expect(all[0]?.lease?.token).toBe(claimed!.lease.token)
        expect(all[0]?.attempts).toBe(1)
        expect(all.slice(1).every((item) => item.lease === undefined && item.attempts === 0)).toBe(true)

        const pages = [
          await storage.listQueue(ns, Q, { offset: 0, limit: 5 }),
          await storage.listQueue(ns, Q, { offset: 5, limit: 5 }),
          await storage.listQueue(ns, Q, { offset: 10, limit: 5 }),
        ]
        expect(pages.map((page) => page.length)).toEqual([5, 5, 2])
        expect(pages.flat().map((item) => item.id)).toEqual(expected)
        expect(await storage.listQueue(ns, Q, { offset: 20 })).toEqual([])
        expect(await storage.listQueue(ns, 'no-such-queue')).toEqual([])
      }),
    )

    it(
      'gives the position of an item in queue order, claimed ones included (queuePosition, when offered)',
      run(async ({ storage, ns }) => {
        if (storage.queuePosition === undefined) return
        // Enough items to span several internal chunks or pages, ties broken by enqueue order.
        const items = Array.from({ length: 600 }, (_, index): [string, number] => [
          `p${index}`,
          (index * 7) % 5,
        ])
        await enqueueAll(storage, ns, items)
        await storage.updateQueued(ns, Q, 'p599', { score: -1 })
        const [claimed] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        const listed = (await storage.listQueue(ns, Q, { limit: 600 })).map((item) => item.id)
        expect(listed[0]).toBe(claimed?.id)
        for (const index of [0, 1, 2, 255, 256, 257, 511, 512, 513, 598, 599]) {
          expect(await storage.queuePosition(ns, Q, listed[index]!), listed[index]).toBe(index + 1)
        }
        expect(await storage.queuePosition(ns, Q, 'absent')).toBeNull()
        expect(await storage.queuePosition(ns, 'no-such-queue', 'p1')).toBeNull()
        await storage.removeQueued(ns, Q, listed[1]!)
        expect(await storage.queuePosition(ns, Q, listed[1]!)).toBeNull()
        expect(await storage.queuePosition(ns, Q, listed[2]!)).toBe(2)
      }),
    )

    it(
      'counts items, claimed ones included',
      run(async ({ storage, ns }) => {
        expect(await storage.queueSize(ns, Q)).toBe(0)
        await enqueueAll(storage, ns, [
          ['a', 0],
          ['b', 0],
          ['c', 0],
        ])
        const [a] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        expect(await storage.queueSize(ns, Q)).toBe(3)
        await storage.ack(ns, Q, 'a', a!.lease.token)
        expect(await storage.queueSize(ns, Q)).toBe(2)
        expect(await storage.queueSize(ns, 'other-queue')).toBe(0)
      }),
    )

    it(
      'replaces an item enqueued again with the same id',
      run(async ({ storage, ns }) => {
        const first = await storage.enqueue(ns, Q, { id: 'a', priority: 2, payload: { v: 1 } })
        await storage.enqueue(ns, Q, { id: 'b', priority: 1, payload: { v: 1 } })
        const replaced = await storage.enqueue(ns, Q, { id: 'a', priority: 0, payload: { v: 2 } })
        expect(replaced).toMatchObject({ id: 'a', priority: 0, attempts: 0, payload: { v: 2 } })
        expect(replaced.enqueuedAt).toBe(first.enqueuedAt)
        expect(await storage.queueSize(ns, Q)).toBe(2)

        const [claimed] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        expect(claimed).toMatchObject({ id: 'a', attempts: 1, payload: { v: 2 } })

        // Enqueueing a claimed item again puts it back to waiting: its lease is lost.
        const back = await storage.enqueue(ns, Q, { id: 'a', priority: 0, payload: { v: 3 } })
        expect(back.lease).toBeUndefined()
        expect(back.attempts).toBe(1)
        expect(await storage.ack(ns, Q, 'a', claimed!.lease.token)).toBe(false)
        const again = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS, limit: 5 })
        expect(again.map((item) => [item.id, item.attempts])).toEqual([
          ['a', 2],
          ['b', 1],
        ])
        expect(again[0]?.payload).toEqual({ v: 3 })
      }),
    )

    it(
      'hands out copies of payloads',
      run(async ({ storage, ns }) => {
        const payload = { tags: ['x'] }
        const enqueued = await storage.enqueue(ns, Q, { id: 'a', priority: 0, payload })
        payload.tags.push('changed')
        enqueued.payload.tags.push('changed')
        const [claimed] = await storage.claim<typeof payload>(ns, Q, { leaseMs: LONG_LEASE_MS })
        expect(claimed?.payload).toEqual({ tags: ['x'] })
        claimed!.payload.tags.push('changed')
        const [listed] = await storage.listQueue<typeof payload>(ns, Q)
        expect(listed?.payload).toEqual({ tags: ['x'] })
      }),
    )
  })

  // Tests that wait for time to pass run concurrently, each with its own storage and namespace.
  describe.concurrent('queues over time', () => {
    it.concurrent(
      'does not hand out an item before its availableAt',
      run(async ({ storage, ns }) => {
        const watch = stopwatch()
        const availableAt = Date.now() + 400
        await storage.enqueue(ns, Q, { id: 'later', priority: 0, availableAt, payload: null })
        await storage.enqueue(ns, Q, { id: 'now', priority: 1, payload: null })
        const early = await claimIds(storage, ns, 10)
        expect(early).toContain('now')
        if (watch.elapsed() < 300) expect(early).toEqual(['now'])
        expect((await storage.getQueued(ns, Q, 'later'))?.availableAt).toBe(availableAt)

        await sleepPast(availableAt)
        expect(await claimIds(storage, ns, 10)).toEqual(early.includes('later') ? [] : ['later'])
      }),
      WAITING_TEST_TIMEOUT_MS,
    )

    it.concurrent(
      'makes an item claimable again, at its place, when its lease expires',
      run(async ({ storage, ns }) => {
        await enqueueAll(storage, ns, [
          ['first', 0],
          ['second', 1],
        ])
        const watch = stopwatch()
        const [lost] = await storage.claim(ns, Q, { leaseMs: SHORT_MS })
        expect(lost?.id).toBe('first')
        const meanwhile = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS, limit: 5 })
        if (watch.elapsed() < SHORT_MS) expect(meanwhile.map((item) => item.id)).toEqual(['second'])
        for (const item of meanwhile) await storage.release(ns, Q, item.id, item.lease.token)

        await sleep(EXPIRY_WAIT_MS)
        expect((await storage.getQueued(ns, Q, 'first'))?.lease).toBeUndefined()
        const again = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS, limit: 5 })
        expect(again.map((item) => item.id)).toEqual(['first', 'second'])
        const first = again[0]!
        // On a very slow run the lease may have run out before `meanwhile`, which then took it too.
        expect(first.attempts).toBe(meanwhile.some((item) => item.id === 'first') ? 3 : 2)
        expect(first.lease.token).not.toBe(lost!.lease.token)

        expect(await storage.ack(ns, Q, 'first', lost!.lease.token)).toBe(false)
        expect(await storage.release(ns, Q, 'first', lost!.lease.token)).toBe(false)
        expect(await storage.extendLease(ns, Q, 'first', lost!.lease.token, LONG_LEASE_MS)).toBe(false)
        expect(await storage.ack(ns, Q, 'first', first.lease.token)).toBe(true)
        expect(await storage.ack(ns, Q, 'first', first.lease.token)).toBe(false)
        expect(await storage.queueSize(ns, Q)).toBe(1)
      }),
      WAITING_TEST_TIMEOUT_MS,
    )

    it.concurrent(
      'releases a claimed item for later with availableAt',
      run(async ({ storage, ns }) => {
        await enqueueAll(storage, ns, [['a', 0]])
        const [a] = await storage.claim(ns, Q, { leaseMs: LONG_LEASE_MS })
        const watch = stopwatch()
        const availableAt = Date.now() + 400
        expect(await storage.release(ns, Q, 'a', a!.lease.token, { availableAt })).toBe(true)
        const early = await claimIds(storage, ns, 1)
        if (watch.elapsed() < 300) expect(early).toEqual([])
        await sleepPast(availableAt)
        expect(await claimIds(storage, ns, 1)).toEqual(early.length > 0 ? [] : ['a'])
      }),
      WAITING_TEST_TIMEOUT_MS,
    )

    it.concurrent(
      'keeps an item leased when the lease is extended',
      run(async ({ storage, ns }) => {
        await enqueueAll(storage, ns, [['job', 0]])
        const watch = stopwatch()
        const [job] = await storage.claim(ns, Q, { leaseMs: SHORT_MS })
        const token = job!.lease.token
        const extended = await storage.extendLease(ns, Q, 'job', token, LONG_LEASE_MS)
        // Only meaningful when the short lease cannot have run out before the extension.
        const inTime = watch.elapsed() < SHORT_MS
        expect(await storage.extendLease(ns, Q, 'job', 'not-the-token', LONG_LEASE_MS)).toBe(false)
        expect(await storage.extendLease(ns, Q, 'missing', token, LONG_LEASE_MS)).toBe(false)
        if (inTime) {
          expect(extended).toBe(true)
          expect((await storage.getQueued(ns, Q, 'job'))?.lease?.expiresAt).toBeGreaterThan(
            Date.now() + LONG_LEASE_MS / 2,
          )
          await sleep(EXPIRY_WAIT_MS)
          expect(await claimIds(storage, ns, 1)).toEqual([])
          expect(await storage.ack(ns, Q, 'job', token)).toBe(true)
        }
      }),
      WAITING_TEST_TIMEOUT_MS,
    )
  })
}
