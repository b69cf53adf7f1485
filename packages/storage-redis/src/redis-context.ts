/**
 * What every part of the driver works with: the client and the key layout.
 *
 * @internal
 * @module
 */
import type { Redis } from 'ioredis'
import type { KeyLayout } from './redis-keys.js'

/** The client and key layout of one storage. @internal */
export interface RedisContext {
  /** The ioredis client (a `Cluster` is used through the same API). */
  readonly client: Redis
  /** The key layout of the storage's prefix. */
  readonly keys: KeyLayout
}
