import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import type { LeadCallConfig } from '../config/config-schema.js'
import type { LeadCallEventName, LeadCallListener } from '../events/event-map.js'
import { EVENTS_HEARTBEAT_MS, eventStream, formatEvent, STREAMED_EVENTS } from './events-routes.js'
import { addAgents, nextPhone, request, spyLogger, testApp } from './http.test-util.js'
import { createHttpHandler } from './http-handler.js'

const apps: LeadCallApp[] = []
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

/**
 * A test app whose subscriptions are counted: `active()` is how many listeners added with `app.on`
 * are still registered (undone by the returned function or by `app.off`).
 */
function countedApp(config: LeadCallConfig = {}) {
  const app = testApp(config)
  apps.push(app)
  const registered = new Set<unknown>()
  const on = app.on.bind(app)
  const off = app.off.bind(app)
  vi.spyOn(app, 'on').mockImplementation(((
    name: LeadCallEventName,
    listener: LeadCallListener<LeadCallEventName>,
  ) => {
    registered.add(listener)
    const unsubscribe = on(name, listener)
    return () => {
      registered.delete(listener)
      unsubscribe()
    }
  }) as LeadCallApp['on'])
  vi.spyOn(app, 'off').mockImplementation(((
    name: LeadCallEventName,
    listener: LeadCallListener<LeadCallEventName>,
  ) => {
    registered.delete(listener)
    off(name, listener)
  }) as LeadCallApp['off'])
  return { app, active: () => registered.size }
}

/** One parsed SSE block. */
interface SseMessage {
  event?: string
  data?: string
  comments: string[]
  retry?: number
}

/** Reads SSE blocks from a response body, one at a time. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  return {
    reader,
    /** The next block, or `null` when the stream ended. */
    async next(): Promise<SseMessage | null> {
      while (!buffer.includes('\n\n')) {
        const { value, done } = await reader.read()
        if (done) return null
        buffer += decoder.decode(value, { stream: true })
      }
      const end = buffer.indexOf('\n\n')
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const message: SseMessage = { comments: [] }
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) message.comments.push(line.slice(1).trim())
        else if (line.startsWith('event: ')) message.event = line.slice(7)
        else if (line.startsWith('data: ')) message.data = line.slice(6)
        else if (line.startsWith('retry: ')) message.retry = Number(line.slice(7))
      }
      return message
    },
    /** The next blocks that carry an event, until `count` of them were read. */
    async events(count: number): Promise<{ event: string; data: Record<string, unknown> }[]> {
      const out: { event: string; data: Record<string, unknown> }[] = []
      while (out.length < count) {
        const message = await this.next()
        if (message === null) break
        if (message.event !== undefined)
          out.push({ event: message.event, data: JSON.parse(message.data ?? 'null') })
      }
      return out
    },
  }
}

