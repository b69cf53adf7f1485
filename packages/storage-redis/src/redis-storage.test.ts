import { serviceGate, storageConformance } from '@leadcall/core/testing'
import { Redis } from 'ioredis'
import { afterAll } from 'vitest'
import { dropPrefix, ping, REDIS_URL, testPrefix } from './redis-server.test-util.js'
import { redisStorage } from './redis-storage.js'

const url = REDIS_URL
const skip = await serviceGate({
  name: 'Redis',
  target: url,
  probe: (signal) => ping(url, signal),
  howToStart: 'docker run --rm -p 6379:6379 redis:7',
})

// One connection for the whole kit (each test gets its own storage on it; closing a storage leaves
// a client passed in open), and a prefix of this run, removed at the end.
const prefix = testPrefix()
const client = skip === false ? new Redis(url) : undefined

afterAll(async () => {
  if (client === undefined) return
  await dropPrefix(client, prefix)
  await client.quit()
})

storageConformance('redis', () => redisStorage({ client: client!, prefix }), { skip })
