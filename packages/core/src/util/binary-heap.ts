/**
 * A binary heap ordered by a comparator: the element that compares lowest is on top. Used by the
 * memory storage's schedules (expiries, delays, leases) and by the smooth weighted round robin's
 * k-way merge of weight classes.
 *
 * @internal
 * @module
 */

/** A binary heap with a comparator. @internal */
export class BinaryHeap<T> {
  private heap: T[]

  /**
   * @param compare order of the elements: negative when `a` comes out first.
   * @param initial elements to start with (taken over, heapified in O(n)).
   */
  constructor(
    private readonly compare: (a: T, b: T) => number,
    initial: T[] = [],
  ) {
    this.heap = initial
    for (let index = (initial.length >> 1) - 1; index >= 0; index--) this.siftDown(index)
  }

  /** How many elements the heap holds. */
  get size(): number {
    return this.heap.length
  }

  /** The top element, without removing it. */
  peek(): T | undefined {
    return this.heap[0]
  }

  /** Adds an element. O(log n). */
  push(value: T): void {
    const heap = this.heap
    heap.push(value)
    let index = heap.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      const above = heap[parent]!
      if (this.compare(above, value) <= 0) break
      heap[index] = above
      index = parent
    }
    heap[index] = value
  }

  /** Removes and returns the top element. O(log n). */
  pop(): T | undefined {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined || heap.length === 0) return top
    heap[0] = last
    this.siftDown(0)
    return top
  }

  /** Replaces the top element with `value` (cheaper than pop then push). O(log n). */
  replaceTop(value: T): void {
    if (this.heap.length === 0) {
      this.heap.push(value)
      return
    }
    this.heap[0] = value
    this.siftDown(0)
  }

  /** Keeps only the elements `keep` accepts, and restores the heap order. O(n). */
  compact(keep: (value: T) => boolean): void {
    this.heap = this.heap.filter(keep)
    for (let index = (this.heap.length >> 1) - 1; index >= 0; index--) this.siftDown(index)
  }

  /** Removes every element. */
  clear(): void {
    this.heap = []
  }

  private siftDown(start: number): void {
    const heap = this.heap
    const length = heap.length
    const value = heap[start]!
    let index = start
    for (;;) {
      const left = 2 * index + 1
      if (left >= length) break
      const right = left + 1
      const child = right < length && this.compare(heap[right]!, heap[left]!) < 0 ? right : left
      const below = heap[child]!
      if (this.compare(below, value) >= 0) break
      heap[index] = below
      index = child
    }
    heap[index] = value
  }
}
