/**
 * Tracking: `app.tracking`, see {@link createTracking}.
 *
 * @module
 */
import type { ProcessRecord } from '../domain/process-record.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import type { LeadCallEventMap, LeadCallEventName } from '../events/event-map.js'
import type { AtomicCheck, AtomicMutation, StorageCallOptions } from '../storage/storage-v1.js'
import { createIsoFormatter } from '../util/iso-time.js'
import { csvHeader, csvLine, jsonlLine } from './export-format.js'
import { createJsonlSink, type DailyMetricsFile, type JsonlSink } from './jsonl-sink.js'
import { createMetricsStore, type MetricsStore, sumDays } from './metrics-store.js'
import { buildRecord, type EventNotes, isOpen, recordChanged } from './record-builder.js'
import { createRecordReader, createRecordWriter, type RecordWriter } from './record-store.js'
import type {
  Analytics,
  AnalyticsOptions,
  ExportOptions,
  LiveStats,
  RecentOptions,
  TrackingApi,
  TrackingDeps,
} from './tracking-api.js'
import { RECORD_STREAM, tk } from './tracking-keys.js'
import { createZonedCalendar, type ZonedCalendar } from './zoned-calendar.js'

/** `app.tracking` with what the app needs to shut it down. */
export interface TrackingService extends TrackingApi {
  /** Waits for the updates in flight, merges the percentile sketches, flushes the JSONL sink and stops the timers. */
  close(): Promise<void>
}

/**
 * The parts of tracking, for leadcall's own benchmarks and tests: the service, and the writer
 * every record and metric goes through.
 *
 * @internal
 */
export interface TrackingCore {
  tracking: TrackingService
  writer: RecordWriter
  metrics: MetricsStore
  calendar: ZonedCalendar
}

const MAX_CAS = 30
const MAX_DAYS = 1_000
const MAX_RECENT = 1_000
/** `recent()` looks at this many of the latest processes at most. */
const RECENT_SCAN = 10_000
const EXPORT_PAGE = 500
const DELETE_PAGE = 500

/** The events tracking follows (each schedules an update of its process). */
const FOLLOWED: readonly LeadCallEventName[] = [
  'lead.received',
  'lead.queued',
  'agent.assigned',
  'call.started',
  'call.status',
  'lead.completed',
  'lead.failed',
]

/**
 * Creates `app.tracking`: keeps one {@link ProcessRecord} per lead process and the metrics
 * incrementally, as the pipeline's events arrive.
 *
 * - Each event schedules an update of its process; updates of one process run one at a time, in
 *   order (several waiting events are handled in one round), and rebuild the record from the
 *   pipeline's durable state, so a late event never overwrites a newer state.
 * - A record and the counters it changes are committed in one atomic operation, checked against
 *   the version read: metrics always equal the sum over the records.
 * - Listener work is asynchronous; every error is logged, none reaches the emitter.
 * - Reads wait for the updates already in flight, so they see every event emitted before them.
 */
export function createTracking(deps: TrackingDeps): TrackingService {
  return createTrackingCore(deps).tracking
}

/**
 * {@link createTracking}, also returning its parts (the record writer, the metrics store, the
 * calendar of the tracking time zone).
 *
 * @internal
 */
