/**
 * The metrics in storage: per-day counters (written only by the record writer's `increment`
 * mutations), the per-day indexes of agents and of days, and the percentile sketches.
 *
 * **Sketches** are kept in memory and merged into storage every `flushMs` (and before every read
 * and on close), one compare-and-set per day and duration. Writing a t-digest per event would cost
 * a read, a (de)serialisation of ~3 KB and a contended compare-and-set on every change of every
 * process; buffering costs at most `flushMs` of samples if the process crashes, and since each
 * instance merges only its own samples, many instances writing the same day stay exact. The
 * *count* of each duration is an ordinary counter committed with the record, so it is exact
 * regardless; only the percentiles are approximate.
 *
 * **Reads** never touch the records. A day is read whole from its counters (two `getMany` calls,
 * whatever its size) and kept as one summary document tagged with the day's `rev`, a counter every
 * write to the day's metrics increments in the same commit; later reads take the summary while
 * `rev` is unchanged (one `getMany` for a whole period), so a month of past days costs 62 keys.
 *
 * @internal
 * @module
 */
import type { Logger } from '../logging/logger.js'
import type { AtomicMutation, StorageCallOptions, StorageEntry, StorageV1 } from '../storage/storage-v1.js'
import {
  addDigest,
  addStored,
  type Digest,
  mergedPercentiles,
  newDigest,
  type StoredSketch,
  toStored,
} from './sketch.js'
import type { AgentFigures, PeriodFigures } from './tracking-api.js'
import {
  AGENT_COUNTERS,
  CODES,
  DAY_COUNTERS,
  fixedDayKeys,
  HOUR_COUNTERS,
  SKETCHES,
  type SketchName,
  tk,
} from './tracking-keys.js'

/** One day's metrics as stored. @internal */
export interface DayMetrics {
  day: string
  total: number
  ok: number
  fail: number
  rejected: number
  counts: Record<SketchName, number>
  errors: Record<string, number>
  /** Index = hour of day. */
  hours: { total: number; ok: number; fail: number }[]
  agents: Map<string, { name: string; assigned: number; answered: number; failed: number; talk: number }>
  sketches: Record<SketchName, StoredSketch | null>
}

/** The metrics of one namespace. @internal */
export interface MetricsStore {
  /** Records that `day` has metrics and which agents have figures that day (idempotent, cached). */
  ensureIndexed(day: string, agents: Map<string, string>, options?: StorageCallOptions): Promise<void>
  /** Adds duration samples to the in-memory sketches of `day`. */
  addSamples(day: string, samples: readonly { name: SketchName; value: number }[]): void
  /** Merges the in-memory sketches into storage. */
  flushSketches(): Promise<void>
  /** Reads whole days. */
  readDays(days: readonly string[], options?: StorageCallOptions): Promise<DayMetrics[]>
  /** The days that have metrics, oldest first. */
  listDays(options?: StorageCallOptions): Promise<string[]>
  /** Deletes every metric of `days`. */
  removeDays(days: readonly string[], options?: StorageCallOptions): Promise<void>
  /** Open processes. */
  openProcesses(options?: StorageCallOptions): Promise<number>
}

/** What the metrics store is built from. @internal */
export interface MetricsStoreDeps {
  storage: StorageV1
  ns: string
  logger: Logger
  /** An agent's display name, for the day's agent index (the id when unknown). */
  agentName: (agentId: string) => Promise<string | undefined>
  /** Called when samples start waiting in memory (to schedule a flush). */
  onPending?: () => void
}

const MAX_CAS = 30
const MAX_CACHED = 100_000
const DELETE_BATCH = 500

