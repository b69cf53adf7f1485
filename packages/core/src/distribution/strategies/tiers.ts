import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  StrategyCommit,
  StrategyContext,
  StrategyIndex,
} from '../strategy.js'
import { roundRobin } from './round-robin.js'
import { commitOf, isRecord, NestedIndex, once, ownerLookupOf } from './shared.js'

const NAME = 'tiers'

/** Options of {@link tiers}. */
export interface TiersOptions {
  /** How agents of one tier are ordered: {@link roundRobin} by default, one rotation per tier. */
  within?: DistributionStrategy
}

class TiersIndex implements StrategyIndex {
  /** Tier → the inner strategy's index over that tier's agents. */
  private readonly tiers = new Map<number, NestedIndex>()
  /** The tiers that have an index, ascending. */
  private readonly order: number[] = []
  private readonly tierOf = new Map<string, number>()

  constructor(
    private readonly within: DistributionStrategy,
    private readonly context: StrategyContext,
  ) {}

  upsert(view: AgentView): void {
    const id = view.agent.id
    const tier = view.agent.tier
    const previous = this.tierOf.get(id)
    if (previous !== undefined && previous !== tier) this.tiers.get(previous)?.remove(id)
    this.tierOf.set(id, tier)
    this.indexOf(tier).upsert(view)
  }

  remove(agentId: string): void {
    const tier = this.tierOf.get(agentId)
    if (tier === undefined) return
    this.tierOf.delete(agentId)
    this.tiers.get(tier)?.remove(agentId)
  }

  candidates(request: DistributionRequest, state: unknown): Iterable<AgentView> {
    return once(this.walk(request, isRecord(state) ? state : {}))
  }

  commit(chosen: AgentView, request: DistributionRequest, state: unknown): StrategyCommit {
    const states = isRecord(state) ? state : {}
    const tier = this.tierOf.get(chosen.agent.id) ?? chosen.agent.tier
    const index = this.tiers.get(tier) ?? this.detached(chosen)
    const key = String(tier)
    const inner = index.commit(chosen, request, states[key])
    return commitOf(
      inner.state === undefined ? undefined : { ...states, [key]: inner.state },
      inner.agentData,
    )
  }

  /** Every tier's candidates, lowest tier first. */
  private *walk(request: DistributionRequest, states: Record<string, unknown>): Generator<AgentView> {
    for (const tier of this.order) {
      const index = this.tiers.get(tier)
      if (index === undefined || index.size === 0) continue
      yield* index.candidates(request, states[String(tier)])
    }
  }

  private indexOf(tier: number): NestedIndex {
    let index = this.tiers.get(tier)
    if (index === undefined) {
      index = new NestedIndex(NAME, this.within, this.context)
      this.tiers.set(tier, index)
      let position = this.order.length
      while (position > 0 && this.order[position - 1]! > tier) position--
      this.order.splice(position, 0, tier)
    }
    return index
  }

  /** An index for an agent committed while not held (it left meanwhile): the inner commit still runs. */
  private detached(view: AgentView): NestedIndex {
    const index = new NestedIndex(NAME, this.within, this.context)
    index.upsert(view)
    return index
  }
}

/**
 * Tiers, top-down with overflow: every candidate of tier 1 (`agent.tier`) is offered before any of
 * tier 2, and so on, so a lead overflows to tier 2 only when no tier-1 agent passes the engine's
 * filters (all busy, off shift, already tried …). Within a tier, agents are ordered by the `within`
 * strategy ({@link roundRobin} by default), with one independent index and state per tier: the
 * global state is `{ "1": <tier 1 state>, "2": <tier 2 state>, … }`.
 *
 * Cost: the `within` strategy's, plus O(1) per tier with no agent that passes.
 *
 * @example
 * ```ts
 * // seniors are tier 1, juniors tier 2; longest idle first within each tier
 * const strategy = tiers({ within: longestIdle() })
 * const app = createLeadCall({ storage, telephony, distribution: { strategy } })
 * ```
 */
export function tiers(options: TiersOptions = {}): DistributionStrategy {
  const within = options.within ?? roundRobin()
  const ownerLookupMs = ownerLookupOf(within)
  return {
    name: NAME,
    ...(ownerLookupMs === undefined ? {} : { ownerLookupMs }),
    createIndex: (context) => new TiersIndex(within, context),
  }
}