export function createTrackingCore(deps: TrackingDeps): TrackingCore {
  const { storage, ns, config, logger } = deps
  const calendar = createZonedCalendar(config.timeZone)
  const iso = createIsoFormatter()
  let closed = false
  /** Merges the sketches `flushMs` after samples start waiting (no timer while none wait). */
  let sketchTimer: ReturnType<typeof setTimeout> | undefined
  const metrics = createMetricsStore({
    storage,
    ns,
    logger,
    agentName: async (id) => (await deps.agents.get(id))?.name,
    onPending() {
      if (sketchTimer !== undefined || closed) return
      sketchTimer = setTimeout(() => {
        sketchTimer = undefined
        void metrics.flushSketches()
      }, config.flushMs)
      sketchTimer.unref?.()
    },
  })
  const reader = createRecordReader(storage, ns)
  let sink: JsonlSink | undefined
  const writer = createRecordWriter({
    storage,
    ns,
    calendar,
    metrics,
    onCommitted(changes) {
      if (!sink) return
      for (const change of changes) {
        if (change.ended) sink.write(change.record, change.day)
        else sink.touch(change.day)
      }
    },
  })
  if (config.jsonl) {
    sink = createJsonlSink({
      dir: config.jsonl.dir,
      flushMs: config.flushMs,
      logger,
      metricsOf: (day) => dailyFile(day),
    })
  }

  // ------------------------------------------------------------------ following the pipeline

  /** Per process: events not handled yet, and the round running. */
  const runners = new Map<string, { notes: EventNotes; dirty: boolean; done: Promise<void> }>()
  /** Records older than this (ms) are not created again (retention removed them). */
  let cutoff = Number.NEGATIVE_INFINITY

  function schedule(processId: string, note: (notes: EventNotes) => void): void {
    if (closed || typeof processId !== 'string' || processId === '') return
    const running = runners.get(processId)
    if (running) {
      note(running.notes)
      running.dirty = true
      return
    }
    const runner = { notes: emptyNotes(), dirty: true, done: Promise.resolve() }
    note(runner.notes)
    runners.set(processId, runner)
    runner.done = (async () => {
      try {
        while (runner.dirty) {
          runner.dirty = false
          const notes = runner.notes
          runner.notes = emptyNotes()
          try {
            await sync(processId, notes)
          } catch (error) {
            logger.error({ err: error, processId }, 'tracking: could not update the process record')
          }
        }
      } finally {
        runners.delete(processId)
      }
    })()
  }

  async function sync(processId: string, notes: EventNotes): Promise<void> {
    for (let i = 0; i < MAX_CAS; i++) {
      const state = await deps.getProcess(processId)
      if (!state) return // not a pipeline process (e.g. a decision made outside it), or removed
      const entry = await storage.get<ProcessRecord>(ns, tk.record(processId))
      if (!entry && state.receivedAt < Math.max(cutoff, retentionCutoff())) return
      const next = buildRecord(entry?.value, state, notes, {
        mask: deps.maskPii,
        tenant: ns,
        calendar,
        iso,
        now: deps.now(),
      })
      if (!recordChanged(entry?.value, next)) return
      const prev = entry ? { record: entry.value, version: entry.version } : null
      if (await writer.commit([{ prev, next }])) return
    }
    throw new Error(`Process ${processId} changed too often while its record was updated`)
  }

  const unsubscribe: (() => void)[] = []
  const follow = <K extends LeadCallEventName>(
    event: K,
    note: (payload: LeadCallEventMap[K], notes: EventNotes) => void = () => {},
  ) => {
    unsubscribe.push(
      deps.events.on(event, (payload) => {
        try {
          const processId = (payload as { processId?: unknown }).processId
          if (typeof processId === 'string') schedule(processId, (notes) => note(payload, notes))
        } catch (error) {
          logger.error({ err: error, event }, 'tracking: listener failed')
        }
      }),
    )
  }
  for (const event of FOLLOWED) {
    if (event === 'agent.assigned') {
      follow('agent.assigned', (e, notes) => {
        notes.assigned.push({ agentId: e.agentId, reservationId: e.reservationId })
      })
    } else if (event === 'call.started') {
      follow('call.started', (e, notes) => {
        const at = Date.parse(e.at)
        if (Number.isFinite(at) && (notes.dialAt === undefined || at < notes.dialAt)) notes.dialAt = at
      })
    } else if (event === 'call.status') {
      // Only the lead answering changes the process (it is then in call); every other ending of a
      // call is followed by the pipeline's own event (completed, failed, queued, next agent).
      unsubscribe.push(
        deps.events.on('call.status', (e) => {
          if (e.status === 'answered' && typeof e.processId === 'string') schedule(e.processId, () => {})
        }),
      )
    } else {
      follow(event)
    }
  }

  /** Waits for the updates in flight now (not for those scheduled later). */
  async function settle(): Promise<void> {
    if (runners.size === 0) return
    await Promise.all([...runners.values()].map((r) => r.done))
  }

  // ------------------------------------------------------------------ retention

  /**
   * Deletes the records received before `before` and their stream entries; returns how many
   * entries went. Each page is deleted over the versions read, so two processes removing the same
   * records never count an open one twice; a page that keeps changing leaves the stream untrimmed
   * (the next run takes it again).
   */
  async function removeRecordsBefore(before: number, call: StorageCallOptions | undefined): Promise<number> {
    cutoff = Math.max(cutoff, before)
    for await (const refs of reader.refs({ to: before, pageSize: DELETE_PAGE, ...call })) {
      const keys = refs.map((r) => tk.record(r.processId))
      let done = false
      for (let attempt = 0; attempt < 3 && !done; attempt++) {
        const entries = await storage.getMany<ProcessRecord>(ns, keys, call)
        const checks: AtomicCheck[] = []
        const mutations: AtomicMutation[] = []
        let stillOpen = 0
        entries.forEach((entry, i) => {
          if (!entry) return
          checks.push({ key: keys[i]!, version: entry.version })
          mutations.push({ type: 'delete', key: keys[i]! })
          if (isOpen(entry.value)) stillOpen++
        })
        if (stillOpen > 0) mutations.push({ type: 'increment', key: tk.open, by: -stillOpen })
        done = mutations.length === 0 || (await storage.atomic(ns, { checks, mutations }, call)).ok
      }
      if (!done) return 0
    }
    return storage.trim(ns, RECORD_STREAM, before, call)
  }

  /** With `recordRetentionMs`: removes the records past it, a tenth of it apart (at most hourly). */
  let sweepTimer: ReturnType<typeof setTimeout> | undefined
  function scheduleSweep(): void {
    const retention = config.recordRetentionMs
    if (retention === undefined || closed) return
    sweepTimer = setTimeout(
      () => {
        sweepTimer = undefined
        sweeping = removeRecordsBefore(deps.now() - retention, undefined)
          .catch((error: unknown) => logger.error({ err: error }, 'tracking: could not remove old records'))
          .then(() => {
            sweeping = undefined
            scheduleSweep()
          })
      },
      Math.min(Math.max(retention / 10, 1_000), 3_600_000),
    )
    sweepTimer.unref?.()
  }
  let sweeping: Promise<unknown> | undefined
  scheduleSweep()

  // ------------------------------------------------------------------ reads

  function retentionCutoff(): number {
    const today = calendar.at(deps.now()).day
    return calendar.dayStart(calendar.addDays(today, -config.retentionDays))
  }

  function timeOf(value: string | number | undefined, what: string): number | undefined {
    if (value === undefined) return undefined
    let ms: number
    if (typeof value === 'number') ms = value
    else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) ms = calendar.dayStart(value)
    else if (/^\d+$/.test(value)) ms = Number(value)
    else ms = Date.parse(value)
    if (!Number.isFinite(ms)) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `${what} must be a date (ISO 8601, YYYY-MM-DD in the tracking time zone, or ms since epoch)`,
        details: { [what]: value },
      })
    }
    return ms
  }

  async function dailyFile(day: string): Promise<DailyMetricsFile> {
    const figures = sumDays(await metrics.readDays([day]))
    return {
      date: day,
      totalProcesses: figures.totalProcesses,
      successfulCalls: figures.successfulCalls,
      failedCalls: figures.failedCalls,
      successRate: figures.successRate,
      errorsByType: figures.errorsByCode,
      agentStats: Object.fromEntries(
        figures.agents.map((a) => [
          a.agentId,
          {
            name: a.name,
            assigned: a.assigned,
            answered: a.answered,
            failed: a.failed,
            successRate: a.successRate,
            talkSec: a.talkSec,
          },
        ]),
      ),
    }
  }

  const signalOf = (options?: StorageCallOptions): StorageCallOptions | undefined =>
    options?.signal ? { signal: options.signal } : undefined

  const tracking: TrackingService = {
    async stats(options) {
      options?.signal?.throwIfAborted()
      await settle()
      await metrics.flushSketches()
      const now = deps.now()
      const today = calendar.at(now).day
      const [figures, agents, queueLength, openProcesses] = await Promise.all([
        metrics.readDays([today], signalOf(options)).then(sumDays),
        deps.agents.list(signalOf(options)),
        deps.queueSize(),
        metrics.openProcesses(signalOf(options)),
      ])
      const stats: LiveStats = {
        today: { date: today, ...figures },
        agentsAvailable: agents.filter((a) => a.status === 'available').length,
        agentsTotal: agents.length,
        queueLength,
        openProcesses,
        at: iso(now),
      }
      return stats
    },

    async analytics(options: AnalyticsOptions): Promise<Analytics> {
      options?.signal?.throwIfAborted()
      const from = timeOf(options?.from, 'from')
      const to = timeOf(options?.to, 'to')
      if (from === undefined || to === undefined || !(from < to)) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'analytics needs from < to',
          details: { from: options?.from, to: options?.to },
        })
      }
      const groupBy = options.groupBy ?? 'day'
      if (!['day', 'hour', 'weekday', 'agent'].includes(groupBy)) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'groupBy must be day, hour, weekday or agent',
          details: { groupBy },
        })
      }
      const first = calendar.at(from).day
      const last = calendar.at(to - 1).day
      const days = calendar.daysBetween(first, last)
      if (days.length > MAX_DAYS) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: `analytics covers ${MAX_DAYS} days at most`,
          details: { days: days.length },
        })
      }
      await settle()
      await metrics.flushSketches()
      const perDay = await metrics.readDays(days, signalOf(options))
      const totals = sumDays(perDay)
      let series: Analytics['series']
      if (groupBy === 'day') {
        series = perDay.map((d) => ({
          key: d.day,
          totalProcesses: d.total,
          successfulCalls: d.ok,
          failedCalls: d.fail,
        }))
      } else if (groupBy === 'hour') {
        series = Array.from({ length: 24 }, (_, h) => ({
          key: String(h),
          totalProcesses: 0,
          successfulCalls: 0,
          failedCalls: 0,
        }))
        for (const d of perDay) {
          d.hours.forEach((hour, h) => {
            const s = series[h]!
            s.totalProcesses += hour.total
            s.successfulCalls += hour.ok
            s.failedCalls += hour.fail
          })
        }
      } else if (groupBy === 'weekday') {
        series = Array.from({ length: 7 }, (_, w) => ({
          key: String(w),
          totalProcesses: 0,
          successfulCalls: 0,
          failedCalls: 0,
        }))
        for (const d of perDay) {
          const s = series[calendar.weekdayOf(d.day)]!
          s.totalProcesses += d.total
          s.successfulCalls += d.ok
          s.failedCalls += d.fail
        }
      } else {
        series = totals.agents.map((a) => ({
          key: a.agentId,
          totalProcesses: a.assigned,
          successfulCalls: a.answered,
          failedCalls: a.failed,
        }))
      }
      return {
        from: iso(calendar.dayStart(first)),
        to: iso(calendar.dayStart(calendar.addDays(last, 1))),
        totals,
        series,
      }
    },

    async recent(options: RecentOptions = {}) {
      options.signal?.throwIfAborted()
      const limit = Math.min(MAX_RECENT, Math.max(1, Math.floor(options.limit ?? 20)))
      await settle()
      const out: ProcessRecord[] = []
      let scanned = 0
      for await (const page of reader.pages({
        reverse: true,
        pageSize: options.status || options.agentId ? EXPORT_PAGE : limit,
        ...(options.signal ? { signal: options.signal } : {}),
      })) {
        for (const record of page) {
          if (options.status !== undefined && record.status !== options.status) continue
          if (options.agentId !== undefined && record.agent?.id !== options.agentId) continue
          out.push(record)
          if (out.length >= limit) return out
        }
        scanned += page.length
        if (scanned >= RECENT_SCAN) break
      }
      return out
    },

    async process(processId, options) {
      options?.signal?.throwIfAborted()
      await runners.get(processId)?.done
      return reader.get(processId, signalOf(options))
    },

    export(options: ExportOptions) {
      const format = options?.format
      if (format !== 'csv' && format !== 'jsonl') {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'export format must be csv or jsonl',
          details: { format },
        })
      }
      const from = timeOf(options.from, 'from')
      const to = timeOf(options.to, 'to')
      let pages: AsyncGenerator<ProcessRecord[]> | undefined
      let headerSent = false
      return new ReadableStream<string>({
        async pull(controller) {
          if (format === 'csv' && !headerSent) {
            headerSent = true
            controller.enqueue(csvHeader())
            return
          }
          if (!pages) {
            await settle()
            pages = reader.pages({
              ...(from === undefined ? {} : { from }),
              ...(to === undefined ? {} : { to }),
              pageSize: EXPORT_PAGE,
              ...(options.signal ? { signal: options.signal } : {}),
            })
          }
          const next = await pages.next()
          if (next.done) {
            controller.close()
            return
          }
          const line = format === 'csv' ? csvLine : jsonlLine
          let chunk = ''
          for (const record of next.value) chunk += line(record)
          controller.enqueue(chunk)
        },
        async cancel() {
          await pages?.return(undefined)
        },
      })
    },

    async cleanup(options = {}) {
      options.signal?.throwIfAborted()
      const days = options.olderThanDays ?? config.retentionDays
      if (!Number.isInteger(days) || days < 0) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'olderThanDays must be a whole number of days, 0 or more',
          details: { olderThanDays: options.olderThanDays },
        })
      }
      await settle()
      const today = calendar.at(deps.now()).day
      const cutoffDay = calendar.addDays(today, -days)
      const call = signalOf(options)
      const removed = await removeRecordsBefore(calendar.dayStart(cutoffDay), call)
      const oldDays = (await metrics.listDays(call)).filter((d) => d < cutoffDay)
      await metrics.removeDays(oldDays, call)
      return { removed }
    },

    async close() {
      if (closed) return
      closed = true
      for (const off of unsubscribe) off()
      if (sketchTimer !== undefined) clearTimeout(sketchTimer)
      if (sweepTimer !== undefined) clearTimeout(sweepTimer)
      await sweeping
      while (runners.size > 0) await settle()
      await metrics.flushSketches()
      await sink?.close()
    },
  }
  return { tracking, writer, metrics, calendar }
}

function emptyNotes(): EventNotes {
  return { assigned: [] }
}
