/**
 * The storage specification every leadcall storage driver implements.
 *
 * It has three families of operations, all scoped by a namespace so that tenants never see each
 * other's data:
 *
 * - **keyed documents** with versions, TTL and an atomic multi-key commit (checks + mutations,
 *   all-or-nothing) — enough for compare-and-set, counters, pointers and reservations;
 * - **priority queues** with exactly-once claims and leases — the durable lead queue;
 * - **append-only records** with time-range queries — activity logs and tracking.
 *
 * The interface carries its version in its name and in a literal field, so that a driver written for
 * `StorageV1` keeps working when a later version is added.
 *
 * @module
 */

/** Options every storage call accepts. */
export interface StorageCallOptions {
  /** Aborts the call while it waits on I/O. */
  signal?: AbortSignal
}

/** A stored document with its version. */
export interface StorageEntry<T = unknown> {
  /** The key within its namespace. */
  key: string
  /** The JSON value. */
  value: T
  /**
   * Opaque version, changed by every write of the key. Pass it back in an {@link AtomicCheck} to
   * commit only if nobody wrote the key in between.
   */
  version: string
  /** When the entry expires (ms since epoch), if it has a TTL. */
  expiresAt?: number
}

/**
 * A condition of an {@link AtomicOperation}: the key must currently have this version, or, with
 * `version: null`, must not exist (or be expired).
 */
export interface AtomicCheck {
  /** The key to check. */
  key: string
  /** The version the key must have, or `null` for "must not exist". */
  version: string | null
}

/** Writes a JSON value, replacing any previous one. */
export interface SetMutation {
  /** Discriminates the mutation. */
  type: 'set'
  /** The key to write. */
  key: string
  /** The new JSON value. */
  value: unknown
  /** Time to live in ms; without it the entry never expires. */
  ttlMs?: number
}

/** Deletes a key (no error when it does not exist). */
export interface DeleteMutation {
  /** Discriminates the mutation. */
  type: 'delete'
  /** The key to delete. */
  key: string
}

/**
 * Adds `by` to a numeric value (a missing or expired key counts as 0). A non-numeric current value
 * makes the whole operation fail with a `VALIDATION_FAILED` error.
 */
export interface IncrementMutation {
  /** Discriminates the mutation. */
  type: 'increment'
  /** The key of the counter. */
  key: string
  /** The amount to add (negative to subtract). */
  by: number
  /** Time to live in ms applied when the increment creates the key. */
  ttlMs?: number
}

/** One write of an {@link AtomicOperation}. */
export type AtomicMutation = SetMutation | DeleteMutation | IncrementMutation

/**
 * An all-or-nothing commit: when every check holds, every mutation is applied, atomically with
 * respect to every other operation on the same namespace; otherwise nothing is written.
 */
export interface AtomicOperation {
  /** Conditions that must all hold for the mutations to be applied. */
  checks?: AtomicCheck[]
  /** The writes, applied in order. */
  mutations: AtomicMutation[]
}

/** The outcome of {@link StorageV1.atomic}. */
export type AtomicResult =
  | {
      /** Every check held and every mutation was applied. */
      ok: true
      /** The new version of every key written (deleted keys are absent). */
      versions: Record<string, string>
      /** The resulting value of every `increment` mutation, by key. */
      counters: Record<string, number>
    }
  | {
      /** A check failed; nothing was written. */
      ok: false
      /** The keys whose check failed. */
      conflicts: string[]
    }

/** Options of {@link StorageV1.list}. */
export interface ListOptions extends StorageCallOptions {
  /** Only keys starting with this prefix. */
  prefix?: string
  /** At most this many entries (drivers may return fewer). */
  limit?: number
  /** Continue after this key (exclusive), from a previous page's `cursor`. */
  cursor?: string
}

/** A page of {@link StorageV1.list}, ordered by key. */
export interface ListPage<T = unknown> {
  /** The documents of the page, ordered by key. */
  entries: StorageEntry<T>[]
  /** Pass as `cursor` to read the next page; absent on the last page. */
  cursor?: string
}

