import type { LambdaEvent } from 'hono/aws-lambda'
import { afterEach, expect, it, vi } from 'vitest'

afterEach(() => {
  vi.unstubAllEnvs()
})

it('exports the handler of process.env, read on the first invocation', async () => {
  vi.stubEnv('LEADCALL_STORAGE', 'memory')
  const { handler } = await import('./handler.js')
  const event = { version: '2.0', rawPath: '/health', requestContext: { http: { method: 'GET' } } }
  await expect(handler(event as unknown as LambdaEvent)).rejects.toThrow(
    /- LEADCALL_STORAGE: memory storage does not survive on Lambda/,
  )
})
