import { type Agent, type LeadCallApp, LeadCallError } from '@leadcall/core'

const POINTER_KEY = 'demo:round-robin-pointer'

/**
 * Picks the next available agent after the last one used (stable order by id, wrapping around),
 * moving the pointer with an atomic compare-and-set in storage so that concurrent calls never pick
 * from the same position. The full distribution engine replaces this in @leadcall/core.
 */
export async function nextAgentRoundRobin(app: LeadCallApp): Promise<Agent> {
  const available = await app.agents.list({ status: 'available' })
  if (available.length === 0) throw new LeadCallError('NO_AGENTS_AVAILABLE')
  for (;;) {
    const pointer = await app.storage.get<string>(app.tenant, POINTER_KEY)
    const last = pointer?.value
    const next = available.find((agent) => last === undefined || agent.id > last) ?? available[0]!
    const result = await app.storage.atomic(app.tenant, {
      checks: [{ key: POINTER_KEY, version: pointer?.version ?? null }],
      mutations: [{ type: 'set', key: POINTER_KEY, value: next.id }],
    })
    if (result.ok) return next
  }
}
