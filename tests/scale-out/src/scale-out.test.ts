/**
 * Many processes, one store: 4 worker processes on a real Redis or PostgreSQL, 10,000 leads
 * submitted across them concurrently, 7 always-available agents, one shared provider. Every lead
 * is assigned once and dialed once, round robin stays within 1, nothing is lost, the queue drains.
 * Then a worker is killed with SIGKILL while it holds leads in flight: another worker takes them
 * over when their lease ends and finishes them with no second dial.
 */
import { randomUUID } from 'node:crypto'
import { createLeadCall } from '@leadcall/core'
import { afterAll, describe, expect, it } from 'vitest'
import { startCluster } from './cluster.js'
import { DRIVER_URLS, dropScope, gate, openStorage } from './drivers.js'
import type { DriverName } from './protocol.js'

const LEADS = Number(process.env.SCALE_OUT_LEADS ?? 10_000)
const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']

/** A distinct, valid US number per lead index. */
const phone = (i: number) => `+1 212 ${200 + Math.floor(i / 10_000)} ${String(i % 10_000).padStart(4, '0')}`

async function prepare(driver: DriverName, scope: string, tenant: string) {
  const storage = await openStorage(driver, DRIVER_URLS[driver], scope)
  const app = createLeadCall({ storage, tenant })
  for (const id of AGENTS) await app.agents.upsert({ id, name: id, status: 'available', capacity: 1000 })
  return app
}

for (const driver of ['redis', 'postgres'] as const) {
  const skip = await gate(driver)
  const suite = skip ? describe.skip : describe
  const scopes: string[] = []
  const newScope = () => {
    const scope = `lc_so_${randomUUID().slice(0, 8)}`
    scopes.push(scope)
    return scope
  }
  afterAll(async () => {
    if (!skip) for (const scope of scopes) await dropScope(driver, DRIVER_URLS[driver], scope)
  })

  suite(skip || `${driver}: many worker processes sharing one store`, () => {
    it(`assigns and dials each of ${LEADS} leads exactly once across 4 processes`, {
      timeout: 600_000,
    }, async () => {
      const scope = newScope()
      const tenant = 'acme'
      const setupApp = await prepare(driver, scope, tenant)
      // Leases long enough that a busy worker is never mistaken for a dead one.
      const cluster = await startCluster({
        driver,
        url: DRIVER_URLS[driver],
        scope,
        tenant,
        workers: 4,
        leaseMs: 30_000,
      })
      try {
        // 128 submissions in flight at any time, spread over the 4 workers.
        const results = await cluster.submitAll(LEADS, 128, (i) => ({
          name: `Lead ${i}`,
          phone: phone(i),
          externalId: `ext-${i}`,
          source: 'scale',
        }))
        expect(results.filter((r) => r.error)).toEqual([])
        await cluster.waitFor(
          () => cluster.completed.size + cluster.failed.size >= LEADS,
          480_000,
          'every lead to end',
        )
        expect(cluster.errors).toEqual([])
        expect(cluster.failed.size).toBe(0)
        expect(cluster.completed.size).toBe(LEADS)
        // Assigned exactly once, dialed exactly once.
        expect(cluster.assigned.size).toBe(LEADS)
        expect([...cluster.assigned.values()].filter((agents) => agents.length !== 1)).toEqual([])
        const dialsPerProcess = new Map<string, number>()
        for (const call of cluster.calls.values())
          dialsPerProcess.set(call.processId, (dialsPerProcess.get(call.processId) ?? 0) + 1)
        expect(dialsPerProcess.size).toBe(LEADS)
        expect([...dialsPerProcess.values()].every((n) => n === 1)).toBe(true)
        expect(cluster.repeatedDials).toBe(0)
        // Round robin across processes: the spread stays within 1.
        const stats = await setupApp.distribution.stats()
        const counts = stats.map((s) => s.assigned)
        expect(counts.reduce((a, b) => a + b, 0)).toBe(LEADS)
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
        // Nothing waits.
        expect(await setupApp.queue.size()).toBe(0)
      } finally {
        await cluster.stop()
        await setupApp.close()
      }
    })

    it('takes over the leads a killed worker held in flight, with no second dial', {
      timeout: 300_000,
    }, async () => {
      const scope = newScope()
      const tenant = 'acme'
      const setupApp = await prepare(driver, scope, tenant)
      // Worker 0 holds every dial for 30 s: its leads are in flight (assigned, dial recorded,
      // request not sent) when it dies.
      const cluster = await startCluster({
        driver,
        url: DRIVER_URLS[driver],
        scope,
        tenant,
        workers: 3,
        leaseMs: 2_000,
        dialDelayMs: (worker) => (worker === 0 ? 30_000 : 0),
        // Takeover is under test here; events reaching any worker are the 10,000-lead test's.
        stickyEvents: true,
      })
      try {
        const doomed = Array.from({ length: 20 }, (_, i) =>
          cluster.submit(
            { name: `Doomed ${i}`, phone: phone(i), externalId: `doomed-${i}`, source: 'crash' },
            0,
          ),
        )
        const others = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            cluster.submit(
              { name: `Lead ${i}`, phone: phone(100 + i), externalId: `lead-${i}`, source: 'crash' },
              1 + (i % 2),
            ),
          ),
        )
        expect(others.filter((r) => r.error)).toEqual([])
        await cluster.waitFor(() => cluster.assigned.size >= 60, 60_000, 'every lead to be assigned')
        void doomed
        await cluster.kill(0)
        await cluster.waitFor(() => cluster.completed.size >= 60, 180_000, 'every lead to complete')
        expect(cluster.failed.size).toBe(0)
        expect(cluster.errors).toEqual([])
        const dialsPerProcess = new Map<string, number>()
        for (const call of cluster.calls.values())
          dialsPerProcess.set(call.processId, (dialsPerProcess.get(call.processId) ?? 0) + 1)
        expect(dialsPerProcess.size).toBe(60)
        expect([...dialsPerProcess.values()].every((n) => n === 1)).toBe(true)
        // The doomed leads were dialed by the survivors.
        const byDead = [...cluster.calls.values()].filter((call) => call.worker === 0)
        expect(byDead).toEqual([])
        expect(await setupApp.queue.size()).toBe(0)
      } finally {
        await cluster.stop()
        await setupApp.close()
      }
    })
  })
}
