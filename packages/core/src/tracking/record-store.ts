/**
 * Process records in storage: the writer (record + metrics in one atomic commit) and the readers
 * (one record, pages of a time range in either direction).
 *
 * @internal
 * @module
 */
import type { ProcessRecord } from '../domain/process-record.js'
import type { AtomicCheck, AtomicMutation, StorageCallOptions, StorageV1 } from '../storage/storage-v1.js'
import type { MetricsStore } from './metrics-store.js'
import { isOpen } from './record-builder.js'
import { diffFacts, type FactsDelta, factsOf } from './record-facts.js'
import { RECORD_STREAM, type RecordRef, tk } from './tracking-keys.js'
import type { ZonedCalendar } from './zoned-calendar.js'

/** A record to write over the version read (`prev` null for a new process). @internal */
export interface RecordChange {
  prev: { record: ProcessRecord; version: string } | null
  next: ProcessRecord
}

/** What a successful commit did, for the sink. @internal */
export interface CommittedChange {
  record: ProcessRecord
  day: string
  /** The process ended with this commit. */
  ended: boolean
}

/** Writes records and, with them, their metrics. @internal */
export interface RecordWriter {
  /**
   * Commits the changes all-or-nothing: each record (checked against the version read), the sum of
   * their counter increments, then the stream entries of new records and the duration samples.
   * Returns false when a record changed since it was read (nothing written).
   */
  commit(changes: readonly RecordChange[], options?: StorageCallOptions): Promise<boolean>
}

/** What the writer is built from. @internal */
export interface RecordWriterDeps {
  storage: StorageV1
  ns: string
  calendar: ZonedCalendar
  metrics: MetricsStore
  /** Called after each successful commit. */
  onCommitted?: (changes: CommittedChange[]) => void
}

/** Creates the record writer of a namespace. @internal */
export function createRecordWriter(deps: RecordWriterDeps): RecordWriter {
  const { storage, ns, calendar, metrics } = deps
  return {
    async commit(changes, options) {
      if (changes.length === 0) return true
      const deltas: FactsDelta[] = changes.map(({ prev, next }) =>
        diffFacts(prev ? factsOf(prev.record, calendar) : undefined, factsOf(next, calendar)),
      )
      // Indexes first (idempotent): a crash after them leaves an index entry with zero figures.
      const agentsByDay = new Map<string, Map<string, string>>()
      for (const delta of deltas) {
        let agents = agentsByDay.get(delta.day)
        if (!agents) {
          agents = new Map()
          agentsByDay.set(delta.day, agents)
        }
        for (const [id, name] of delta.agents) if (!agents.has(id)) agents.set(id, name)
      }
      for (const [day, agents] of agentsByDay) await metrics.ensureIndexed(day, agents, options)

      const checks: AtomicCheck[] = []
      const mutations: AtomicMutation[] = []
      const increments = new Map<string, number>()
      for (const [i, { prev, next }] of changes.entries()) {
        const key = tk.record(next.processId)
        checks.push({ key, version: prev?.version ?? null })
        mutations.push({ type: 'set', key, value: next })
        const delta = deltas[i]!
        for (const [k, by] of delta.increments) increments.set(k, (increments.get(k) ?? 0) + by)
        // The day's metrics change: its cached summary is stale.
        if (delta.increments.size > 0) increments.set(tk.day(delta.day, 'rev'), 1)
      }
      for (const [key, by] of increments) if (by !== 0) mutations.push({ type: 'increment', key, by })
      const result = await storage.atomic(ns, { checks, mutations }, options)
      if (!result.ok) return false

      for (const { prev, next } of changes) {
        if (prev) continue
        await storage.append<RecordRef>(
          ns,
          RECORD_STREAM,
          { time: Date.parse(next.timestamp), data: { processId: next.processId } },
          options,
        )
      }
      for (const delta of deltas) if (delta.samples.length > 0) metrics.addSamples(delta.day, delta.samples)
      deps.onCommitted?.(
        changes.map(({ prev, next }, i) => ({
          record: next,
          day: deltas[i]!.day,
          ended: !isOpen(next) && (prev === null || isOpen(prev.record)),
        })),
      )
      return true
    },
  }
}

/** Options of {@link RecordReader.pages}. @internal */
export interface PageOptions extends StorageCallOptions {
  from?: number
  to?: number
  reverse?: boolean
  pageSize?: number
}

/** Reads records. @internal */
export interface RecordReader {
  /** One record, or `null`. */
  get(processId: string, options?: StorageCallOptions): Promise<ProcessRecord | null>
  /**
   * The records received in `[from, to)`, page by page (oldest first, or newest first with
   * `reverse`); records deleted meanwhile are left out. Memory is bounded by the page size.
   */
  pages(options?: PageOptions): AsyncGenerator<ProcessRecord[]>
  /** The stream entries in `[from, to)`, page by page (ids only, no record read). */
  refs(options?: PageOptions): AsyncGenerator<RecordRef[]>
}

/** Creates the record reader of a namespace. @internal */
export function createRecordReader(storage: StorageV1, ns: string): RecordReader {
  /**
   * Pages through the stream with time bounds only (the storage API has no cursor): the next page
   * starts at the last time seen, skipping the entries of that time already returned; a page made
   * only of one time grows until it gets past it.
   */
  async function* refs(options: PageOptions = {}): AsyncGenerator<RecordRef[]> {
    const pageSize = Math.max(1, options.pageSize ?? 500)
    const reverse = options.reverse === true
    let from = options.from
    let to = options.to
    let boundary: number | undefined
    let seen = new Set<string>()
    for (;;) {
      const limit = pageSize + seen.size
      const page = await storage.range<RecordRef>(ns, RECORD_STREAM, {
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        limit,
        reverse,
        ...(options.signal ? { signal: options.signal } : {}),
      })
      const fresh: RecordRef[] = []
      for (const entry of page) {
        if (entry.time === boundary && seen.has(entry.id)) continue
        if (typeof entry.data?.processId === 'string') fresh.push(entry.data)
      }
      if (fresh.length > 0) yield fresh
      if (page.length < limit) return
      const last = page[page.length - 1]!.time
      if (last !== boundary) {
        boundary = last
        seen = new Set()
      }
      for (const entry of page) if (entry.time === last) seen.add(entry.id)
      if (reverse) to = last + 1
      else from = last
    }
  }

  return {
    async get(processId, options) {
      return (await storage.get<ProcessRecord>(ns, tk.record(processId), options))?.value ?? null
    },
    refs,
    async *pages(options = {}) {
      for await (const page of refs(options)) {
        const entries = await storage.getMany<ProcessRecord>(
          ns,
          page.map((ref) => tk.record(ref.processId)),
          options.signal ? { signal: options.signal } : undefined,
        )
        const records: ProcessRecord[] = []
        for (const entry of entries) if (entry) records.push(entry.value)
        if (records.length > 0) yield records
      }
    },
  }
}
