import { describe, expect, it } from 'vitest'
import type { DistributionStrategy } from '../strategy.js'
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

const strategies: [string, () => DistributionStrategy][] = [
  ['roundRobin', roundRobin],
  ['weightedRoundRobin', weightedRoundRobin],
  ['longestIdle', longestIdle],
  ['fewestAssigned', () => fewestAssigned()],
  ['leastUtilized', leastUtilized],
  ['random', random],
  ['weightedRandom', weightedRandom],
  ['tiers', () => tiers({ within: weightedRoundRobin() })],
  ['skillsBased', () => skillsBased({ preferred: { sales: 1 } })],
  ['stickyOwner', () => stickyOwner({ windowMs: 1000 })],
  ['defineStrategy', () => defineStrategy({ name: 'as-is', rank: (agents) => agents })],
]

/**
 * The engine may change the index while an iteration is still open (another decision completing
 * between two awaits): the open iteration must go on without repeating an agent, and without
 * yielding an agent after it was removed.
 */
describe('an open candidates iteration survives changes to the index', () => {
  it.each(strategies)('%s', (_, make) => {
    for (let seed = 1; seed <= 20; seed++) {
      const s = new Simulation(make(), { seed })
      for (let n = 0; n < 30; n++) {
        s.add({ id: `a${n}`, weight: 1 + (n % 3), tier: 1 + (n % 2), skills: { sales: n % 4 } })
      }
      const seen = new Set<string>()
      let step = 0
      for (const view of s.index().candidates(s.request(), s.state)) {
        const id = view.agent.id
        expect(seen.has(id)).toBe(false)
        expect(s.isOfferable(id)).toBe(true)
        seen.add(id)
        if (step++ % 3 === 0) {
          s.decide() // another decision: commit, upsert
          const other = `a${Math.floor(s.random() * 30)}`
          s.setOfferable(other, !s.isOfferable(other))
        }
      }
      expect(seen.size).toBeGreaterThan(5)
    }
  })
})
