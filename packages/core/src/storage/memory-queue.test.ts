import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStorage } from './memory-storage.js'
import type { QueueItem } from './storage-v1.js'

/** The naive model of a queue item: the spec's rules, computed by brute force. */
interface ModelItem {
  id: string
  priority: number
  score: number
  seq: number
  availableAt: number
  enqueuedAt: number
  attempts: number
  payload: number
  lease?: { token: string; expiresAt: number }
}

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')
const priority = fc.integer({ min: 0, max: 3 })
const small = fc.integer({ min: -5, max: 10 })

const step = fc.oneof(
  fc.record({
    op: fc.constant('enqueue' as const),
    id: ids,
    priority,
    score: fc.option(small, { nil: undefined }),
    delay: fc.option(small, { nil: undefined }),
    payload: fc.nat(),
  }),
  fc.record({
    op: fc.constant('claim' as const),
    limit: fc.integer({ min: 1, max: 3 }),
    leaseMs: fc.integer({ min: 1, max: 10 }),
  }),
  fc.record({ op: fc.constant('ack' as const), id: ids, valid: fc.boolean() }),
  fc.record({
    op: fc.constant('release' as const),
    id: ids,
    valid: fc.boolean(),
    priority: fc.option(priority, { nil: undefined }),
    score: fc.option(small, { nil: undefined }),
    delay: fc.option(small, { nil: undefined }),
  }),
  fc.record({
    op: fc.constant('extend' as const),
    id: ids,
    valid: fc.boolean(),
    leaseMs: fc.integer({ min: 1, max: 10 }),
  }),
  fc.record({
    op: fc.constant('update' as const),
    id: ids,
    priority: fc.option(priority, { nil: undefined }),
    score: fc.option(small, { nil: undefined }),
    delay: fc.option(small, { nil: undefined }),
  }),
  fc.record({ op: fc.constant('remove' as const), id: ids }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 6 }) }),
)

function order(a: ModelItem, b: ModelItem): number {
  return a.priority - b.priority || a.score - b.score || a.seq - b.seq
}

function summary(item: QueueItem | ModelItem, now: number) {
  const lease = item.lease !== undefined && item.lease.expiresAt > now ? item.lease : undefined
  return [
    item.id,
    item.priority,
    item.score,
    item.availableAt,
    item.enqueuedAt,
    item.attempts,
    item.payload,
    lease,
  ]
}

describe('memory queue against a brute-force model', () => {
  it('agrees on every claim, ack, release, update and listing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: 150, size: 'max' }), async (steps) => {
        let now = 1000
        const storage = memoryStorage({ now: () => now })
        const model = new Map<string, ModelItem>()
        let seq = 0
        const held = (item: ModelItem | undefined) =>
          item?.lease !== undefined && item.lease.expiresAt > now ? item.lease : undefined
        const tokenFor = (id: string, valid: boolean) =>
          valid ? (model.get(id)?.lease?.token ?? 'none') : 'bogus'

        for (const s of steps) {
          switch (s.op) {
            case 'enqueue': {
              const previous = model.get(s.id)
              const item: ModelItem = {
                id: s.id,
                priority: s.priority,
                score: s.score ?? now,
                seq: seq++,
                availableAt: s.delay === undefined ? now : now + s.delay,
                enqueuedAt: previous?.enqueuedAt ?? now,
                attempts: previous?.attempts ?? 0,
                payload: s.payload,
              }
              model.set(s.id, item)
              const stored = await storage.enqueue('ns', 'q', {
                id: s.id,
                priority: s.priority,
                score: s.score,
                availableAt: s.delay === undefined ? undefined : now + s.delay,
                payload: s.payload,
              })
              expect(summary(stored, now)).toEqual(summary(item, now))
              break
            }
            case 'claim': {
              const expected = [...model.values()]
                .filter((item) => held(item) === undefined && item.availableAt <= now)
                .sort(order)
                .slice(0, s.limit)
              const claimed = await storage.claim('ns', 'q', { leaseMs: s.leaseMs, limit: s.limit })
              expect(claimed.map((item) => item.id)).toEqual(expected.map((item) => item.id))
              for (const [index, item] of expected.entries()) {
                item.attempts++
                item.lease = { token: claimed[index]!.lease.token, expiresAt: now + s.leaseMs }
                expect(summary(claimed[index]!, now)).toEqual(summary(item, now))
              }
              break
            }
            case 'ack': {
              const item = model.get(s.id)
              const token = tokenFor(s.id, s.valid)
              const ok = held(item)?.token === token
              if (ok) model.delete(s.id)
              expect(await storage.ack('ns', 'q', s.id, token)).toBe(ok)
              break
            }
            case 'release': {
              const item = model.get(s.id)
              const token = tokenFor(s.id, s.valid)
              const ok = held(item)?.token === token
              const availableAt = s.delay === undefined ? undefined : now + s.delay
              if (ok && item !== undefined) {
                item.lease = undefined
                if (s.priority !== undefined) item.priority = s.priority
                if (s.score !== undefined) item.score = s.score
                item.availableAt = availableAt ?? now
              }
              const options = { priority: s.priority, score: s.score, availableAt }
              expect(await storage.release('ns', 'q', s.id, token, options)).toBe(ok)
              break
            }
            case 'extend': {
              const item = model.get(s.id)
              const token = tokenFor(s.id, s.valid)
              const lease = held(item)
              const ok = lease?.token === token
              if (ok && lease !== undefined) lease.expiresAt = now + s.leaseMs
              expect(await storage.extendLease('ns', 'q', s.id, token, s.leaseMs)).toBe(ok)
              break
            }
            case 'update': {
              const item = model.get(s.id)
              const availableAt = s.delay === undefined ? undefined : now + s.delay
              const updated = await storage.updateQueued('ns', 'q', s.id, {
                priority: s.priority,
                score: s.score,
                availableAt,
              })
              if (item === undefined || held(item) !== undefined) {
                expect(updated).toBeNull()
                break
              }
              item.lease = undefined
              if (s.priority !== undefined) item.priority = s.priority
              if (s.score !== undefined) item.score = s.score
              if (availableAt !== undefined) item.availableAt = availableAt
              expect(summary(updated!, now)).toEqual(summary(item, now))
              break
            }
            case 'remove':
              expect(await storage.removeQueued('ns', 'q', s.id)).toBe(model.delete(s.id))
              break
            case 'tick':
              now += s.ms
              break
          }
          const listed = await storage.listQueue('ns', 'q')
          const expected = [...model.values()].sort(order)
          expect(listed.map((item) => summary(item, now))).toEqual(expected.map((item) => summary(item, now)))
          expect(await storage.queueSize('ns', 'q')).toBe(model.size)
        }
      }),
      { numRuns: 150 },
    )
  })
})
