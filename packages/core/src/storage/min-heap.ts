/**
 * A binary min-heap ordered by a numeric `time`, used by the memory driver for everything that
 * happens "at a time": TTL expiry, delayed queue items and lease expiry.
 *
 * Entries are never removed from the middle: callers delete lazily by ignoring entries that went
 * stale when they pop them (see {@link MinHeap.compact} to bound the memory of stale entries).
 *
 * @internal
 * @module
 */

/** One scheduled entry of a {@link MinHeap}. */
export interface TimedEntry {
  /** When the entry is due (ms since epoch). */
  time: number
}

/** A binary min-heap on `time`. @internal */
export class MinHeap<E extends TimedEntry> {
  private heap: E[] = []

  /** How many entries the heap holds, stale ones included. */
  get size(): number {
    return this.heap.length
  }

  /** Adds an entry. O(log n). */
  push(entry: E): void {
    const heap = this.heap
    heap.push(entry)
    let index = heap.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      const above = heap[parent]!
      if (above.time <= entry.time) break
      heap[index] = above
      index = parent
    }
    heap[index] = entry
  }

  /** The earliest entry, without removing it. */
  peek(): E | undefined {
    return this.heap[0]
  }

  /** Removes and returns the earliest entry. O(log n). */
  pop(): E | undefined {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined || heap.length === 0) return top
    heap[0] = last
    this.siftDown(0)
    return top
  }

  /** Keeps only the entries for which `keep` is true, then restores the heap order. O(n). */
  compact(keep: (entry: E) => boolean): void {
    this.heap = this.heap.filter(keep)
    for (let index = (this.heap.length >> 1) - 1; index >= 0; index--) this.siftDown(index)
  }

  /** Removes every entry. */
  clear(): void {
    this.heap = []
  }

  private siftDown(start: number): void {
    const heap = this.heap
    const length = heap.length
    const entry = heap[start]!
    let index = start
    for (;;) {
      const left = 2 * index + 1
      if (left >= length) break
      const right = left + 1
      const child = right < length && heap[right]!.time < heap[left]!.time ? right : left
      const below = heap[child]!
      if (below.time >= entry.time) break
      heap[index] = below
      index = child
    }
    heap[index] = entry
  }
}
