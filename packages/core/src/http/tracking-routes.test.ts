import { afterEach, describe, expect, it } from 'vitest'
import type { LeadCallApp } from '../app/create-lead-call.js'
import { addAgents, bodyOf, nextPhone, request, testApp } from './http.test-util.js'
import { createHttpHandler } from './http-handler.js'

const apps: LeadCallApp[] = []
async function setup(agents = 2) {
  const app = testApp()
  apps.push(app)
  await addAgents(app, agents)
  const handler = createHttpHandler(app)
  const submit = async (name: string) =>
    bodyOf(await handler(request('/leads', { json: { name, phone: nextPhone() } })))
  return { app, handler, submit }
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

describe('GET /stats', () => {
  it("answers app.tracking.stats(): today's figures, agents and queue", async () => {
    const { handler, submit } = await setup(1)
    await submit('S1')
    await submit('S2') // no agent left: queued
    const response = await handler(request('/stats'))
    expect(response.status).toBe(200)
    const stats = await bodyOf(response)
    expect(stats).toMatchObject({ agentsTotal: 1, queueLength: 1, at: expect.any(String) })
    expect(stats.today.totalProcesses).toBe(2)
    expect(stats.today.date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })
})

describe('GET /analytics', () => {
  it('answers a period with its series (default: the last 30 days)', async () => {
    const { handler, submit } = await setup()
    await submit('A1')
    const defaults = await bodyOf(await handler(request('/analytics')))
    expect(defaults.totals.totalProcesses).toBe(1)
    const from = new Date(Date.now() - 86_400_000).toISOString()
    const to = Date.now() + 60_000
    const hourly = await handler(request(`/analytics?from=${encodeURIComponent(from)}&to=${to}&groupBy=hour`))
    expect(hourly.status).toBe(200)
    const body = await bodyOf(hourly)
    expect(body.totals.totalProcesses).toBe(1)
    expect(body.series.reduce((n: number, s: { totalProcesses: number }) => n + s.totalProcesses, 0)).toBe(1)
  })

  it('refuses bad parameters with 400', async () => {
    const { handler } = await setup()
    for (const query of ['groupBy=minute', 'from=someday', 'to=']) {
      const response = await handler(request(`/analytics?${query}`))
      expect(response.status, query).toBe(400)
      expect((await bodyOf(response)).error.code).toBe('VALIDATION_FAILED')
    }
  })
})

describe('GET /processes', () => {
  it('lists recent process records, filtered; GET /processes/:id answers one or 404', async () => {
    const { handler, submit } = await setup(1)
    const dialed = await submit('P1')
    const queued = await submit('P2')
    const all = await bodyOf(await handler(request('/processes?limit=10')))
    expect(all.processes.map((p: { processId: string }) => p.processId).sort()).toEqual(
      [dialed.processId, queued.processId].sort(),
    )
    const onlyQueued = await bodyOf(await handler(request('/processes?status=queued')))
    expect(onlyQueued.processes.map((p: { processId: string }) => p.processId)).toEqual([queued.processId])
    const byAgent = await bodyOf(await handler(request('/processes?agent=a1')))
    expect(byAgent.processes.map((p: { processId: string }) => p.processId)).toEqual([dialed.processId])

    const one = await handler(request(`/processes/${dialed.processId}`))
    expect(one.status).toBe(200)
    expect(await bodyOf(one)).toMatchObject({ processId: dialed.processId })
    expect((await handler(request('/processes/nope'))).status).toBe(404)
    expect((await handler(request('/processes?limit=0'))).status).toBe(400)
    expect((await handler(request('/processes?status=lost'))).status).toBe(400)
  })
})

describe('GET /export', () => {
  it('streams CSV (default) and JSONL with their content types', async () => {
    const { handler, submit } = await setup()
    const first = await submit('E1')
    await submit('E2')
    const csv = await handler(request('/export'))
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="leadcall-export.csv"')
    const lines = (await csv.text()).trim().split(/\r?\n/)
    expect(lines).toHaveLength(3) // header + 2 records
    expect(lines.join('\n')).toContain(first.processId)

    const jsonl = await handler(request(`/export?format=jsonl&from=${Date.now() - 60_000}`))
    expect(jsonl.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
    const records = (await jsonl.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(records).toHaveLength(2)
    expect((await handler(request('/export?format=xml'))).status).toBe(400)
  })
})

describe('POST /leads/import', () => {
  it('streams a CSV upload to importLeads and answers the summary', async () => {
    const { app, handler } = await setup(1)
    const csv = [
      'name,phone,email',
      `Imp One,${nextPhone()},one@example.com`,
      `Imp Two,${nextPhone()},two@example.com`,
      'Imp Bad,12,bad@example.com',
    ].join('\n')
    const response = await handler(
      request('/leads/import?batchSize=2&source=fair', {
        body: csv,
        headers: { 'content-type': 'text/csv' },
      }),
    )
    expect(response.status).toBe(200)
    const summary = await bodyOf(response)
    expect(summary).toMatchObject({ rows: 3, accepted: 1, queued: 1, rejectedCount: 1 })
    expect(summary.rejected[0]).toMatchObject({ line: 4, code: 'INVALID_PHONE' })
    const recent = await app.tracking.recent({ limit: 10 })
    expect(recent.every((record: { lead: { source: string } }) => record.lead.source === 'fair')).toBe(true)
  })

  it('reads a column mapping from mapping.<field> parameters', async () => {
    const { handler } = await setup(2)
    const csv = `Who,Mobile Number\nMapped,${nextPhone()}\n`
    const response = await handler(
      request('/leads/import?mapping.phone=Mobile%20Number&mapping.name=Who', {
        body: csv,
        headers: { 'content-type': 'text/csv; charset=utf-8' },
      }),
    )
    expect(await bodyOf(response)).toMatchObject({ rows: 1, accepted: 1 })
  })

  it('refuses a wrong content type (415), an empty body (400) and an upload over maxImportBytes (413)', async () => {
    const { app } = await setup()
    const handler = createHttpHandler(app, { maxImportBytes: 64 })
    const json = await handler(request('/leads/import', { json: { phone: nextPhone() } }))
    expect(json.status).toBe(415)
    const empty = await handler(
      new Request('http://localhost/leads/import', {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
      }),
    )
    expect(empty.status).toBe(400)
    const big = `name,phone\n${Array.from({ length: 20 }, (_, i) => `Lead ${i},${nextPhone()}`).join('\n')}`
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(big)
        for (let i = 0; i < bytes.length; i += 16) controller.enqueue(bytes.slice(i, i + 16))
        controller.close()
      },
    })
    const tooBig = await handler(
      request('/leads/import', { body: stream, headers: { 'content-type': 'text/csv' } }),
    )
    expect(tooBig.status).toBe(413)
    expect((await bodyOf(tooBig)).error.details).toMatchObject({ reason: 'PAYLOAD_TOO_LARGE', limit: 64 })
  })
})
