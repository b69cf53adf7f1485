/**
 * Distribution decisions committed through the storage under test: fairness and capacity under
 * concurrency, within one app and across two apps sharing the store (as two processes would).
 *
 * @internal
 * @module
 */
import { expect, it } from 'vitest'
import { createLeadCall, type LeadCallApp } from '../app/create-lead-call.js'
import { isLeadCallError } from '../errors/lead-call-error.js'
import type { StorageV1 } from '../storage/storage-v1.js'
import { HEAVY_TEST_TIMEOUT_MS, type WithStorage } from './storage-test-context.js'

/** Runs `count` tasks with at most `inFlight` running at once. @internal */
export async function runBounded(
  count: number,
  inFlight: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker))
}

/** An app on the storage under test. Apps are never closed here: the kit closes the storage once. */
function app(storage: StorageV1, ns: string): LeadCallApp {
  return createLeadCall({ storage, tenant: ns })
}

async function addAgents(target: LeadCallApp, count: number, capacity: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const id = `agent-${i}`
    await target.agents.upsert({ id, name: `Agent ${i}`, status: 'available', capacity })
    ids.push(id)
  }
  return ids
}

const lead = (i: number) => ({ id: `lead-${i}`, phone: `+1415555${String(i).padStart(4, '0')}` })

/** Registers the distribution group of the storage conformance kit. @internal */
export function distributionConformance(run: WithStorage): void {
  it(
    'keeps round robin exact under concurrency: 10,000 leads, 200 in flight, 7 agents → 1,428 or 1,429 each',
    run(async ({ storage, ns }) => {
      const a = app(storage, ns)
      await addAgents(a, 7, 1_000)
      const counts = new Map<string, number>()
      await runBounded(10_000, 200, async (i) => {
        const decision = await a.distribution.assign({ processId: `p-${i}`, lead: lead(i) })
        const assignment = decision.assignments[0]!
        counts.set(assignment.agentId, (counts.get(assignment.agentId) ?? 0) + 1)
        await a.distribution.complete(assignment.id)
      })
      expect([...counts.values()].reduce((x, y) => x + y, 0)).toBe(10_000)
      for (const n of counts.values()) expect([1428, 1429]).toContain(n)
      expect(counts.size).toBe(7)
    }),
    HEAVY_TEST_TIMEOUT_MS,
  )

  it(
    'stays exact when two apps (processes) share the store: spread ≤ 1 and nothing assigned twice',
    run(async ({ storage, ns }) => {
      const a = app(storage, ns)
      const b = app(storage, ns)
      await addAgents(a, 5, 1_000)
      const counts = new Map<string, number>()
      const seen = new Set<string>()
      await runBounded(1_000, 40, async (i) => {
        const target = i % 2 === 0 ? a : b
        const decision = await target.distribution.assign({ processId: `p-${i}`, lead: lead(i) })
        const assignment = decision.assignments[0]!
        expect(seen.has(assignment.id)).toBe(false)
        seen.add(assignment.id)
        counts.set(assignment.agentId, (counts.get(assignment.agentId) ?? 0) + 1)
        await target.distribution.complete(assignment.id)
      })
      const values = [...counts.values()]
      expect(values.reduce((x, y) => x + y, 0)).toBe(1_000)
      expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1)
    }),
    HEAVY_TEST_TIMEOUT_MS,
  )

  it(
    'never exceeds an agent’s capacity under concurrent decisions, from one app or two',
    run(async ({ storage, ns }) => {
      const a = app(storage, ns)
      const b = app(storage, ns)
      const ids = await addAgents(a, 5, 2)
      let assigned = 0
      let refused = 0
      await runBounded(60, 60, async (i) => {
        const target = i % 2 === 0 ? a : b
        try {
          await target.distribution.assign({ processId: `p-${i}`, lead: lead(i) })
          assigned++
        } catch (error) {
          if (!isLeadCallError(error, 'NO_AGENTS_AVAILABLE')) throw error
          refused++
        }
      })
      expect(assigned).toBe(10)
      expect(refused).toBe(50)
      const stats = await app(storage, ns).distribution.stats()
      for (const id of ids) expect(stats.find((s) => s.agentId === id)?.active).toBe(2)
    }),
    HEAVY_TEST_TIMEOUT_MS,
  )
}
