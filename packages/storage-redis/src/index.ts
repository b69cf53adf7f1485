/**
 * Redis storage driver for leadcall: `redisStorage({ url })` implements the `StorageV1`
 * specification of `@leadcall/core` on Redis 6.2+ (standalone, Sentinel or Cluster) with ioredis —
 * every atomic change one Lua script called by SHA, queues as sorted sets with leases, native TTLs,
 * and keys hash-tagged per namespace for Redis Cluster.
 *
 * @packageDocumentation
 */

export { type RedisStorageOptions, redisStorage } from './redis-storage.js'
