/**
 * Helpers of the tests that need a Redis server: where it is, whether it answers, and a key prefix
 * of their own that is removed afterwards.
 *
 * @internal
 * @module
 */
import { randomBytes } from 'node:crypto'
import { serviceGate } from '@leadcall/core/testing'
import { Redis } from 'ioredis'

/** The server the tests use: `REDIS_URL`, or the default local port. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Resolves when the server at `url` answers `PING`; gives up when `signal` aborts. */
export async function ping(url: string, signal: AbortSignal): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  })
  // The connection error says more than the "Connection is closed." that connect() rejects with.
  let failure: unknown
  client.on('error', (error) => {
    failure ??= error
  })
  const stop = () => client.disconnect()
  signal.addEventListener('abort', stop, { once: true })
  try {
    await client.connect()
    await client.ping()
  } catch (error) {
    throw failure ?? error
  } finally {
    signal.removeEventListener('abort', stop)
    client.disconnect()
  }
}

/** `false` when the server answers, else why the suites skip (rejects under `CI=true`). */
export function redisGate(): Promise<string | false> {
  return serviceGate({
    name: 'Redis',
    target: REDIS_URL,
    probe: (signal) => ping(REDIS_URL, signal),
    howToStart: 'docker run --rm -p 6379:6379 redis:7',
  })
}

/** A key prefix that no other test run uses. */
export function testPrefix(): string {
  return `leadcall-test-${randomBytes(6).toString('hex')}`
}

/** Every key under `prefix`. */
export async function keysOf(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    found.push(...keys)
    cursor = next
  } while (cursor !== '0')
  return found
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  const keys = await keysOf(client, prefix)
  for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500))
}
