import type { DistributionStrategy } from '../strategy.js'
import { SortedIndex } from './sorted-index.js'

/**
 * Longest idle agent first: agents in ascending order of `state.idleSince` (when they last became
 * free, or were registered), ties broken by the agents' random tie-break, never by age. Keeps no
 * state of its own: the engine updates `idleSince` when an agent becomes free.
 *
 * Cost: O(log n) per agent change, O(1) per candidate.
 *
 * @example
 * ```ts
 * const app = createLeadCall({ storage, telephony, distribution: { strategy: longestIdle() } })
 * ```
 */
export function longestIdle(): DistributionStrategy {
  return {
    name: 'longest-idle',
    createIndex: () => new SortedIndex((view) => view.state.idleSince),
  }
}
