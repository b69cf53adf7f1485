/**
 * A list kept sorted by a comparator, stored as a list of bounded chunks (the "sorted containers"
 * layout): inserting or removing costs a binary search plus a splice within one chunk, so it stays
 * fast at hundreds of thousands of elements, and reading by position skips whole chunks.
 *
 * The comparator must be a total order on the elements held (no two distinct elements compare
 * equal), so that {@link SortedList.delete} finds exactly the element asked for.
 *
 * @internal
 * @module
 */

/** Default chunk size: chunks split at twice this size. */
const CHUNK = 256

/** A sorted list of elements. @internal */
export class SortedList<T> {
  private chunks: T[][] = []
  private count = 0

  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly chunkSize = CHUNK,
  ) {}

  /** How many elements the list holds. */
  get size(): number {
    return this.count
  }

  /** Inserts an element at its place in the order. */
  insert(value: T): void {
    const chunks = this.chunks
    if (chunks.length === 0) {
      chunks.push([value])
      this.count++
      return
    }
    const index = this.chunkFor(value)
    const chunk = chunks[index]!
    // Fast path: appending in order, the common case for queues ordered by time.
    if (this.compare(chunk[chunk.length - 1]!, value) <= 0) chunk.push(value)
    else chunk.splice(this.upperBound(chunk, value), 0, value)
    this.count++
    if (chunk.length > 2 * this.chunkSize) chunks.splice(index + 1, 0, chunk.splice(this.chunkSize))
  }

  /** Removes an element (found by comparison, then by identity). Returns false when absent. */
  delete(value: T): boolean {
    const chunks = this.chunks
    if (chunks.length === 0) return false
    const index = this.chunkFor(value)
    const chunk = chunks[index]!
    const position = this.lowerBound(chunk, value)
    if (chunk[position] !== value) return false
    chunk.splice(position, 1)
    this.count--
    if (chunk.length === 0) chunks.splice(index, 1)
    return true
  }

  /** The first element, if any. */
  first(): T | undefined {
    return this.chunks[0]?.[0]
  }

  /** Removes and returns the first element. */
  shift(): T | undefined {
    const chunk = this.chunks[0]
    if (chunk === undefined) return undefined
    const value = chunk.shift()
    this.count--
    if (chunk.length === 0) this.chunks.shift()
    return value
  }

  /** Up to `limit` elements starting at position `offset`, in order. */
  slice(offset: number, limit: number): T[] {
    const out: T[] = []
    let skip = offset
    for (const chunk of this.chunks) {
      if (out.length >= limit) break
      if (skip >= chunk.length) {
        skip -= chunk.length
        continue
      }
      for (let index = skip; index < chunk.length && out.length < limit; index++) out.push(chunk[index]!)
      skip = 0
    }
    return out
  }

  /** The position of an element (found by comparison, then by identity), or -1 when absent. */
  indexOf(value: T): number {
    const chunks = this.chunks
    if (chunks.length === 0) return -1
    const index = this.chunkFor(value)
    const chunk = chunks[index]!
    const position = this.lowerBound(chunk, value)
    if (chunk[position] !== value) return -1
    let before = 0
    for (let k = 0; k < index; k++) before += chunks[k]!.length
    return before + position
  }

  /** Every element, in order. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const chunk of this.chunks) yield* chunk
  }

  /** Removes every element. */
  clear(): void {
    this.chunks = []
    this.count = 0
  }

  /** Index of the first chunk whose last element is >= value, or the last chunk. */
  private chunkFor(value: T): number {
    const chunks = this.chunks
    let low = 0
    let high = chunks.length - 1
    while (low < high) {
      const middle = (low + high) >> 1
      const chunk = chunks[middle]!
      if (this.compare(chunk[chunk.length - 1]!, value) < 0) low = middle + 1
      else high = middle
    }
    return low
  }

  private lowerBound(chunk: T[], value: T): number {
    let low = 0
    let high = chunk.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.compare(chunk[middle]!, value) < 0) low = middle + 1
      else high = middle
    }
    return low
  }

  private upperBound(chunk: T[], value: T): number {
    let low = 0
    let high = chunk.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.compare(chunk[middle]!, value) <= 0) low = middle + 1
      else high = middle
    }
    return low
  }
}