describe('GET /events', () => {
  it('streams the app events as Server-Sent Events, in the order the app emitted them', async () => {
    const { app } = countedApp()
    await addAgents(app, 2)
    const handler = createHttpHandler(app, { basePath: '/leadcall' })
    const emitted: { event: string; data: unknown }[] = []
    for (const name of STREAMED_EVENTS)
      app.on(name, (payload) => emitted.push({ event: name, data: JSON.parse(JSON.stringify(payload)) }))

    const response = await handler(request('/leadcall/events'))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(response.headers.get('cache-control')).toMatch(/^no-cache/)
    const sse = sseReader(response.body!)
    const first = await sse.next()
    expect(first).toMatchObject({ retry: 3000, comments: ['connected'] })

    for (const name of ['First', 'Second', 'Third']) {
      const answer = await handler(request('/leadcall/leads', { json: { name, phone: nextPhone() } }))
      expect(answer.status).toBeLessThan(300)
    }
    await app.agents.setStatus('a2', 'break', { reason: 'lunch' })
    const count = emitted.length
    expect(count).toBeGreaterThanOrEqual(8)
    const received = await sse.events(count)
    expect(received).toEqual(emitted.slice(0, count))
    expect(received.filter((m) => m.event === 'lead.received')).toHaveLength(3)
    expect(received.at(-1)).toMatchObject({ event: 'agent.status', data: { agentId: 'a2', status: 'break' } })
    await sse.reader.cancel()
  })

  it("masks phones and e-mails in the payloads' text, never the ids, unless privacy.maskPii is false", async () => {
    for (const maskPii of [true, false]) {
      const { app } = countedApp({ privacy: { maskPii } })
      await app.agents.upsert({ id: 'ann@example.com', name: 'Ann', status: 'available' })
      const handler = createHttpHandler(app)
      const sse = sseReader((await handler(request('/events'))).body!)
      await sse.next()
      await app.agents.setStatus('ann@example.com', 'break', {
        reason: 'call back Bob at +393501234567 or bob@example.org',
      })
      const [message] = await sse.events(1)
      expect(message?.data.agentId).toBe('ann@example.com')
      expect(message?.data.reason).toBe(
        maskPii
          ? 'call back Bob at +39350****567 or b***@example.org'
          : 'call back Bob at +393501234567 or bob@example.org',
      )
      await sse.reader.cancel()
    }
  })

  it('formats one event as an `event:` line and a one-line `data:` line', () => {
    const text = formatEvent(
      'lead.failed',
      { processId: 'p-1', code: 'CALL_FAILED', message: 'line 1\nline 2 +14155550100', at: 'now' },
      true,
    )
    expect(text).toBe(
      'event: lead.failed\ndata: {"processId":"p-1","code":"CALL_FAILED","message":"line 1\\nline 2 +1415****100","at":"now"}\n\n',
    )
  })

  it('sends a heartbeat comment every 15 s', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { app } = countedApp()
    const appTimers = vi.getTimerCount()
    const sse = sseReader((await createHttpHandler(app)(request('/events'))).body!)
    await sse.next()
    expect(vi.getTimerCount()).toBe(appTimers + 1)
    vi.advanceTimersByTime(EVENTS_HEARTBEAT_MS)
    expect(await sse.next()).toEqual({ comments: ['heartbeat'] })
    vi.advanceTimersByTime(EVENTS_HEARTBEAT_MS)
    expect(await sse.next()).toEqual({ comments: ['heartbeat'] })
    await sse.reader.cancel()
    expect(vi.getTimerCount()).toBe(appTimers)
  })

  it('removes its listeners and timer when the client disconnects (request aborted)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { app, active } = countedApp()
    const appTimers = vi.getTimerCount()
    const handler = createHttpHandler(app)
    const handlerListeners = active() // GET /metrics counts some events
    const controller = new AbortController()
    const response = await handler(new Request('http://localhost/events', { signal: controller.signal }))
    const sse = sseReader(response.body!)
    await sse.next()
    expect(active()).toBe(handlerListeners + STREAMED_EVENTS.length)
    expect(vi.getTimerCount()).toBe(appTimers + 1)
    controller.abort()
    expect(active()).toBe(handlerListeners)
    expect(vi.getTimerCount()).toBe(appTimers)
    expect(await sse.next()).toBeNull()
  })

  it('removes its listeners and timer when the body is cancelled', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { app, active } = countedApp()
    const appTimers = vi.getTimerCount()
    const handler = createHttpHandler(app, { metrics: false })
    const bodies = await Promise.all([1, 2, 3].map(async () => (await handler(request('/events'))).body!))
    expect(active()).toBe(3 * STREAMED_EVENTS.length)
    expect(vi.getTimerCount()).toBe(appTimers + 3)
    await bodies[0]!.cancel()
    expect(active()).toBe(2 * STREAMED_EVENTS.length)
    await Promise.all(bodies.slice(1).map((body) => body.cancel()))
    expect(active()).toBe(0)
    expect(vi.getTimerCount()).toBe(appTimers)
  })

  it('subscribes nothing for a request that was already aborted', async () => {
    const { app, active } = countedApp()
    const controller = new AbortController()
    controller.abort()
    const stream = eventStream(app, controller.signal)
    expect(active()).toBe(0)
    expect(await stream.getReader().read()).toEqual({ done: true, value: undefined })
  })

  it('closes the connection of a client that stops reading, instead of buffering without bound', async () => {
    const logger = spyLogger()
    const { app, active } = countedApp({ logger })
    await addAgents(app, 1)
    const stream = eventStream(app, new AbortController().signal, {
      heartbeatMs: EVENTS_HEARTBEAT_MS,
      maxBufferedBytes: 2048,
    })
    expect(active()).toBe(STREAMED_EVENTS.length)
    let flips = 0
    while (active() > 0 && flips < 100) {
      await app.agents.setStatus('a1', flips % 2 === 0 ? 'break' : 'available')
      flips++
    }
    expect(active()).toBe(0)
    expect(flips).toBeGreaterThan(5)
    expect(flips).toBeLessThan(40)
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ maxBufferedBytes: 2048 }),
      'GET /events: the client is not reading, closing its connection',
    )
    await expect(stream.getReader().read()).rejects.toThrow('event stream client too slow')
  })

  it('goes through authorize, subscribing nothing when it refuses', async () => {
    const { app, active } = countedApp()
    const handler = createHttpHandler(app, {
      metrics: false,
      authorize: (r) => r.headers.get('x-admin') === 'yes',
    })
    const refused = await handler(request('/events'))
    expect(refused.status).toBe(401)
    expect(active()).toBe(0)
    const allowed = await handler(request('/events', { headers: { 'x-admin': 'yes' } }))
    expect(allowed.status).toBe(200)
    await allowed.body!.cancel()
    expect(active()).toBe(0)
  })
})
