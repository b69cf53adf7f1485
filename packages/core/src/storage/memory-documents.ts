/**
 * The keyed documents of the memory storage driver: versions, TTL and the atomic commit.
 *
 * - Versions come from one counter per storage, so a version is never reused, not even for a key
 *   deleted and written again.
 * - Expired entries are removed lazily: every read treats them as absent (and drops them), and each
 *   commit also sweeps a few entries whose time has passed, taken from a min-heap of expiry times.
 *   Heap entries of overwritten keys go stale and are skipped; the heap is compacted when stale
 *   entries outnumber live ones, so memory stays bounded without any timer.
 * - `atomic` is synchronous from the first check to the last write, so it is linearizable.
 *
 * @internal
 * @module
 */
import { LeadCallError } from '../errors/lead-call-error.js'
import { assertFinite, assertName, assertPositive, decodeJson, encodeJson } from './memory-support.js'
import { MinHeap, type TimedEntry } from './min-heap.js'
import type { AtomicOperation, AtomicResult, ListOptions, ListPage, StorageEntry } from './storage-v1.js'

/** A stored document: its JSON text, version and expiry. */
interface Doc {
  json: string
  version: string
  expiresAt: number | undefined
}

/** A scheduled expiry; stale when the key has another version by then. */
interface Expiry extends TimedEntry {
  ns: string
  key: string
  version: string
}

/** A mutation checked and serialised, ready to apply. */
type Prepared =
  | { type: 'set'; key: string; json: string; ttlMs: number | undefined }
  | { type: 'delete'; key: string }
  | { type: 'increment'; key: string; by: number; ttlMs: number | undefined }

/** The state a commit leaves a key in (`null` for deleted). */
type Staged = { json: string; expiresAt: number | undefined } | null

/** How many expired entries a commit removes at most, on top of what reads remove. */
const SWEEP_PER_WRITE = 32

/** The documents of every namespace of one memory storage. @internal */
export class MemoryDocuments {
  private readonly spaces = new Map<string, Map<string, Doc>>()
  private readonly expiries = new MinHeap<Expiry>()
  /** How many live entries carry an expiry (to decide when to compact the heap). */
  private withTtl = 0
  private lastVersion = 0

  constructor(private readonly now: () => number) {}

  /** Reads one document. */
  get<T>(ns: string, key: string): StorageEntry<T> | null {
    assertName(key, 'key')
    const space = this.spaces.get(ns)
    if (space === undefined) return null
    const doc = this.live(space, key, this.now())
    return doc === undefined ? null : toEntry<T>(key, doc)
  }

  /** Reads several documents, aligned with `keys`. */
  getMany<T>(ns: string, keys: readonly string[]): (StorageEntry<T> | null)[] {
    for (const key of keys) assertName(key, 'key')
    const space = this.spaces.get(ns)
    if (space === undefined) return keys.map(() => null)
    const now = this.now()
    return keys.map((key) => {
      const doc = this.live(space, key, now)
      return doc === undefined ? null : toEntry<T>(key, doc)
    })
  }

