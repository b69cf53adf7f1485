/**
 * The stores the tenant and soak checks run on: memory, Redis and PostgreSQL, each opened in a
 * scope of its own (a Redis key prefix, a PostgreSQL schema) and dropped afterwards. A server that
 * does not answer skips its suite with a message saying how to start one; with `CI=true` it fails.
 */
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { memoryStorage, type StorageV1 } from '@leadcall/core'
import { serviceGate } from '@leadcall/core/testing'
import { migrate, type PostgresStorage, postgresStorage } from '@leadcall/postgres'
import { redisStorage } from '@leadcall/redis'

export type DriverName = 'memory' | 'redis' | 'postgres'

/** Where each server is found (environment first, then this machine's defaults). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The few ioredis commands used here to probe a server and drop a prefix. */
interface RedisCommands {
  connect(): Promise<void>
  ping(): Promise<string>
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    n: number,
  ): Promise<[string, string[]]>
  del(...keys: string[]): Promise<number>
  disconnect(): void
}
type RedisConstructor = new (url: string, options?: Record<string, unknown>) => RedisCommands

/** ioredis, as the Redis driver itself resolves it (it is that package's dependency, not ours). */
function redisClient(options?: Record<string, unknown>): RedisCommands {
  const from = fileURLToPath(new URL('../../../../packages/storage-redis/package.json', import.meta.url))
  const { Redis } = createRequire(from)('ioredis') as { Redis: RedisConstructor }
  return new Redis(REDIS_URL, options)
}

/** `false` when the driver's server answers, else why its suite is skipped (CI=true fails instead). */
export function gate(driver: DriverName): Promise<string | false> {
  if (driver === 'memory') return Promise.resolve(false)
  if (driver === 'redis')
    return serviceGate({
      name: 'Redis',
      target: REDIS_URL,
      howToStart: 'docker run --rm -p 6379:6379 redis:7',
      probe: async () => {
        const client = redisClient({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
        try {
          await client.connect()
          await client.ping()
        } finally {
          client.disconnect()
        }
      },
    })
  return serviceGate({
    name: 'PostgreSQL',
    target: DATABASE_URL,
    howToStart: 'docker run --rm -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16',
    probe: async () => {
      const storage = postgresStorage({ connectionString: DATABASE_URL, connectionTimeoutMs: 1500 })
      try {
        await storage.pool.query('SELECT 1')
      } finally {
        await storage.close?.()
      }
    },
  })
}

/** A store opened in a fresh scope, and how to drop that scope once done. */
export interface ScopedStore {
  storage: StorageV1
  /** Closes the store and deletes everything it wrote. */
  drop(): Promise<void>
}

/** Opens `driver` in a scope no other run shares (PostgreSQL: migrated first). */
export async function openScoped(driver: DriverName, label: string): Promise<ScopedStore> {
  const scope = `lc_${label}_${randomUUID().slice(0, 8)}`
  if (driver === 'memory') {
    const storage = memoryStorage()
    return { storage, drop: async () => storage.close?.() }
  }
  if (driver === 'redis') {
    const storage = redisStorage({ url: REDIS_URL, prefix: scope })
    return {
      storage,
      async drop() {
        await storage.close?.()
        const client = redisClient()
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
      },
    }
  }
  await migrate({ connectionString: DATABASE_URL, schema: scope })
  const storage: PostgresStorage = postgresStorage({ connectionString: DATABASE_URL, schema: scope })
  return {
    storage,
    async drop() {
      await storage.pool.query(`DROP SCHEMA IF EXISTS "${scope}" CASCADE`)
      await storage.close?.()
    },
  }
}

/**
 * The same store without `close`: several apps share one store, and `app.close()` closes its
 * storage, so each app gets this view and the store itself is closed once, by its owner.
 */
export function sharedView(storage: StorageV1): StorageV1 {
  return new Proxy(storage, {
    get(target, property) {
      if (property === 'close') return undefined
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