/** Creates the metrics store of a namespace. @internal */
export function createMetricsStore(deps: MetricsStoreDeps): MetricsStore {
  const { storage, ns, logger } = deps
  const knownDays = new Set<string>()
  const knownAgents = new Map<string, string>()
  let pending = new Map<string, { day: string; name: SketchName; digest: Digest }>()
  let flushing: Promise<void> | undefined

  /** Read-modify-write of a JSON document with compare-and-set; `change` returns null for "no change". */
  async function casUpdate<T>(
    key: string,
    change: (current: T | null) => T | null | Promise<T | null>,
    options?: StorageCallOptions,
    extra: AtomicMutation[] = [],
  ): Promise<void> {
    for (let i = 0; i < MAX_CAS; i++) {
      const entry = await storage.get<T>(ns, key, options)
      const value = await change(entry?.value ?? null)
      if (value === null) return
      const done = await storage.atomic(
        ns,
        {
          checks: [{ key, version: entry?.version ?? null }],
          mutations: [{ type: 'set', key, value }, ...extra],
        },
        options,
      )
      if (done.ok) return
    }
    throw new Error(`Could not update ${key}: too many concurrent changes`)
  }

  async function ensureDay(day: string, options?: StorageCallOptions) {
    if (knownDays.has(day)) return
    await casUpdate<string[]>(
      tk.days,
      (days) => {
        if (days?.includes(day)) return null
        return [...(days ?? []), day].sort()
      },
      options,
    )
    if (knownDays.size >= MAX_CACHED) knownDays.clear()
    knownDays.add(day)
  }

  /** Per day: the agents waiting for the next write of the day's index, and that write. */
  const agentBatches = new Map<string, { names: Map<string, string>; done: Promise<void> }>()
  /** Per day: the write of the index under way. */
  const agentWrites = new Map<string, Promise<void>>()

  async function ensureAgents(day: string, agents: Map<string, string>, options?: StorageCallOptions) {
    // An agent is looked at again when it is new, or was indexed under its id and now has a name.
    const missing = [...agents].filter(([id, name]) => {
      const known = knownAgents.get(`${day}\u0000${id}`)
      return known === undefined || (known === id && name !== id)
    })
    if (missing.length === 0) return
    const names = new Map<string, string>()
    for (const [id, name] of missing) {
      names.set(id, name !== id ? name : ((await deps.agentName(id).catch(() => undefined)) ?? id))
    }
    options?.signal?.throwIfAborted()
    // The agents new at the same time (every agent's first lead of a day, on a busy morning) go in
    // one write of the day's index, one write at a time: concurrent read-modify-writes of one
    // growing document would each copy it and mostly lose their compare-and-set.
    let batch = agentBatches.get(day)
    if (batch === undefined) {
      const created: { names: Map<string, string>; done: Promise<void> } = {
        names: new Map(),
        done: Promise.resolve(),
      }
      created.done = (async () => {
        await agentWrites.get(day)?.catch(() => undefined)
        agentBatches.delete(day)
        const write = writeAgents(day, created.names)
        agentWrites.set(day, write)
        try {
          await write
        } finally {
          if (agentWrites.get(day) === write) agentWrites.delete(day)
        }
      })()
      agentBatches.set(day, created)
      batch = created
    }
    for (const [id, name] of names) batch.names.set(id, name)
    await batch.done
  }

  /** Adds agents to the day's index (id → name), with compare-and-set. */
  async function writeAgents(day: string, names: Map<string, string>): Promise<void> {
    let index: Record<string, string> = {}
    await casUpdate<Record<string, string>>(
      tk.agents(day),
      (current) => {
        index = current ?? {}
        const add = [...names].filter(([id, name]) => {
          const known = index[id]
          return known === undefined || (known === id && name !== id)
        })
        if (add.length === 0) return null
        index = { ...index, ...Object.fromEntries(add) }
        return index
      },
      undefined,
      [{ type: 'increment', key: tk.day(day, 'rev'), by: 1 }],
    )
    if (knownAgents.size >= MAX_CACHED) knownAgents.clear()
    for (const [id] of names) knownAgents.set(`${day}\u0000${id}`, index[id] ?? id)
  }

  async function flushOne(day: string, name: SketchName, digest: Digest): Promise<void> {
    const key = tk.sketch(day, name)
    for (let i = 0; i < MAX_CAS; i++) {
      const entry = await storage.get<StoredSketch>(ns, key)
      const merged = newDigest()
      addStored(merged, entry?.value)
      addDigest(merged, digest)
      const done = await storage.atomic(ns, {
        checks: [{ key, version: entry?.version ?? null }],
        mutations: [
          { type: 'set', key, value: toStored(merged) },
          { type: 'increment', key: tk.day(day, 'rev'), by: 1 },
        ],
      })
      if (done.ok) return
    }
    throw new Error(`Could not merge the sketch ${key}: too many concurrent changes`)
  }

  async function flushAll(): Promise<void> {
    const batch = pending
    pending = new Map()
    for (const item of batch.values()) {
      try {
        await flushOne(item.day, item.name, item.digest)
      } catch (error) {
        logger.error({ err: error, day: item.day, sketch: item.name }, 'tracking: sketch merge failed')
        // Kept for the next flush.
        addDigest(slotOf(item.day, item.name), item.digest)
      }
    }
  }

  function slotOf(day: string, name: SketchName): Digest {
    const id = `${day}|${name}`
    let slot = pending.get(id)
    if (!slot) {
      if (pending.size === 0) deps.onPending?.()
      slot = { day, name, digest: newDigest() }
      pending.set(id, slot)
    }
    return slot.digest
  }

  const num = (entry: StorageEntry<unknown> | null | undefined): number =>
    typeof entry?.value === 'number' && Number.isFinite(entry.value) ? entry.value : 0

  /** Days read whole from their counters, with the `rev` they were read at. */
  async function readFull(
    days: readonly string[],
    options?: StorageCallOptions,
  ): Promise<{ metrics: DayMetrics; rev: number }[]> {
    if (days.length === 0) return []
    const revs: number[] = []
    const perDay = fixedDayKeys(days[0]!).length
    const fixed = await storage.getMany<unknown>(
      ns,
      days.flatMap((day) => fixedDayKeys(day)),
      options,
    )
    const out: DayMetrics[] = []
    const agentKeys: string[] = []
    const agentSlots: { metrics: DayMetrics; id: string }[] = []
    days.forEach((day, d) => {
      const base = d * perDay
      let i = base
      const counters: Record<string, number> = {}
      for (const c of DAY_COUNTERS) counters[c] = num(fixed[i++])
      revs.push(counters.rev!)
      const errors: Record<string, number> = {}
      for (const code of CODES) {
        const n = num(fixed[i++])
        if (n !== 0) errors[code] = n
      }
      const hours: DayMetrics['hours'] = []
      for (let h = 0; h < 24; h++) {
        const [total, ok, fail] = HOUR_COUNTERS.map(() => num(fixed[i++]))
        hours.push({ total: total!, ok: ok!, fail: fail! })
      }
      const sketches = {} as DayMetrics['sketches']
      for (const s of SKETCHES) {
        const value = fixed[i++]?.value as StoredSketch | undefined
        sketches[s] = value && Array.isArray(value.c) ? value : null
      }
      const index = (fixed[i++]?.value ?? {}) as Record<string, string>
      const metrics: DayMetrics = {
        day,
        total: counters.total!,
        ok: counters.ok!,
        fail: counters.fail!,
        rejected: counters.rejected!,
        counts: {
          processing: counters['n:processing']!,
          dial: counters['n:dial']!,
          answer: counters['n:answer']!,
        },
        errors,
        hours,
        agents: new Map(),
        sketches,
      }
      for (const [id, name] of Object.entries(index)) {
        metrics.agents.set(id, { name: String(name), assigned: 0, answered: 0, failed: 0, talk: 0 })
        for (const c of AGENT_COUNTERS) agentKeys.push(tk.agent(day, id, c))
        agentSlots.push({ metrics, id })
      }
      out.push(metrics)
    })
    if (agentKeys.length > 0) {
      const values = await storage.getMany<unknown>(ns, agentKeys, options)
      agentSlots.forEach(({ metrics, id }, a) => {
        const figures = metrics.agents.get(id)!
        const base = a * AGENT_COUNTERS.length
        figures.assigned = num(values[base])
        figures.answered = num(values[base + 1])
        figures.failed = num(values[base + 2])
        figures.talk = num(values[base + 3])
      })
    }
    return out.map((metrics, d) => ({ metrics, rev: revs[d]! }))
  }

  async function readDays(days: readonly string[], options?: StorageCallOptions): Promise<DayMetrics[]> {
    if (days.length === 0) return []
    const heads = await storage.getMany<unknown>(
      ns,
      days.flatMap((day) => [tk.day(day, 'rev'), tk.summary(day)]),
      options,
    )
    const out: DayMetrics[] = []
    const stale: number[] = []
    days.forEach((day, d) => {
      const rev = num(heads[2 * d])
      const summary = heads[2 * d + 1]?.value as DaySummary | undefined
      if (rev === 0) out.push(emptyDay(day))
      else if (summary?.v === SUMMARY_VERSION && summary.rev === rev) out.push(fromSummary(day, summary))
      else {
        out.push(emptyDay(day))
        stale.push(d)
      }
    })
    if (stale.length > 0) {
      const fresh = await readFull(
        stale.map((d) => days[d]!),
        options,
      )
      stale.forEach((d, k) => {
        out[d] = fresh[k]!.metrics
      })
      const writes = fresh
        .filter((f) => f.rev > 0)
        .map((f) => ({
          type: 'set' as const,
          key: tk.summary(f.metrics.day),
          value: toSummary(f.metrics, f.rev),
        }))
      if (writes.length > 0) {
        // A cache: a summary written late, after a newer one, carries an older rev and is ignored.
        await storage.atomic(ns, { mutations: writes }, options).catch((error: unknown) => {
          logger.warn({ err: error }, 'tracking: could not cache day summaries')
        })
      }
    }
    return out
  }

  return {
    async ensureIndexed(day, agents, options) {
      await ensureDay(day, options)
      if (agents.size > 0) await ensureAgents(day, agents, options)
    },

    addSamples(day, samples) {
      for (const { name, value } of samples) {
        if (Number.isFinite(value)) slotOf(day, name).push(value)
      }
    },

    flushSketches() {
      if (!flushing) {
        flushing = flushAll().finally(() => {
          flushing = undefined
        })
      }
      return flushing
    },

    readDays,

    async listDays(options) {
      const entry = await storage.get<string[]>(ns, tk.days, options)
      return Array.isArray(entry?.value) ? [...entry.value].sort() : []
    },

    async removeDays(days, options) {
      if (days.length === 0) return
      const metrics = (await readFull(days, options)).map((f) => f.metrics)
      const keys: string[] = []
      for (const m of metrics) {
        keys.push(...fixedDayKeys(m.day), tk.summary(m.day))
        for (const id of m.agents.keys()) for (const c of AGENT_COUNTERS) keys.push(tk.agent(m.day, id, c))
      }
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        await storage.atomic(
          ns,
          { mutations: keys.slice(i, i + DELETE_BATCH).map((key) => ({ type: 'delete' as const, key })) },
          options,
        )
      }
      const gone = new Set(days)
      await casUpdate<string[]>(
        tk.days,
        (current) => {
          if (!current?.some((d) => gone.has(d))) return null
          return current.filter((d) => !gone.has(d))
        },
        options,
      )
      for (const day of days) knownDays.delete(day)
      for (const key of [...knownAgents.keys()])
        if (gone.has(key.slice(0, key.indexOf('\u0000')))) knownAgents.delete(key)
      for (const [id, slot] of pending) if (gone.has(slot.day)) pending.delete(id)
    },

    async openProcesses(options) {
      return Math.max(0, num(await storage.get<number>(ns, tk.open, options)))
    },
  }
}

