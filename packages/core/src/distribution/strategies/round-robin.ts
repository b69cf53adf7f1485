import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  StrategyCommit,
  StrategyIndex,
} from '../strategy.js'
import { OrderedSet } from '../structures/ordered-set.js'
import { compareOrder, isRecord, once } from './shared.js'

const NAME = 'round-robin'

/** The persisted state of {@link roundRobin}: the `orderKey` of the last agent used. */
export interface RoundRobinState {
  /** `orderKey` of the agent that got the last lead. */
  last: string
}

/** The pointer of a persisted round-robin state, if the state is one. @internal */
export function roundRobinPointer(state: unknown): string | undefined {
  return isRecord(state) && typeof state.last === 'string' ? state.last : undefined
}

class RoundRobinIndex implements StrategyIndex {
  private readonly set = new OrderedSet<AgentView>(compareOrder)
  private readonly members = new Map<string, AgentView>()

  upsert(view: AgentView): void {
    const id = view.agent.id
    const current = this.members.get(id)
    this.members.set(id, view)
    this.set.update(current, view)
  }

  remove(agentId: string): void {
    const current = this.members.get(agentId)
    if (current === undefined) return
    this.members.delete(agentId)
    this.set.delete(current)
  }

  candidates(_request: DistributionRequest, state: unknown): Iterable<AgentView> {
    return once(this.walk(roundRobinPointer(state)))
  }

  commit(chosen: AgentView): StrategyCommit {
    const state: RoundRobinState = { last: chosen.orderKey }
    return { state }
  }

  /** After the pointer to the end, then from the start up to and including the pointer. */
  private *walk(last: string | undefined): Generator<AgentView, void, undefined> {
    if (last === undefined) {
      yield* this.set.values()
      return
    }
    yield* this.set.values((view) => view.orderKey > last)
    for (const view of this.set.values()) {
      if (view.orderKey > last) return
      yield view
    }
  }
}

/**
 * Round robin with a persistent pointer: the first lead goes to the first offerable agent in the
 * stable agent order (`orderKey`: registration time, then id); each next lead goes to the offerable
 * agent after the last one used; agents that are not offerable are skipped; after the last agent it
 * wraps to the first; with one agent, always that agent.
 *
 * The pointer is persisted as the last agent's `orderKey` (`{ last }`), not as a position, so adding
 * or removing agents, or an agent coming back from a break, never resets the rotation, and a restart
 * or another process continues exactly where it stopped. When every other agent fails the engine's
 * filters, the last agent used is still offered, last.
 *
 * Cost: O(log n) to find the pointer, then O(1) per candidate; an agent joining or leaving costs
 * O(log n) plus a small constant; an update of an agent already held costs a binary search.
 *
 * @example
 * ```ts
 * // available [Alice, Bob, Charlie]: leads 1..5 go to Alice, Bob, Charlie, Alice, Bob
 * const app = createLeadCall({ storage, telephony, distribution: { strategy: roundRobin() } })
 * ```
 */
export function roundRobin(): DistributionStrategy {
  return {
    name: NAME,
    createIndex: () => new RoundRobinIndex(),
  }
}
