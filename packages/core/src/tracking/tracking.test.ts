import { parse } from 'csv-parse/sync'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLeadCall, type LeadCallApp } from '../app/create-lead-call.js'
import type { LeadCallConfig } from '../config/config-schema.js'
import { seededRandom } from '../distribution/random.js'
import { type ProcessRecord, ProcessRecordSchema } from '../domain/process-record.js'
import { createEventBus } from '../events/event-bus.js'
import type { Logger } from '../logging/logger.js'
import type { ProcessState } from '../pipeline/process-state.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { StorageV1 } from '../storage/storage-v1.js'
import { type SimulatedTelephonyOptions, simulatedTelephony } from '../telephony/simulated-telephony.js'
import { createTrackingCore } from './create-tracking.js'
import { bruteForce, expectCounters, expectPercentiles, standaloneDeps } from './tracking.test-util.js'

// Monday 2026-11-23 15:00 UTC.
const START = Date.parse('2026-11-23T15:00:00.000Z')
const DAY = 86_400_000

function setup(
  options: {
    sim?: SimulatedTelephonyOptions
    config?: Omit<LeadCallConfig, 'telephony'>
    seed?: number
  } = {},
) {
  const storage: StorageV1 = options.config?.storage ?? memoryStorage()
  const telephony = simulatedTelephony({
    seed: options.seed ?? 1,
    ringMs: 1_000,
    talkMs: 5_000,
    agentAnswerRate: 1,
    answerRate: 1,
    ...options.sim,
  })
  const config = options.config ?? {}
  const app = createLeadCall({
    ...config,
    storage,
    telephony,
    distribution: { random: seededRandom(options.seed ?? 1), ...config.distribution },
    compliance: { callingHours: false, ...config.compliance },
    pipeline: { pollMs: 60_000, presencePollMs: 0, ...config.pipeline },
  })
  return { app, storage, telephony }
}

async function agents(app: LeadCallApp, ids: string[], status: 'available' | 'offline' = 'available') {
  for (const id of ids) await app.agents.upsert({ id, name: id.toUpperCase(), status })
}

