import { describe, expect, it } from 'vitest'
import type { AgentView, DistributionStrategy } from '../strategy.js'
import {
  defineStrategy,
  fewestAssigned,
  leastUtilized,
  longestIdle,
  random,
  roundRobin,
  skillsBased,
  stickyOwner,
  tiers,
  weightedRandom,
  weightedRoundRobin,
} from './index.js'
import { Simulation } from './strategy-harness.test-util.js'

/**
 * A scale check, not a benchmark: 10,000 agents (a fifth of them not offerable), 10,000 decisions
 * per strategy with a filter that skips a few candidates, agents leaving and coming back. Only that
 * it completes and stays fair-ish is checked; nothing about time (benchmarks live in bench/).
 */
const AGENTS = 10_000
const strategies: [string, () => DistributionStrategy, number][] = [
  ['roundRobin', roundRobin, 10_000],
  ['weightedRoundRobin', weightedRoundRobin, 10_000],
  ['longestIdle', longestIdle, 10_000],
  ['fewestAssigned', () => fewestAssigned(), 10_000],
  ['leastUtilized', leastUtilized, 10_000],
  ['random', random, 10_000],
  ['weightedRandom', weightedRandom, 10_000],
  ['tiers', () => tiers({ within: weightedRoundRobin() }), 10_000],
  ['stickyOwner', () => stickyOwner({ windowMs: 60_000, fallback: longestIdle() }), 10_000],
  // The scanning ones are O(n) per decision by design: fewer decisions keep the suite quick.
  ['skillsBased', () => skillsBased({ required: { sales: 2 }, preferred: { spanish: 1 } }), 1_000],
  [
    'defineStrategy',
    () => defineStrategy({ name: 'first', rank: (agents: readonly AgentView[]) => agents }),
    1_000,
  ],
]

describe('scale: 10,000 agents', () => {
  it.each(strategies)('%s', { timeout: 60_000 }, (_, make, decisions) => {
    const s = new Simulation(make(), { seed: 99, tick: 10 })
    for (let n = 0; n < AGENTS; n++) {
      s.add({
        id: `agent${n}`,
        offerable: n % 5 !== 0,
        weight: 1 + (n % 4),
        tier: 1 + (n % 3),
        skills: { sales: n % 4, spanish: n % 6 },
      })
    }
    const chosen = new Set<string>()
    for (let n = 0; n < decisions; n++) {
      if (n % 50 === 0) {
        const id = `agent${Math.floor(s.random() * AGENTS)}`
        s.setOfferable(id, !s.isOfferable(id))
      }
      const skip = `agent${n % AGENTS}`
      const owner = n % 7 === 0 ? { agentId: `agent${(n * 13) % AGENTS}`, at: s.clock } : undefined
      const id = s.decide(s.request(owner === undefined ? {} : { owner }), {
        filter: (view) => view.agent.id !== skip,
      })
      expect(id).toBeDefined()
      chosen.add(id!)
    }
    expect(chosen.size).toBeGreaterThan(1)
  })
})
