/**
 * A set kept sorted by a comparator, stored as a list of bounded chunks: inserting or removing costs
 * a binary search over the chunks plus a splice within one chunk (at most `2 × chunkSize` elements),
 * so updates stay O(log n) plus a small constant at tens of thousands of elements, and iterating in
 * order costs O(1) per element.
 *
 * Iterators returned by {@link OrderedSet.values} survive changes to the set: after an insert or a
 * delete they find their place again by comparison with the last element they yielded (O(log n)) and
 * go on from there, so an element is never yielded twice unless it was deleted and inserted again at
 * a later place.
 *
 * The comparator must be a total order on the elements held (no two distinct elements compare
 * equal).
 *
 * @internal
 * @module
 */

/** Default chunk size: chunks split at twice this size. */
const CHUNK = 64

/** A sorted set with chunked storage and change-tolerant iterators. @internal */
export class OrderedSet<T> {
  private chunks: T[][] = []
  private count = 0
  private changes = 0

  /**
   * @param compare total order of the elements: negative when `a` comes first.
   * @param chunkSize elements per chunk before a split (tests use small ones to exercise splits).
   */
  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly chunkSize = CHUNK,
  ) {}

  /** How many elements the set holds. */
  get size(): number {
    return this.count
  }

  /** Increases on every insert and delete (not on {@link OrderedSet.replace}). */
  get version(): number {
    return this.changes
  }

  /** Inserts an element at its place. O(log n + chunk). */
  insert(value: T): void {
    const chunks = this.chunks
    this.changes++
    this.count++
    if (chunks.length === 0) {
      chunks.push([value])
      return
    }
    const index = this.chunkAtOrAfter((element) => this.compare(element, value) >= 0)
    const target = index === chunks.length ? index - 1 : index
    const chunk = chunks[target]!
    chunk.splice(
      this.positionIn(chunk, (element) => this.compare(element, value) >= 0),
      0,
      value,
    )
    if (chunk.length > 2 * this.chunkSize) chunks.splice(target + 1, 0, chunk.splice(this.chunkSize))
  }

  /** Removes an element (found by comparison, then by identity). Returns false when absent. */
  delete(value: T): boolean {
    const found = this.locate(value)
    if (found === undefined) return false
    const [index, position] = found
    const chunks = this.chunks
    const chunk = chunks[index]!
    chunk.splice(position, 1)
    this.changes++
    this.count--
    if (chunk.length === 0) chunks.splice(index, 1)
    else {
      // Keep chunks from fragmenting after many deletes: merge with the next one when both are small.
      const next = chunks[index + 1]
      if (next !== undefined && chunk.length + next.length <= this.chunkSize) {
        chunk.push(...next)
        chunks.splice(index + 1, 1)
      }
    }
    return true
  }

  /**
   * Swaps `current` for `next`, which must compare equal to it (same place in the order), without
   * moving anything. Returns false when `current` is absent.
   */
  replace(current: T, next: T): boolean {
    if (this.compare(current, next) !== 0) return false
    const found = this.locate(current)
    if (found === undefined) return false
    this.chunks[found[0]]![found[1]] = next
    return true
  }

  /**
   * Puts `next` where it belongs in place of `current` (or adds it when `current` is undefined):
   * swapped in place when their order is the same, moved otherwise.
   */
  update(current: T | undefined, next: T): void {
    if (current === undefined) {
      this.insert(next)
      return
    }
    if (this.replace(current, next)) return
    this.delete(current)
    this.insert(next)
  }

  /** The first element, if any. */
  first(): T | undefined {
    return this.chunks[0]?.[0]
  }

  /** The last element, if any. */
  last(): T | undefined {
    const chunk = this.chunks[this.chunks.length - 1]
    return chunk?.[chunk.length - 1]
  }

  /** Every element, in order. */
  [Symbol.iterator](): Iterator<T> {
    return this.values()
  }

  /**
   * The elements in order, lazily, starting at the first element for which `from` is true (`from`
   * must be monotone: false for a prefix of the order, true after it); from the start when omitted.
   * The iteration tolerates changes to the set, see the module comment.
   */
  *values(from?: (element: T) => boolean): Generator<T, void, undefined> {
    let chunkIndex = 0
    let position = 0
    const seek = (predicate: (element: T) => boolean): void => {
      chunkIndex = this.chunkAtOrAfter(predicate)
      const chunk = this.chunks[chunkIndex]
      position = chunk === undefined ? 0 : this.positionIn(chunk, predicate)
    }
    if (from !== undefined) seek(from)
    let version = this.changes
    let last: T | undefined
    let yielded = false
    for (;;) {
      if (version !== this.changes) {
        version = this.changes
        if (yielded) {
          const previous = last as T
          seek((element) => this.compare(element, previous) > 0)
        } else if (from !== undefined) seek(from)
        else {
          chunkIndex = 0
          position = 0
        }
      }
      const chunk = this.chunks[chunkIndex]
      if (chunk === undefined) return
      if (position >= chunk.length) {
        chunkIndex++
        position = 0
        continue
      }
      const value = chunk[position++]!
      last = value
      yielded = true
      yield value
    }
  }

  /** Removes every element. */
  clear(): void {
    this.chunks = []
    this.count = 0
    this.changes++
  }

  /** [chunk, position] of an element equal to `value` and identical to it, if held. */
  private locate(value: T): [number, number] | undefined {
    const atOrAfter = (element: T): boolean => this.compare(element, value) >= 0
    const index = this.chunkAtOrAfter(atOrAfter)
    const chunk = this.chunks[index]
    if (chunk === undefined) return undefined
    const position = this.positionIn(chunk, atOrAfter)
    return chunk[position] === value ? [index, position] : undefined
  }

  /** Index of the first chunk whose last element satisfies `predicate`, or the number of chunks. */
  private chunkAtOrAfter(predicate: (element: T) => boolean): number {
    const chunks = this.chunks
    let low = 0
    let high = chunks.length
    while (low < high) {
      const middle = (low + high) >> 1
      const chunk = chunks[middle]!
      if (predicate(chunk[chunk.length - 1]!)) high = middle
      else low = middle + 1
    }
    return low
  }

  /** Index of the first element of `chunk` that satisfies `predicate`, or its length. */
  private positionIn(chunk: readonly T[], predicate: (element: T) => boolean): number {
    let low = 0
    let high = chunk.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (predicate(chunk[middle]!)) high = middle
      else low = middle + 1
    }
    return low
  }
}
