import {
  type DistributionStrategy,
  fewestAssigned,
  leastUtilized,
  longestIdle,
  random,
  roundRobin,
  skillsBased,
  tiers,
  weightedRandom,
  weightedRoundRobin,
} from '@leadcall/core'

/** The strategies `leadcall simulate` runs, by name, each with what it does in a simulation. */
export const SIMULATED_STRATEGIES = {
  'round-robin': { create: () => roundRobin(), about: 'each agent in turn' },
  'weighted-round-robin': {
    create: () => weightedRoundRobin(),
    about: 'in turn, in proportion to agent weights (1 to 3)',
  },
  'longest-idle': { create: () => longestIdle(), about: 'the agent idle the longest' },
  'fewest-assigned': { create: () => fewestAssigned(), about: 'the agent with the fewest leads today' },
  'least-utilized': {
    create: () => leastUtilized(),
    about: 'the lowest share of capacity in use (capacity 1 here: ties at random)',
  },
  random: { create: () => random(), about: 'any free agent, at random (seeded)' },
  'weighted-random': { create: () => weightedRandom(), about: 'at random, in proportion to agent weights' },
  tiers: { create: () => tiers(), about: 'tier 1 (half the agents) first, overflow to tier 2' },
  'skills-based': {
    create: () => skillsBased({ preferred: { sales: 1 } }),
    about: 'the best `sales` skill first, then longest idle',
  },
} as const satisfies Record<string, { create: () => DistributionStrategy; about: string }>

/** The name of a strategy `leadcall simulate` runs, see {@link SIMULATED_STRATEGIES}. */
export type SimulatedStrategyName = keyof typeof SIMULATED_STRATEGIES

/** Every strategy name `leadcall simulate` takes, in a stable order. */
export const SIMULATED_STRATEGY_NAMES = Object.keys(SIMULATED_STRATEGIES) as SimulatedStrategyName[]

/** True when `name` is one of {@link SIMULATED_STRATEGY_NAMES}. */
export function isSimulatedStrategyName(name: string): name is SimulatedStrategyName {
  return Object.hasOwn(SIMULATED_STRATEGIES, name)
}
