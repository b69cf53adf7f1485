/**
 * The memory driver's schedules (expiries, delays, lease ends): a {@link BinaryHeap} on `time`.
 * Entries are never removed from the middle: callers skip the ones that went stale when they pop
 * them, and `compact` bounds the memory of stale entries.
 *
 * @internal
 * @module
 */
import { BinaryHeap } from '../util/binary-heap.js'

/** One scheduled entry of a {@link MinHeap}. */
export interface TimedEntry {
  /** When the entry is due (ms since epoch). */
  time: number
}

const byTime = (a: TimedEntry, b: TimedEntry): number => a.time - b.time

/** A binary min-heap on `time`. @internal */
export class MinHeap<E extends TimedEntry> extends BinaryHeap<E> {
  constructor() {
    super(byTime)
  }
}
