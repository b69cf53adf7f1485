import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { bodyOf, request, testApp } from './http.test-util.js'

// prom-client is an optional peer dependency: here it cannot be loaded.
vi.mock('prom-client', () => {
  throw new Error("Cannot find package 'prom-client'")
})

const apps: LeadCallApp[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

describe('GET /metrics without prom-client', () => {
  it('answers 501 with a clear JSON error, and everything else still works', async () => {
    const { createHttpHandler } = await import('./http-handler.js')
    const app = testApp()
    apps.push(app)
    const handler = createHttpHandler(app)
    const response = await handler(request('/metrics'))
    expect(response.status).toBe(501)
    expect(await bodyOf(response)).toEqual({
      error: { code: 'NOT_IMPLEMENTED', status: 501, message: expect.stringMatching(/prom-client/) },
    })
    expect((await handler(request('/health'))).status).toBe(200)
  })
})