let n = 0
const lead = (extra: Record<string, unknown> = {}) => {
  n++
  return { name: `Lead ${n}`, phone: `+1 415 555 ${String(1000 + (n % 9000)).padStart(4, '0')}`, ...extra }
}

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('process records through a real app', () => {
  it('records a completed call: lead (masked), steps with timing, agent, contact, call, metadata', async () => {
    const { app } = setup()
    await agents(app, ['ann', 'bob'])
    const result = await app.submitLead({
      name: 'Mario Rossi',
      phone: '+39 350 123 4567',
      email: 'mario.rossi@example.com',
      source: 'web',
      externalId: 'crm-1',
    })
    const dialing = await app.tracking.process(result.processId)
    expect(dialing).toMatchObject({ status: 'dialing', agent: { id: 'ann', name: 'ANN' } })
    expect(dialing?.success).toBeUndefined()
    await vi.advanceTimersByTimeAsync(60_000)

    const record = (await app.tracking.process(result.processId))!
    expect(ProcessRecordSchema.parse(record)).toEqual(record)
    expect(record).toMatchObject({
      processId: result.processId,
      type: 'lead',
      timestamp: new Date(START).toISOString(),
      status: 'completed',
      success: true,
      finalStatus: 'completed',
      lead: {
        name: 'Mario Rossi',
        phone: '+39350****567',
        email: 'm***@example.com',
        source: 'web',
        externalId: 'crm-1',
        priority: 'normal',
      },
      agent: { id: 'ann', name: 'ANN' },
      contactId: expect.any(String),
      callId: expect.any(String),
      attempts: 1,
      metadata: { dayOfWeek: 1, hourOfDay: 15, source: 'web', tenant: 'default' },
    })
    expect(record.errorCode).toBeUndefined()
    expect(JSON.stringify(record)).not.toContain('1234567')
    expect(JSON.stringify(record)).not.toContain('mario.rossi')
    expect(record.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'normalize:done',
      'deduplicate:done',
      'compliance:done',
      'classify:skipped',
      'contactSync:done',
      'distribute:done',
      'dial:done',
      'track:done',
    ])
    for (const step of record.steps) {
      expect(step.startedAt).toMatch(/Z$/)
      expect(step.durationMs).toBeGreaterThanOrEqual(0)
    }
    const steps = Object.fromEntries(record.steps.map((s) => [s.name, s]))
    expect(steps.contactSync?.detail).toMatchObject({ contactId: record.contactId })
    expect(steps.distribute?.detail).toMatchObject({
      agentId: 'ann',
      agentName: 'ANN',
      assignments: [{ agentId: 'ann', reservationId: expect.any(String) }],
    })
    expect(steps.dial?.detail).toMatchObject({ callId: record.callId, firstDialAt: expect.any(String) })
    const track = steps.track!.detail!
    expect(track).toMatchObject({ callStatus: 'completed', talkSec: expect.any(Number) })
    // Speed to answer: the agent's leg rings then the lead's (about 1 s each).
    const answerMs = Date.parse(track.firstAnsweredAt as string) - START
    expect(answerMs).toBeGreaterThan(500)
    expect(answerMs).toBeLessThan(10_000)
    expect(record.processingTimeMs).toBe(Date.parse(steps.dial!.detail!.firstDialAt as string) - START)

    const stats = await app.tracking.stats()
    expect(stats).toMatchObject({
      agentsAvailable: 2,
      agentsTotal: 2,
      queueLength: 0,
      openProcesses: 0,
      today: {
        date: '2026-11-23',
        totalProcesses: 1,
        successfulCalls: 1,
        failedCalls: 0,
        successRate: 1,
        speedToAnswer: { count: 1, p50: answerMs },
        speedToDial: { count: 1 },
        processingTime: { count: 1, p50: record.processingTimeMs },
      },
    })
    expect(stats.today.agents).toEqual([
      expect.objectContaining({
        agentId: 'ann',
        name: 'ANN',
        assigned: 1,
        answered: 1,
        failed: 0,
        successRate: 1,
      }),
    ])
    expect(stats.today.agents[0]!.talkSec).toBe(track.talkSec)
    await app.close()
  })

  it('keeps phones and e-mails in clear when masking is turned off', async () => {
    const { app } = setup({ config: { privacy: { maskPii: false } } })
    await agents(app, ['ann'])
    const result = await app.submitLead({
      name: 'Mario Rossi',
      phone: '+39 350 123 4567',
      email: 'mario@example.com',
    })
    const record = await app.tracking.process(result.processId)
    expect(record?.lead).toMatchObject({ phone: '+393501234567', email: 'mario@example.com' })
    await app.close()
  })

  it('records a lead that never answers: failed, error code, attempts, final status', async () => {
    const { app } = setup({
      sim: { answerRate: 0 },
      config: { pipeline: { redialBackoffMs: [30_000], pollMs: 1_000 } },
    })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(5 * 60_000)
    const record = await app.tracking.process(result.processId)
    expect(record).toMatchObject({
      status: 'failed',
      success: false,
      errorCode: 'CALL_FAILED',
      attempts: 2,
      agent: { id: 'ann' },
    })
    expect(['no_answer', 'busy', 'canceled']).toContain(record?.finalStatus)
    expect(record?.errorMessage).toMatch(/did not answer/)
    const assignments = record?.steps.find((s) => s.name === 'distribute')?.detail?.assignments as unknown[]
    expect(assignments).toHaveLength(2)
    expect(record?.steps.find((s) => s.name === 'track')?.detail?.firstAnsweredAt).toBeUndefined()
    const { today } = await app.tracking.stats()
    expect(today).toMatchObject({
      totalProcesses: 1,
      failedCalls: 1,
      successRate: 0,
      errorsByCode: { CALL_FAILED: 1 },
    })
    expect(today.agents).toEqual([
      expect.objectContaining({ agentId: 'ann', assigned: 2, answered: 0, failed: 1 }),
    ])
    expect(today.speedToAnswer).toEqual({ p50: null, p95: null, p99: null, count: 0 })
    await app.close()
  })

  it('records a rejected lead (DNC) with its code, masked message and processing time', async () => {
    const { app } = setup({ config: { compliance: { blockList: ['+1415555*'] } } })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    const record = await app.tracking.process(result.processId)
    expect(record).toMatchObject({
      status: 'rejected',
      success: false,
      finalStatus: 'rejected',
      errorCode: 'DNC_BLOCKED',
      attempts: 0,
    })
    expect(record?.agent).toBeUndefined()
    expect(record?.processingTimeMs).toBeGreaterThanOrEqual(0)
    expect(record?.errorMessage ?? '').not.toMatch(/\d{7}/)
    expect((await app.tracking.stats()).today).toMatchObject({
      totalProcesses: 1,
      rejected: 1,
      successRate: null,
      errorsByCode: { DNC_BLOCKED: 1 },
    })
    await app.close()
  })

  it('follows a queued lead to its call: open processes, queue length, speed to dial', async () => {
    const { app } = setup()
    await agents(app, ['ann'], 'offline')
    const result = await app.submitLead(lead())
    expect(await app.tracking.process(result.processId)).toMatchObject({ status: 'queued' })
    expect(await app.tracking.stats()).toMatchObject({
      openProcesses: 1,
      queueLength: 1,
      agentsAvailable: 0,
      agentsTotal: 1,
    })
    await vi.advanceTimersByTimeAsync(90_000)
    await app.agents.setStatus('ann', 'available')
    await vi.advanceTimersByTimeAsync(60_000)
    const record = await app.tracking.process(result.processId)
    expect(record).toMatchObject({ status: 'completed', success: true })
    expect(record?.processingTimeMs).toBeGreaterThanOrEqual(90_000)
    const stats = await app.tracking.stats()
    expect(stats).toMatchObject({ openProcesses: 0, queueLength: 0, today: { speedToDial: { count: 1 } } })
    expect(stats.today.speedToDial.p50).toBe(record?.processingTimeMs)
    await app.close()
  })

  it('recent(): newest first, filtered by status and agent, limited', async () => {
    const { app } = setup({ config: { compliance: { blockList: ['+1415555000*'] } } })
    await agents(app, ['ann', 'bob'])
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      ids.push((await app.submitLead(lead())).processId)
      await vi.advanceTimersByTimeAsync(60_000)
    }
    const blocked = await app.submitLead({ name: 'Blocked', phone: '+1 415 555 0001' })
    const recent = await app.tracking.recent()
    expect(recent.map((r) => r.processId)).toEqual([blocked.processId, ...[...ids].reverse()])
    expect((await app.tracking.recent({ limit: 2 })).map((r) => r.processId)).toEqual([
      blocked.processId,
      ids[5],
    ])
    expect((await app.tracking.recent({ status: 'rejected' })).map((r) => r.processId)).toEqual([
      blocked.processId,
    ])
    const byBob = await app.tracking.recent({ agentId: 'bob' })
    expect(byBob.length).toBeGreaterThan(0)
    expect(byBob.every((r) => r.agent?.id === 'bob')).toBe(true)
    expect((await app.tracking.recent({ agentId: 'bob', status: 'completed', limit: 1 })).length).toBe(1)
    expect(await app.tracking.recent({ agentId: 'nobody' })).toEqual([])
    expect(await app.tracking.process('nope')).toBeNull()
    await app.close()
  })
})

