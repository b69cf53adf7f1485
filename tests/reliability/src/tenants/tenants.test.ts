/**
 * Two tenants on one store: `acme` and `globex` share a single storage instance (one memory store,
 * one Redis prefix, one PostgreSQL schema) and neither ever sees the other's agents, processes,
 * queue, figures, conversations or idempotency keys — through the app API and through the HTTP
 * management routes. Both tenants use the same agent id and one shared phone number, so a leak
 * shows as a wrong name, a duplicate, or a record that should not be there.
 */
import { createHttpHandler, createLeadCall, type LeadCallApp, simulatedTelephony } from '@leadcall/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DriverName, gate, openScoped, type ScopedStore, sharedView } from './drivers.js'

/** A distinct, valid US number per index. */
const phone = (i: number) => `+1 212 300 ${String(i).padStart(4, '0')}`
const e164 = (i: number) => `+1212300${String(i).padStart(4, '0')}`
const SHARED_PHONE = 1 // both tenants receive a lead and a message from this number

function tenantApp(store: ScopedStore, tenant: 'acme' | 'globex'): LeadCallApp {
  return createLeadCall({
    storage: sharedView(store.storage),
    tenant,
    telephony: simulatedTelephony({ seed: 7, ringMs: 20, talkMs: 20, agentAnswerRate: 1, answerRate: 1 }),
    compliance: { callingHours: false },
    tracking: { flushMs: 10 },
  })
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  show: () => Promise<unknown> = async () => '',
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(await show())}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function readExport(app: LeadCallApp): Promise<string> {
  let text = ''
  for await (const chunk of app.tracking.export({ format: 'jsonl' })) text += chunk
  return text
}

const DAY = 24 * 3600_000
const period = () => ({ from: Date.now() - DAY, to: Date.now() + DAY })