/** Sums days into the figures of a period; percentiles from the merged sketches. @internal */
export function sumDays(days: readonly DayMetrics[]): PeriodFigures {
  let totalProcesses = 0
  let successfulCalls = 0
  let failedCalls = 0
  let rejected = 0
  const errorsByCode: Record<string, number> = {}
  const counts: Record<SketchName, number> = { processing: 0, dial: 0, answer: 0 }
  const agents = new Map<string, AgentFigures>()
  for (const day of days) {
    totalProcesses += day.total
    successfulCalls += day.ok
    failedCalls += day.fail
    rejected += day.rejected
    for (const [code, n] of Object.entries(day.errors)) errorsByCode[code] = (errorsByCode[code] ?? 0) + n
    for (const s of SKETCHES) counts[s] += day.counts[s]
    for (const [id, f] of day.agents) {
      const sum = agents.get(id) ?? {
        agentId: id,
        name: f.name,
        assigned: 0,
        answered: 0,
        failed: 0,
        successRate: null,
        talkSec: 0,
      }
      sum.assigned += f.assigned
      sum.answered += f.answered
      sum.failed += f.failed
      sum.talkSec += f.talk
      agents.set(id, sum)
    }
  }
  const agentList = [...agents.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : 1))
  for (const a of agentList) a.successRate = a.assigned > 0 ? a.answered / a.assigned : null
  const ended = successfulCalls + failedCalls
  return {
    totalProcesses,
    successfulCalls,
    failedCalls,
    rejected,
    successRate: ended > 0 ? successfulCalls / ended : null,
    errorsByCode,
    agents: agentList,
    processingTime: mergedPercentiles(
      days.map((d) => d.sketches.processing),
      counts.processing,
    ),
    speedToDial: mergedPercentiles(
      days.map((d) => d.sketches.dial),
      counts.dial,
    ),
    speedToAnswer: mergedPercentiles(
      days.map((d) => d.sketches.answer),
      counts.answer,
    ),
    balance: balanceOf(agentList),
  }
}

