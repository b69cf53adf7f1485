/**
 * What the test files of the PostgreSQL driver share: where the server is, whether it answers, and
 * throw-away schemas.
 *
 * @internal
 * @module
 */
import { randomBytes } from 'node:crypto'
import { serviceGate } from '@leadcall/core/testing'
import pg from 'pg'
import { afterAll } from 'vitest'
import { migrate } from './postgres-migrate.js'

/** The server the tests use: `DATABASE_URL`, or the local default. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** `false` when the server answers, else why the suites are skipped (throws under `CI=true`). */
export const skip = await serviceGate({
  name: 'PostgreSQL',
  target: DATABASE_URL,
  probe: async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('SELECT 1')
    } finally {
      await client.end().catch(() => {})
    }
  },
  howToStart: 'docker run --rm -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16',
})

/** A schema name no other run uses: `lc_test_<label>_<random>`. */
export function testSchema(label: string): string {
  return `lc_test_${label}_${randomBytes(6).toString('hex')}`
}

/** Drops the given schemas and everything in them. */
export async function dropSchemas(pool: pg.Pool, ...schemas: string[]): Promise<void> {
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
}

/**
 * A fresh schema with the migrations applied and a pool on it, both dropped after the file's tests;
 * `pool` is undefined when the server is missing (the suites are skipped then).
 */
export async function migratedSchema(
  label: string,
  poolConfig: pg.PoolConfig = {},
): Promise<{ pool: pg.Pool | undefined; schema: string }> {
  const schema = testSchema(label)
  if (skip !== false) return { pool: undefined, schema }
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10, ...poolConfig })
  pool.on('error', () => {})
  await migrate({ pool, schema })
  afterAll(async () => {
    await dropSchemas(pool, schema)
    await pool.end()
  })
  return { pool, schema }
}

/**
 * A pool whose clients log the statements they run, one entry per round trip: the driver's
 * prepared statements by their name without the schema prefix (`atomic`, `read`, …), others by
 * their text.
 */
export function loggingPool(log: string[], config: pg.PoolConfig = {}): pg.Pool {
  class LoggingClient extends pg.Client {
    override query(...args: unknown[]): never {
      const first = args[0] as string | { name?: string; text: string }
      log.push(
        typeof first === 'string'
          ? first
          : first.name !== undefined
            ? first.name.replace(/^leadcall_[0-9a-f]+_/, '')
            : first.text,
      )
      return (super.query as (...a: unknown[]) => never)(...args)
    }
  }
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4, ...config, Client: LoggingClient })
  pool.on('error', () => {})
  return pool
}
