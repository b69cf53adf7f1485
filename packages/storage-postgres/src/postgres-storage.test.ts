import { createLeadCall, isLeadCallError, type StorageV1 } from '@leadcall/core'
import { storageConformance } from '@leadcall/core/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import {
  DATABASE_URL,
  dropSchemas,
  loggingPool,
  migratedSchema,
  skip,
  testSchema,
} from './postgres.test-util.js'
import { FLUSH_SQL } from './postgres-flush.js'
import { postgresStorage } from './postgres-storage.js'

// The kit: one pool and one migrated schema for all its tests; each test's storage shares them,
// and its `close()` leaves the pool open. Default settings (commit mode `early-release`).
const { pool, schema } = await migratedSchema('conformance')
storageConformance('postgres', () => postgresStorage({ pool, schema }), { skip })

// A second schema, for the tests of the `schema` option.
const other = await migratedSchema('other', { max: 2 })

const ns = () => `t-${crypto.randomUUID()}`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

/** Adds 1 to `key` by compare-and-set, retrying on conflict. */
async function casIncrement(storage: StorageV1, space: string, key: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const entry = await storage.get<number>(space, key)
    const result = await storage.atomic(space, {
      checks: [{ key, version: entry?.version ?? null }],
      mutations: [{ type: 'set', key, value: (entry?.value ?? 0) + 1 }],
    })
    if (result.ok) return
    await sleep(Math.random() * Math.min(20, attempt))
  }
}

