import { describe, expect, it } from 'vitest'
import { migratedSchema, skip } from './postgres.test-util.js'
import { postgresStorage } from './postgres-storage.js'

const { pool, schema } = await migratedSchema('queue')
const ns = () => `t-${crypto.randomUUID()}`

describe.skipIf(skip)('postgres queues', () => {
  const storage = postgresStorage({ pool, schema })

  it('never claims more than the limit, alone or concurrently', async () => {
    const space = ns()
    for (let i = 0; i < 30; i++)
      await storage.enqueue(space, 'q', { id: `i${i}`, priority: i % 3, payload: i })
    const first = await storage.claim(space, 'q', { leaseMs: 60_000, limit: 3 })
    expect(first.map((item) => item.id)).toEqual(['i0', 'i3', 'i6'])
    const batches = await Promise.all(
      Array.from({ length: 8 }, () => storage.claim(space, 'q', { leaseMs: 60_000, limit: 4 })),
    )
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(4)
    const ids = [...first, ...batches.flat()].map((item) => item.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.length).toBe(30)
  })

  it('keeps fractional priorities, scores and times', async () => {
    const space = ns()
    await storage.enqueue(space, 'q', {
      id: 'a',
      priority: 1.5,
      score: -0.25,
      availableAt: 1.5,
      payload: null,
    })
    await storage.enqueue(space, 'q', { id: 'b', priority: 1.5, score: -0.5, payload: null })
    expect(await storage.getQueued(space, 'q', 'a')).toMatchObject({
      priority: 1.5,
      score: -0.25,
      availableAt: 1.5,
    })
    expect((await storage.claim(space, 'q', { leaseMs: 1000, limit: 2 })).map((item) => item.id)).toEqual([
      'b',
      'a',
    ])
  })

  it('puts a re-enqueued item behind the others of its score, and keeps a released one in place', async () => {
    const space = ns()
    for (const id of ['a', 'b', 'c'])
      await storage.enqueue(space, 'q', { id, priority: 0, score: 1, payload: id })
    await storage.enqueue(space, 'q', { id: 'a', priority: 0, score: 1, payload: 'again' })
    expect((await storage.listQueue(space, 'q')).map((item) => item.id)).toEqual(['b', 'c', 'a'])
    const [b] = await storage.claim(space, 'q', { leaseMs: 60_000 })
    expect(await storage.release(space, 'q', 'b', b!.lease.token)).toBe(true)
    expect((await storage.listQueue(space, 'q')).map((item) => item.id)).toEqual(['b', 'c', 'a'])
  })

  it('updates an item whose lease expired, dropping the lease', async () => {
    let now = 1_000
    const clocked = postgresStorage({ pool, schema, now: () => now })
    const space = ns()
    await clocked.enqueue(space, 'q', { id: 'a', priority: 0, payload: 1 })
    const [a] = await clocked.claim(space, 'q', { leaseMs: 100 })
    expect(await clocked.updateQueued(space, 'q', 'a', { payload: 2 })).toBeNull()
    now = 1_100
    expect(await clocked.updateQueued(space, 'q', 'a', { payload: null })).toMatchObject({
      attempts: 1,
      payload: null,
    })
    expect(await clocked.extendLease(space, 'q', 'a', a!.lease.token, 1000)).toBe(false)
    const [again] = await clocked.claim(space, 'q', { leaseMs: 100 })
    expect(again).toMatchObject({ id: 'a', attempts: 2, payload: null })
  })

  it('treats ids and tokens of other types as matching nothing', async () => {
    const space = ns()
    const id = 5 as unknown as string
    expect(await storage.ack(space, 'q', id, 'token')).toBe(false)
    expect(await storage.getQueued(space, 'q', id)).toBeNull()
    expect(await storage.removeQueued(space, 'q', id)).toBe(false)
  })
})
