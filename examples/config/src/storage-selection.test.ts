import { afterAll, expect, it } from 'vitest'
import { type ConfiguredApp, createAppFromConfig } from './create-app-from-config.js'
import type { Env } from './env-fields.js'
import { loadConfig } from './load-config.js'
import { sampleAgents } from './sample-agents.js'
import {
  DATABASE_TEST_URL,
  describeWith,
  dropPostgresSchema,
  dropRedisPrefix,
  postgresGate,
  REDIS_TEST_URL,
  redisGate,
  uniqueName,
} from './testing.js'

const opened: ConfiguredApp[] = []
afterAll(async () => {
  await Promise.all(opened.map((configured) => configured.close()))
})

async function start(env: Env): Promise<ConfiguredApp> {
  const configured = await createAppFromConfig(
    loadConfig({ LEADCALL_LOG_LEVEL: 'silent', LEADCALL_CALLING_HOURS: 'off', ...env }),
  )
  opened.push(configured)
  return configured
}

/** A lead submitted through one app is read back through a second app on the same store. */
async function sharedThroughStore(env: Env, driver: string): Promise<void> {
  const first = await start(env)
  expect(first.app.storage.name).toBe(driver)
  const response = await first.handler(
    new Request('http://localhost/leads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ann Lee', phone: '+1 212 555 0187' }),
    }),
  )
  expect(response.status).toBe(200)
  const { processId } = (await response.json()) as { processId: string }
  await first.close()

  const second = await start(env)
  expect(await second.app.process(processId)).toMatchObject({ processId })
  const agents = await second.app.agents.list()
  expect(agents.map((agent) => agent.id).sort()).toEqual(sampleAgents.map((agent) => agent.id).sort())
  await second.close()
}

describeWith(await redisGate(), 'LEADCALL_STORAGE=redis', () => {
  it('keeps the state in Redis under its prefix, shared by every app on it', async () => {
    const prefix = uniqueName('example')
    try {
      await sharedThroughStore(
        { LEADCALL_STORAGE: 'redis', REDIS_URL: REDIS_TEST_URL, LEADCALL_REDIS_PREFIX: prefix },
        'redis',
      )
    } finally {
      // Keys were written under the prefix, and only there.
      expect(await dropRedisPrefix(REDIS_TEST_URL, prefix)).toBeGreaterThan(0)
    }
  })
})

describeWith(await postgresGate(), 'LEADCALL_STORAGE=postgres', () => {
  it('migrates its own schema and keeps the state there, shared by every app on it', async () => {
    const schema = uniqueName('example')
    try {
      await sharedThroughStore(
        { LEADCALL_STORAGE: 'postgres', DATABASE_URL: DATABASE_TEST_URL, LEADCALL_POSTGRES_SCHEMA: schema },
        'postgres',
      )
    } finally {
      await dropPostgresSchema(DATABASE_TEST_URL, schema)
    }
  })
})