describe('export', () => {
  async function collect(stream: ReadableStream<string>): Promise<string> {
    let text = ''
    for await (const chunk of stream) text += chunk
    return text
  }

  it('streams CSV (header, one escaped row per record) and JSONL, for a period', async () => {
    const { app } = setup()
    await agents(app, ['ann'])
    const tricky = await app.submitLead({ name: 'Rossi, "Mario"\nJr', phone: '+39 350 123 4567' })
    await vi.advanceTimersByTimeAsync(60_000)
    const formula = await app.submitLead({ name: '=HYPERLINK("http://x")', phone: '+39 350 765 4321' })
    await vi.advanceTimersByTimeAsync(DAY)
    const later = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000)

    const csv = await collect(app.tracking.export({ format: 'csv' }))
    const rows = parse(csv, { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => r.processId)).toEqual([tricky.processId, formula.processId, later.processId])
    expect(rows[0]).toMatchObject({
      leadName: 'Rossi, "Mario" Jr', // names are normalized (the line break became a space)
      leadPhone: '+39350****567',
      status: 'completed',
      success: 'true',
      agentId: 'ann',
      attempts: '1',
      tenant: 'default',
    })
    expect(rows[1]!.leadName).toBe(`'=HYPERLINK("http://x")`)
    const steps = JSON.parse(rows[0]!.steps!) as ProcessRecord['steps']
    expect(steps.map((s) => s.name)).toContain('track')
    expect(csv.split('\r\n')[0]).toMatch(/^processId,type,timestamp,/)

    const jsonl = await collect(app.tracking.export({ format: 'jsonl', from: START, to: START + DAY }))
    const lines = jsonl
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ProcessRecord)
    expect(lines.map((r) => r.processId)).toEqual([tricky.processId, formula.processId])
    expect(lines[0]).toEqual(await app.tracking.process(tricky.processId))
    expect(jsonl.endsWith('\n')).toBe(true)

    expect(await collect(app.tracking.export({ format: 'jsonl', from: START + 2 * DAY }))).toBe('')
    expect(() => app.tracking.export({ format: 'xml' as never })).toThrow(/csv or jsonl/)
    await app.close()
  })

  it('reads in pages: many records, several pages, same-millisecond records included once each', async () => {
    const core = createTrackingCore(standaloneDeps({ now: () => START }))
    const { randomRecord } = await import('./tracking.test-util.js')
    const random = seededRandom(3)
    // 1,300 records in 3 distinct milliseconds: pages of 500 must get past each of them.
    const changes = Array.from({ length: 1_300 }, (_, i) => ({
      prev: null,
      next: randomRecord(random, i, START + Math.floor(i / 600), ['a']),
    }))
    for (let i = 0; i < changes.length; i += 100) await core.writer.commit(changes.slice(i, i + 100))
    const text = await collect(core.tracking.export({ format: 'jsonl' }))
    const ids = text
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as ProcessRecord).processId)
    expect(ids).toHaveLength(1_300)
    expect(new Set(ids).size).toBe(1_300)
    const recent = await core.tracking.recent({ limit: 1_000 })
    expect(recent).toHaveLength(1_000)
    expect(new Set(recent.map((r) => r.processId)).size).toBe(1_000)
    expect(recent[0]!.timestamp >= recent.at(-1)!.timestamp).toBe(true)
    await core.tracking.close()
  })
})

