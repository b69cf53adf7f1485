/**
 * One priority queue of the memory storage driver.
 *
 * Every item is in exactly one state:
 *
 * - `ready`: claimable now; kept in a {@link SortedList} in queue order (priority, score, enqueue
 *   sequence), so a claim takes items from the front without sorting anything;
 * - `delayed`: waiting for its `availableAt`; scheduled in a min-heap and moved to `ready` by the
 *   next operation that runs after that time;
 * - `leased`: held by a claim; its lease expiry is scheduled in another min-heap, and an expired
 *   lease puts the item back in `ready` at its place in the order.
 *
 * Heap entries are deleted lazily: each carries the item's `stamp` at scheduling time, and any
 * change of state bumps the stamp, so outdated entries are recognised and skipped when popped.
 * A second sorted list holds every item in queue order for {@link MemoryQueue.list}.
 *
 * @internal
 * @module
 */
import { randomUUID } from 'node:crypto'
import { LeadCallError } from '../errors/lead-call-error.js'
import { assertFinite, assertName, assertPositive, decodeJson, encodeJson } from './memory-support.js'
import { MinHeap, type TimedEntry } from './min-heap.js'
import { SortedList } from './sorted-list.js'
import type { ClaimedItem, EnqueueInput, QueueItem, QueueItemPatch, ReleaseOptions } from './storage-v1.js'

/** An item as the queue keeps it. */
interface Item {
  readonly id: string
  priority: number
  score: number
  /** Enqueue order, the last tie-breaker; renewed when the item is enqueued again. */
  seq: number
  availableAt: number
  readonly enqueuedAt: number
  attempts: number
  json: string
  lease: { token: string; expiresAt: number } | undefined
  state: 'ready' | 'delayed' | 'leased'
  /** Bumped whenever a scheduled wake-up of the item becomes outdated. */
  stamp: number
}

/** A scheduled wake-up: the end of a delay or of a lease. */
interface Wakeup extends TimedEntry {
  item: Item
  stamp: number
}

function byQueueOrder(a: Item, b: Item): number {
  return a.priority - b.priority || a.score - b.score || a.seq - b.seq
}

/** One queue of one namespace. @internal */
export class MemoryQueue {
  private readonly items = new Map<string, Item>()
  private readonly all = new SortedList<Item>(byQueueOrder)
  private readonly ready = new SortedList<Item>(byQueueOrder)
  private readonly delays = new MinHeap<Wakeup>()
  private readonly leases = new MinHeap<Wakeup>()
  private lastSeq = 0

  /** How many items the queue holds, claimed ones included. */
  get size(): number {
    return this.items.size
  }

  /** Adds an item, or replaces the one with the same id (which then waits afresh, unleased). */
  enqueue<T>(input: EnqueueInput<T>, now: number): QueueItem<T> {
    assertName(input?.id, 'item id')
    assertFinite(input.priority, 'priority')
    if (input.score !== undefined) assertFinite(input.score, 'score')
    if (input.availableAt !== undefined) assertFinite(input.availableAt, 'availableAt')
    const json = encodeJson(input.payload, `The payload of "${input.id}"`)
    let item = this.items.get(input.id)
    if (item === undefined) {
      item = {
        id: input.id,
        priority: input.priority,
        score: input.score ?? now,
        seq: ++this.lastSeq,
        availableAt: input.availableAt ?? now,
        enqueuedAt: now,
        attempts: 0,
        json,
        lease: undefined,
        state: 'ready',
        stamp: 0,
      }
      this.items.set(item.id, item)
    } else {
      this.unplace(item)
      this.all.delete(item)
      item.priority = input.priority
      item.score = input.score ?? now
      item.seq = ++this.lastSeq
      item.availableAt = input.availableAt ?? now
      item.json = json
    }
    this.all.insert(item)
    this.place(item, now)
    return view<T>(item, now)
  }

  /** Leases up to `limit` available items, in queue order. */
  claim<T>(leaseMs: number, limit: number, now: number): ClaimedItem<T>[] {
    assertPositive(leaseMs, 'leaseMs')
    if (!Number.isInteger(limit) || limit < 1) throw invalid('limit must be a positive integer')
    this.wake(now)
    const claimed: ClaimedItem<T>[] = []
    while (claimed.length < limit) {
      const item = this.ready.shift()
      if (item === undefined) break
      item.attempts++
      this.lease(item, { token: randomUUID(), expiresAt: now + leaseMs })
      claimed.push(view<T>(item, now) as ClaimedItem<T>)
    }
    return claimed
  }

  /** Removes a leased item when `token` still holds it. */
  ack(id: string, token: string, now: number): boolean {
    const item = this.held(id, token, now)
    if (item === undefined) return false
    this.remove(item)
    return true
  }

  /** Puts a leased item back when `token` still holds it. */
  release(id: string, token: string, options: ReleaseOptions, now: number): boolean {
    if (options.availableAt !== undefined) assertFinite(options.availableAt, 'availableAt')
    if (options.priority !== undefined) assertFinite(options.priority, 'priority')
    if (options.score !== undefined) assertFinite(options.score, 'score')
    const item = this.held(id, token, now)
    if (item === undefined) return false
    this.unplace(item)
    this.all.delete(item)
    if (options.priority !== undefined) item.priority = options.priority
    if (options.score !== undefined) item.score = options.score
    item.availableAt = options.availableAt ?? now
    this.all.insert(item)
    this.place(item, now)
    return true
  }