  /** Lists documents ordered by key; only the page's values are parsed. */
  list<T>(ns: string, options: ListOptions): ListPage<T> {
    const { prefix, cursor, limit } = options
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new LeadCallError('VALIDATION_FAILED', { message: 'limit must be a positive integer' })
    const space = this.spaces.get(ns)
    if (space === undefined) return { entries: [] }
    const now = this.now()
    const keys: string[] = []
    for (const [key, doc] of space) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue
      if (cursor !== undefined && key <= cursor) continue
      if (doc.expiresAt !== undefined && doc.expiresAt <= now) {
        this.drop(space, ns, key, doc)
        continue
      }
      keys.push(key)
    }
    keys.sort()
    const page = limit === undefined || keys.length <= limit ? keys : keys.slice(0, limit)
    const entries = page.map((key) => toEntry<T>(key, space.get(key)!))
    return page.length < keys.length ? { entries, cursor: page[page.length - 1]! } : { entries }
  }

  /** Applies checks then mutations, all-or-nothing. Synchronous, hence linearizable. */
  atomic(ns: string, operation: AtomicOperation): AtomicResult {
    const prepared = prepare(operation)
    const checks = operation.checks
    if (checks !== undefined && !Array.isArray(checks)) throw invalid('checks must be an array')
    const now = this.now()
    let space = this.spaces.get(ns)
    let conflicts: string[] | undefined
    if (checks !== undefined) {
      for (const check of checks) {
        assertName(check?.key, 'check key')
        if (check.version !== null && typeof check.version !== 'string')
          throw invalid('check version must be a string or null')
        const doc = space === undefined ? undefined : this.live(space, check.key, now)
        if ((doc?.version ?? null) !== check.version) {
          conflicts ??= []
          if (!conflicts.includes(check.key)) conflicts.push(check.key)
        }
      }
    }
    if (conflicts !== undefined) return { ok: false, conflicts }
    if (!prepared.hasIncrement) return this.applyDirect(ns, space, prepared.list, now)

    // Stage every write first: an increment of a non-number throws before anything is written.
    const staged = new Map<string, Staged>()
    const counters = new Map<string, number>()
    for (const mutation of prepared.list) {
      if (mutation.type === 'delete') {
        staged.set(mutation.key, null)
        continue
      }
      if (mutation.type === 'set') {
        const expiresAt = mutation.ttlMs === undefined ? undefined : now + mutation.ttlMs
        staged.set(mutation.key, { json: mutation.json, expiresAt })
        continue
      }
      const current = staged.has(mutation.key)
        ? staged.get(mutation.key)
        : space === undefined
          ? undefined
          : this.live(space, mutation.key, now)
      let base = 0
      let expiresAt = mutation.ttlMs === undefined ? undefined : now + mutation.ttlMs
      if (current) {
        const value = decodeJson<unknown>(current.json)
        if (typeof value !== 'number')
          throw invalid(`Cannot increment "${mutation.key}": its value is not a number`, {
            key: mutation.key,
          })
        base = value
        expiresAt = current.expiresAt
      }
      const next = base + mutation.by
      if (!Number.isFinite(next))
        throw invalid(`Incrementing "${mutation.key}" overflows`, { key: mutation.key })
      staged.set(mutation.key, { json: JSON.stringify(next), expiresAt })
      counters.set(mutation.key, next)
    }

    const versions = new Map<string, string>()
    if (space === undefined && staged.size > 0) {
      space = new Map()
      this.spaces.set(ns, space)
    }
    if (space !== undefined) {
      for (const [key, next] of staged) {
        const previous = space.get(key)
        if (next === null) {
          if (previous !== undefined) this.drop(space, ns, key, previous, false)
          continue
        }
        if (previous?.expiresAt !== undefined) this.withTtl--
        const version = String(++this.lastVersion)
        space.set(key, { json: next.json, version, expiresAt: next.expiresAt })
        versions.set(key, version)
        if (next.expiresAt !== undefined) {
          this.withTtl++
          this.expiries.push({ time: next.expiresAt, ns, key, version })
        }
      }
      if (space.size === 0) this.spaces.delete(ns)
    }
    this.sweep(now)
    return { ok: true, versions: Object.fromEntries(versions), counters: Object.fromEntries(counters) }
  }

  /**
   * Applies sets and deletes in order. Only increments can fail once the checks passed, so without
   * them the writes go straight in, with no staging.
   */
  private applyDirect(
    ns: string,
    existing: Map<string, Doc> | undefined,
    list: readonly Prepared[],
    now: number,
  ): AtomicResult {
    const versions: Record<string, string> = {}
    let space = existing
    for (const mutation of list) {
      if (mutation.type === 'delete') {
        const previous = space?.get(mutation.key)
        if (space !== undefined && previous !== undefined) this.drop(space, ns, mutation.key, previous, false)
        delete versions[mutation.key]
        continue
      }
      if (mutation.type !== 'set') continue
      if (space === undefined) {
        space = new Map()
        this.spaces.set(ns, space)
      }
      // Overwrite in place: deleting and re-inserting churns a large Map into frequent rehashes.
      const previous = space.get(mutation.key)
      if (previous?.expiresAt !== undefined) this.withTtl--
      const version = String(++this.lastVersion)
      const expiresAt = mutation.ttlMs === undefined ? undefined : now + mutation.ttlMs
      space.set(mutation.key, { json: mutation.json, version, expiresAt })
      versions[mutation.key] = version
      if (expiresAt !== undefined) {
        this.withTtl++
        this.expiries.push({ time: expiresAt, ns, key: mutation.key, version })
      }
    }
    if (space !== undefined && space.size === 0) this.spaces.delete(ns)
    if (this.withTtl > 0 || this.expiries.size > 0) this.sweep(now)
    return { ok: true, versions, counters: {} }
  }

  /** Forgets every document. */
  clear(): void {
    this.spaces.clear()
    this.expiries.clear()
    this.withTtl = 0
  }

  /** The document of `key` unless absent or expired (an expired one is dropped on the way). */
  private live(space: Map<string, Doc>, key: string, now: number): Doc | undefined {
    const doc = space.get(key)
    if (doc === undefined) return undefined
    if (doc.expiresAt !== undefined && doc.expiresAt <= now) {
      this.drop(space, undefined, key, doc)
      return undefined
    }
    return doc
  }

  /** Removes a document, keeping the TTL count right; drops an emptied namespace when asked. */
  private drop(space: Map<string, Doc>, ns: string | undefined, key: string, doc: Doc, prune = true): void {
    space.delete(key)
    if (doc.expiresAt !== undefined) this.withTtl--
    if (prune && ns !== undefined && space.size === 0) this.spaces.delete(ns)
  }

  /** Removes a few expired documents, and compacts the expiry heap when mostly stale. */
  private sweep(now: number): void {
    for (let budget = SWEEP_PER_WRITE; budget > 0; budget--) {
      const next = this.expiries.peek()
      if (next === undefined || next.time > now) break
      this.expiries.pop()
      const space = this.spaces.get(next.ns)
      const doc = space?.get(next.key)
      if (space !== undefined && doc !== undefined && doc.version === next.version)
        this.drop(space, next.ns, next.key, doc)
    }
    if (this.expiries.size > 1024 && this.expiries.size > 2 * this.withTtl) {
      this.expiries.compact((entry) => this.spaces.get(entry.ns)?.get(entry.key)?.version === entry.version)
    }
  }
}

