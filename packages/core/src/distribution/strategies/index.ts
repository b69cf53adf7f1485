/**
 * The built-in distribution strategies, and {@link defineStrategy} to write your own.
 *
 * @module
 */
export { type DefineStrategyOptions, defineStrategy } from './define-strategy.js'
export {
  type CountWindow,
  type FewestAssignedAgentData,
  type FewestAssignedOptions,
  fewestAssigned,
} from './fewest-assigned.js'
export { leastUtilized } from './least-utilized.js'
export { longestIdle } from './longest-idle.js'
export { random } from './random.js'
export { type RoundRobinState, roundRobin } from './round-robin.js'
export {
  type SkillPreferences,
  type SkillsBasedOptions,
  type SkillsBasedState,
  skillsBased,
} from './skills-based.js'
export { type StickyOwnerOptions, type StickyOwnerState, stickyOwner } from './sticky-owner.js'
export { type TiersOptions, tiers } from './tiers.js'
export { weightedRandom } from './weighted-random.js'
export {
  type WeightedRoundRobinAgentData,
  type WeightedRoundRobinState,
  weightedRoundRobin,
} from './weighted-round-robin.js'
