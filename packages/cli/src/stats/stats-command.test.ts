import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  closedPort,
  type LeadCallTestServer,
  startLeadCallServer,
  TEST_TOKEN,
} from '../http/lead-call-server.test-util.js'
import { serveHandler } from '../http/serve-handler.test-util.js'
import { captureIo } from '../io.test-util.js'
import { fetchStats, formatStats, statsCommand } from './stats-command.js'

let server: LeadCallTestServer

beforeAll(async () => {
  server = await startLeadCallServer()
  await server.app.submitLead({ name: 'Ann Lee', phone: '+1 415 555 0101' })
  await server.app.submitLead({ name: 'Bob Stone', phone: '+1 415 555 0102' })
  await expect(server.app.submitLead({ name: 'No Phone' })).rejects.toMatchObject({ code: 'MISSING_PHONE' })
})

afterAll(async () => {
  await server.close()
})

describe('fetchStats', () => {
  it("reads GET /stats: today's figures and the agents", async () => {
    const stats = await fetchStats({ url: server.url, token: TEST_TOKEN })
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/stats' })
    expect(stats.today.totalProcesses).toBe(2)
    expect(stats.agentsTotal).toBe(2)
    expect(stats.today.agents.map((a) => a.name).sort()).toEqual(['Ada Park', 'Ben Okoro'])
  })

  it('fails with the server’s error, or when it cannot be reached, or answers something else', async () => {
    await expect(fetchStats({ url: server.url })).rejects.toMatchObject({
      code: 'INVALID_SIGNATURE',
      status: 401,
    })
    const port = await closedPort()
    await expect(fetchStats({ url: `http://127.0.0.1:${port}` })).rejects.toMatchObject({
      code: 'PROVIDER_TIMEOUT',
    })
    const other = await serveHandler(async () => Response.json({ ok: true }))
    try {
      await expect(fetchStats({ url: other.url })).rejects.toThrow(/not leadcall stats/)
    } finally {
      await other.close()
    }
  })
})

describe('statsCommand', () => {
  it('prints the figures readably', async () => {
    const { io, stdout } = captureIo()
    await statsCommand({ url: server.url, token: TEST_TOKEN }, io)
    const out = stdout()
    const stats = await fetchStats({ url: server.url, token: TEST_TOKEN })
    expect(out).toContain(`Today (${stats.today.date})`)
    expect(out).toMatch(/leads received\s+2/)
    expect(out).toMatch(/agents available\s+\d of 2/)
    expect(out).toContain('received → dial started')
    expect(out).toMatch(/Ada Park\s+\d+/)
    expect(out).toMatch(/Ben Okoro\s+\d+/)
  })

  it('prints the JSON only with json', async () => {
    const { io, stdout, stderr } = captureIo()
    await statsCommand({ url: server.url, token: TEST_TOKEN, json: true }, io)
    expect(JSON.parse(stdout())).toMatchObject({ agentsTotal: 2, today: { totalProcesses: 2 } })
    expect(stderr()).toBe('')
  })

  it('formats missing figures as dashes', async () => {
    const empty = await startLeadCallServer()
    try {
      const text = formatStats(await fetchStats({ url: empty.url, token: TEST_TOKEN }))
      expect(text).toMatch(/leads received\s+0/)
      expect(text).toMatch(/success rate\s+-/)
      expect(text).not.toContain('Errors:')
    } finally {
      await empty.close()
    }
  })
})
