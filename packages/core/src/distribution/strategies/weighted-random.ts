import type {
  AgentView,
  DistributionRequest,
  DistributionStrategy,
  RandomSource,
  StrategyCommit,
  StrategyIndex,
} from '../strategy.js'
import { FenwickOverlay, FenwickTree } from '../structures/fenwick-tree.js'
import { randomIndex } from './shared.js'

/** A usable weight: positive and finite, else 0 (never drawn). */
function weightOf(view: AgentView): number {
  const weight = view.agent.weight
  return Number.isFinite(weight) && weight > 0 ? weight : 0
}

/**
 * Offerable agents in a dense array (swap-remove on leave) with a Fenwick tree over their weights;
 * each decision samples without replacement through an overlay that zeroes what it drew. @internal
 */
class WeightedRandomIndex implements StrategyIndex {
  private readonly views: AgentView[] = []
  private readonly weights: number[] = []
  private readonly positions = new Map<string, number>()
  private tree = new FenwickTree(16)
  /** Floating-point updates since the tree was last rebuilt from the exact weights. */
  private updates = 0
  /** Increases whenever positions or weights change, which invalidates running iterations. */
  private changes = 0

  constructor(private readonly random: RandomSource) {}

  upsert(view: AgentView): void {
    const weight = weightOf(view)
    const position = this.positions.get(view.agent.id)
    if (position !== undefined) {
      this.views[position] = view
      const previous = this.weights[position]!
      if (previous !== weight) {
        this.weights[position] = weight
        this.update(position, weight - previous)
      }
      return
    }
    const index = this.views.length
    this.positions.set(view.agent.id, index)
    this.views.push(view)
    this.weights.push(weight)
    if (index >= this.tree.capacity) {
      this.changes++
      this.tree.rebuild(this.weights, 2 * this.tree.capacity)
    } else this.update(index, weight)
  }

  remove(agentId: string): void {
    const position = this.positions.get(agentId)
    if (position === undefined) return
    this.positions.delete(agentId)
    const lastIndex = this.views.length - 1
    const removed = this.weights[position]!
    const last = this.views.pop()!
    const lastWeight = this.weights.pop()!
    if (position < lastIndex) {
      this.views[position] = last
      this.weights[position] = lastWeight
      this.positions.set(last.agent.id, position)
      this.update(position, lastWeight - removed)
      this.update(lastIndex, -lastWeight)
    } else this.update(position, -removed)
    if (this.tree.capacity > 64 && this.views.length < this.tree.capacity / 4) {
      this.tree.rebuild(this.weights, this.tree.capacity / 2)
    }
  }

  /**
   * Draws agents one at a time in proportion to their weights, without replacement: O(log n) per
   * candidate. The drawn weights are zeroed in an overlay owned by the iteration, so the shared
   * tree is never changed. If agents leave or change weight meanwhile, the rest of the iteration
   * draws from the remaining agents afresh.
   */
  *candidates(_request: DistributionRequest, _state: unknown): Generator<AgentView, void, undefined> {
    const changes = this.changes
    const size = this.views.length
    const tree = this.tree
    const overlay = new FenwickOverlay(tree.capacity)
    const drawn = new Set<number>()
    const yielded = new Set<string>()
    const total = tree.total()
    while (drawn.size < size) {
      if (this.changes !== changes) {
        yield* this.fresh(yielded)
        return
      }
      const remaining = total + overlay.total
      let position = remaining > 0 ? tree.search(this.random() * remaining, overlay) : size
      if (position >= size || drawn.has(position) || this.weights[position] === 0) {
        // Rounding error, or only zero weights left: draw among what is left from the exact weights.
        position = this.drawExact(drawn, size)
      }
      drawn.add(position)
      overlay.add(position, -this.weights[position]!)
      const view = this.views[position]!
      yielded.add(view.agent.id)
      yield view
    }
  }

  commit(): StrategyCommit {
    return {}
  }

  /** A draw in proportion to the exact weights among the positions not drawn yet: O(n), rare. */
  private drawExact(drawn: ReadonlySet<number>, size: number): number {
    let sum = 0
    for (let position = 0; position < size; position++)
      if (!drawn.has(position)) sum += this.weights[position]!
    if (sum <= 0) {
      // Only zero weights remain: uniformly among them.
      const rest: number[] = []
      for (let position = 0; position < size; position++) if (!drawn.has(position)) rest.push(position)
      return rest[randomIndex(this.random, rest.length)]!
    }
    let target = this.random() * sum
    let fallback = -1
    for (let position = 0; position < size; position++) {
      if (drawn.has(position)) continue
      const weight = this.weights[position]!
      if (weight > 0) fallback = position
      target -= weight
      if (target < 0 && weight > 0) return position
    }
    return fallback
  }

  /**
   * The rest of an iteration after the index changed: a fresh local draw over a snapshot of the
   * agents left (later changes only remove agents from it).
   */
  private *fresh(yielded: ReadonlySet<string>): Generator<AgentView, void, undefined> {
    const views = this.views.filter((view) => !yielded.has(view.agent.id))
    const weights = views.map(weightOf)
    const tree = new FenwickTree(views.length)
    tree.rebuild(weights)
    const overlay = new FenwickOverlay(tree.capacity)
    const total = tree.total()
    const drawn = new Set<number>()
    while (drawn.size < views.length) {
      let position = tree.search(this.random() * (total + overlay.total), overlay)
      if (position >= views.length || drawn.has(position) || weights[position] === 0) {
        position = views.findIndex((_, index) => !drawn.has(index))
      }
      drawn.add(position)
      overlay.add(position, -weights[position]!)
      // Skip agents that left since the snapshot was taken.
      const current = this.positions.get(views[position]!.agent.id)
      if (current !== undefined) yield this.views[current]!
    }
  }

  private update(position: number, delta: number): void {
    this.changes++
    this.tree.add(position, delta)
    // Rebuild from the exact weights now and then, so rounding errors never pile up.
    if (++this.updates > 4 * this.tree.capacity) {
      this.updates = 0
      this.tree.rebuild(this.weights, this.tree.capacity)
    }
  }
}

/**
 * Weighted random: the first agent offered is drawn with probability proportional to its `weight`
 * (an agent of weight 2 is twice as likely as one of weight 1); the others follow in further
 * weighted draws among the rest, each at most once (sampling without replacement). Uses the app's
 * random source (seeded in tests). Keeps no state.
 *
 * Cost: O(log n) per candidate and per agent change (a Fenwick tree over the weights).
 *
 * @example
 * ```ts
 * const app = createLeadCall({ storage, telephony, distribution: { strategy: weightedRandom() } })
 * ```
 */
export function weightedRandom(): DistributionStrategy {
  return {
    name: 'weighted-random',
    createIndex: (context) => new WeightedRandomIndex(context.random),
  }
}