  /** Makes the lease of `token` end `leaseMs` from now. */
  extendLease(id: string, token: string, leaseMs: number, now: number): boolean {
    assertPositive(leaseMs, 'leaseMs')
    const item = this.held(id, token, now)
    if (item === undefined) return false
    this.lease(item, { token, expiresAt: now + leaseMs })
    return true
  }

  /** Reads one item. */
  get<T>(id: string, now: number): QueueItem<T> | null {
    const item = this.items.get(id)
    return item === undefined ? null : view<T>(item, now)
  }

  /** Changes a waiting item; `null` when absent or leased. */
  update<T>(id: string, patch: QueueItemPatch<T>, now: number): QueueItem<T> | null {
    if (patch.priority !== undefined) assertFinite(patch.priority, 'priority')
    if (patch.score !== undefined) assertFinite(patch.score, 'score')
    if (patch.availableAt !== undefined) assertFinite(patch.availableAt, 'availableAt')
    const json = patch.payload === undefined ? undefined : encodeJson(patch.payload, `The payload of "${id}"`)
    const item = this.items.get(id)
    if (item === undefined || isLeased(item, now)) return null
    this.unplace(item)
    this.all.delete(item)
    if (patch.priority !== undefined) item.priority = patch.priority
    if (patch.score !== undefined) item.score = patch.score
    if (patch.availableAt !== undefined) item.availableAt = patch.availableAt
    if (json !== undefined) item.json = json
    this.all.insert(item)
    this.place(item, now)
    return view<T>(item, now)
  }

  /** Removes an item, claimed or not. */
  delete(id: string): boolean {
    const item = this.items.get(id)
    if (item === undefined) return false
    this.remove(item)
    return true
  }

  /** Items in queue order, claimed ones included. */
  /** The 1-based position of an item in queue order, or `null` when absent. */
  position(id: string): number | null {
    const item = this.items.get(id)
    if (item === undefined) return null
    const index = this.all.indexOf(item)
    return index < 0 ? null : index + 1
  }

  list<T>(offset: number, limit: number, now: number): QueueItem<T>[] {
    if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer')
    if (!Number.isInteger(limit) || limit < 1) throw invalid('limit must be a positive integer')
    return this.all.slice(offset, limit).map((item) => view<T>(item, now))
  }

  /** The item `token` holds, unless its lease was lost or expired. */
  private held(id: string, token: string, now: number): Item | undefined {
    const item = this.items.get(id)
    return item !== undefined && isLeased(item, now) && item.lease?.token === token ? item : undefined
  }

  /** Puts an item that is in no state yet (or was unplaced) in `ready` or `delayed`. */
  private place(item: Item, now: number): void {
    if (item.availableAt <= now) {
      item.state = 'ready'
      this.ready.insert(item)
    } else {
      item.state = 'delayed'
      this.delays.push({ time: item.availableAt, item, stamp: ++item.stamp })
      if (this.delays.size > this.heapBound())
        this.delays.compact((entry) => this.isCurrent(entry, 'delayed'))
    }
  }

  /** Takes an item out of its current state, dropping any lease. */
  private unplace(item: Item): void {
    if (item.state === 'ready') this.ready.delete(item)
    item.stamp++
    item.lease = undefined
  }

  /** Gives an item (already out of `ready`) a lease, and schedules the lease's end. */
  private lease(item: Item, lease: { token: string; expiresAt: number }): void {
    item.state = 'leased'
    item.lease = lease
    this.leases.push({ time: lease.expiresAt, item, stamp: ++item.stamp })
    if (this.leases.size > this.heapBound()) this.leases.compact((entry) => this.isCurrent(entry, 'leased'))
  }

  private remove(item: Item): void {
    this.unplace(item)
    this.all.delete(item)
    this.items.delete(item.id)
  }

  /** Moves items whose delay or lease has ended into `ready`. */
  private wake(now: number): void {
    for (let next = this.delays.peek(); next !== undefined && next.time <= now; next = this.delays.peek()) {
      this.delays.pop()
      if (this.isCurrent(next, 'delayed')) this.place(next.item, now)
    }
    for (let next = this.leases.peek(); next !== undefined && next.time <= now; next = this.leases.peek()) {
      this.leases.pop()
      if (!this.isCurrent(next, 'leased')) continue
      next.item.lease = undefined
      this.place(next.item, now)
    }
  }

  /** Past this many entries, a wake-up heap is mostly stale and gets compacted (amortised O(1)). */
  private heapBound(): number {
    return 2 * this.items.size + 1024
  }

  private isCurrent(entry: Wakeup, state: Item['state']): boolean {
    const { item } = entry
    return item.stamp === entry.stamp && item.state === state && this.items.get(item.id) === item
  }
}

/** True while a lease holds the item. */
function isLeased(item: Item, now: number): boolean {
  return item.state === 'leased' && item.lease !== undefined && item.lease.expiresAt > now
}

/** A fresh copy of an item for the caller; an expired lease is not shown. */
function view<T>(item: Item, now: number): QueueItem<T> {
  const out: QueueItem<T> = {
    id: item.id,
    priority: item.priority,
    score: item.score,
    availableAt: item.availableAt,
    enqueuedAt: item.enqueuedAt,
    attempts: item.attempts,
    payload: decodeJson<T>(item.json),
  }
  if (item.lease !== undefined && item.lease.expiresAt > now) out.lease = { ...item.lease }
  return out
}

function invalid(message: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', { message })
}
