import { createLeadCall } from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import { MAX_SIMULATED_LEADS, simulatedAgents, simulatedLeads } from './population.js'

describe('simulatedAgents', () => {
  it('draws the same agents from the same seed: weights 1–3, half in tier 1, pick-up rates in range', () => {
    const agents = simulatedAgents(5, 42)
    expect(simulatedAgents(5, 42)).toEqual(agents)
    expect(simulatedAgents(5, 43)).not.toEqual(agents)
    expect(agents.map((a) => a.input.id)).toEqual([
      'agent-01',
      'agent-02',
      'agent-03',
      'agent-04',
      'agent-05',
    ])
    expect(agents.map((a) => a.input.tier)).toEqual([1, 1, 1, 2, 2])
    for (const agent of agents) {
      expect([1, 2, 3]).toContain(agent.input.weight)
      expect(agent.input.skills?.sales).toBeGreaterThanOrEqual(1)
      expect(agent.input.skills?.sales).toBeLessThanOrEqual(5)
      expect(agent.pickUpRate).toBeGreaterThanOrEqual(0.85)
      expect(agent.pickUpRate).toBeLessThanOrEqual(0.99)
    }
    expect(simulatedAgents(3, 1, { min: 0.5, max: 0.5 }).map((a) => a.pickUpRate)).toEqual([0.5, 0.5, 0.5])
    expect(simulatedAgents(120, 1).at(-1)?.input.id).toBe('agent-120')
  })
})

describe('simulatedLeads', () => {
  it('arrive at strictly increasing whole milliseconds, about the mean gap apart', () => {
    const leads = simulatedLeads(2_000, 7, 20_000)
    expect(simulatedLeads(2_000, 7, 20_000)).toEqual(leads)
    for (let i = 1; i < leads.length; i++) {
      const gap = leads[i]!.arrivalMs - leads[i - 1]!.arrivalMs
      expect(Number.isInteger(leads[i]!.arrivalMs)).toBe(true)
      expect(gap).toBeGreaterThan(0)
    }
    const meanGap = leads.at(-1)!.arrivalMs / leads.length
    expect(meanGap).toBeGreaterThan(18_000)
    expect(meanGap).toBeLessThan(22_000)
  })

  it('have distinct phone numbers the pipeline takes, written as it normalizes them but for spaces', () => {
    const leads = simulatedLeads(MAX_SIMULATED_LEADS, 1, 1_000)
    expect(new Set(leads.map((l) => l.input.phone)).size).toBe(MAX_SIMULATED_LEADS)
    const app = createLeadCall()
    try {
      for (const index of [0, 1, 9_999, 10_000, 55_555, MAX_SIMULATED_LEADS - 1]) {
        const input = leads[index]!.input
        expect(app.normalizeLead(input).phone).toBe(input.phone.replaceAll(' ', ''))
      }
    } finally {
      void app.close()
    }
  })
})