/** An item to put in a queue. */
export interface EnqueueInput<T = unknown> {
  /**
   * Unique id within the queue. Enqueueing an id that is already there replaces its payload and
   * order as if it were enqueued anew (new score default and enqueue order), keeping its
   * `enqueuedAt` and `attempts`; a claimed item goes back to waiting and its lease is lost.
   */
  id: string
  /** Smaller is served first (leadcall uses 0 urgent, 1 high, 2 normal, 3 low). */
  priority: number
  /**
   * Order within a priority, smaller first. Defaults to the enqueue time (oldest first); pass the
   * negated time for newest first.
   */
  score?: number
  /** Not claimable before this time (ms since epoch). Defaults to now. */
  availableAt?: number
  /** The JSON payload. */
  payload: T
}

/** A queued item as stored. */
export interface QueueItem<T = unknown> {
  /** Unique id within the queue. */
  id: string
  /** Smaller is served first. */
  priority: number
  /** Order within the priority, smaller first. */
  score: number
  /** Not claimable before this time (ms since epoch). */
  availableAt: number
  /** When the item was first enqueued (ms since epoch). */
  enqueuedAt: number
  /** How many times the item was claimed. */
  attempts: number
  /** The JSON payload. */
  payload: T
  /** Present while the item is leased by a claim. */
  lease?: QueueLease
}

/** The lease of a claimed item. */
export interface QueueLease {
  /** Secret of the claim; `ack`, `release` and `extendLease` need it. */
  token: string
  /** When the lease ends and the item becomes claimable again (ms since epoch). */
  expiresAt: number
}

/** A claimed item: the caller holds it until it acks, releases, or the lease expires. */
export interface ClaimedItem<T = unknown> extends QueueItem<T> {
  /** The lease this claim holds. */
  lease: QueueLease
}

/** Options of {@link StorageV1.claim}. */
export interface ClaimOptions extends StorageCallOptions {
  /** How long the claim holds the items before they become claimable again. */
  leaseMs: number
  /** How many items to claim at most (default 1). */
  limit?: number
}

/** Options of {@link StorageV1.release}. */
export interface ReleaseOptions extends StorageCallOptions {
  /** Not claimable again before this time. Defaults to now. */
  availableAt?: number
  /** A new priority for the item. */
  priority?: number
  /** A new order within the priority. */
  score?: number
}

/** Changes to a waiting item, see {@link StorageV1.updateQueued}. */
export interface QueueItemPatch<T = unknown> {
  /** A new priority. */
  priority?: number
  /** A new order within the priority. */
  score?: number
  /** A new time before which the item is not claimable. */
  availableAt?: number
  /** A new payload. */
  payload?: T
}

/** Options of {@link StorageV1.listQueue}. */
export interface ListQueueOptions extends StorageCallOptions {
  /** Skip this many items of the queue order. */
  offset?: number
  /** At most this many items (default 100). */
  limit?: number
}

/** A record to append to a stream. */
export interface AppendInput<T = unknown> {
  /** Time of the record (ms since epoch); defaults to now. */
  time?: number
  /** The JSON data of the record. */
  data: T
}

/** A stored record. */
export interface StoredRecord<T = unknown> {
  /** Unique id within the stream, assigned by the driver, ordered like the records. */
  id: string
  /** Time of the record (ms since epoch). */
  time: number
  /** The JSON data of the record. */
  data: T
}

/** Options of {@link StorageV1.range}. */
export interface RangeOptions extends StorageCallOptions {
  /** Inclusive lower bound (ms since epoch). */
  from?: number
  /** Exclusive upper bound (ms since epoch). */
  to?: number
  /** At most this many records. */
  limit?: number
  /** Newest first instead of oldest first. */
  reverse?: boolean
}

/** What a driver can do, read by core and by the conformance kit. */
export interface StorageCapabilities {
  /** State is shared by every process that connects to the same store. */
  shared: boolean
  /** State survives a restart of the process. */
  durable: boolean
}

/**
 * Version 1 of the storage specification. Every method is safe to call concurrently; `atomic` and
 * `claim` are linearizable per namespace.
 *
 * Keys, queue names and stream names are non-empty strings; values and payloads are JSON values.
 */
export interface StorageV1 {
  /** The version of this specification the driver implements. */
  readonly specificationVersion: 'v1'
  /** The driver's name, e.g. `memory`, `redis`, `postgres`. */
  readonly name: string
  /** What the driver guarantees. */
  readonly capabilities: StorageCapabilities

