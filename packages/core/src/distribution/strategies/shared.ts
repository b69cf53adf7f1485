/**
 * Helpers shared by the built-in strategies: the tie-break order, reading a strategy's data from an
 * agent view, and nesting one strategy inside another.
 *
 * @internal
 * @module
 */
import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  RandomSource,
  StrategyCommit,
  StrategyContext,
  StrategyIndex,
} from '../strategy.js'

/** A uniform integer in [0, n) from a random source, safe even if the source returns exactly 1. @internal */
export function randomIndex(random: RandomSource, n: number): number {
  return Math.min(Math.max(Math.floor(random() * n), 0), n - 1)
}

/** True for a plain object (not null, not an array). @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Compares two strings by code unit, the same in every process and locale. @internal */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The stable agent order: `orderKey`, then id (should two keys ever be equal). @internal */
export function compareOrder(a: AgentView, b: AgentView): number {
  return compareStrings(a.orderKey, b.orderKey) || compareStrings(a.agent.id, b.agent.id)
}

/**
 * The tie-break order of agents that rank equal: by their random `tieBreak`, so that no agent is
 * favoured by its age or position; the stable order only settles equal draws. @internal
 */
export function compareTies(a: AgentView, b: AgentView): number {
  return a.tieBreak - b.tieBreak || compareOrder(a, b)
}

/** The data a strategy persisted for this agent (`state.strategy[name]`). @internal */
export function strategyData(view: AgentView, name: string): unknown {
  return view.state.strategy[name]
}

/**
 * The view an inner strategy sees: the engine stores agent data under the outer strategy's name,
 * the inner strategy reads it under its own. @internal
 */
export function innerView(view: AgentView, outerName: string, innerName: string): AgentView {
  if (outerName === innerName) return view
  const strategy = { ...view.state.strategy, [innerName]: view.state.strategy[outerName] }
  return { ...view, state: { ...view.state, strategy } }
}

/** The views of index entries that carry one. @internal */
export function* viewsOf(entries: Iterable<{ view: AgentView }>): Generator<AgentView, void, undefined> {
  for (const entry of entries) yield entry.view
}

/** Yields each agent once, the first time it comes. @internal */
export function* once(views: Iterable<AgentView>): Generator<AgentView, void, undefined> {
  const seen = new Set<string>()
  for (const view of views) {
    const id = view.agent.id
    if (seen.has(id)) continue
    seen.add(id)
    yield view
  }
}

/** A commit result without `undefined` members. @internal */
export function commitOf(state: unknown, agentData: unknown): StrategyCommit {
  const result: StrategyCommit = {}
  if (state !== undefined) result.state = state
  if (agentData !== undefined) result.agentData = agentData
  return result
}

/** The largest `ownerLookupMs` of some strategies, if any asks for one. @internal */
export function ownerLookupOf(...strategies: readonly DistributionStrategy[]): number | undefined {
  let window: number | undefined
  for (const strategy of strategies) {
    const ms = strategy.ownerLookupMs
    if (ms !== undefined && (window === undefined || ms > window)) window = ms
  }
  return window
}

/**
 * The index of a strategy nested in another (tiers' `within`, skills-based `then`, sticky owner's
 * `fallback`): it keeps the outer views, hands the inner index views whose strategy data is found
 * under the inner strategy's name, and maps the candidates back to the outer views. @internal
 */
export class NestedIndex {
  private readonly views = new Map<string, AgentView>()
  private readonly index: StrategyIndex

  /**
   * @param outerName the name the engine stores agent data under.
   * @param inner the nested strategy.
   */
  constructor(
    private readonly outerName: string,
    private readonly inner: DistributionStrategy,
    context: StrategyContext,
  ) {
    this.index = inner.createIndex(context)
  }

  /** How many agents the index holds. */
  get size(): number {
    return this.views.size
  }

  /** The outer view of an agent held, if any. */
  get(agentId: string): AgentView | undefined {
    return this.views.get(agentId)
  }

  /** Every agent held (outer views), in no particular order. */
  values(): IterableIterator<AgentView> {
    return this.views.values()
  }

  /** Adds or updates an agent. */
  upsert(view: AgentView): void {
    this.views.set(view.agent.id, view)
    this.index.upsert(this.toInner(view))
  }

  /** Removes an agent. */
  remove(agentId: string): void {
    if (this.views.delete(agentId)) this.index.remove(agentId)
  }

  /** The inner strategy's candidates, as outer views. */
  *candidates(request: DistributionRequest, state: unknown): Generator<AgentView, void, undefined> {
    for (const view of this.index.candidates(request, state)) {
      const outer = this.views.get(view.agent.id)
      if (outer !== undefined) yield outer
    }
  }

  /** The inner strategy's commit for an outer view. */
  commit(chosen: AgentView, request: DistributionRequest, state: unknown): StrategyCommit {
    return this.index.commit(this.toInner(chosen), request, state)
  }

  private toInner(view: AgentView): AgentView {
    return innerView(view, this.outerName, this.inner.name)
  }
}