describe('cleanup', () => {
  it('removes records, stream entries and day metrics older than the retention', async () => {
    const { app } = setup({ config: { tracking: { retentionDays: 2 } } })
    await agents(app, ['ann'])
    const old = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000)
    vi.setSystemTime(START + 2 * DAY)
    const kept = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000)
    vi.setSystemTime(START + 3 * DAY)

    expect(await app.tracking.cleanup()).toEqual({ removed: 1 }) // keeps today and the 2 days before
    expect(await app.tracking.process(old.processId)).toBeNull()
    expect(await app.tracking.process(kept.processId)).not.toBeNull()
    expect((await app.tracking.recent()).map((r) => r.processId)).toEqual([kept.processId])
    const week = await app.tracking.analytics({ from: START - DAY, to: START + 4 * DAY })
    expect(week.totals.totalProcesses).toBe(1)
    expect(week.series.find((s) => s.key === '2026-11-23')?.totalProcesses).toBe(0)
    const leftover = await app.storage.list('default', { prefix: 'metrics:2026-11-23' })
    expect(leftover.entries).toEqual([])

    expect(await app.tracking.cleanup({ olderThanDays: 0 })).toEqual({ removed: 1 })
    expect(await app.tracking.recent()).toEqual([])
    await expect(app.tracking.cleanup({ olderThanDays: -1 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await app.close()
  })

  it('recordRetentionMs: removes records and stream entries past it in the background, open ones too, never to be written again', async () => {
    const hour = 3_600_000
    const { app, storage } = setup({ config: { tracking: { recordRetentionMs: hour } } })
    await agents(app, ['ann'])
    const done = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000)
    await app.agents.setStatus('ann', 'offline')
    const waiting = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(1_000)
    const stream = async () => (await storage.range(app.tenant, 'process-records')).length
    expect(await stream()).toBe(2)
    expect((await app.tracking.stats()).openProcesses).toBe(1)

    // A sweep runs every 6 minutes: the records stay until one runs past the retention.
    await vi.advanceTimersByTimeAsync(hour - 2 * 60_000)
    expect(await app.tracking.process(done.processId)).not.toBeNull()
    await vi.advanceTimersByTimeAsync(8 * 60_000)
    expect(await app.tracking.process(done.processId)).toBeNull()
    expect(await app.tracking.process(waiting.processId)).toBeNull()
    expect(await stream()).toBe(0)
    // Metrics are by day: the day still counts both leads; the open one is no longer counted open.
    const day = (await app.tracking.analytics({ from: START, to: START + DAY })).totals
    expect(day.totalProcesses).toBe(2)
    expect((await app.tracking.stats()).openProcesses).toBe(0)

    // The waiting lead goes on; its record is not written again.
    await app.agents.setStatus('ann', 'available')
    await vi.advanceTimersByTimeAsync(120_000)
    expect((await app.process(waiting.processId))?.status).toBe('completed')
    expect(await app.tracking.process(waiting.processId)).toBeNull()
    await app.close()
  })
})

