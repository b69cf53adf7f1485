import { createLeadCall, LeadCallError, memoryStorage, type StorageV1 } from '@leadcall/core'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ATOMIC } from './redis-documents.js'
import { CLAIM } from './redis-queue.js'
import { dropPrefix, keysOf, REDIS_URL, redisGate, testPrefix } from './redis-server.test-util.js'
import { keySlot } from './redis-slot.test-util.js'
import { redisStorage } from './redis-storage.js'

const skip = await redisGate()
const prefix = testPrefix()
let client: Redis
let nsCount = 0
const newNs = () => `driver-${++nsCount}`

/** The names of the commands `target` sends while `work` runs. */
async function commandsOf(target: Redis, work: () => Promise<unknown>): Promise<string[]> {
  const spy = vi.spyOn(target, 'sendCommand')
  try {
    await work()
    return spy.mock.calls.map(([command]) => (command as { name: string }).name)
  } finally {
    spy.mockRestore()
  }
}

/** Runs a little of everything in `ns`, so that every kind of key exists. */
async function touchEverything(storage: StorageV1, ns: string): Promise<void> {
  await storage.atomic(ns, {
    mutations: [
      { type: 'set', key: 'doc', value: { a: 1 } },
      { type: 'set', key: 'ttl', value: 1, ttlMs: 60_000 },
      { type: 'increment', key: 'count', by: 2 },
    ],
  })
  await storage.enqueue(ns, 'q', { id: 'ready', priority: 1, payload: 'r' })
  await storage.enqueue(ns, 'q', { id: 'later', priority: 1, availableAt: Date.now() + 60_000, payload: 'l' })
  await storage.enqueue(ns, 'q', { id: 'leased', priority: 0, payload: 'x' })
  await storage.claim(ns, 'q', { leaseMs: 60_000 })
  await storage.append(ns, 'activity', { time: 1000, data: 'rec' })
}

