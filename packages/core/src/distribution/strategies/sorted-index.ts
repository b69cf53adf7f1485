/**
 * The index of the strategies that order agents by one number computed from their view (longest
 * idle, least utilized): an ordered set by (number, tie-break), O(log n) per change, O(1) per
 * candidate.
 *
 * @internal
 * @module
 */
import type { AgentView, DistributionRequest, StrategyCommit, StrategyIndex } from '../strategy.js'
import { OrderedSet } from '../structures/ordered-set.js'
import { compareTies, once, viewsOf } from './shared.js'

/** One agent in a {@link SortedIndex}. @internal */
export interface SortedEntry {
  /** The agent. */
  readonly view: AgentView
  /** Its sort key, ascending. */
  readonly key: number
}

/** Orders entries by key, then by the random tie-break. @internal */
export function compareEntries(a: SortedEntry, b: SortedEntry): number {
  return a.key - b.key || compareTies(a.view, b.view)
}

/** Agents in ascending order of `keyOf(view)`, ties by tie-break. @internal */
export class SortedIndex implements StrategyIndex {
  private readonly set = new OrderedSet<SortedEntry>(compareEntries)
  private readonly members = new Map<string, SortedEntry>()

  /** @param keyOf the sort key of an agent: lower comes first. */
  constructor(private readonly keyOf: (view: AgentView) => number) {}

  upsert(view: AgentView): void {
    const entry: SortedEntry = { view, key: this.keyOf(view) }
    const current = this.members.get(view.agent.id)
    this.members.set(view.agent.id, entry)
    this.set.update(current, entry)
  }

  remove(agentId: string): void {
    const current = this.members.get(agentId)
    if (current === undefined) return
    this.members.delete(agentId)
    this.set.delete(current)
  }

  candidates(_request: DistributionRequest, _state: unknown): Iterable<AgentView> {
    return once(viewsOf(this.set.values()))
  }

  commit(): StrategyCommit {
    return {}
  }
}
