import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  RandomSource,
  StrategyCommit,
  StrategyIndex,
} from '../strategy.js'
import { randomIndex } from './shared.js'

/**
 * Offerable agents in a dense array (swap-remove on leave), shuffled lazily per decision. @internal
 */
class RandomIndex implements StrategyIndex {
  private readonly views: AgentView[] = []
  private readonly positions = new Map<string, number>()
  /** Increases whenever positions move (a removal), which invalidates running iterations. */
  private moves = 0

  constructor(private readonly random: RandomSource) {}

  upsert(view: AgentView): void {
    const position = this.positions.get(view.agent.id)
    if (position !== undefined) {
      this.views[position] = view
      return
    }
    this.positions.set(view.agent.id, this.views.length)
    this.views.push(view)
  }

  remove(agentId: string): void {
    const position = this.positions.get(agentId)
    if (position === undefined) return
    this.positions.delete(agentId)
    const last = this.views.pop()
    if (last !== undefined && position < this.views.length) {
      this.views[position] = last
      this.positions.set(last.agent.id, position)
    }
    this.moves++
  }

  /**
   * A partial Fisher-Yates shuffle whose swaps live in a small map of the iteration's own, so the
   * shared array is never changed: O(1) per candidate. If agents leave meanwhile, the rest of the
   * iteration shuffles the remaining agents afresh.
   */
  *candidates(_request: DistributionRequest, _state: unknown): Generator<AgentView, void, undefined> {
    const views = this.views
    const size = views.length
    const moves = this.moves
    const swapped = new Map<number, number>()
    const yielded = new Set<string>()
    for (let step = 0; step < size; step++) {
      if (this.moves !== moves) {
        yield* this.shuffle(views.filter((view) => !yielded.has(view.agent.id)))
        return
      }
      const pick = step + randomIndex(this.random, size - step)
      const picked = swapped.get(pick) ?? pick
      swapped.set(pick, swapped.get(step) ?? step)
      const view = views[picked]
      if (view === undefined) continue
      yielded.add(view.agent.id)
      yield view
    }
  }

  commit(): StrategyCommit {
    return {}
  }

  /** A plain lazy shuffle of a snapshot, skipping agents that left since it was taken. */
  private *shuffle(views: AgentView[]): Generator<AgentView, void, undefined> {
    for (let step = 0; step < views.length; step++) {
      const pick = step + randomIndex(this.random, views.length - step)
      const view = views[pick]!
      views[pick] = views[step]!
      const position = this.positions.get(view.agent.id)
      if (position !== undefined) yield this.views[position]!
    }
  }
}

/**
 * Uniformly random: every offerable agent is equally likely to be offered the lead first; the
 * others follow in random order, each at most once (sampling without replacement), so when the
 * first fails the engine's filters the next is again uniform among the rest. Uses the app's random
 * source (seeded in tests). Keeps no state.
 *
 * Cost: O(1) per candidate (a lazy Fisher-Yates shuffle), O(1) per agent change.
 *
 * @example
 * ```ts
 * const app = createLeadCall({ storage, telephony, distribution: { strategy: random() } })
 * ```
 */
export function random(): DistributionStrategy {
  return {
    name: 'random',
    createIndex: (context) => new RandomIndex(context.random),
  }
}
