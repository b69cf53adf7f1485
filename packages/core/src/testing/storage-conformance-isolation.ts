/**
 * Conformance tests that cut across a {@link StorageV1}: namespace isolation and aborted calls.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { StorageV1 } from '../storage/storage-v1.js'
import { randomNamespace, type WithStorage } from './storage-test-context.js'

/** Every method of the storage, called with `signal`, as thunks. */
function everyCall(storage: StorageV1, ns: string, signal: AbortSignal): [string, () => Promise<unknown>][] {
  const options = { signal }
  return [
    ['get', () => storage.get(ns, 'k', options)],
    ['getMany', () => storage.getMany(ns, ['k'], options)],
    ['list', () => storage.list(ns, options)],
    ['atomic', () => storage.atomic(ns, { mutations: [{ type: 'set', key: 'k', value: 1 }] }, options)],
    ['enqueue', () => storage.enqueue(ns, 'q', { id: 'a', priority: 0, payload: null }, options)],
    ['claim', () => storage.claim(ns, 'q', { leaseMs: 1000, signal })],
    ['ack', () => storage.ack(ns, 'q', 'a', 'token', options)],
    ['release', () => storage.release(ns, 'q', 'a', 'token', options)],
    ['extendLease', () => storage.extendLease(ns, 'q', 'a', 'token', 1000, options)],
    ['getQueued', () => storage.getQueued(ns, 'q', 'a', options)],
    ['updateQueued', () => storage.updateQueued(ns, 'q', 'a', { priority: 1 }, options)],
    ['removeQueued', () => storage.removeQueued(ns, 'q', 'a', options)],
    ['listQueue', () => storage.listQueue(ns, 'q', options)],
    ['queueSize', () => storage.queueSize(ns, 'q', options)],
    ['append', () => storage.append(ns, 's', { data: 1 }, options)],
    ['range', () => storage.range(ns, 's', options)],
    ['trim', () => storage.trim(ns, 's', Date.now(), options)],
  ]
}

/** Registers the isolation and abort tests. @internal */
export function isolationConformance(run: WithStorage): void {
  describe('namespaces', () => {
    it(
      'keeps documents, queues and records of two namespaces apart',
      run(async ({ storage, ns: a }) => {
        const b = randomNamespace()
        await storage.atomic(a, {
          mutations: [
            { type: 'set', key: 'doc', value: 'in a' },
            { type: 'increment', key: 'count', by: 5 },
          ],
        })
        await storage.enqueue(a, 'q', { id: 'item', priority: 0, payload: 'in a' })
        await storage.append(a, 's', { time: 1000, data: 'in a' })

        expect(await storage.get(b, 'doc')).toBeNull()
        expect(await storage.getMany(b, ['doc', 'count'])).toEqual([null, null])
        expect((await storage.list(b)).entries).toEqual([])
        expect(await storage.getQueued(b, 'q', 'item')).toBeNull()
        expect(await storage.listQueue(b, 'q')).toEqual([])
        expect(await storage.queueSize(b, 'q')).toBe(0)
        expect(await storage.claim(b, 'q', { leaseMs: 60_000 })).toEqual([])
        expect(await storage.range(b, 's')).toEqual([])

        // Writes in b, under the same names, leave a untouched.
        const created = await storage.atomic(b, {
          checks: [{ key: 'doc', version: null }],
          mutations: [
            { type: 'set', key: 'doc', value: 'in b' },
            { type: 'increment', key: 'count', by: 1 },
          ],
        })
        expect(created.ok && created.counters.count).toBe(1)
        await storage.atomic(b, { mutations: [{ type: 'delete', key: 'doc' }] })
        await storage.enqueue(b, 'q', { id: 'item', priority: 5, payload: 'in b' })
        const [claimedInB] = await storage.claim(b, 'q', { leaseMs: 60_000 })
        expect(claimedInB?.payload).toBe('in b')
        await storage.ack(b, 'q', 'item', claimedInB!.lease.token)
        expect(await storage.removeQueued(b, 'q', 'item')).toBe(false)
        await storage.append(b, 's', { time: 2000, data: 'in b' })
        expect(await storage.trim(b, 's', 10_000)).toBe(1)

        expect((await storage.get(a, 'doc'))?.value).toBe('in a')
        expect((await storage.get(a, 'count'))?.value).toBe(5)
        expect((await storage.list(a)).entries.map((entry) => entry.key)).toEqual(['count', 'doc'])
        expect(await storage.getQueued(a, 'q', 'item')).toMatchObject({
          priority: 0,
          attempts: 0,
          payload: 'in a',
        })
        expect(await storage.queueSize(a, 'q')).toBe(1)
        expect((await storage.range(a, 's')).map((record) => record.data)).toEqual(['in a'])
      }),
    )
  })

  describe('abort', () => {
    it(
      'rejects every call made with an already aborted signal',
      run(async ({ storage, ns }) => {
        const controller = new AbortController()
        controller.abort(new Error('aborted by the conformance kit'))
        for (const [name, call] of everyCall(storage, ns, controller.signal)) {
          const outcome = await call().then(
            () => 'resolved',
            () => 'rejected',
          )
          expect(outcome, name).toBe('rejected')
        }
        // Nothing was written by the aborted calls.
        expect(await storage.get(ns, 'k')).toBeNull()
        expect(await storage.queueSize(ns, 'q')).toBe(0)
        expect(await storage.range(ns, 's')).toEqual([])
      }),
    )
  })
}
