/**
 * The storage driver of a configuration: {@link createStorage}.
 *
 * @module
 */
import { type Logger, memoryStorage, type StorageV1 } from '@leadcall/core'
import { postgresStorage } from '@leadcall/postgres'
import { redisStorage } from '@leadcall/redis'
import type { StorageConfig } from './example-config.js'

/**
 * Creates the storage driver: memory (one process, gone on restart), Redis, or PostgreSQL (with
 * its migrations applied before the first query when `migrate` is on). Connection errors of the
 * background go to `logger`; the calls that meet them fail with their own error.
 */
export function createStorage(config: StorageConfig, logger: Logger): StorageV1 {
  switch (config.kind) {
    case 'memory':
      return memoryStorage()
    case 'redis':
      return redisStorage({
        url: config.url,
        prefix: config.prefix,
        onError: (error) => logger.warn({ err: error }, 'redis connection error'),
      })
    case 'postgres':
      return postgresStorage({
        connectionString: config.url,
        schema: config.schema,
        autoMigrate: config.migrate,
        connectionTimeoutMs: 10_000,
        onError: (error) => logger.warn({ err: error }, 'postgres background error'),
      })
  }
}