describe.skipIf(skip !== false)('redis driver', () => {
  beforeAll(() => {
    client = new Redis(REDIS_URL)
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })
  afterAll(async () => {
    await dropPrefix(client, prefix)
    await client.quit()
  })

  describe('key layout on the server', () => {
    it('writes the documented keys, all in the namespace’s slot', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = 'tenant-{x}'
      await touchEverything(storage, ns)
      const base = `${prefix}:{tenant-%7Bx%7D}:`
      const keys = (await keysOf(client, `${prefix}:{tenant-%7Bx%7D}`)).sort()
      expect(keys).toEqual(
        [
          'd:count',
          'd:doc',
          'd:ttl',
          'm:exp',
          'm:idx',
          'm:seq',
          'qd:q',
          'qi:q',
          'ql:q',
          'qo:q',
          'qr:q',
          's:activity',
        ].map((suffix) => base + suffix),
      )
      expect(new Set(keys.map(keySlot)).size).toBe(1)
      expect(keySlot(keys[0]!)).toBe(keySlot('{tenant-%7Bx%7D}'))
      // Documents are plain strings: `<version>:<expiresAt>:<json>`.
      expect(await client.get(`${base}d:doc`)).toMatch(/^\d+::\{"a":1\}$/)
      expect(await client.type(`${base}qi:q`)).toBe('hash')
      expect(await client.type(`${base}s:activity`)).toBe('zset')
    })

    it('runs every script on declared keys only (MONITOR shows what each script touches)', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      const tag = `${prefix}:{${ns}}:`
      const monitor = await client.monitor()
      const lines: { args: string[]; source: string }[] = []
      monitor.on('monitor', (_time: string, args: string[], source: string) => lines.push({ args, source }))
      try {
        await touchEverything(storage, ns)
        const [item] = await storage.claim(ns, 'q', { leaseMs: 60_000 })
        await storage.extendLease(ns, 'q', item!.id, item!.lease.token, 60_000)
        await storage.release(ns, 'q', item!.id, item!.lease.token, { priority: 5 })
        await storage.updateQueued(ns, 'q', 'later', { score: 1 })
        await storage.getQueued(ns, 'q', 'later')
        await storage.listQueue(ns, 'q')
        const [again] = await storage.claim(ns, 'q', { leaseMs: 60_000 })
        await storage.ack(ns, 'q', again!.id, again!.lease.token)
        await storage.removeQueued(ns, 'q', 'later')
        await storage.atomic(ns, {
          checks: [{ key: 'doc', version: null }],
          mutations: [{ type: 'delete', key: 'doc' }],
        })
        await client.del(`${tag}d:doc`)
        await storage.list(ns)
        await client.ping()
        await new Promise((resolve) => setTimeout(resolve, 100))
      } finally {
        monitor.disconnect()
      }

      let declared: string[] | undefined
      let scripts = 0
      let inner = 0
      for (const { args, source } of lines) {
        const command = args[0]!.toLowerCase()
        if (source !== 'lua') {
          declared = undefined
          if (command !== 'evalsha' && command !== 'eval') continue
          const keys = args.slice(3, 3 + Number(args[2]))
          if (!keys.some((key) => key.startsWith(tag))) continue
          declared = keys
          scripts++
          for (const key of keys) expect(key.startsWith(tag)).toBe(true)
          continue
        }
        if (declared === undefined || command === 'time') continue
        inner++
        expect(declared, `${args.join(' ')}`).toContain(args[1])
      }
      expect(scripts).toBeGreaterThanOrEqual(15)
      expect(inner).toBeGreaterThan(scripts)
    })
  })

  describe('round trips', () => {
    it('commits an atomic operation (checks and every mutation) as one EVALSHA', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      await storage.atomic(ns, { mutations: [{ type: 'set', key: 'a', value: 1 }] })
      const current = await storage.get(ns, 'a')
      const sent = await commandsOf(client, () =>
        storage.atomic(ns, {
          checks: [
            { key: 'a', version: current!.version },
            { key: 'b', version: null },
          ],
          mutations: [
            { type: 'set', key: 'a', value: 2 },
            { type: 'set', key: 'b', value: 'x', ttlMs: 60_000 },
            { type: 'increment', key: 'c', by: 1 },
            { type: 'delete', key: 'd' },
          ],
        }),
      )
      expect(sent).toEqual(['evalsha'])
    })

    it('calls scripts by SHA1, and sends the source once when the server does not know it', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      const evalsha = vi.spyOn(client, 'evalsha')
      const evalFull = vi.spyOn(client, 'eval')
      evalsha.mockRejectedValueOnce(new Error('NOSCRIPT No matching script. Please use EVAL.'))
      const result = await storage.atomic(ns, { mutations: [{ type: 'increment', key: 'n', by: 1 }] })
      expect(result).toMatchObject({ ok: true, counters: { n: 1 } })
      expect(evalsha).toHaveBeenCalledTimes(1)
      expect(evalsha.mock.calls[0]![0]).toBe(ATOMIC.sha)
      expect(evalFull).toHaveBeenCalledTimes(1)
      expect(evalFull.mock.calls[0]![0]).toBe(ATOMIC.lua)

      await storage.atomic(ns, { mutations: [{ type: 'increment', key: 'n', by: 1 }] })
      await storage.enqueue(ns, 'q', { id: 'a', priority: 0, payload: null })
      await storage.claim(ns, 'q', { leaseMs: 1000 })
      expect(evalFull).toHaveBeenCalledTimes(1)
      expect(evalsha.mock.calls.map((call) => call[0])).toContain(CLAIM.sha)
      expect(await client.script('EXISTS', ATOMIC.sha, CLAIM.sha)).toEqual([1, 1])
    })

    it('claims as one EVALSHA, and a warm distribution decision commits with one script', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      await storage.enqueue(ns, 'q', { id: 'a', priority: 0, payload: null })
      expect(await commandsOf(client, () => storage.claim(ns, 'q', { leaseMs: 1000, limit: 5 }))).toEqual([
        'evalsha',
      ])

      const app = createLeadCall({ storage, tenant: newNs() })
      for (const id of ['a', 'b', 'c'])
        await app.agents.upsert({ id, name: id, status: 'available', capacity: 100 })
      await app.distribution.assign({ processId: 'warm-up', lead: { id: 'l0', phone: '+14155550100' } })
      const sent = await commandsOf(client, () =>
        app.distribution.assign({ processId: 'p1', lead: { id: 'l1', phone: '+14155550101' } }),
      )
      expect(sent.filter((name) => name === 'evalsha')).toHaveLength(1)
      expect(sent).not.toContain('scan')
      expect(sent).not.toContain('keys')
    })
  })

  describe('documents', () => {
    it('uses native TTLs', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      await storage.atomic(ns, {
        mutations: [
          { type: 'set', key: 'short', value: 1, ttlMs: 30_000 },
          { type: 'set', key: 'none', value: 1 },
          { type: 'increment', key: 'rate', by: 1, ttlMs: 10_000.2 },
        ],
      })
      const ttl = (key: string) => client.pttl(`${prefix}:{${ns}}:d:${key}`)
      expect(await ttl('short')).toBeGreaterThan(25_000)
      expect(await ttl('short')).toBeLessThanOrEqual(30_000)
      expect(await ttl('none')).toBe(-1)
      expect(await ttl('rate')).toBeLessThanOrEqual(10_001)
      const entry = await storage.get(ns, 'short')
      expect(entry!.expiresAt! - Date.now()).toBeGreaterThan(25_000)
      // An increment keeps the expiry of the key it adds to.
      await storage.atomic(ns, { mutations: [{ type: 'increment', key: 'rate', by: 1, ttlMs: 60_000 }] })
      expect(await ttl('rate')).toBeLessThanOrEqual(10_001)
    })

    it('drops expired keys from the list index, and skips index entries without a document', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      const index = `${prefix}:{${ns}}:m:idx`
      const expiries = `${prefix}:{${ns}}:m:exp`
      await storage.atomic(ns, {
        mutations: [
          { type: 'set', key: 'brief', value: 1, ttlMs: 50 },
          { type: 'set', key: 'kept', value: 2 },
          { type: 'set', key: 'vanishing', value: 3 },
        ],
      })
      expect(await client.zcard(expiries)).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 120))
      // Any commit sweeps expired keys out of the index.
      await storage.atomic(ns, { mutations: [{ type: 'set', key: 'other', value: 0 }] })
      expect(await client.zrange(index, '0', '-1')).toEqual(['kept', 'other', 'vanishing'])
      expect(await client.zcard(expiries)).toBe(0)

      // A document deleted behind the driver's back is skipped, and its index entry dropped.
      await client.del(`${prefix}:{${ns}}:d:vanishing`)
      const page = await storage.list(ns, { limit: 2 })
      expect(page.entries.map((entry) => entry.key)).toEqual(['kept', 'other'])
      expect(page.cursor).toBeUndefined()
      expect(await client.zrange(index, '0', '-1')).toEqual(['kept', 'other'])
    })

    it('pages through more keys than one index batch', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      const keys = Array.from({ length: 2500 }, (_, i) => `k:${String(i).padStart(5, '0')}`)
      await storage.atomic(ns, { mutations: keys.map((key) => ({ type: 'set' as const, key, value: key })) })
      const all = await storage.list<string>(ns, { prefix: 'k:' })
      expect(all.entries.map((entry) => entry.value)).toEqual(keys)
      const page = await storage.list(ns, { prefix: 'k:', limit: 1500, cursor: 'k:00099' })
      expect(page.entries[0]!.key).toBe('k:00100')
      expect(page.entries).toHaveLength(1500)
      expect(page.cursor).toBe('k:01599')
    })

    it('keeps counters exact as JSON numbers and refuses to increment a non-number', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      const add = async (by: number) => {
        const result = await storage.atomic(ns, { mutations: [{ type: 'increment', key: 'n', by }] })
        return result.ok ? result.counters.n : undefined
      }
      expect(await add(0.1)).toBe(0.1)
      expect(await add(0.2)).toBe(0.1 + 0.2)
      expect(await add(Number.MAX_SAFE_INTEGER)).toBe(0.1 + 0.2 + Number.MAX_SAFE_INTEGER)
      expect((await storage.get(ns, 'n'))?.value).toBe(0.1 + 0.2 + Number.MAX_SAFE_INTEGER)
      await storage.atomic(ns, { mutations: [{ type: 'set', key: 'big', value: Number.MAX_VALUE }] })
      const error = await storage
        .atomic(ns, { mutations: [{ type: 'increment', key: 'big', by: Number.MAX_VALUE }] })
        .catch((reason: unknown) => reason)
      expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
      await storage.atomic(ns, { mutations: [{ type: 'set', key: 'text', value: '5' }] })
      const notNumber = await storage
        .atomic(ns, { mutations: [{ type: 'increment', key: 'text', by: 1 }] })
        .catch((reason: unknown) => reason)
      expect(LeadCallError.isInstance(notNumber) && notNumber.details).toEqual({ key: 'text' })
    })
  })

  describe('queues', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true })
    const edges = fc.constantFrom(
      0,
      -0,
      1,
      -1,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER - 1,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53),
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      1_700_000_000_000,
      1_700_000_000_000.5,
    )
    const number = fc.oneof(edges, finite, fc.integer({ min: -3, max: 3 }))

    it('orders exactly like the memory driver for any finite priorities and scores', async () => {
      const storage = redisStorage({ client, prefix })
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), number, number), { minLength: 1, maxLength: 25 }),
          async (items) => {
            const ns = newNs()
            const memory = memoryStorage()
            for (const [id, priority, score] of items) {
              for (const target of [storage, memory])
                await target.enqueue(ns, 'q', { id: `i${id}`, priority, score, payload: id })
            }
            const ids = async (target: StorageV1) =>
              (await target.listQueue(ns, 'q', { limit: 100 })).map((item) => item.id)
            expect(await ids(storage)).toEqual(await ids(memory))
            const claimed = await storage.claim(ns, 'q', { leaseMs: 60_000, limit: 100 })
            const expected = await memory.claim(ns, 'q', { leaseMs: 60_000, limit: 100 })
            // Values travel as JSON, where -0 is 0 (the memory driver keeps the number as given).
            const view = (item: { id: string; priority: number; score: number }) => [
              item.id,
              item.priority + 0,
              item.score + 0,
            ]
            expect(claimed.map(view)).toEqual(expected.map(view))
          },
        ),
        { numRuns: 40 },
      )
    }, 60_000)

    it('gives claimed items distinct, unguessable tokens', async () => {
      const storage = redisStorage({ client, prefix })
      const ns = newNs()
      for (let i = 0; i < 3; i++) await storage.enqueue(ns, 'q', { id: `i${i}`, priority: 0, payload: i })
      const claimed = await storage.claim(ns, 'q', { leaseMs: 60_000, limit: 3 })
      const tokens = claimed.map((item) => item.lease.token)
      expect(new Set(tokens).size).toBe(3)
      for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{32}\.\d+$/)
    })
  })

  describe('isolation and lifecycle', () => {
    it('keeps two apps with different prefixes apart on one server', async () => {
      const a = redisStorage({ client, prefix: `${prefix}-a` })
      const b = redisStorage({ client, prefix: `${prefix}-b` })
      const ns = 'shared-tenant'
      await touchEverything(a, ns)
      expect(await b.get(ns, 'doc')).toBeNull()
      expect((await b.list(ns)).entries).toEqual([])
      expect(await b.queueSize(ns, 'q')).toBe(0)
      expect(await b.claim(ns, 'q', { leaseMs: 1000 })).toEqual([])
      expect(await b.range(ns, 'activity')).toEqual([])
      expect((await a.get(ns, 'doc'))?.value).toEqual({ a: 1 })
      await dropPrefix(client, `${prefix}-a`)
    })

    it('closes the client it created, and leaves a client passed in open', async () => {
      const own = redisStorage({ url: REDIS_URL, prefix })
      await own.atomic('ns', { mutations: [{ type: 'set', key: 'k', value: 1 }] })
      await own.close?.()
      await own.close?.()
      await expect(own.get('ns', 'k')).rejects.toThrow(/closed/)

      const shared = redisStorage({ client, prefix })
      await shared.close?.()
      await expect(shared.get('ns', 'k')).rejects.toThrow(/closed/)
      expect(client.status).toBe('ready')
      expect(await client.ping()).toBe('PONG')
      expect((await redisStorage({ client, prefix }).get('ns', 'k'))?.value).toBe(1)
    })

    it('reports the connection errors of the client it created to onError', async () => {
      const errors: Error[] = []
      const storage = redisStorage({
        url: 'redis://127.0.0.1:1',
        redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null },
        onError: (error) => errors.push(error),
      })
      await expect(storage.get('ns', 'k')).rejects.toThrow()
      await storage.close?.()
      expect(errors.length).toBeGreaterThan(0)
      expect(errors[0]!.message).toMatch(/ECONNREFUSED/)
    })

    it('rejects ambiguous or unusable options', () => {
      expect(() => redisStorage({ client, url: REDIS_URL })).toThrow(/either client/)
      expect(() => redisStorage({ client, onError: () => {} })).toThrow(/either client/)
      expect(() => redisStorage({ client, prefix: 'a{b}' })).toThrow(/prefix/)
    })

    it('rejects a call when its signal aborts while the command is in flight', async () => {
      const storage = redisStorage({ client, prefix })
      const controller = new AbortController()
      const pending = storage.get(newNs(), 'k', { signal: controller.signal })
      controller.abort(new Error('stop'))
      await expect(pending).rejects.toThrow('stop')
    })
  })
})
