import type { DistributionStrategy } from '../strategy.js'
import { SortedIndex } from './sorted-index.js'

/**
 * Least utilized agent first: agents in ascending order of `state.active / agent.capacity` (an agent
 * with 1 of 4 slots busy comes before one with 1 of 2), ties broken by the agents' random tie-break,
 * never by age. Keeps no state of its own. Suits agents with capacity above 1 (chat, callbacks).
 *
 * Cost: O(log n) per agent change, O(1) per candidate.
 *
 * @example
 * ```ts
 * const app = createLeadCall({ storage, telephony, distribution: { strategy: leastUtilized() } })
 * ```
 */
export function leastUtilized(): DistributionStrategy {
  return {
    name: 'least-utilized',
    createIndex: () => new SortedIndex((view) => view.state.active / Math.max(1, view.agent.capacity)),
  }
}
