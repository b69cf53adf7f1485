import { describe, expect, it } from 'vitest'
import { seededRandom } from '../distribution/random.js'
import type { ProcessRecord } from '../domain/process-record.js'
import { createEventBus } from '../events/event-bus.js'
import type { ProcessState } from '../pipeline/process-state.js'
import { memoryStorage } from '../storage/memory-storage.js'
import { createTrackingCore } from './create-tracking.js'
import {
  bruteForce,
  expectAgentSeries,
  expectCounters,
  expectPercentiles,
  expectSeries,
  randomRecord,
  standaloneDeps,
  writeRandomRecords,
} from './tracking.test-util.js'

const DAY = 86_400_000
// Covers the start of US daylight saving time (2026-03-08) and of Europe's (2026-03-29) is outside.
const START = Date.parse('2026-03-04T00:00:00.000Z')
const AGENTS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay']

/** Random records over 8 days, written through the tracking's record writer, in memory. */
async function populate(seed: number, timeZone: string, count: number) {
  const storage = memoryStorage()
  const written = await writeRandomRecords({
    storage,
    seed,
    count,
    start: START,
    days: 8,
    agents: AGENTS,
    timeZone,
  })
  return { ...written, storage }
}

describe('analytics, checked against a brute-force recomputation on random data', () => {
  for (const [seed, timeZone] of [
    [1, 'UTC'],
    [2, 'America/New_York'],
    [3, 'Asia/Kolkata'],
  ] as const) {
    it(`counts exactly and estimates percentiles within the sketch's tolerance (${timeZone})`, async () => {
      const { core, records } = await populate(seed, timeZone, 3_000)
      const { tracking, calendar } = core
      const brute = bruteForce(records, timeZone)

      const byDay = await tracking.analytics({ from: START, to: START + 8 * DAY })
      expectCounters(byDay.totals, brute)
      expectPercentiles(byDay.totals.processingTime, brute.samples.processing)
      expectPercentiles(byDay.totals.speedToDial, brute.samples.dial)
      expectPercentiles(byDay.totals.speedToAnswer, brute.samples.answer)
      const days = Object.keys(brute.byDay).sort()
      expect(byDay.series.map((s) => s.key)).toEqual(calendar.daysBetween(days[0]!, days.at(-1)!))
      expectSeries(byDay.series, brute.byDay)
      expect(byDay.from).toBe(new Date(calendar.dayStart(byDay.series[0]!.key)).toISOString())

      const byHour = await tracking.analytics({ from: START, to: START + 8 * DAY, groupBy: 'hour' })
      expect(byHour.series.map((s) => s.key)).toEqual(Array.from({ length: 24 }, (_, h) => String(h)))
      expectSeries(byHour.series, brute.byHour)

      const byWeekday = await tracking.analytics({ from: START, to: START + 8 * DAY, groupBy: 'weekday' })
      expectSeries(byWeekday.series, brute.byWeekday)

      const byAgent = await tracking.analytics({ from: START, to: START + 8 * DAY, groupBy: 'agent' })
      expectAgentSeries(byAgent.series, brute.agents)
      expect(byAgent.totals.agents.find((a) => a.agentId === 'ann')?.name).toBe('ANN')

      // A sub-period: whole days 2 to 5 of the time zone.
      const first = days[2]!
      const last = days[5]!
      const part = await tracking.analytics({
        from: calendar.dayStart(first),
        to: calendar.dayStart(calendar.addDays(last, 1)),
      })
      const inPart = records.filter((r) => {
        const day = Object.keys(bruteForce([r], timeZone).byDay)[0]!
        return day >= first && day <= last
      })
      const brutePart = bruteForce(inPart, timeZone)
      expectCounters(part.totals, brutePart)
      expectPercentiles(part.totals.processingTime, brutePart.samples.processing)
      expectPercentiles(part.totals.speedToAnswer, brutePart.samples.answer)
      expect(part.series.map((s) => s.key)).toEqual(calendar.daysBetween(first, last))
      await tracking.close()
    })
  }

  it('reads whole days: a period inside one day reports that day', async () => {
    const { core, records } = await populate(7, 'UTC', 400)
    const day = new Date(START + 3 * DAY).toISOString().slice(0, 10)
    const result = await core.tracking.analytics({
      from: START + 3 * DAY + 3_600_000,
      to: START + 3 * DAY + 7_200_000,
    })
    expect(result.from).toBe(`${day}T00:00:00.000Z`)
    expect(result.to).toBe(`${new Date(START + 4 * DAY).toISOString().slice(0, 10)}T00:00:00.000Z`)
    expectCounters(
      result.totals,
      bruteForce(
        records.filter((r) => r.timestamp.startsWith(day)),
        'UTC',
      ),
    )
    // YYYY-MM-DD bounds are days of the tracking time zone; `to` is exclusive.
    const sameDay = await core.tracking.analytics({
      from: day,
      to: new Date(START + 4 * DAY).toISOString().slice(0, 10),
    })
    expect(sameDay.totals).toEqual({ ...result.totals, ...pickPercentiles(sameDay.totals) })
    await core.tracking.close()
  })

  it('refuses bad periods and groupings', async () => {
    const core = createTrackingCore(standaloneDeps())
    await expect(core.tracking.analytics({ from: 10, to: 10 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(core.tracking.analytics({ from: 'soon', to: 10 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(core.tracking.analytics({ from: 0, to: 2_000 * DAY })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(
      core.tracking.analytics({ from: 0, to: DAY, groupBy: 'minute' as never }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    const empty = await core.tracking.analytics({ from: START, to: START + DAY })
    expect(empty.totals).toMatchObject({
      totalProcesses: 0,
      successRate: null,
      agents: [],
      processingTime: { p50: null, p95: null, p99: null, count: 0 },
      balance: { maxAssigned: 0, minAssigned: 0, coefficientOfVariation: null },
    })
    await core.tracking.close()
  })
})

/** The percentile blocks of a period (t-digest merges are randomised, so they are compared apart). */
function pickPercentiles(figures: { processingTime: unknown; speedToDial: unknown; speedToAnswer: unknown }) {
  return {
    processingTime: figures.processingTime,
    speedToDial: figures.speedToDial,
    speedToAnswer: figures.speedToAnswer,
  }
}

describe('cached day summaries', () => {
  it('are used while a day is unchanged and re-read as soon as it changes', async () => {
    const random = seededRandom(21)
    const { core, records, storage } = await populate(21, 'UTC', 600)
    const period = { from: START, to: START + 8 * DAY }
    expectCounters((await core.tracking.analytics(period)).totals, bruteForce(records, 'UTC'))
    const summaries = await storage.list('default', { prefix: 'metrics:' })
    expect(summaries.entries.filter((e) => e.key.endsWith(':summary')).length).toBe(8)

    // Past days change: open processes end, new ones arrive on old days.
    const early = records.slice(0, 40)
    for (const [i, record] of early.entries()) {
      const entry = await storage.get<ProcessRecord>('default', `record:${record.processId}`)
      const next = randomRecord(random, 10_000 + i, Date.parse(record.timestamp), AGENTS)
      next.processId = record.processId
      const grown = { ...next, steps: next.steps }
      expect(
        await core.writer.commit([{ prev: { record: entry!.value, version: entry!.version }, next: grown }]),
      ).toBe(true)
      records[i] = grown
    }
    records.push(randomRecord(random, 20_000, START + 5, AGENTS))
    await core.writer.commit([{ prev: null, next: records.at(-1)! }])
    const after = await core.tracking.analytics(period)
    expectCounters(after.totals, bruteForce(records, 'UTC'))
    expectPercentiles(after.totals.speedToAnswer, bruteForce(records, 'UTC').samples.answer)
    await core.tracking.close()
  })
})

describe('several app instances on one storage', () => {
  it('update the same processes concurrently and the metrics stay exact', async () => {
    const storage = memoryStorage()
    const states = new Map<string, ProcessState>()
    const cores = [0, 1, 2].map(() => {
      const events = createEventBus()
      const deps = {
        ...standaloneDeps({ storage, now: () => START + DAY }),
        events,
        getProcess: async (id: string) => structuredClone(states.get(id) ?? null),
      }
      return { core: createTrackingCore(deps), events }
    })
    const at = new Date(START).toISOString()
    const random = seededRandom(8)
    for (let i = 0; i < 60; i++) {
      const processId = `p${i}`
      const agentId = AGENTS[i % AGENTS.length]!
      const received = START + i * 60_000
      const base = stateOf(processId, received)
      states.set(processId, base)
      const emitAll = (fn: (bus: ReturnType<typeof createEventBus>) => void) => {
        for (const { events } of cores) if (random() < 0.7) fn(events)
      }
      cores[0]!.events.emit('lead.received', {
        processId,
        leadId: processId,
        source: 'web',
        priority: 'normal',
        at,
      })
      states.set(processId, {
        ...base,
        status: 'dialing',
        dials: 1,
        attempt: {
          attemptId: `a${i}`,
          agentId,
          agentName: agentId.toUpperCase(),
          reservationId: `r${i}`,
          callId: `c${i}`,
          state: 'accepted',
          startedAt: received + 100,
          agentConnected: false,
        },
        steps: { ...base.steps, dial: { status: 'done', at: received + 150, durationMs: 50 } },
      })
      emitAll((bus) =>
        bus.emit('agent.assigned', {
          processId,
          agentId,
          reservationId: `r${i}`,
          strategy: 'round-robin',
          attempt: 1,
          expiresAt: at,
          at,
        }),
      )
      emitAll((bus) => bus.emit('call.started', { processId, callId: `c${i}`, agentId, provider: 'sim', at }))
      const ok = random() < 0.6
      states.set(processId, {
        ...states.get(processId)!,
        status: ok ? 'completed' : 'failed',
        next: 'done',
        updatedAt: received + 90_000,
        call: ok
          ? { status: 'completed', agentId, talkSec: 42, answeredAt: received + 5_000 }
          : { status: 'no_answer', agentId },
        ...(ok ? {} : { error: { code: 'CALL_FAILED' as const, message: 'no answer' } }),
      })
      emitAll((bus) =>
        ok
          ? bus.emit('lead.completed', { processId, agentId, at })
          : bus.emit('lead.failed', { processId, code: 'CALL_FAILED', message: 'no answer', at }),
      )
      // Whoever saw nothing late still converges on the next event of another process.
      cores[i % 3]!.events.emit('lead.queued', { processId, reason: 'NO_AGENTS_AVAILABLE', at })
    }
    for (const { core } of cores) await core.tracking.close()
    const reader = createTrackingCore(standaloneDeps({ storage, now: () => START + DAY }))
    let text = ''
    for await (const chunk of reader.tracking.export({ format: 'jsonl' })) text += chunk
    const records = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ProcessRecord)
    expect(records).toHaveLength(60) // one stream entry per process, never two
    expect(records.every((r) => r.status === 'completed' || r.status === 'failed')).toBe(true)
    const result = await reader.tracking.analytics({ from: START, to: START + DAY })
    const brute = bruteForce(records, 'UTC')
    expectCounters(result.totals, brute)
    expect(brute.agents[AGENTS[0]!]?.assigned).toBe(10)
    expect((await reader.tracking.stats()).openProcesses).toBe(0)
    await reader.tracking.close()
  })
})

function stateOf(processId: string, receivedAt: number): ProcessState {
  return {
    processId,
    status: 'received',
    next: 'compliance',
    receivedAt,
    updatedAt: receivedAt,
    lead: {
      id: `lead-${processId}`,
      fullName: 'Ann Lead',
      firstName: 'Ann',
      phone: '+14155550123',
      source: 'web',
      priority: 'normal',
    } as ProcessState['lead'],
    steps: { normalize: { status: 'done', at: receivedAt, durationMs: 0 } },
    tried: [],
    dials: 0,
    redials: 0,
  }
}

describe('percentile sketches in memory', () => {
  it('are merged into storage flushMs after samples arrive, and on close', async () => {
    const storage = memoryStorage()
    const core = createTrackingCore(standaloneDeps({ storage, config: { flushMs: 20 }, now: () => START }))
    const random = seededRandom(4)
    const record = randomRecord(random, 1, START, AGENTS)
    record.processingTimeMs = 1234
    await core.writer.commit([{ prev: null, next: record }])
    const key = 'metrics:2026-03-04:sketch:processing'
    expect(await storage.get('default', key)).toBeNull()
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(await storage.get('default', key)).toMatchObject({ value: { n: 1, c: [1234, 1] } })

    const second = randomRecord(random, 2, START + 1, AGENTS)
    second.processingTimeMs = 10
    await core.writer.commit([{ prev: null, next: second }])
    await core.tracking.close()
    expect(await storage.get('default', key)).toMatchObject({ value: { n: 2 } })
  })
})
