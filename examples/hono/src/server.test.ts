import { fileURLToPath } from 'node:url'
import { hostExampleSuite } from '@leadcall/example-config/host-suite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type RunningServer, startServer } from './server.js'

hostExampleSuite({
  name: 'Hono',
  startServer,
  root: fileURLToPath(new URL('..', import.meta.url)),
  async expectHostNotFound(response) {
    // Hono's own 404, not leadcall's JSON error.
    expect(await response.text()).toBe('404 Not Found')
  },
})

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ env: { LEADCALL_LOG_LEVEL: 'silent' } })
})
afterAll(() => server.close())

it('strips the mount path, /leadcall alone included', async () => {
  const bare = await fetch(`${server.url}/leadcall`)
  expect(bare.status).toBe(404)
  expect(await bare.json()).toMatchObject({ error: { details: { reason: 'NOT_FOUND' } } })
  const health = await fetch(`${server.url}/leadcall/health`)
  expect(await health.json()).toMatchObject({ status: 'ok', storage: { driver: 'memory' } })
})
