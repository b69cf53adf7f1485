import { isLeadCallError, type LeadCallError } from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import { loggingPool, migratedSchema, skip } from './postgres.test-util.js'
import { prefixEnd } from './postgres-documents.js'
import { postgresStorage } from './postgres-storage.js'

const { pool, schema } = await migratedSchema('documents')
const ns = () => `t-${crypto.randomUUID()}`

describe('prefixEnd', () => {
  it('is the smallest string above every string with the prefix', () => {
    expect(prefixEnd('item:')).toBe('item;')
    expect(prefixEnd('a')).toBe('b')
    expect(prefixEnd('\u{10FFFF}')).toBeUndefined()
    expect(prefixEnd('a\u{10FFFF}')).toBe('b')
    expect(prefixEnd('\uD7FF')).toBe('\uE000')
    expect(prefixEnd('x\u{1F600}')).toBe('x\u{1F601}')
  })
})

describe.skipIf(skip)('postgres documents', () => {
  const storage = postgresStorage({ pool, schema })

  it('returns JSON exactly as written: key order, numbers, escapes', async () => {
    const space = ns()
    const value = {
      z: 1,
      a: [0.1, 1e21, -0.5, 5e-324],
      ключ: 'ü\u0000\u2028"\\',
      nested: { b: null, a: true },
    }
    await storage.atomic(space, { mutations: [{ type: 'set', key: 'doc', value }] })
    const entry = await storage.get(space, 'doc')
    expect(JSON.stringify(entry?.value)).toBe(JSON.stringify(value))
    const [listed] = (await storage.list(space)).entries
    expect(JSON.stringify(listed?.value)).toBe(JSON.stringify(value))
  })

  it('adds counters with IEEE doubles like JavaScript, and reports non-numbers and overflow', async () => {
    const space = ns()
    await storage.atomic(space, { mutations: [{ type: 'increment', key: 'n', by: 0.1 }] })
    const result = await storage.atomic(space, { mutations: [{ type: 'increment', key: 'n', by: 0.2 }] })
    expect(result.ok && result.counters.n).toBe(0.1 + 0.2)
    expect((await storage.get(space, 'n'))?.value).toBe(0.1 + 0.2)

    await storage.atomic(space, { mutations: [{ type: 'set', key: 'text', value: '12' }] })
    const notNumber = (await storage
      .atomic(space, { mutations: [{ type: 'increment', key: 'text', by: 1 }] })
      .catch((error: unknown) => error)) as LeadCallError
    expect(isLeadCallError(notNumber, 'VALIDATION_FAILED')).toBe(true)
    expect(notNumber.details).toEqual({ key: 'text' })

    await storage.atomic(space, { mutations: [{ type: 'set', key: 'big', value: Number.MAX_VALUE }] })
    const overflow = await storage
      .atomic(space, {
        mutations: [
          { type: 'set', key: 'side', value: 1 },
          { type: 'increment', key: 'big', by: Number.MAX_VALUE },
        ],
      })
      .catch((error: unknown) => error)
    expect(isLeadCallError(overflow, 'VALIDATION_FAILED')).toBe(true)
    expect(String(overflow)).toMatch(/overflows/)
    expect(await storage.get(space, 'side')).toBeNull()
  })

  it('keeps the TTL of a counter it increments, and ends it with a set', async () => {
    const space = ns()
    await storage.atomic(space, { mutations: [{ type: 'increment', key: 'rate', by: 1, ttlMs: 60_000 }] })
    const first = await storage.get(space, 'rate')
    await storage.atomic(space, { mutations: [{ type: 'increment', key: 'rate', by: 1, ttlMs: 1 }] })
    expect(await storage.get(space, 'rate')).toMatchObject({ value: 2, expiresAt: first?.expiresAt })
  })

  it('rejects keys PostgreSQL cannot store, before sending anything', async () => {
    const space = ns()
    for (const call of [
      () => storage.get(space, 'a\u0000b'),
      () => storage.atomic(space, { mutations: [{ type: 'set', key: 'a\u0000b', value: 1 }] }),
      () => storage.get('ns\u0000', 'k'),
    ]) {
      const error = await call().catch((caught: unknown) => caught)
      expect(isLeadCallError(error, 'VALIDATION_FAILED')).toBe(true)
    }
  })

  it('lists prefixes with LIKE wildcards and non-ASCII characters literally', async () => {
    const space = ns()
    const keys = ['50%:a', '50%:b', '50x:c', 'a_b', 'axb', 'é:1', 'é:2', 'f', '\u{1F600}:1', '\u{1F600}']
    await storage.atomic(space, { mutations: keys.map((key) => ({ type: 'set' as const, key, value: key })) })
    const list = async (prefix: string) => (await storage.list(space, { prefix })).entries.map((e) => e.key)
    expect(await list('50%')).toEqual(['50%:a', '50%:b'])
    expect(await list('a_')).toEqual(['a_b'])
    expect(await list('é:')).toEqual(['é:1', 'é:2'])
    expect(await list('\u{1F600}')).toEqual(['\u{1F600}', '\u{1F600}:1'])
    const page = await storage.list(space, { prefix: '50', limit: 2 })
    expect(page).toMatchObject({ cursor: '50%:b' })
    expect(
      (await storage.list(space, { prefix: '50', cursor: page.cursor })).entries.map((e) => e.key),
    ).toEqual(['50x:c'])
  })

  it('commits and reads more than 64 keys at once (one namespace lock instead of key locks)', async () => {
    const space = ns()
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`)
    const write = await storage.atomic(space, {
      checks: keys.map((key) => ({ key, version: null })),
      mutations: keys.map((key, i) => ({ type: 'set' as const, key, value: i })),
    })
    expect(write.ok && Object.keys(write.versions)).toHaveLength(300)
    const read = await storage.getMany<number>(space, keys)
    expect(read.map((entry) => entry?.value)).toEqual(keys.map((_, i) => i))
    const again = await storage.atomic(space, {
      checks: [...keys.map((key) => ({ key, version: null })), { key: 'free', version: null }],
      mutations: [{ type: 'set', key: 'free', value: 1 }],
    })
    expect(again).toEqual({ ok: false, conflicts: keys })
  })

  it('reads the keys of the reads issued together in one statement, but a key only once per statement', async () => {
    const log: string[] = []
    const logged = loggingPool(log)
    try {
      const batched = postgresStorage({ pool: logged, schema })
      const [one, two] = [ns(), ns()]
      await batched.atomic(one, {
        mutations: [
          { type: 'set', key: 'a', value: 'a' },
          { type: 'set', key: 'b', value: 'b' },
        ],
      })
      await batched.atomic(two, { mutations: [{ type: 'set', key: 'a', value: 'two' }] })
      log.length = 0
      const aborted = new AbortController()
      const reads = [
        batched.get(one, 'a'),
        batched.getMany(one, ['b', 'missing', 'b']),
        batched.get(two, 'a'),
        batched.get(one, 'b', { signal: aborted.signal }),
      ]
      aborted.abort(new Error('gone'))
      await expect(reads[3]).rejects.toThrow('gone')
      expect(await reads[0]).toMatchObject({ key: 'a', value: 'a' })
      expect(await reads[1]).toMatchObject([{ value: 'b' }, null, { value: 'b' }])
      expect(await reads[2]).toMatchObject({ key: 'a', value: 'two' })
      expect(log).toEqual(['read'])
      // The same key twice: the second read gets a statement of its own.
      log.length = 0
      await Promise.all([batched.get(one, 'a'), batched.get(one, 'a'), batched.get(one, 'b')])
      expect(log).toEqual(['read', 'read'])
      await batched.close()
    } finally {
      await logged.end()
    }
  })

  it('sweeps expired documents on demand', async () => {
    let now = 10_000
    const clocked = postgresStorage({
      pool,
      schema,
      now: () => now,
      sweepIntervalMs: false,
      sweepBatchSize: 2,
    })
    const space = ns()
    await clocked.atomic(space, {
      mutations: [
        ...['a', 'b', 'c', 'd', 'e'].map((key) => ({ type: 'set' as const, key, value: key, ttlMs: 10 })),
        { type: 'set', key: 'kept', value: 'kept' },
      ],
    })
    now = 10_010
    expect((await clocked.list(space)).entries.map((entry) => entry.key)).toEqual(['kept'])
    // Other tests' namespaces may hold expired documents too: at least these five go.
    expect(await clocked.sweepExpired()).toBeGreaterThanOrEqual(5)
    const { rows } = await pool!.query(`SELECT key FROM "${schema}".documents WHERE ns = $1`, [space])
    expect(rows).toEqual([{ key: 'kept' }])
  })
})
