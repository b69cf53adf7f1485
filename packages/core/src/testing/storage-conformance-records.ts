/**
 * Conformance tests of the append-only record streams of a {@link StorageV1}.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { StorageV1 } from '../storage/storage-v1.js'
import type { WithStorage } from './storage-test-context.js'

const S = 'activity'
/** A fixed base time, so that tests do not depend on the clock. */
const T = 1_700_000_000_000

/** Appends records at `T + offset`, one after the other, with data `{ n }` in append order. */
async function appendAt(storage: StorageV1, ns: string, offsets: number[]): Promise<void> {
  for (const [n, offset] of offsets.entries()) await storage.append(ns, S, { time: T + offset, data: { n } })
}

/** The `[offset, n]` pairs of a range, for compact assertions. */
async function pairs(storage: StorageV1, ns: string, options: Parameters<StorageV1['range']>[2] = {}) {
  const records = await storage.range<{ n: number }>(ns, S, options)
  return records.map((record) => [record.time - T, record.data.n])
}

/** Registers the record tests. @internal */
export function recordConformance(run: WithStorage): void {
  describe('records', () => {
    it(
      'appends records with unique ids and reads them back in time order',
      run(async ({ storage, ns }) => {
        const stored = await storage.append(ns, S, { time: T, data: { n: 0, text: 'hello' } })
        expect(stored).toMatchObject({ time: T, data: { n: 0, text: 'hello' } })
        expect(typeof stored.id).toBe('string')
        await appendAt(storage, ns, [1, 2, 2, 3])

        const records = await storage.range(ns, S)
        expect(records[0]).toEqual(stored)
        expect(records.map((record) => record.time - T)).toEqual([0, 1, 2, 2, 3])
        expect(new Set(records.map((record) => record.id)).size).toBe(5)
        expect(await storage.range(ns, 'no-such-stream')).toEqual([])
      }),
    )

    it(
      'defaults the time of a record to now',
      run(async ({ storage, ns }) => {
        const before = Date.now()
        const record = await storage.append(ns, S, { data: 'now' })
        expect(Math.abs(record.time - before)).toBeLessThan(60_000)
      }),
    )

    it(
      'reads a range with an inclusive start, an exclusive end and a limit',
      run(async ({ storage, ns }) => {
        await appendAt(storage, ns, [0, 10, 20, 20, 30, 40])
        expect(await pairs(storage, ns, { from: T + 10, to: T + 30 })).toEqual([
          [10, 1],
          [20, 2],
          [20, 3],
        ])
        expect(await pairs(storage, ns, { from: T + 20 })).toEqual([
          [20, 2],
          [20, 3],
          [30, 4],
          [40, 5],
        ])
        expect(await pairs(storage, ns, { to: T + 10 })).toEqual([[0, 0]])
        expect(await pairs(storage, ns, { from: T + 11, to: T + 19 })).toEqual([])
        expect(await pairs(storage, ns, { limit: 2 })).toEqual([
          [0, 0],
          [10, 1],
        ])
        expect(await pairs(storage, ns, { from: T + 10, limit: 2 })).toEqual([
          [10, 1],
          [20, 2],
        ])
      }),
    )

    it(
      'reads newest first with reverse',
      run(async ({ storage, ns }) => {
        await appendAt(storage, ns, [0, 10, 20, 20, 30])
        expect(await pairs(storage, ns, { reverse: true })).toEqual([
          [30, 4],
          [20, 3],
          [20, 2],
          [10, 1],
          [0, 0],
        ])
        expect(await pairs(storage, ns, { reverse: true, limit: 2 })).toEqual([
          [30, 4],
          [20, 3],
        ])
        expect(await pairs(storage, ns, { reverse: true, from: T + 10, to: T + 30, limit: 2 })).toEqual([
          [20, 3],
          [20, 2],
        ])
      }),
    )

    it(
      'returns records appended out of order in time order',
      run(async ({ storage, ns }) => {
        await appendAt(storage, ns, [30, 10, 20, 10, 0, 30])
        expect(await pairs(storage, ns)).toEqual([
          [0, 4],
          [10, 1],
          [10, 3],
          [20, 2],
          [30, 0],
          [30, 5],
        ])
      }),
    )

    it(
      'trims the records older than a time and says how many',
      run(async ({ storage, ns }) => {
        await appendAt(storage, ns, [0, 10, 20, 20, 30])
        expect(await storage.trim(ns, S, T + 20)).toBe(2)
        expect(await pairs(storage, ns)).toEqual([
          [20, 2],
          [20, 3],
          [30, 4],
        ])
        expect(await storage.trim(ns, S, T + 20)).toBe(0)
        expect(await storage.trim(ns, S, T + 1000)).toBe(3)
        expect(await storage.range(ns, S)).toEqual([])
        expect(await storage.trim(ns, 'no-such-stream', T)).toBe(0)
      }),
    )
  })
}