describe('following events', () => {
  function stateOf(status: ProcessState['status'], extra: Partial<ProcessState> = {}): ProcessState {
    return {
      processId: 'p1',
      status,
      next: status === 'completed' ? 'done' : 'distribute',
      receivedAt: START,
      updatedAt: START + 1_000,
      lead: {
        id: 'l1',
        fullName: 'Ann Lead',
        firstName: 'Ann',
        phone: '+14155550123',
        source: 'web',
        priority: 'normal',
      } as ProcessState['lead'],
      steps: {},
      tried: [],
      dials: 0,
      redials: 0,
      ...extra,
    }
  }

  it('rebuilds from the durable state: a late event never takes the record back', async () => {
    const events = createEventBus()
    let state = stateOf('received')
    const deps = { ...standaloneDeps({ now: () => START }), events, getProcess: async () => state }
    const core = createTrackingCore(deps)
    const at = new Date(START).toISOString()
    events.emit('lead.received', { processId: 'p1', leadId: 'l1', source: 'web', priority: 'normal', at })
    state = stateOf('completed', { call: { status: 'completed', talkSec: 30, answeredAt: START + 2_000 } })
    events.emit('lead.completed', { processId: 'p1', at })
    // A late event of an earlier stage.
    events.emit('lead.queued', { processId: 'p1', reason: 'NO_AGENTS_AVAILABLE', at })
    const record = await core.tracking.process('p1')
    expect(record).toMatchObject({ status: 'completed', success: true, finalStatus: 'completed' })
    const stats = await core.tracking.stats()
    expect(stats.today).toMatchObject({ totalProcesses: 1, successfulCalls: 1 })
    expect(stats.openProcesses).toBe(0)
    await core.tracking.close()
  })

  it('logs listener failures and never throws into the emitter', async () => {
    const errors: unknown[] = []
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (obj: unknown) => void errors.push(obj),
    }
    const events = createEventBus((_e, error) => errors.push(['emitter', error]))
    const deps = {
      ...standaloneDeps(),
      events,
      logger,
      getProcess: async (): Promise<ProcessState | null> => {
        throw new Error('storage down')
      },
    }
    const core = createTrackingCore(deps)
    expect(() =>
      events.emit('lead.received', { processId: 'p1', leadId: 'l', source: 'x', priority: 'normal', at: '' }),
    ).not.toThrow()
    await core.tracking.process('p1')
    expect(errors).toEqual([expect.objectContaining({ processId: 'p1', err: expect.any(Error) })])
    await core.tracking.close()
  })
})