for (const driver of ['memory', 'redis', 'postgres'] as const satisfies DriverName[]) {
  const skip = await gate(driver)
  const suite = skip ? describe.skip : describe

  suite(skip || `${driver}: two tenants on one store`, () => {
    let store: ScopedStore
    let acme: LeadCallApp
    let globex: LeadCallApp
    const acmeIds: string[] = []
    const globexIds: string[] = []
    let acmeKeyed = ''

    beforeAll(async () => {
      store = await openScoped(driver, 'tn')
      acme = tenantApp(store, 'acme')
      globex = tenantApp(store, 'globex')
      // The same agent id in both tenants; globex's agent is offline, so its leads wait.
      await acme.agents.upsert({ id: 'agent-1', name: 'Acme Agent', status: 'available', capacity: 10 })
      await acme.agents.upsert({ id: 'acme-only', name: 'Acme Second', status: 'available' })
      await globex.agents.upsert({ id: 'agent-1', name: 'Globex Agent', status: 'offline' })
      for (const i of [SHARED_PHONE, 2, 3]) {
        const result = await acme.submitLead({ name: `Acme Lead ${i}`, phone: phone(i), source: 'api' })
        acmeIds.push(result.processId)
      }
      const keyed = await acme.submitLead(
        { name: 'Acme Keyed', phone: phone(4), source: 'api' },
        { idempotencyKey: 'order-42' },
      )
      acmeKeyed = keyed.processId
      acmeIds.push(keyed.processId)
      const states = () => Promise.all(acmeIds.map((id) => acme.process(id)))
      await until(
        'acme leads to end',
        async () => (await states()).every((s) => s !== null && ['completed', 'failed'].includes(s.status)),
        async () => (await states()).map((s) => [s?.status, s?.steps.dial, s?.call]),
      )
      for (const i of [SHARED_PHONE, 12]) {
        const result = await globex.submitLead({ name: `Globex Lead ${i}`, phone: phone(i), source: 'api' })
        globexIds.push(result.processId)
      }
      await acme.conversations.receive({ from: phone(SHARED_PHONE), text: 'Hello from acme', id: 'wamid-1' })
    }, 60_000)

    afterAll(async () => {
      await acme?.close()
      await globex?.close()
      await store?.drop()
    })

    it('keeps agents apart, even under the same id', async () => {
      expect((await acme.agents.list()).map((a) => a.id).sort()).toEqual(['acme-only', 'agent-1'])
      expect((await globex.agents.list()).map((a) => a.id)).toEqual(['agent-1'])
      expect((await acme.agents.get('agent-1'))?.name).toBe('Acme Agent')
      expect((await globex.agents.get('agent-1'))?.name).toBe('Globex Agent')
      expect(await globex.agents.get('acme-only')).toBeNull()
      // A status change in one tenant leaves the other's agent of the same id alone.
      await globex.agents.setStatus('agent-1', 'offline')
      expect((await acme.agents.get('agent-1'))?.status).not.toBe('offline')
    })

    it('keeps processes apart, and the same phone is no duplicate across tenants', async () => {
      expect(globexIds).toHaveLength(2)
      for (const id of globexIds) expect((await globex.process(id))?.status).toBe('queued')
      for (const id of acmeIds) {
        expect(await globex.process(id)).toBeNull()
        expect(await globex.tracking.process(id)).toBeNull()
        expect(await acme.tracking.process(id)).not.toBeNull()
      }
      for (const id of globexIds) {
        expect(await acme.process(id)).toBeNull()
        expect(await acme.tracking.process(id)).toBeNull()
      }
      // Acme's lead from the shared phone ended; globex's is open; neither saw the other's.
      const acmeShared = await acme.process(acmeIds[0] as string)
      expect(acmeShared?.lead.phone).toBe(e164(SHARED_PHONE))
      expect(acmeShared?.attempt?.agentId).toMatch(/^(agent-1|acme-only)$/)
    })

    it('keeps queues apart', async () => {
      expect(await acme.queue.size()).toBe(0)
      expect(await globex.queue.size()).toBe(2)
      expect((await globex.queue.list()).map((q) => q.processId).sort()).toEqual([...globexIds].sort())
      expect(await acme.queue.list()).toEqual([])
      const target = globexIds[0] as string
      expect(await acme.queue.get(target)).toBeNull()
      expect(await acme.queue.reprioritize(target, 'high')).toBeNull()
      expect(await acme.queue.remove(target)).toBe(false)
      expect(await globex.queue.get(target)).not.toBeNull()
      // Acme dispatching with free agents never dials globex's waiting leads.
      expect(await acme.queue.dispatch()).toBe(0)
      expect(await globex.queue.size()).toBe(2)
    })

    it('keeps stats, analytics, recent and export apart', async () => {
      await until('acme records', async () => (await acme.tracking.recent({ limit: 50 })).length === 4)
      const acmeStats = await acme.tracking.stats()
      const globexStats = await globex.tracking.stats()
      expect(acmeStats.agentsTotal).toBe(2)
      expect(globexStats.agentsTotal).toBe(1)
      expect(acmeStats.queueLength).toBe(0)
      expect(globexStats.queueLength).toBe(2)
      expect(acmeStats.today.totalProcesses).toBe(4)
      // Every process received today counts, open ones too: globex's own waiting leads, no more.
      expect(globexStats.today.totalProcesses).toBe(globexIds.length)
      expect(globexStats.openProcesses).toBe(2)
      expect(acmeStats.openProcesses).toBe(0)
      const acmeAnalytics = await acme.tracking.analytics({ ...period(), groupBy: 'agent' })
      const globexAnalytics = await globex.tracking.analytics({ ...period(), groupBy: 'agent' })
      expect(acmeAnalytics.totals.totalProcesses).toBe(4)
      expect(globexAnalytics.totals.totalProcesses).toBe(globexIds.length)
      expect(globexAnalytics.totals.agents.every((a) => a.assigned === 0)).toBe(true)
      const recent = await acme.tracking.recent({ limit: 50 })
      expect(recent.map((r) => r.processId).sort()).toEqual([...acmeIds].sort())
      for (const r of await globex.tracking.recent({ limit: 50 })) expect(acmeIds).not.toContain(r.processId)
      const acmeExport = await readExport(acme)
      const globexExport = await readExport(globex)
      for (const id of acmeIds) {
        expect(acmeExport).toContain(id)
        expect(globexExport).not.toContain(id)
      }
      for (const id of globexIds) expect(acmeExport).not.toContain(id)
      expect(globexExport).not.toContain('Acme')
    })

    it('keeps conversations apart', async () => {
      const from = phone(SHARED_PHONE)
      expect(await acme.conversations.get(from)).not.toBeNull()
      expect(await globex.conversations.get(from)).toBeNull()
      expect(await globex.conversations.history(from)).toEqual([])
      expect((await acme.conversations.history(from)).length).toBeGreaterThan(0)
      expect((await acme.conversations.analytics()).started).toBe(1)
      expect((await globex.conversations.analytics()).started).toBe(0)
      // The same message id is new to the other tenant: its de-duplication is per tenant too.
      const again = await globex.conversations.receive({ from, text: 'Hello from globex', id: 'wamid-1' })
      expect(again.duplicate).toBe(false)
      expect((await acme.conversations.history(from)).map((m) => m.text).join(' ')).not.toContain('globex')
      expect(await globex.conversations.reset(from)).toBe(true)
      expect(await acme.conversations.get(from)).not.toBeNull()
    })

    it('keeps idempotency keys apart', async () => {
      const replay = await acme.submitLead(
        { name: 'Acme Keyed', phone: phone(4), source: 'api' },
        { idempotencyKey: 'order-42' },
      )
      expect(replay.duplicate).toBe(true)
      expect(replay.processId).toBe(acmeKeyed)
      const other = await globex.submitLead(
        { name: 'Globex Keyed', phone: phone(14), source: 'api' },
        { idempotencyKey: 'order-42' },
      )
      expect(other.duplicate).not.toBe(true)
      expect(other.processId).not.toBe(acmeKeyed)
      expect((await globex.process(other.processId))?.lead.fullName).toBe('Globex Keyed')
      globexIds.push(other.processId)
    })

    it('keeps the HTTP management routes of one tenant blind to the other', async () => {
      const handlers = { acme: createHttpHandler(acme), globex: createHttpHandler(globex) }
      const get = async (tenant: keyof typeof handlers, path: string) => {
        const response = await handlers[tenant](new Request(`http://tenant.test${path}`))
        return { status: response.status, text: await response.text() }
      }
      const agents = await get('globex', '/agents')
      expect(agents.status).toBe(200)
      expect(agents.text).toContain('Globex Agent')
      expect(agents.text).not.toContain('Acme')
      const queue = await get('acme', '/queue')
      for (const id of globexIds) expect(queue.text).not.toContain(id)
      const globexQueue = JSON.parse((await get('globex', '/queue')).text) as { length: number }
      expect(globexQueue.length).toBe(globexIds.length)
      const processes = await get('globex', '/processes?limit=100')
      expect(processes.status).toBe(200)
      for (const id of acmeIds) {
        expect(processes.text).not.toContain(id)
        expect((await get('globex', `/processes/${id}`)).status).toBe(404)
        expect((await get('acme', `/processes/${id}`)).status).toBe(200)
      }
      const removed = await handlers.acme(
        new Request(`http://tenant.test/queue/${globexIds[0]}`, { method: 'DELETE' }),
      )
      expect(removed.status).toBe(404)
      const stats = JSON.parse((await get('globex', '/stats')).text) as { today: { totalProcesses: number } }
      expect(stats.today.totalProcesses).toBe(globexIds.length)
      const { from, to } = period()
      const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`
      const analytics = await get('globex', `/analytics?${range}`)
      expect(analytics.status).toBe(200)
      const totals = (JSON.parse(analytics.text) as { totals: { totalProcesses: number } }).totals
      expect(totals.totalProcesses).toBe(globexIds.length)
      const exported = await get('globex', '/export?format=jsonl')
      expect(exported.status).toBe(200)
      for (const id of acmeIds) expect(exported.text).not.toContain(id)
      // A conversation acme opens now: globex's routes never show it nor count it.
      await acme.conversations.receive({ from: phone(21), text: 'Hi, acme here', id: 'wamid-21' })
      const fresh = encodeURIComponent(e164(21))
      expect((await get('acme', `/conversations/${fresh}`)).status).toBe(200)
      expect((await get('globex', `/conversations/${fresh}`)).status).toBe(404)
      expect((await get('globex', `/conversations/${fresh}/history`)).status).toBe(404)
      const started = async (tenant: keyof typeof handlers) =>
        (JSON.parse((await get(tenant, `/analytics/conversations?${range}`)).text) as { started: number })
          .started
      expect(await started('acme')).toBe(2)
      expect(await started('globex')).toBe(1) // its own, from the shared phone
    })
  })
}
