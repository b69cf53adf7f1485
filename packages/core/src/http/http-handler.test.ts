import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import type { CallEvent } from '../domain/call-event.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import { addAgents, bodyOf, flakyStorage, nextPhone, request, spyLogger, testApp } from './http.test-util.js'
import { createHttpHandler } from './http-handler.js'

const apps: LeadCallApp[] = []
function app(...args: Parameters<typeof testApp>): LeadCallApp {
  const created = testApp(...args)
  apps.push(created)
  return created
}
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

describe('POST /leads', () => {
  it('answers 200 with the lead result once an agent is being called', async () => {
    const leadcall = app()
    await addAgents(leadcall, 1)
    const handler = createHttpHandler(leadcall)
    const response = await handler(request('/leads', { json: { name: 'Ada Lovelace', phone: nextPhone() } }))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const body = await bodyOf(response)
    expect(body).toMatchObject({
      success: true,
      status: 'dialing',
      selectedAgent: { id: 'a1', name: 'Agent 1' },
      message: 'Calling agent Agent 1',
    })
    expect(body.processId).toEqual(expect.any(String))
    expect(Object.keys(body.steps)).toEqual(expect.arrayContaining(['normalize', 'compliance', 'dial']))
    expect(body.error).toBeUndefined()
  })

  it('answers 202 with the queue position when no agent is free', async () => {
    const handler = createHttpHandler(app())
    const response = await handler(request('/leads', { json: { name: 'Bob', phone: nextPhone() } }))
    expect(response.status).toBe(202)
    const body = await bodyOf(response)
    expect(body).toMatchObject({
      success: true,
      status: 'queued',
      queuePosition: 1,
      selectedAgent: null,
      message: 'Lead queued (NO_AGENTS_AVAILABLE)',
    })
    expect(body.steps.distribute).toMatchObject({ status: 'waiting', errorCode: 'NO_AGENTS_AVAILABLE' })
  })

  it("answers a rejected lead with its error code's status (DNC → 403)", async () => {
    const leadcall = app({ compliance: { blockList: ['+1212555*'] } })
    await addAgents(leadcall, 1)
    const response = await createHttpHandler(leadcall)(
      request('/leads', { json: { name: 'Carl', phone: nextPhone() } }),
    )
    expect(response.status).toBe(403)
    expect(await bodyOf(response)).toMatchObject({
      success: false,
      status: 'rejected',
      error: { code: 'DNC_BLOCKED' },
    })
  })

  it('answers invalid leads with the error JSON (400) and an open duplicate with 409', async () => {
    const leadcall = app()
    await addAgents(leadcall, 1)
    const handler = createHttpHandler(leadcall)
    const missing = await handler(request('/leads', { json: { name: 'No Phone' } }))
    expect(missing.status).toBe(400)
    expect(await bodyOf(missing)).toEqual({
      error: { code: 'MISSING_PHONE', message: expect.any(String), status: 400 },
    })
    const invalid = await handler(request('/leads', { json: { name: 'Bad', phone: '12' } }))
    expect(invalid.status).toBe(400)
    expect((await bodyOf(invalid)).error.code).toBe('INVALID_PHONE')

    const phone = nextPhone()
    expect((await handler(request('/leads', { json: { name: 'Dup', phone } }))).status).toBe(200)
    const again = await handler(request('/leads', { json: { name: 'Dup', phone } }))
    expect(again.status).toBe(409)
    expect((await bodyOf(again)).error).toMatchObject({ code: 'DUPLICATE_LEAD', status: 409 })
  })

  it('passes Idempotency-Key: a redelivery answers the first result, marked duplicate', async () => {
    const leadcall = app()
    await addAgents(leadcall, 1)
    const handler = createHttpHandler(leadcall)
    const send = () =>
      handler(
        request('/leads', {
          json: { name: 'Idem', phone: '+12125550199' },
          headers: { 'Idempotency-Key': 'order-42' },
        }),
      )
    const first = await bodyOf(await send())
    const second = await send()
    expect(second.status).toBe(200)
    const body = await bodyOf(second)
    expect(body).toMatchObject({ duplicate: true, processId: first.processId })
    expect(body.message).toMatch(/^Lead already received/)
  })

  it('refuses malformed JSON (400), an empty body (400) and non-UTF-8 bytes (400)', async () => {
    const handler = createHttpHandler(app())
    const headers = { 'content-type': 'application/json' }
    const malformed = await handler(request('/leads', { body: '{"name": "x",', headers }))
    expect(malformed.status).toBe(400)
    expect(await bodyOf(malformed)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', status: 400, details: { reason: 'MALFORMED_JSON' } },
    })
    const empty = await handler(request('/leads', { body: '', headers }))
    expect(empty.status).toBe(400)
    const bytes = await handler(request('/leads', { body: new Uint8Array([0x7b, 0xff, 0x7d]), headers }))
    expect(bytes.status).toBe(400)
    expect((await bodyOf(bytes)).error.message).toMatch(/UTF-8/)
  })

  it('refuses a wrong or missing content type with 415', async () => {
    const handler = createHttpHandler(app())
    const form = await handler(
      request('/leads', {
        body: 'name=x&phone=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    )
    expect(form.status).toBe(415)
    expect(await bodyOf(form)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', status: 415, details: { reason: 'UNSUPPORTED_MEDIA_TYPE' } },
    })
    const none = await handler(
      new Request('http://localhost/leads', { method: 'POST', body: new Uint8Array([1]) }),
    )
    expect(none.status).toBe(415)
    const vendor = await handler(
      request('/leads', {
        body: JSON.stringify({ phone: '12' }),
        headers: { 'content-type': 'application/vnd.lead+json; charset=utf-8' },
      }),
    )
    expect(vendor.status).toBe(400) // a +json type is JSON: it got to validation
  })

  it('refuses prototype-pollution keys without polluting anything', async () => {
    const handler = createHttpHandler(app())
    const headers = { 'content-type': 'application/json' }
    for (const body of [
      '{"phone":"+12125550100","__proto__":{"polluted":true}}',
      '{"phone":"+12125550100","custom":{"\\u005f_proto__":{"polluted":true}}}',
      '{"phone":"+12125550100","constructor":{"prototype":{"polluted":true}}}',
    ]) {
      const response = await handler(request('/leads', { body, headers }))
      expect(response.status).toBe(400)
      expect((await bodyOf(response)).error.details.reason).toBe('MALFORMED_JSON')
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('body size', () => {
  it('refuses a body over maxBodyBytes with 413, from a declared Content-Length', async () => {
    const handler = createHttpHandler(app(), { maxBodyBytes: 100 })
    const response = await handler(
      request('/leads', {
        body: JSON.stringify({ name: 'x'.repeat(200), phone: nextPhone() }),
        headers: { 'content-type': 'application/json' },
      }),
    )
    expect(response.status).toBe(413)
    expect(await bodyOf(response)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', status: 413, details: { reason: 'PAYLOAD_TOO_LARGE', limit: 100 } },
    })
  })

  it('counts the bytes while reading: a streamed body without Content-Length is cut at the limit', async () => {
    const handler = createHttpHandler(app()) // default 1 MiB
    let pulled = 0
    const chunk = new TextEncoder().encode(`"${'x'.repeat(64 * 1024 - 2)}"`)
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        if (pulled > 1000) controller.close()
        else controller.enqueue(chunk)
      },
    })
    const response = await handler(
      request('/leads', { body: stream, headers: { 'content-type': 'application/json' } }),
    )
    expect(response.status).toBe(413)
    // 1 MiB is 16 chunks of 64 KiB: reading stopped right after the limit, not at the end.
    expect(pulled).toBeLessThan(30)
  })

  it('does not trust a small Content-Length', async () => {
    const handler = createHttpHandler(app(), { maxBodyBytes: 64 })
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"name":"${'y'.repeat(500)}"}`))
        controller.close()
      },
    })
    const response = await handler(
      request('/leads', {
        body: stream,
        headers: { 'content-type': 'application/json', 'content-length': '10' },
      }),
    )
    expect(response.status).toBe(413)
  })
})

describe('routing', () => {
  it('answers an unknown route with 404 JSON', async () => {
    const handler = createHttpHandler(app())
    const response = await handler(request('/nope'))
    expect(response.status).toBe(404)
    expect(await bodyOf(response)).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        status: 404,
        message: 'No route for GET /nope',
        details: { reason: 'NOT_FOUND' },
      },
    })
  })

  it('answers a wrong method with 405 and an Allow header', async () => {
    const handler = createHttpHandler(app())
    const get = await handler(request('/leads'))
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(await bodyOf(get)).toMatchObject({
      error: { status: 405, details: { reason: 'METHOD_NOT_ALLOWED', allow: ['POST'] } },
    })
    const del = await handler(request('/agents', { method: 'DELETE' }))
    expect(del.status).toBe(405)
    expect(del.headers.get('allow')).toBe('GET')
    const put = await handler(request('/processes/p1', { method: 'PUT', json: {} }))
    expect(put.headers.get('allow')).toBe('GET')
  })

  it('serves every route under basePath, and nothing outside it', async () => {
    const leadcall = app()
    await addAgents(leadcall, 1)
    const handler = createHttpHandler(leadcall, { basePath: 'api/leadcall/' })
    const ok = await handler(request('/api/leadcall/leads', { json: { name: 'Base', phone: nextPhone() } }))
    expect(ok.status).toBe(200)
    expect((await handler(request('/api/leadcall/health'))).status).toBe(200)
    expect((await handler(request('/leads', { json: { phone: nextPhone() } }))).status).toBe(404)
    expect((await handler(request('/api/leadcallx/leads', { json: { phone: nextPhone() } }))).status).toBe(
      404,
    )
    expect((await handler(request('/api/leadcall'))).status).toBe(404)
  })

  it('answers an unexpected error with a generic 500, logged, never a stack trace', async () => {
    const logger = spyLogger()
    const flaky = flakyStorage()
    const leadcall = app({ storage: flaky.storage, logger })
    const handler = createHttpHandler(leadcall)
    flaky.fail.atomic = true
    const response = await handler(request('/leads', { json: { name: 'Boom', phone: nextPhone() } }))
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'Internal server error', status: 500 },
    })
    expect(text).not.toMatch(/ECONNREFUSED|at |\.ts/)
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ err: expect.any(Error), method: 'POST', url: 'http://localhost/leads' }),
      'HTTP handler failed',
    )
  })

  it('refuses invalid options at creation', () => {
    const leadcall = app()
    expect(() => createHttpHandler(leadcall, { maxBodyBytes: 0 })).toThrow(LeadCallError)
    expect(() => createHttpHandler(leadcall, { ghl: { publicKeyPem: 'not a key' } })).toThrow(/public key/)
    expect(() => createHttpHandler(leadcall, { ghl: { secret: '' } })).toThrow(/secret/)
  })
})

describe('authorize', () => {
  const management: [string, string, unknown?][] = [
    ['GET', '/agents'],
    ['PUT', '/agents/a1/status', { status: 'break' }],
    ['GET', '/queue'],
    ['DELETE', '/queue/p1'],
    ['GET', '/stats'],
    ['GET', '/analytics'],
    ['GET', '/processes'],
    ['GET', '/processes/p1'],
    ['GET', '/export'],
    ['GET', '/metrics'],
    ['POST', '/leads/import'],
  ]

  it('refuses every management route with 401 when it says no, and is not asked for intake', async () => {
    const seen: string[] = []
    const handler = createHttpHandler(app(), {
      authorize: (req) => {
        seen.push(new URL(req.url).pathname)
        return false
      },
    })
    for (const [method, path, json] of management) {
      const response = await handler(request(path, { method, ...(json ? { json } : {}) }))
      expect(response.status, `${method} ${path}`).toBe(401)
      expect((await bodyOf(response)).error).toMatchObject({ code: 'INVALID_SIGNATURE', status: 401 })
    }
    expect(seen).toHaveLength(management.length)
    seen.length = 0
    await handler(request('/leads', { json: { phone: nextPhone() } }))
    await handler(request('/health'))
    expect(seen).toEqual([])
  })

  it('lets the request through when it says yes (sync or async), reading the request', async () => {
    const leadcall = app()
    await addAgents(leadcall, 2)
    const handler = createHttpHandler(leadcall, {
      authorize: async (req) => req.headers.get('authorization') === 'Bearer s3cret',
    })
    expect((await handler(request('/agents'))).status).toBe(401)
    const ok = await handler(request('/agents', { headers: { authorization: 'Bearer s3cret' } }))
    expect(ok.status).toBe(200)
  })

  it('answers an unknown route 404 before asking', async () => {
    const authorize = vi.fn(() => false)
    const handler = createHttpHandler(app(), { authorize })
    expect((await handler(request('/secret-stuff'))).status).toBe(404)
    expect(authorize).not.toHaveBeenCalled()
  })
})

describe('agents', () => {
  it('GET /agents lists agents, filtered by status', async () => {
    const leadcall = app()
    await addAgents(leadcall, 2)
    await leadcall.agents.upsert({ id: 'z9', name: 'Off', status: 'offline' })
    const handler = createHttpHandler(leadcall)
    const all = await bodyOf(await handler(request('/agents')))
    expect(all.agents.map((a: { id: string }) => a.id)).toEqual(['a1', 'a2', 'z9'])
    const some = await bodyOf(await handler(request('/agents?status=offline,break')))
    expect(some.agents.map((a: { id: string }) => a.id)).toEqual(['z9'])
    const bad = await handler(request('/agents?status=sleeping'))
    expect(bad.status).toBe(400)
    expect((await bodyOf(bad)).error.code).toBe('VALIDATION_FAILED')
  })

  it('PUT /agents/:id/status changes the status; 404 unknown agent, 400 bad status, 415 not JSON', async () => {
    const leadcall = app()
    await addAgents(leadcall, 1)
    const handler = createHttpHandler(leadcall)
    const changed = await handler(
      request('/agents/a1/status', { method: 'PUT', json: { status: 'break', reason: 'lunch' } }),
    )
    expect(changed.status).toBe(200)
    expect((await bodyOf(changed)).agent).toMatchObject({ id: 'a1', status: 'break' })
    expect((await leadcall.agents.get('a1'))?.status).toBe('break')

    const unknown = await handler(
      request('/agents/nobody/status', { method: 'PUT', json: { status: 'available' } }),
    )
    expect(unknown.status).toBe(404)
    const bad = await handler(request('/agents/a1/status', { method: 'PUT', json: { status: 'asleep' } }))
    expect(bad.status).toBe(400)
    expect((await bodyOf(bad)).error.message).toMatch(/status/)
    const text = await handler(
      request('/agents/a1/status', {
        method: 'PUT',
        body: 'available',
        headers: { 'content-type': 'text/plain' },
      }),
    )
    expect(text.status).toBe(415)
  })

  it('decodes path parameters', async () => {
    const leadcall = app()
    await leadcall.agents.upsert({ id: 'agent 7/b', name: 'Seven', status: 'offline' })
    const handler = createHttpHandler(leadcall)
    const response = await handler(
      request(`/agents/${encodeURIComponent('agent 7/b')}/status`, {
        method: 'PUT',
        json: { status: 'available' },
      }),
    )
    expect(response.status).toBe(200)
    expect((await bodyOf(response)).agent.id).toBe('agent 7/b')
  })
})

describe('queue', () => {
  it('GET /queue lists waiting leads; DELETE /queue/:processId removes one (404 when absent)', async () => {
    const leadcall = app()
    const handler = createHttpHandler(leadcall)
    const first = await bodyOf(await handler(request('/leads', { json: { name: 'Q1', phone: nextPhone() } })))
    await handler(request('/leads', { json: { name: 'Q2', phone: nextPhone() } }))
    const queue = await bodyOf(await handler(request('/queue?limit=1')))
    expect(queue.length).toBe(2)
    expect(queue.items).toHaveLength(1)
    expect(queue.items[0]).toMatchObject({ processId: first.processId, reason: 'NO_AGENTS_AVAILABLE' })

    const removed = await handler(request(`/queue/${first.processId}`, { method: 'DELETE' }))
    expect(removed.status).toBe(200)
    expect(await bodyOf(removed)).toEqual({ removed: true, processId: first.processId })
    expect((await bodyOf(await handler(request('/queue')))).length).toBe(1)
    const again = await handler(request(`/queue/${first.processId}`, { method: 'DELETE' }))
    expect(again.status).toBe(404)
    expect((await handler(request('/queue?limit=0'))).status).toBe(400)
  })
})

describe('POST /webhooks/:provider', () => {
  it('applies the events the provider parser returns', async () => {
    const leadcall = app()
    await addAgents(leadcall, 1)
    const received: Request[] = []
    let events: CallEvent[] = []
    const handler = createHttpHandler(leadcall, {
      webhooks: {
        simulator: async (req) => {
          received.push(req)
          expect(await req.text()).toBe('CallSid=CA1&CallStatus=in-progress')
          return events
        },
      },
    })
    const lead = await bodyOf(
      await handler(request('/leads', { json: { name: 'Hook', phone: nextPhone() } })),
    )
    const state = await leadcall.process(lead.processId)
    const attemptId = state?.attempt?.attemptId
    expect(attemptId).toBeDefined()
    events = [{ provider: 'simulator', type: 'answered', attemptId, at: new Date().toISOString() }]
    const send = () =>
      handler(
        request('/webhooks/simulator?x=1', {
          body: 'CallSid=CA1&CallStatus=in-progress',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signature': 'sig' },
        }),
      )
    const response = await send()
    expect(response.status).toBe(200)
    expect(await bodyOf(response)).toEqual({ received: 1, applied: 1 })
    expect((await leadcall.process(lead.processId))?.status).toBe('in_call')
    // The parser saw the same URL and headers (for URL-based signatures).
    expect(received[0]?.url).toBe('http://localhost/webhooks/simulator?x=1')
    expect(received[0]?.headers.get('x-signature')).toBe('sig')
    // A repeated event changes nothing.
    expect(await bodyOf(await send())).toEqual({ received: 1, applied: 0 })
  })

  it('answers 404 for a provider without a parser, 401 when the parser refuses, 413 over the limit', async () => {
    const handler = createHttpHandler(app(), {
      maxBodyBytes: 10,
      webhooks: {
        strict: async () => {
          throw new LeadCallError('INVALID_SIGNATURE')
        },
      },
    })
    const unknown = await handler(request('/webhooks/nobody', { body: 'x' }))
    expect(unknown.status).toBe(404)
    expect((await bodyOf(unknown)).error.message).toMatch(/nobody/)
    expect((await handler(request('/webhooks/strict', { body: 'x' }))).status).toBe(401)
    expect((await handler(request('/webhooks/strict', { body: 'x'.repeat(11) }))).status).toBe(413)
  })

  it('answers 500 (logged) when a parser fails unexpectedly, so the provider retries', async () => {
    const logger = spyLogger()
    const handler = createHttpHandler(app({ logger }), {
      webhooks: {
        broken: async () => {
          throw new TypeError('cannot read properties of undefined')
        },
      },
    })
    const response = await handler(request('/webhooks/broken', { body: '{}' }))
    expect(response.status).toBe(500)
    expect((await bodyOf(response)).error.message).toBe('Internal server error')
    expect(logger.error).toHaveBeenCalledTimes(1)
  })
})

describe('GET /health', () => {
  it('reports the storage and the provider, 200 when ok', async () => {
    const response = await createHttpHandler(app())(request('/health'))
    expect(response.status).toBe(200)
    expect(await bodyOf(response)).toMatchObject({
      status: 'ok',
      storage: { driver: 'memory', status: 'ok', latencyMs: expect.any(Number) },
      telephony: { provider: 'simulator', status: 'configured' },
      at: expect.any(String),
    })
  })

  it("says 'none' without a telephony provider", async () => {
    const leadcall = app({ telephony: undefined })
    const body = await bodyOf(await createHttpHandler(leadcall)(request('/health')))
    expect(body.telephony).toEqual({ provider: null, status: 'none' })
  })

  it('answers 503 when the storage is down (failing or not answering), without its error text', async () => {
    const flaky = flakyStorage()
    const leadcall = app({ storage: flaky.storage })
    const handler = createHttpHandler(leadcall)
    flaky.fail.get = true
    const failing = await handler(request('/health'))
    expect(failing.status).toBe(503)
    const body = await bodyOf(failing)
    expect(body).toMatchObject({ status: 'down', storage: { status: 'down' } })
    expect(JSON.stringify(body)).not.toMatch(/unreachable/)

    flaky.fail.get = false
    flaky.hang.get = true
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const pending = handler(request('/health'))
    await vi.advanceTimersByTimeAsync(5_001)
    const hung = await pending
    expect(hung.status).toBe(503)
    expect((await bodyOf(hung)).storage.latencyMs).toBeGreaterThanOrEqual(5_000)
  })

  it("reports 'degraded' (still 200) when the storage is slow", async () => {
    const flaky = flakyStorage()
    const leadcall = app({ storage: flaky.storage })
    const handler = createHttpHandler(leadcall)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    flaky.delay.get = 1_500
    const pending = handler(request('/health'))
    await vi.advanceTimersByTimeAsync(1_500)
    const response = await pending
    expect(response.status).toBe(200)
    expect(await bodyOf(response)).toMatchObject({ status: 'degraded', storage: { status: 'degraded' } })
  })
})
