import type { AgentInput } from '@leadcall/core'

/**
 * The agents seeded when the simulated provider places the calls, so that a lead sent to a fresh
 * example is dialed at once. Real providers need your own agents (with their phone or provider
 * ids), registered through `app.agents.upsert`.
 */
export const sampleAgents: readonly AgentInput[] = [
  { id: 'alice', name: 'Alice Martin', status: 'available', skills: { english: 5, sales: 4 } },
  { id: 'bruno', name: 'Bruno Rossi', status: 'available', skills: { italian: 5, english: 3 } },
  { id: 'carmen', name: 'Carmen López', status: 'available', skills: { spanish: 5, english: 4 } },
  { id: 'emeka', name: 'Emeka Obi', status: 'available', skills: { english: 5 } },
]