  /** Reads one document, or `null` when it does not exist or expired. */
  get<T = unknown>(ns: string, key: string, options?: StorageCallOptions): Promise<StorageEntry<T> | null>
  /** Reads several documents at once; the result is aligned with `keys`. */
  getMany<T = unknown>(
    ns: string,
    keys: readonly string[],
    options?: StorageCallOptions,
  ): Promise<(StorageEntry<T> | null)[]>
  /** Lists documents ordered by key. */
  list<T = unknown>(ns: string, options?: ListOptions): Promise<ListPage<T>>
  /** Applies checks and mutations all-or-nothing. */
  atomic(ns: string, operation: AtomicOperation, options?: StorageCallOptions): Promise<AtomicResult>

  /** Adds (or replaces) an item in a queue. */
  enqueue<T = unknown>(
    ns: string,
    queue: string,
    item: EnqueueInput<T>,
    options?: StorageCallOptions,
  ): Promise<QueueItem<T>>
  /**
   * Claims up to `limit` available items in queue order (priority, then score, then enqueue order),
   * each leased exclusively: two concurrent claims never return the same item. An item whose lease
   * expired is claimable again.
   */
  claim<T = unknown>(ns: string, queue: string, options: ClaimOptions): Promise<ClaimedItem<T>[]>
  /**
   * Removes a claimed item for good. Returns false when the lease token no longer holds it: the
   * lease expired, or the item was claimed again, re-enqueued or removed.
   */
  ack(ns: string, queue: string, id: string, token: string, options?: StorageCallOptions): Promise<boolean>
  /** Puts a claimed item back, optionally delayed or re-prioritised. False when the lease was lost. */
  release(ns: string, queue: string, id: string, token: string, options?: ReleaseOptions): Promise<boolean>
  /** Makes a held lease end `leaseMs` from now. False when the lease was lost (as for `ack`). */
  extendLease(
    ns: string,
    queue: string,
    id: string,
    token: string,
    leaseMs: number,
    options?: StorageCallOptions,
  ): Promise<boolean>
  /** Reads one item, claimed or not. */
  getQueued<T = unknown>(
    ns: string,
    queue: string,
    id: string,
    options?: StorageCallOptions,
  ): Promise<QueueItem<T> | null>
  /** Changes a waiting (unclaimed) item. Returns the item, or `null` when absent or currently claimed. */
  updateQueued<T = unknown>(
    ns: string,
    queue: string,
    id: string,
    patch: QueueItemPatch<T>,
    options?: StorageCallOptions,
  ): Promise<QueueItem<T> | null>
  /** Removes an item whether claimed or not. Returns false when absent. */
  removeQueued(ns: string, queue: string, id: string, options?: StorageCallOptions): Promise<boolean>
  /** Lists items in queue order, claimed ones included. */
  listQueue<T = unknown>(ns: string, queue: string, options?: ListQueueOptions): Promise<QueueItem<T>[]>
  /** Counts the items of a queue, claimed ones included. */
  queueSize(ns: string, queue: string, options?: StorageCallOptions): Promise<number>
  /**
   * Optional. The 1-based position of an item in queue order, claimed ones included (its index in
   * `listQueue` plus one), or `null` when the queue does not hold it: one item's place without
   * listing the items before it. Without it, callers list the queue.
   */
  queuePosition?(ns: string, queue: string, id: string, options?: StorageCallOptions): Promise<number | null>

  /** Appends a record to a stream. */
  append<T = unknown>(
    ns: string,
    stream: string,
    record: AppendInput<T>,
    options?: StorageCallOptions,
  ): Promise<StoredRecord<T>>
  /** Reads the records of a stream in a time range, ordered by time then append order. */
  range<T = unknown>(ns: string, stream: string, options?: RangeOptions): Promise<StoredRecord<T>[]>
  /** Deletes the records older than `before` (ms since epoch); returns how many. */
  trim(ns: string, stream: string, before: number, options?: StorageCallOptions): Promise<number>

  /** Releases connections and timers. The driver is unusable afterwards. */
  close?(): Promise<void>
}
