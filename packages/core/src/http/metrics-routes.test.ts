import { afterEach, describe, expect, it } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { addAgents, nextPhone, request, testApp } from './http.test-util.js'
import { createHttpHandler } from './http-handler.js'

const apps: LeadCallApp[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

async function setup() {
  const app = testApp()
  apps.push(app)
  await addAgents(app, 1)
  return app
}

/** The value of a sample line `name{labels} value`, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('GET /metrics', () => {
  it('exposes counters of app events and requests, and gauges from tracking.stats()', async () => {
    const app = await setup()
    const handler = createHttpHandler(app)
    await handler(request('/leads', { json: { name: 'M1', phone: nextPhone() } }))
    await handler(request('/leads', { json: { name: 'M2', phone: nextPhone() } })) // queued
    await handler(request('/leads', { json: { name: 'M3' } })) // 400
    await handler(request('/nowhere'))
    const response = await handler(request('/metrics'))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    expect(text).toContain('# TYPE leadcall_leads_received_total counter')
    expect(sample(text, 'leadcall_leads_received_total')).toBe(2)
    expect(sample(text, 'leadcall_leads_queued_total{reason="NO_AGENTS_AVAILABLE"}')).toBe(1)
    expect(sample(text, 'leadcall_calls_started_total{provider="simulator"}')).toBe(1)
    expect(sample(text, 'leadcall_http_requests_total{route="/leads",method="POST",status="200"}')).toBe(1)
    expect(sample(text, 'leadcall_http_requests_total{route="/leads",method="POST",status="202"}')).toBe(1)
    expect(sample(text, 'leadcall_http_requests_total{route="/leads",method="POST",status="400"}')).toBe(1)
    expect(sample(text, 'leadcall_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1)
    expect(sample(text, 'leadcall_queue_length')).toBe(1)
    const stats = await app.tracking.stats()
    expect(sample(text, 'leadcall_agents_available')).toBe(stats.agentsAvailable)
    expect(sample(text, 'leadcall_agents_total')).toBe(1)
    expect(sample(text, 'leadcall_processes_today')).toBe(2)
    expect(sample(text, 'leadcall_stats_up')).toBe(1)

    // A second scrape counts the first one and keeps the totals (no double counting).
    const again = await (await handler(request('/metrics'))).text()
    expect(sample(again, 'leadcall_leads_received_total')).toBe(2)
    expect(sample(again, 'leadcall_http_requests_total{route="/metrics",method="GET",status="200"}')).toBe(1)
  })

  it('uses a registry per handler, never the global one', async () => {
    const app = await setup()
    const one = createHttpHandler(app)
    const two = createHttpHandler(app)
    await one(request('/leads', { json: { name: 'R1', phone: nextPhone() } }))
    const first = await (await one(request('/metrics'))).text()
    const second = await (await two(request('/metrics'))).text()
    expect(sample(first, 'leadcall_http_requests_total{route="/leads",method="POST",status="200"}')).toBe(1)
    expect(second).not.toContain('route="/leads"')
    const prom = await import('prom-client')
    expect(prom.register.getSingleMetric('leadcall_leads_received_total')).toBeUndefined()
  })

  it('keeps unknown methods out of the labels', async () => {
    const app = await setup()
    const handler = createHttpHandler(app)
    await handler(new Request('http://localhost/leads', { method: 'BREW' }))
    const text = await (await handler(request('/metrics'))).text()
    expect(text).toContain('method="OTHER"')
    expect(text).not.toContain('BREW')
  })

  it('is not served with metrics: false (404)', async () => {
    const app = await setup()
    const handler = createHttpHandler(app, { metrics: false })
    expect((await handler(request('/metrics'))).status).toBe(404)
  })
})