describe('analytics on random traffic through the whole pipeline', () => {
  it('matches a brute-force recomputation from the stored records (several days, agents, outcomes)', async () => {
    const random = seededRandom(11)
    const { app } = setup({
      seed: 11,
      sim: { agentAnswerRate: 0.8, answerRate: 0.6, ringMs: 3_000, talkMs: 40_000 },
      config: {
        tracking: { timeZone: 'Europe/Rome' },
        compliance: { blockList: ['+14155550*'] },
        pipeline: { redialBackoffMs: [30_000], noAnswerTimeoutMs: 20_000, pollMs: 10_000 },
      },
    })
    const team = ['ann', 'bob', 'cy', 'dee']
    await agents(app, team)
    for (let i = 0; i < 90; i++) {
      if (random() < 0.15) {
        const who = team[Math.floor(random() * team.length)]!
        await app.agents.setStatus(who, random() < 0.5 ? 'offline' : 'available')
      }
      const phone = `+1 415 555 ${String(Math.floor(random() * 10_000)).padStart(4, '0')}`
      await app
        .submitLead({ name: `Lead ${i}`, phone, source: random() < 0.5 ? 'web' : 'ghl' })
        .catch(() => undefined)
      await vi.advanceTimersByTimeAsync(3 * 60_000)
      vi.setSystemTime(Date.now() + Math.floor(random() * 90 * 60_000))
    }
    for (const who of team) await app.agents.setStatus(who, 'available')
    await vi.advanceTimersByTimeAsync(30 * 60_000)

    let text = ''
    for await (const chunk of app.tracking.export({ format: 'jsonl' })) text += chunk
    const records = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ProcessRecord)
    expect(records.length).toBeGreaterThan(80)
    const brute = bruteForce(records, 'Europe/Rome')
    expect(Object.keys(brute.byDay).length).toBeGreaterThanOrEqual(3)
    expect(brute.successfulCalls).toBeGreaterThan(0)
    expect(brute.failedCalls + brute.rejected).toBeGreaterThan(0)

    const result = await app.tracking.analytics({ from: START - DAY, to: Date.now() + DAY })
    expectCounters(result.totals, brute)
    expectPercentiles(result.totals.processingTime, brute.samples.processing)
    expectPercentiles(result.totals.speedToDial, brute.samples.dial)
    expectPercentiles(result.totals.speedToAnswer, brute.samples.answer)
    for (const s of result.series) {
      const b = brute.byDay[s.key] ?? { total: 0, ok: 0, fail: 0 }
      expect([s.key, s.totalProcesses, s.successfulCalls, s.failedCalls]).toEqual([
        s.key,
        b.total,
        b.ok,
        b.fail,
      ])
    }
    const open = records.filter((r) => !['completed', 'failed', 'rejected'].includes(r.status)).length
    expect((await app.tracking.stats()).openProcesses).toBe(open)
    await app.close()
  })
})