/** Checks and serialises every mutation, before any check runs or anything is written. */
function prepare(operation: AtomicOperation): { list: Prepared[]; hasIncrement: boolean } {
  if (typeof operation !== 'object' || operation === null || !Array.isArray(operation.mutations))
    throw invalid('operation.mutations must be an array')
  let hasIncrement = false
  const list = operation.mutations.map((mutation): Prepared => {
    assertName(mutation?.key, 'mutation key')
    const { key } = mutation
    switch (mutation.type) {
      case 'set':
        if (mutation.ttlMs !== undefined) assertPositive(mutation.ttlMs, 'ttlMs')
        return {
          type: 'set',
          key,
          json: encodeJson(mutation.value, `The value of "${key}"`),
          ttlMs: mutation.ttlMs,
        }
      case 'delete':
        return { type: 'delete', key }
      case 'increment':
        hasIncrement = true
        assertFinite(mutation.by, 'increment by')
        if (mutation.ttlMs !== undefined) assertPositive(mutation.ttlMs, 'ttlMs')
        return { type: 'increment', key, by: mutation.by, ttlMs: mutation.ttlMs }
      default:
        throw invalid(`Unknown mutation type ${JSON.stringify((mutation as { type?: unknown }).type)}`)
    }
  })
  return { list, hasIncrement }
}

function toEntry<T>(key: string, doc: Doc): StorageEntry<T> {
  const entry: StorageEntry<T> = { key, value: decodeJson<T>(doc.json), version: doc.version }
  if (doc.expiresAt !== undefined) entry.expiresAt = doc.expiresAt
  return entry
}

function invalid(message: string, details?: unknown): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', { message, details })
}
