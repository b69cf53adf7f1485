/**
 * The stores under test: where they are, how to probe them, and how a worker opens one.
 */
import type { StorageV1 } from '@leadcall/core'
import { serviceGate } from '@leadcall/core/testing'
import { redisStorage } from '@leadcall/redis'
import type { DriverName } from './protocol.js'

/** Where each server is found (environment first, then this machine's defaults). */
export const DRIVER_URLS: Record<DriverName, string> = {
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgres: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
}

/** Opens the store a worker (or the test itself) uses. */
export async function openStorage(driver: DriverName, url: string, scope: string): Promise<StorageV1> {
  if (driver === 'redis') return redisStorage({ url, prefix: scope })
  const { postgresStorage, migrate } = await import('@leadcall/postgres')
  await migrate({ connectionString: url, schema: scope })
  return postgresStorage({ connectionString: url, schema: scope })
}

/** Drops what a test run left in the store. */
export async function dropScope(driver: DriverName, url: string, scope: string): Promise<void> {
  if (driver === 'redis') {
    const { Redis } = await import('ioredis')
    const client = new Redis(url)
    try {
      let cursor = '0'
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${scope}:*`, 'COUNT', 1000)
        cursor = next
        if (keys.length > 0) await client.del(...keys)
      } while (cursor !== '0')
    } finally {
      client.disconnect()
    }
    return
  }
  const pg = await import('pg')
  const client = new pg.default.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${scope}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** `false` when the server answers, else why the suite is skipped (CI=true fails instead). */
export function gate(driver: DriverName): Promise<string | false> {
  const url = DRIVER_URLS[driver]
  if (driver === 'redis') {
    return serviceGate({
      name: 'Redis',
      target: url,
      howToStart: 'docker run --rm -p 6379:6379 redis:7',
      probe: async () => {
        const { Redis } = await import('ioredis')
        const client = new Redis(url, {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        })
        try {
          await client.connect()
          await client.ping()
        } finally {
          client.disconnect()
        }
      },
    })
  }
  return serviceGate({
    name: 'PostgreSQL',
    target: url,
    howToStart: 'docker run --rm -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16',
    probe: async () => {
      const pg = await import('pg')
      const client = new pg.default.Client({ connectionString: url })
      try {
        await client.connect()
        await client.query('SELECT 1')
      } finally {
        await client.end().catch(() => undefined)
      }
    },
  })
}
