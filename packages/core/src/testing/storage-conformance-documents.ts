/**
 * Conformance tests of the keyed documents of a {@link StorageV1}: reads, versions, listing,
 * compare-and-set, counters and TTL.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
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

/** Writes one key and returns its new version. */
async function put(
  storage: StorageV1,
  ns: string,
  key: string,
  value: unknown,
  ttlMs?: number,
): Promise<string> {
  const result = await storage.atomic(ns, { mutations: [{ type: 'set', key, value, ttlMs }] })
  if (!result.ok) throw new Error(`unconditional write of ${key} failed`)
  const version = result.versions[key]
  if (version === undefined) throw new Error(`no version returned for ${key}`)
  return version
}

/**
 * Adds 1 to a numeric key by compare-and-set, retrying on conflict with a short random backoff
 * that grows with the attempts (so that it also converges over a network).
 */
async function casIncrement(storage: StorageV1, ns: string, key: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const entry = await storage.get<number>(ns, key)
    const result = await storage.atomic(ns, {
      checks: [{ key, version: entry?.version ?? null }],
      mutations: [{ type: 'set', key, value: (entry?.value ?? 0) + 1 }],
    })
    if (result.ok) return attempt
    await sleep(Math.random() * Math.min(20, attempt))
  }
}

/** Registers the document tests. @internal */
export function documentConformance(run: WithStorage): void {
  describe('documents', () => {
    it(
      'reads a missing key as null',
      run(async ({ storage, ns }) => {
        expect(await storage.get(ns, 'missing')).toBeNull()
        expect(await storage.getMany(ns, ['missing', 'absent'])).toEqual([null, null])
      }),
    )

    it(
      'reads back what a set wrote, with the version the commit returned',
      run(async ({ storage, ns }) => {
        const value = { name: 'Ada', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } }
        const version = await put(storage, ns, 'doc', value)
        const entry = await storage.get(ns, 'doc')
        expect(entry).toEqual({ key: 'doc', value, version })
        expect(typeof entry?.version).toBe('string')
        expect(entry?.expiresAt).toBeUndefined()
        for (const scalar of ['text', 42, false, null, [1, 2]]) {
          await put(storage, ns, 'scalar', scalar)
          expect((await storage.get(ns, 'scalar'))?.value).toEqual(scalar)
        }
      }),
    )

    it(
      'changes the version on every write of a key',
      run(async ({ storage, ns }) => {
        const versions = [await put(storage, ns, 'k', 1), await put(storage, ns, 'k', 1)]
        const increment = await storage.atomic(ns, { mutations: [{ type: 'increment', key: 'k', by: 1 }] })
        if (!increment.ok) throw new Error('increment failed')
        versions.push(increment.versions.k!)
        await storage.atomic(ns, { mutations: [{ type: 'delete', key: 'k' }] })
        versions.push(await put(storage, ns, 'k', 1))
        expect(new Set(versions).size).toBe(versions.length)
        expect((await storage.get(ns, 'k'))?.version).toBe(versions.at(-1))
      }),
    )

    it(
      'reads several keys aligned with the request',
      run(async ({ storage, ns }) => {
        await storage.atomic(ns, {
          mutations: [
            { type: 'set', key: 'a', value: 'A' },
            { type: 'set', key: 'b', value: 'B' },
          ],
        })
        const entries = await storage.getMany<string>(ns, ['b', 'missing', 'a', 'b'])
        expect(entries.map((entry) => entry?.value ?? null)).toEqual(['B', null, 'A', 'B'])
        expect(entries[0]?.key).toBe('b')
        expect(await storage.getMany(ns, [])).toEqual([])
      }),
    )

    it(
      'deletes keys, and deleting a missing key is not an error',
      run(async ({ storage, ns }) => {
        await put(storage, ns, 'gone', 1)
        await put(storage, ns, 'kept', 2)
        const result = await storage.atomic(ns, {
          mutations: [
            { type: 'delete', key: 'gone' },
            { type: 'delete', key: 'never-existed' },
          ],
        })
        expect(result).toEqual({ ok: true, versions: {}, counters: {} })
        expect(await storage.get(ns, 'gone')).toBeNull()
        expect((await storage.get(ns, 'kept'))?.value).toBe(2)
      }),
    )

    it(
      'lists by key order with prefix, limit and cursor paging',
      run(async ({ storage, ns }) => {
        const keys = Array.from({ length: 25 }, (_, index) => `item:${String(index).padStart(2, '0')}`)
        const shuffled = [...keys].sort(() => Math.random() - 0.5)
        await storage.atomic(ns, {
          mutations: [
            ...shuffled.map((key) => ({ type: 'set' as const, key, value: { key } })),
            { type: 'set', key: 'item', value: 'no colon' },
            { type: 'set', key: 'other:1', value: 1 },
            { type: 'set', key: 'a-first', value: 0 },
          ],
        })

        const listed: string[] = []
        let cursor: string | undefined
        let pages = 0
        do {
          const page = await storage.list<{ key: string }>(ns, { prefix: 'item:', limit: 10, cursor })
          expect(page.entries.length).toBeLessThanOrEqual(10)
          for (const entry of page.entries) {
            expect(entry.value).toEqual({ key: entry.key })
            expect(typeof entry.version).toBe('string')
            listed.push(entry.key)
          }
          cursor = page.cursor
          pages++
          expect(pages).toBeLessThan(100)
        } while (cursor !== undefined)
        expect(listed).toEqual(keys)
        expect(pages).toBeGreaterThanOrEqual(3)

        const all = await storage.list(ns)
        expect(all.entries.map((entry) => entry.key)).toEqual(['a-first', 'item', ...keys, 'other:1'])
        expect(all.cursor).toBeUndefined()

        const after = await storage.list(ns, { prefix: 'item:', cursor: 'item:21' })
        expect(after.entries.map((entry) => entry.key)).toEqual(['item:22', 'item:23', 'item:24'])
        expect((await storage.list(ns, { prefix: 'nothing:' })).entries).toEqual([])
      }),
    )

    it(
      'hands out copies: mutating a value read or written does not change the store',
      run(async ({ storage, ns }) => {
        const written = { list: [1, 2], inner: { flag: true } }
        await put(storage, ns, 'doc', written)
        written.list.push(3)
        written.inner.flag = false

        const first = await storage.get<typeof written>(ns, 'doc')
        expect(first?.value).toEqual({ list: [1, 2], inner: { flag: true } })
        first!.value.list.push(99)
        first!.value.inner.flag = false
        const [many] = await storage.getMany<typeof written>(ns, ['doc'])
        many!.value.list.length = 0
        const [listed] = (await storage.list<typeof written>(ns)).entries
        listed!.value.inner.flag = false

        expect((await storage.get(ns, 'doc'))?.value).toEqual({ list: [1, 2], inner: { flag: true } })
      }),
    )
  })

  describe('atomic commits', () => {
    it(
      'fails a version-null check on an existing key and writes nothing at all',
      run(async ({ storage, ns }) => {
        const version = await put(storage, ns, 'taken', 'first')
        const result = await storage.atomic(ns, {
          checks: [{ key: 'taken', version: null }],
          mutations: [
            { type: 'set', key: 'taken', value: 'second' },
            { type: 'set', key: 'side', value: 'effect' },
            { type: 'increment', key: 'count', by: 1 },
          ],
        })
        expect(result).toEqual({ ok: false, conflicts: ['taken'] })
        expect(await storage.get(ns, 'taken')).toEqual({ key: 'taken', value: 'first', version })
        expect(await storage.getMany(ns, ['side', 'count'])).toEqual([null, null])
      }),
    )

    it(
      'passes a version-null check on a missing key',
      run(async ({ storage, ns }) => {
        const result = await storage.atomic(ns, {
          checks: [{ key: 'free', version: null }],
          mutations: [{ type: 'set', key: 'free', value: 1 }],
        })
        expect(result.ok).toBe(true)
        expect((await storage.get(ns, 'free'))?.value).toBe(1)
      }),
    )

    it(
      'fails a check with a stale version, and lists only the keys that failed',
      run(async ({ storage, ns }) => {
        const stale = await put(storage, ns, 'k', 1)
        const current = await put(storage, ns, 'k', 2)
        const other = await put(storage, ns, 'other', 'x')
        expect(stale).not.toBe(current)

        const failed = await storage.atomic(ns, {
          checks: [
            { key: 'other', version: other },
            { key: 'k', version: stale },
            { key: 'missing', version: null },
          ],
          mutations: [{ type: 'set', key: 'k', value: 3 }],
        })
        expect(failed).toEqual({ ok: false, conflicts: ['k'] })
        expect((await storage.get(ns, 'k'))?.value).toBe(2)

        const passed = await storage.atomic(ns, {
          checks: [
            { key: 'k', version: current },
            { key: 'other', version: other },
          ],
          mutations: [{ type: 'set', key: 'k', value: 3 }],
        })
        expect(passed.ok).toBe(true)
        expect((await storage.get(ns, 'k'))?.value).toBe(3)
      }),
    )

    it(
      'returns the new version of every key written and the value of every counter',
      run(async ({ storage, ns }) => {
        await put(storage, ns, 'n', 10)
        const result = await storage.atomic(ns, {
          mutations: [
            { type: 'set', key: 's', value: 's' },
            { type: 'increment', key: 'n', by: 5 },
            { type: 'increment', key: 'fresh', by: -2 },
          ],
        })
        expect(result.ok).toBe(true)
        if (!result.ok) return
        expect(result.counters).toEqual({ n: 15, fresh: -2 })
        expect(Object.keys(result.versions).sort()).toEqual(['fresh', 'n', 's'])
        const entries = await storage.getMany(ns, ['s', 'n', 'fresh'])
        expect(entries.map((entry) => entry?.version)).toEqual([
          result.versions.s,
          result.versions.n,
          result.versions.fresh,
        ])
        expect(entries.map((entry) => entry?.value)).toEqual(['s', 15, -2])
      }),
    )

    it(
      'rejects an increment of a non-number with VALIDATION_FAILED and writes nothing',
      run(async ({ storage, ns }) => {
        await put(storage, ns, 'text', 'not a number')
        const error = await storage
          .atomic(ns, {
            mutations: [
              { type: 'set', key: 'side', value: 1 },
              { type: 'increment', key: 'text', by: 1 },
            ],
          })
          .then(
            () => undefined,
            (reason: unknown) => reason,
          )
        expect(LeadCallError.isInstance(error)).toBe(true)
        expect((error as LeadCallError).code).toBe('VALIDATION_FAILED')
        expect(await storage.get(ns, 'side')).toBeNull()
        expect((await storage.get(ns, 'text'))?.value).toBe('not a number')
      }),
    )

    it(
      'ends at exactly 1,000 after 1,000 concurrent compare-and-set increments',
      run(async ({ storage, ns }) => {
        await Promise.all(Array.from({ length: 1000 }, () => casIncrement(storage, ns, 'cas')))
        expect((await storage.get(ns, 'cas'))?.value).toBe(1000)
      }),
      HEAVY_TEST_TIMEOUT_MS,
    )

    it(
      'ends at exactly 1,000 after 1,000 concurrent increments, each seeing its own result',
      run(async ({ storage, ns }) => {
        const results = await Promise.all(
          Array.from({ length: 1000 }, () =>
            storage.atomic(ns, { mutations: [{ type: 'increment', key: 'hits', by: 1 }] }),
          ),
        )
        const counters = results.map((result) => (result.ok ? result.counters.hits : undefined))
        expect(new Set(counters).size).toBe(1000)
        expect(Math.min(...(counters as number[]))).toBe(1)
        expect(Math.max(...(counters as number[]))).toBe(1000)
        expect((await storage.get(ns, 'hits'))?.value).toBe(1000)
      }),
      HEAVY_TEST_TIMEOUT_MS,
    )
  })

  // Tests that wait for time to pass run concurrently, each with its own storage and namespace.
  describe.concurrent('expiry', () => {
    it(
      'treats an expired key as absent everywhere, including version-null checks',
      run(async ({ storage, ns }) => {
        const watch = stopwatch()
        await storage.atomic(ns, {
          mutations: [
            { type: 'set', key: 'ttl:short', value: 'soon gone', ttlMs: SHORT_MS },
            { type: 'set', key: 'ttl:long', value: 'stays', ttlMs: 60_000 },
            { type: 'set', key: 'ttl:none', value: 'forever' },
          ],
        })
        const early = await storage.get(ns, 'ttl:short')
        if (watch.elapsed() < SHORT_MS) {
          expect(early?.value).toBe('soon gone')
          expect(typeof early?.expiresAt).toBe('number')
        }

        await sleep(EXPIRY_WAIT_MS)
        expect(await storage.get(ns, 'ttl:short')).toBeNull()
        expect(
          (await storage.getMany(ns, ['ttl:short', 'ttl:long'])).map((entry) => entry?.value ?? null),
        ).toEqual([null, 'stays'])
        const listed = await storage.list(ns, { prefix: 'ttl:' })
        expect(listed.entries.map((entry) => entry.key)).toEqual(['ttl:long', 'ttl:none'])
        const long = listed.entries[0]!
        expect(long.expiresAt).toBeGreaterThan(Date.now() + 30_000)

        const recreate = await storage.atomic(ns, {
          checks: [{ key: 'ttl:short', version: null }],
          mutations: [{ type: 'set', key: 'ttl:short', value: 'again' }],
        })
        expect(recreate.ok).toBe(true)
        expect(await storage.get(ns, 'ttl:short')).toMatchObject({ value: 'again' })
        expect((await storage.get(ns, 'ttl:short'))?.expiresAt).toBeUndefined()
      }),
      WAITING_TEST_TIMEOUT_MS,
    )

    it(
      'drops a TTL when a key is set again without one',
      run(async ({ storage, ns }) => {
        await put(storage, ns, 'k', 1, SHORT_MS)
        await put(storage, ns, 'k', 2)
        await sleep(EXPIRY_WAIT_MS)
        expect((await storage.get(ns, 'k'))?.value).toBe(2)
      }),
      WAITING_TEST_TIMEOUT_MS,
    )

    it(
      'gives an increment that creates a key its TTL, and counts from 0 again after expiry',
      run(async ({ storage, ns }) => {
        const watch = stopwatch()
        const first = await storage.atomic(ns, {
          mutations: [{ type: 'increment', key: 'rate', by: 1, ttlMs: SHORT_MS }],
        })
        const second = await storage.atomic(ns, {
          mutations: [{ type: 'increment', key: 'rate', by: 1, ttlMs: SHORT_MS }],
        })
        const entry = await storage.get(ns, 'rate')
        if (watch.elapsed() < SHORT_MS) {
          expect(first.ok && first.counters.rate).toBe(1)
          expect(second.ok && second.counters.rate).toBe(2)
          expect(typeof entry?.expiresAt).toBe('number')
        }

        await sleep(EXPIRY_WAIT_MS)
        expect(await storage.get(ns, 'rate')).toBeNull()
        const again = await storage.atomic(ns, { mutations: [{ type: 'increment', key: 'rate', by: 1 }] })
        expect(again.ok && again.counters.rate).toBe(1)
      }),
      WAITING_TEST_TIMEOUT_MS,
    )
  })
}
