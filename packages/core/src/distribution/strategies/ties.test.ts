import { describe, expect, it } from 'vitest'
import type { DistributionStrategy } from '../strategy.js'
import { fewestAssigned } from './fewest-assigned.js'
import { leastUtilized } from './least-utilized.js'
import { longestIdle } from './longest-idle.js'
import { skillsBased } from './skills-based.js'
import { Simulation } from './strategy-harness.test-util.js'
import { weightedRoundRobin } from './weighted-round-robin.js'

/**
 * Four agents registered one after the other, equal in everything the strategy looks at (same
 * idle time, no leads yet, same load, same weight, same skills): a fixed tie-break (creation order,
 * id) would give the first lead to the oldest agent in every pool. With the random tie-break each
 * agent gets it about a quarter of the time across pools.
 */
const strategies: [string, () => DistributionStrategy][] = [
  ['longestIdle', longestIdle],
  ['fewestAssigned', () => fewestAssigned()],
  ['leastUtilized', leastUtilized],
  ['weightedRoundRobin', weightedRoundRobin],
  ['skillsBased', () => skillsBased({ preferred: { sales: 1 } })],
]

describe('ties are broken at random, never by creation order', () => {
  it.each(strategies)('%s', (_, make) => {
    const winners: Record<string, number> = {}
    for (let seed = 1; seed <= 200; seed++) {
      const s = new Simulation(make(), { seed })
      for (const id of ['oldest', 'older', 'newer', 'newest']) {
        s.add({ id, skills: { sales: 3 }, state: { idleSince: 0 } })
      }
      const first = s.decide()!
      winners[first] = (winners[first] ?? 0) + 1
    }
    for (const id of ['oldest', 'older', 'newer', 'newest']) {
      expect(winners[id]).toBeGreaterThan(25)
      expect(winners[id]).toBeLessThan(75)
    }
  })
})