/** Max/min assigned and the coefficient of variation (population σ / mean) of assignments. @internal */
export function balanceOf(agents: readonly AgentFigures[]): PeriodFigures['balance'] {
  if (agents.length === 0) return { maxAssigned: 0, minAssigned: 0, coefficientOfVariation: null }
  let max = Number.NEGATIVE_INFINITY
  let min = Number.POSITIVE_INFINITY
  let sum = 0
  for (const a of agents) {
    max = Math.max(max, a.assigned)
    min = Math.min(min, a.assigned)
    sum += a.assigned
  }
  const mean = sum / agents.length
  let variance = 0
  for (const a of agents) variance += (a.assigned - mean) ** 2
  variance /= agents.length
  return {
    maxAssigned: max,
    minAssigned: min,
    coefficientOfVariation: mean > 0 ? Math.sqrt(variance) / mean : null,
  }
}

/** Format version of {@link DaySummary}. */
const SUMMARY_VERSION = 1

/** A whole day in one document (the read cache). @internal */
interface DaySummary {
  v: typeof SUMMARY_VERSION
  /** The day's `rev` when it was read. */
  rev: number
  total: number
  ok: number
  fail: number
  rejected: number
  counts: Record<SketchName, number>
  errors: Record<string, number>
  /** total, ok, fail of hour 0, then of hour 1, … */
  hours: number[]
  /** id → [name, assigned, answered, failed, talk seconds] */
  agents: Record<string, [string, number, number, number, number]>
  sketches: Record<SketchName, StoredSketch | null>
}

