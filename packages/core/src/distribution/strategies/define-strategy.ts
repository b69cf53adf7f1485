import { LeadCallError } from '../../errors/lead-call-error.js'
import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  StrategyCommit,
  StrategyIndex,
} from '../strategy.js'
import { OrderedSet } from '../structures/ordered-set.js'
import { compareOrder } from './shared.js'

/** Options of {@link defineStrategy}. */
export interface DefineStrategyOptions {
  /** Unique name; keys the persisted state and each agent's data (`state.strategy[name]`). */
  name: string
  /**
   * Orders the offerable agents, best first. `agents` is every offerable agent of the pool, in the
   * stable agent order (`orderKey`); `state` is what `commit` last returned as `state`
   * (`undefined` at first). Agents left out of the result are not offered the lead.
   */
  rank(agents: readonly AgentView[], request: DistributionRequest, state: unknown): readonly AgentView[]
  /**
   * What to persist once `chosen` was assigned the lead: the new global `state` (plain JSON) and
   * the chosen agent's new `agentData`. Must not mutate its arguments. Nothing is persisted when
   * omitted.
   */
  commit?(chosen: AgentView, request: DistributionRequest, state: unknown): StrategyCommit
  /** Ask the engine to look up the previous agent of a returning lead within this window (ms). */
  ownerLookupMs?: number
}

class CustomIndex implements StrategyIndex {
  private readonly set = new OrderedSet<AgentView>(compareOrder)
  private readonly members = new Map<string, AgentView>()

  constructor(private readonly options: DefineStrategyOptions) {}

  upsert(view: AgentView): void {
    const current = this.members.get(view.agent.id)
    this.members.set(view.agent.id, view)
    this.set.update(current, view)
  }

  remove(agentId: string): void {
    const current = this.members.get(agentId)
    if (current === undefined) return
    this.members.delete(agentId)
    this.set.delete(current)
  }

  *candidates(request: DistributionRequest, state: unknown): Generator<AgentView, void, undefined> {
    const ranked = this.options.rank([...this.set], request, state)
    const seen = new Set<string>()
    for (const view of ranked) {
      const id = view.agent.id
      // Only agents still offerable, each once, as the index holds them now.
      const current = this.members.get(id)
      if (current === undefined || seen.has(id)) continue
      seen.add(id)
      yield current
    }
  }

  commit(chosen: AgentView, request: DistributionRequest, state: unknown): StrategyCommit {
    return this.options.commit?.(chosen, request, state) ?? {}
  }
}

/**
 * Builds a strategy from a plain ranking function, for rules the built-in strategies do not cover.
 * `rank` receives every offerable agent of the pool at each decision and returns them best first;
 * the optional `commit` returns what to persist (plain JSON), as {@link StrategyIndex.commit} does.
 *
 * Cost: O(n) per decision plus what `rank` costs (typically a sort, O(n log n)); for large pools
 * implement {@link DistributionStrategy} with an index of your own.
 *
 * @example
 * ```ts
 * // the agent with the highest `metadata.score` first
 * const byScore = defineStrategy({
 *   name: 'by-score',
 *   rank: (agents) =>
 *     [...agents].sort((a, b) => Number(b.agent.metadata.score ?? 0) - Number(a.agent.metadata.score ?? 0)),
 * })
 * ```
 */
export function defineStrategy(options: DefineStrategyOptions): DistributionStrategy {
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'defineStrategy: name must be a non-empty string',
    })
  }
  if (typeof options.rank !== 'function') {
    throw new LeadCallError('VALIDATION_FAILED', { message: 'defineStrategy: rank must be a function' })
  }
  const { name, ownerLookupMs } = options
  return {
    name,
    ...(ownerLookupMs === undefined ? {} : { ownerLookupMs }),
    createIndex: () => new CustomIndex(options),
  }
}