describe.skipIf(skip)('postgresStorage', () => {
  it('describes itself', () => {
    const storage = postgresStorage({ pool, schema })
    expect(storage.specificationVersion).toBe('v1')
    expect(storage.name).toBe('postgres')
    expect(storage.capabilities).toEqual({ shared: true, durable: true })
    expect(storage.schema).toBe(schema)
    expect(storage.pool).toBe(pool)
  })

  it('rejects bad options with VALIDATION_FAILED', () => {
    for (const bad of ['bad-name', 'x"; DROP TABLE t; --', '1abc', '', 'a'.repeat(64)]) {
      expect(() => postgresStorage({ pool, schema: bad }), bad).toThrow(/schema must be an identifier/)
    }
    const attempts = [
      () => postgresStorage({ pool, connectionString: DATABASE_URL }),
      () => postgresStorage({ pool, commitMode: 'eventually' as 'synchronous' }),
      () => postgresStorage({ pool, sweepIntervalMs: -1 }),
      () => postgresStorage({ connectionString: DATABASE_URL, max: 0 }),
    ]
    for (const attempt of attempts) {
      let error: unknown
      try {
        attempt()
      } catch (caught) {
        error = caught
      }
      expect(isLeadCallError(error, 'VALIDATION_FAILED')).toBe(true)
    }
  })

  it('leaves a pool it was given open on close, and refuses calls afterwards', async () => {
    const storage = postgresStorage({ pool, schema })
    const space = ns()
    await storage.atomic(space, { mutations: [{ type: 'set', key: 'k', value: 1 }] })
    await storage.close()
    await storage.close()
    expect(pool!.ended).toBe(false)
    expect((await pool!.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await expect(storage.get(space, 'k')).rejects.toThrow(/closed/)
    await expect(storage.sweepExpired()).rejects.toThrow(/closed/)
    // Another storage on the same pool still works.
    expect((await postgresStorage({ pool, schema }).get(space, 'k'))?.value).toBe(1)
  })

  it('ends the pool it created on close', async () => {
    const storage = postgresStorage({ connectionString: DATABASE_URL, schema, max: 2 })
    const space = ns()
    await storage.atomic(space, { mutations: [{ type: 'set', key: 'k', value: 'own pool' }] })
    expect((await storage.get(space, 'k'))?.value).toBe('own pool')
    expect(storage.pool.ended).toBe(false)
    await storage.close()
    expect(storage.pool.ended).toBe(true)
    await storage.close()
    await expect(storage.get(space, 'k')).rejects.toThrow(/closed/)
  })

  it('keeps schemas apart, and puts every table in its schema', async () => {
    const a = postgresStorage({ pool, schema })
    const b = postgresStorage({ pool: other.pool, schema: other.schema })
    const space = ns()
    await a.atomic(space, { mutations: [{ type: 'set', key: 'k', value: 'in a' }] })
    await a.enqueue(space, 'q', { id: 'x', priority: 0, payload: null })
    await a.append(space, 's', { time: 1, data: 'in a' })
    expect(await b.get(space, 'k')).toBeNull()
    expect(await b.queueSize(space, 'q')).toBe(0)
    expect(await b.range(space, 's')).toEqual([])

    const { rows } = await pool!.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
      [other.schema],
    )
    expect(rows.map((row) => row.name)).toEqual([
      'documents',
      'process_records',
      'queue_items',
      'records',
      'schema_migrations',
    ])
  })

  it('says to run the migrations when the tables are missing', async () => {
    const storage = postgresStorage({ pool, schema: testSchema('missing') })
    const error = await rejection(storage.get(ns(), 'k'))
    expect(String(error)).toMatch(/run migrate\(\)/)
  })

  it('migrates once by itself with autoMigrate, even when the first calls are concurrent', async () => {
    const fresh = testSchema('auto')
    try {
      const storage = postgresStorage({ pool, schema: fresh, autoMigrate: true })
      const space = ns()
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          storage.atomic(space, { mutations: [{ type: 'increment', key: 'n', by: i + 1 }] }),
        ),
      )
      expect(results.every((result) => result.ok)).toBe(true)
      expect((await storage.get(space, 'n'))?.value).toBe(15)
      const { rows } = await pool!.query(`SELECT version FROM "${fresh}".schema_migrations ORDER BY 1`)
      expect(rows).toEqual([{ version: 1 }, { version: 2 }])
    } finally {
      await dropSchemas(pool!, fresh)
    }
  })

  it('refuses to run atomic commits under another isolation level than READ COMMITTED', async () => {
    const serializable = new pg.Pool({
      connectionString: DATABASE_URL,
      max: 1,
      options: '-c default_transaction_isolation=serializable',
    })
    try {
      const storage = postgresStorage({ pool: serializable, schema })
      const error = await rejection(
        storage.atomic(ns(), { mutations: [{ type: 'set', key: 'k', value: 1 }] }),
      )
      expect(String(error)).toMatch(/READ COMMITTED/)
    } finally {
      await serializable.end()
    }
  })

  it('rejects at once, without writing, a call aborted while it waits for a connection', async () => {
    const space = ns()
    const storage = postgresStorage({ connectionString: DATABASE_URL, schema, max: 1 })
    const blocker = new pg.Client({ connectionString: DATABASE_URL })
    await blocker.connect()
    try {
      // Holding the namespace lock exclusively makes every commit in `space` wait inside PostgreSQL.
      await blocker.query('BEGIN')
      await blocker.query('SELECT pg_advisory_xact_lock(1818451315, hashtext($1))', [space])
      const first = storage.atomic(space, { mutations: [{ type: 'set', key: 'first', value: 1 }] })
      await sleep(100)
      const controller = new AbortController()
      const second = storage.atomic(
        space,
        { mutations: [{ type: 'set', key: 'second', value: 2 }] },
        controller,
      )
      const read = storage.get(space, 'first', controller)
      const reason = new Error('stop waiting')
      controller.abort(reason)
      expect(await rejection(second)).toBe(reason)
      expect(await rejection(read)).toBe(reason)
      await blocker.query('COMMIT')
      expect((await first).ok).toBe(true)
      expect(await storage.getMany(space, ['first', 'second'])).toEqual([
        expect.objectContaining({ value: 1 }),
        null,
      ])
    } finally {
      await blocker.end()
      await storage.close()
    }
  })

  it('uses the clock it is given for TTLs and leases', async () => {
    let now = 1_000_000
    const storage = postgresStorage({ pool, schema, now: () => now })
    const space = ns()
    await storage.atomic(space, { mutations: [{ type: 'set', key: 'k', value: 1, ttlMs: 1000 }] })
    expect(await storage.get(space, 'k')).toMatchObject({ value: 1, expiresAt: 1_001_000 })
    await storage.enqueue(space, 'q', { id: 'job', priority: 0, payload: null })
    const [claimed] = await storage.claim(space, 'q', { leaseMs: 500 })
    expect(claimed?.lease.expiresAt).toBe(1_000_500)
    expect(claimed?.enqueuedAt).toBe(1_000_000)
    expect((await storage.append(space, 's', { data: 1 })).time).toBe(1_000_000)

    now = 1_000_600
    expect((await storage.getQueued(space, 'q', 'job'))?.lease).toBeUndefined()
    expect((await storage.claim(space, 'q', { leaseMs: 500 })).map((item) => item.attempts)).toEqual([2])
    expect(await storage.get(space, 'k')).not.toBeNull()
    now = 1_001_000
    expect(await storage.get(space, 'k')).toBeNull()
  })

  it('deletes expired documents in the periodic sweep, and stops sweeping on close', async () => {
    let now = 5_000
    const log: string[] = []
    const counted = loggingPool(log)
    try {
      const storage = postgresStorage({ pool: counted, schema, now: () => now, sweepIntervalMs: 20 })
      const space = ns()
      await storage.atomic(space, {
        mutations: [
          { type: 'set', key: 'gone', value: 1, ttlMs: 100 },
          { type: 'set', key: 'kept', value: 2, ttlMs: 100_000 },
        ],
      })
      now = 6_000
      const rowsOf = async () =>
        (
          await counted.query(`SELECT key FROM "${schema}".documents WHERE ns = $1 ORDER BY key`, [space])
        ).rows.map((row: { key: string }) => row.key)
      for (let i = 0; i < 100 && (await rowsOf()).includes('gone'); i++) await sleep(20)
      expect(await rowsOf()).toEqual(['kept'])

      await storage.close()
      await sleep(50)
      const after = log.length
      await sleep(100)
      expect(log.length).toBe(after)
    } finally {
      await counted.end()
    }
  })

  it('commits a distribution decision in one statement, plus the flush wait of early-release', async () => {
    const log: string[] = []
    const logged = loggingPool(log)
    const FLUSH = 'leadcall_flush'
    try {
      for (const [commitMode, perCommit] of [
        ['early-release', ['atomic', FLUSH]],
        ['synchronous', ['atomic']],
        ['asynchronous', ['atomic']],
      ] as const) {
        const storage = postgresStorage({ pool: logged, schema, commitMode })
        const app = createLeadCall({ storage, tenant: ns() })
        for (const id of ['a', 'b', 'c'])
          await app.agents.upsert({ id, name: id, status: 'available', capacity: 10 })
        // The first decision loads the roster; the following ones only commit. The app's event
        // handlers read after a decision: let them finish before measuring.
        await app.distribution.assign({ processId: 'p-0', lead: { id: 'lead-0' } })
        await sleep(100)
        log.length = 0
        const decision = await app.distribution.assign({ processId: 'p-1', lead: { id: 'lead-1' } })
        expect(log, commitMode).toEqual(perCommit)
        await sleep(100)
        log.length = 0
        await app.distribution.complete(decision.assignments[0]!.id)
        expect(log, commitMode).toEqual(perCommit)
        // A failed check writes nothing, hence waits for no flush.
        await sleep(100)
        log.length = 0
        const conflict = await storage.atomic(app.tenant, {
          checks: [{ key: 'nothing', version: '1' }],
          mutations: [{ type: 'set', key: 'nothing', value: 1 }],
        })
        expect(conflict.ok).toBe(false)
        expect(log).toEqual(['atomic'])
        app.distribution.close()
        await storage.close()
      }
    } finally {
      await logged.end()
    }
  })

  it('stays exact under concurrent compare-and-set in every commit mode', async () => {
    for (const commitMode of ['early-release', 'synchronous', 'asynchronous'] as const) {
      const storage = postgresStorage({ pool, schema, commitMode })
      const space = ns()
      await Promise.all(Array.from({ length: 200 }, () => casIncrement(storage, space, 'n')))
      expect((await storage.get(space, 'n'))?.value, commitMode).toBe(200)
    }
  }, 60_000)

  it('lets the commits under way get their flush before close() ends its pool', async () => {
    const own = postgresStorage({ connectionString: DATABASE_URL, schema })
    const space = ns()
    const commits = Array.from({ length: 5 }, (_, i) =>
      own.atomic(space, { mutations: [{ type: 'set', key: `k${i}`, value: i }] }),
    )
    // Close as soon as the commits are answered, while they wait for their flush.
    await Promise.race(commits.map((commit) => commit.catch(() => undefined)))
    const closed = own.close()
    expect((await Promise.all(commits)).every((result) => result.ok)).toBe(true)
    await closed
  })

  it('flushes with a statement whose commit waits for the WAL flush', async () => {
    // A commit waits for the flush of the WAL only when its transaction has a transaction id and
    // wrote WAL: `SELECT pg_current_xact_id()` alone gets an id but writes nothing, so it proves
    // nothing. The flush statement does both.
    const client = await pool!.connect()
    try {
      await client.query('BEGIN')
      const before = await client.query('SELECT pg_current_wal_insert_lsn() AS lsn')
      await client.query(FLUSH_SQL)
      const { rows } = await client.query(
        'SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS xid, pg_current_wal_insert_lsn() > $1::pg_lsn AS wrote',
        [before.rows[0].lsn],
      )
      await client.query('ROLLBACK')
      expect(rows[0]).toEqual({ xid: true, wrote: true })
    } finally {
      client.release()
    }
  })

  it('turns synchronous_commit off only inside the commits of the asynchronous modes', async () => {
    const client = await pool!.connect()
    try {
      for (const synchronous of [true, false]) {
        await client.query('BEGIN')
        await client.query(
          `SELECT "${schema}".atomic($1, '{}', '{}', 's', '{k}', '[1]', '{NULL}', '{NULL}', true, NULL, $2)`,
          [ns(), synchronous],
        )
        const { rows } = await client.query('SHOW synchronous_commit')
        await client.query('ROLLBACK')
        expect(rows[0].synchronous_commit).toBe(synchronous ? 'on' : 'off')
      }
      expect((await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on')
    } finally {
      client.release()
    }
  })
})