function emptyDay(day: string): DayMetrics {
  return {
    day,
    total: 0,
    ok: 0,
    fail: 0,
    rejected: 0,
    counts: { processing: 0, dial: 0, answer: 0 },
    errors: {},
    hours: Array.from({ length: 24 }, () => ({ total: 0, ok: 0, fail: 0 })),
    agents: new Map(),
    sketches: { processing: null, dial: null, answer: null },
  }
}

function toSummary(m: DayMetrics, rev: number): DaySummary {
  return {
    v: SUMMARY_VERSION,
    rev,
    total: m.total,
    ok: m.ok,
    fail: m.fail,
    rejected: m.rejected,
    counts: m.counts,
    errors: m.errors,
    hours: m.hours.flatMap((h) => [h.total, h.ok, h.fail]),
    agents: Object.fromEntries(
      [...m.agents].map(([id, a]) => [id, [a.name, a.assigned, a.answered, a.failed, a.talk]]),
    ),
    sketches: m.sketches,
  }
}

function fromSummary(day: string, s: DaySummary): DayMetrics {
  const hours: DayMetrics['hours'] = []
  for (let h = 0; h < 24; h++) {
    hours.push({ total: s.hours[3 * h] ?? 0, ok: s.hours[3 * h + 1] ?? 0, fail: s.hours[3 * h + 2] ?? 0 })
  }
  const agents: DayMetrics['agents'] = new Map()
  for (const [id, [name, assigned, answered, failed, talk]] of Object.entries(s.agents ?? {})) {
    agents.set(id, { name, assigned, answered, failed, talk })
  }
  return {
    day,
    total: s.total,
    ok: s.ok,
    fail: s.fail,
    rejected: s.rejected,
    counts: {
      processing: s.counts?.processing ?? 0,
      dial: s.counts?.dial ?? 0,
      answer: s.counts?.answer ?? 0,
    },
    errors: { ...s.errors },
    hours,
    agents,
    sketches: {
      processing: s.sketches?.processing ?? null,
      dial: s.sketches?.dial ?? null,
      answer: s.sketches?.answer ?? null,
    },
  }
}
