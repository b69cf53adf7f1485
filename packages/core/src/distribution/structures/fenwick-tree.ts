/**
 * A Fenwick (binary indexed) tree of non-negative numbers: point updates, prefix sums and "which
 * element does this cumulative value fall in" searches, each in O(log n). The weighted random
 * strategy samples agents with it in proportion to their weights.
 *
 * A {@link FenwickOverlay} holds temporary changes on top of a tree without touching it: sampling
 * without replacement zeroes the weights it drew in the overlay only, so the shared tree is never
 * left half-changed by an iteration that is abandoned.
 *
 * @internal
 * @module
 */

/** Temporary, sparse changes on top of a {@link FenwickTree}. @internal */
export class FenwickOverlay {
  /** Tree node (1-based) → change of its partial sum. */
  readonly nodes = new Map<number, number>()
  private sum = 0

  /** @param capacity the capacity of the tree the overlay applies to. */
  constructor(private readonly capacity: number) {}

  /** The sum of every change. */
  get total(): number {
    return this.sum
  }

  /** Adds `delta` to the element at `index` (0-based). O(log n). */
  add(index: number, delta: number): void {
    this.sum += delta
    for (let node = index + 1; node <= this.capacity; node += node & -node) {
      this.nodes.set(node, (this.nodes.get(node) ?? 0) + delta)
    }
  }
}

/** A Fenwick tree over a fixed capacity of non-negative values. @internal */
export class FenwickTree {
  private tree: Float64Array

  /** @param capacity how many elements the tree holds (all zero at first). */
  constructor(capacity: number) {
    this.tree = new Float64Array(capacity + 1)
  }

  /** How many elements the tree holds. */
  get capacity(): number {
    return this.tree.length - 1
  }

  /** Adds `delta` to the element at `index` (0-based). O(log n). */
  add(index: number, delta: number): void {
    const tree = this.tree
    for (let node = index + 1; node < tree.length; node += node & -node) tree[node]! += delta
  }

  /** The sum of the first `count` elements. O(log n). */
  prefix(count: number): number {
    let sum = 0
    for (let node = Math.min(count, this.capacity); node > 0; node -= node & -node) sum += this.tree[node]!
    return sum
  }

  /** The sum of every element. */
  total(): number {
    return this.prefix(this.capacity)
  }

  /**
   * Rebuilds the tree from exact values in O(n), growing or shrinking it to `capacity`: also used to
   * drop the rounding error that floating-point updates accumulate.
   */
  rebuild(values: ArrayLike<number>, capacity = values.length): void {
    const tree = new Float64Array(capacity + 1)
    const length = Math.min(values.length, capacity)
    for (let index = 0; index < length; index++) tree[index + 1] = values[index]!
    for (let node = 1; node <= capacity; node++) {
      const parent = node + (node & -node)
      if (parent <= capacity) tree[parent]! += tree[node]!
    }
    this.tree = tree
  }

  /**
   * The 0-based index of the element in which the cumulative value `target` falls: the smallest `i`
   * with `prefix(i + 1) > target`, the overlay's changes included. Returns `capacity` when `target`
   * is at or past the total. O(log n).
   */
  search(target: number, overlay?: FenwickOverlay): number {
    const tree = this.tree
    const capacity = tree.length - 1
    const changes = overlay?.nodes
    let position = 0
    let remaining = target
    let step = 1
    while (step * 2 <= capacity) step *= 2
    for (; step > 0; step >>= 1) {
      const next = position + step
      if (next > capacity) continue
      const value = tree[next]! + (changes?.get(next) ?? 0)
      if (value <= remaining) {
        position = next
        remaining -= value
      }
    }
    return position
  }
}
