import { type AgentInput, type Priority, seededRandom } from '@leadcall/core'

/** An agent of a simulation: what the distribution engine sees, and how reliably they pick up. */
export interface SimulatedAgent {
  /** The agent as registered with `app.agents.upsert` (available, capacity 1). */
  input: AgentInput & { id: string; name: string }
  /** Probability that the agent picks up a call. */
  pickUpRate: number
}

/** A lead of a simulation. */
export interface SimulatedLead {
  /** Its number in arrival order, from 0. */
  index: number
  /** When it arrives, in ms after the start. */
  arrivalMs: number
  /** What is submitted to the pipeline. */
  input: { name: string; phone: string; priority: Priority; source: string; externalId: string }
}

const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'normal', 'normal', 'low']
/** US area codes the lead numbers are spread over, 10,000 numbers each. */
const AREA_CODES = ['415', '212', '312', '617', '206', '303', '512', '702', '404', '305']

/** The most leads a simulation can have: one distinct phone number each. */
export const MAX_SIMULATED_LEADS = AREA_CODES.length * 10_000

/** The range agents' pick-up rates are drawn from, in hundredths. */
export interface PickUpRange {
  /** The lowest rate (0–1). */
  min: number
  /** The highest rate (0–1). */
  max: number
}

/**
 * `count` agents drawn from `seed`: weights 1 to 3 (for the weighted strategies), the first half
 * tier 1 and the rest tier 2 (for `tiers`), a `sales` skill of 1 to 5 (for `skills-based`), and a
 * pick-up rate within `pickUp` (default 0.85 to 0.99). Every strategy of a comparison gets the same
 * agents.
 */
export function simulatedAgents(
  count: number,
  seed: number,
  pickUp: PickUpRange = { min: 0.85, max: 0.99 },
): SimulatedAgent[] {
  const random = seededRandom(seed ^ 0x5a17)
  const width = String(count).length
  const firstTier = Math.ceil(count / 2)
  const agents: SimulatedAgent[] = []
  for (let i = 0; i < count; i++) {
    const number = String(i + 1).padStart(Math.max(2, width), '0')
    agents.push({
      input: {
        id: `agent-${number}`,
        name: `Agent ${number}`,
        status: 'available',
        capacity: 1,
        weight: 1 + Math.floor(random() * 3),
        tier: i < firstTier ? 1 : 2,
        skills: { sales: 1 + Math.floor(random() * 5) },
      },
      pickUpRate: Math.round((pickUp.min + random() * (pickUp.max - pickUp.min)) * 100) / 100,
    })
  }
  return agents
}

/**
 * `count` leads drawn from `seed`, arriving as a Poisson process with a mean gap of `meanGapMs`
 * (distinct whole milliseconds), with mixed priorities and distinct US phone numbers. Every
 * strategy of a comparison gets the same leads at the same times.
 */
export function simulatedLeads(count: number, seed: number, meanGapMs: number): SimulatedLead[] {
  const random = seededRandom(seed ^ 0x1ead)
  const leads: SimulatedLead[] = []
  let clock = 0
  let at = -1
  for (let i = 0; i < count; i++) {
    clock += -Math.log(1 - random()) * meanGapMs
    at = Math.max(at + 1, Math.round(clock))
    const area = AREA_CODES[Math.floor(i / 10_000)] ?? AREA_CODES[0]
    const line = String(i % 10_000).padStart(4, '0')
    leads.push({
      index: i,
      arrivalMs: at,
      input: {
        name: `Lead ${i + 1}`,
        phone: `+1 ${area} 555 ${line}`,
        priority: PRIORITIES[Math.floor(random() * PRIORITIES.length)] ?? 'normal',
        source: 'simulation',
        externalId: `sim-${i + 1}`,
      },
    })
  }
  return leads
}
