import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLeadCall, type LeadCallApp } from '../app/create-lead-call.js'
import type { LeadCallConfig } from '../config/config-schema.js'
import { seededRandom } from '../distribution/random.js'
import type { CallEvent } from '../domain/call-event.js'
import { isLeadCallError, LeadCallError } from '../errors/lead-call-error.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { AtomicOperation, StorageCallOptions, StorageV1 } from '../storage/storage-v1.js'
import { type SimulatedTelephonyOptions, simulatedTelephony } from '../telephony/simulated-telephony.js'
import type { TelephonyProviderV1 } from '../telephony/telephony-provider.js'

// Monday 2026-11-23 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles.
const START = Date.parse('2026-11-23T15:00:00.000Z')

interface Setup {
  app: LeadCallApp
  telephony: ReturnType<typeof simulatedTelephony>
  storage: StorageV1
  events: string[]
}

function setup(
  options: {
    sim?: SimulatedTelephonyOptions
    config?: Omit<LeadCallConfig, 'storage' | 'telephony'>
    storage?: StorageV1
    telephony?: ReturnType<typeof simulatedTelephony>
  } = {},
): Setup {
  const storage = options.storage ?? memoryStorage()
  const telephony =
    options.telephony ??
    simulatedTelephony({
      seed: 1,
      ringMs: 1_000,
      talkMs: 5_000,
      agentAnswerRate: 1,
      answerRate: 1,
      ...options.sim,
    })
  const { config = {} } = options
  const app = createLeadCall({
    storage,
    telephony,
    ...config,
    distribution: { random: seededRandom(1), ...config.distribution },
    compliance: { callingHours: false, ...config.compliance },
    pipeline: { pollMs: 1_000, ...config.pipeline },
  })
  const events: string[] = []
  app.on('lead.queued', (e) => events.push(`queued:${e.reason}`))
  app.on('call.started', (e) => events.push(`call.started:${e.agentId}`))
  app.on('lead.completed', (e) => events.push(`completed:${e.agentId}`))
  app.on('lead.failed', (e) => events.push(`failed:${e.code}`))
  return { app, telephony, storage, events }
}

async function agents(app: LeadCallApp, ids: string[], status: 'available' | 'offline' = 'available') {
  for (const id of ids) {
    await app.agents.upsert({ id, name: id.toUpperCase(), status })
    vi.advanceTimersByTime(1)
  }
}

let n = 0
const lead = (extra: Record<string, unknown> = {}) => {
  n++
  return { name: `Lead ${n}`, phone: `+1 212 555 ${String(1000 + n).slice(-4)}`, ...extra }
}

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('submitLead', () => {
  it('takes a lead to a ringing agent, every step recorded, and the call to its end', async () => {
    const { app, telephony, events } = setup()
    await agents(app, ['ann', 'bob'])
    const result = await app.submitLead(lead({ email: 'X@Example.com' }))
    expect(result.status).toBe('dialing')
    expect(result.agent).toEqual({ id: 'ann', name: 'ANN' })
    expect(Object.entries(result.steps).map(([step, o]) => `${step}:${o?.status}`)).toEqual([
      'normalize:done',
      'deduplicate:done',
      'compliance:done',
      'classify:skipped',
      'contactSync:done',
      'distribute:done',
      'dial:done',
    ])
    expect(telephony.stats.dials).toBe(1)
    await vi.advanceTimersByTimeAsync(60_000)
    const process = await app.process(result.processId)
    expect(process).toMatchObject({ status: 'completed', call: { status: 'completed', agentId: 'ann' } })
    expect(process?.contact).toMatchObject({ status: 'synced', contactId: expect.any(String) })
    const call = await app.call(process!.attempt!.callId)
    expect(call?.history.map((h) => h.status)).toEqual([
      'queued',
      'initiated',
      'ringing',
      'answered',
      'completed',
    ])
    expect(events).toEqual(['call.started:ann', 'completed:ann'])
    // The agent is free again.
    expect((await app.distribution.stats())[0]).toMatchObject({ agentId: 'ann', active: 0, completed: 1 })
  })

  it('rejects bad input with its code and keeps nothing open', async () => {
    const { app } = setup()
    await expect(app.submitLead({ name: 'No Phone' })).rejects.toMatchObject({
      code: 'MISSING_PHONE',
      status: 400,
    })
    await expect(app.submitLead({ name: 'X', phone: '12' })).rejects.toMatchObject({ code: 'INVALID_PHONE' })
    expect(await app.resume()).toEqual({ resumed: 0 })
  })

  it('returns the first result for a redelivered lead (same source id, or same Idempotency-Key)', async () => {
    const { app, telephony } = setup()
    await agents(app, ['ann'])
    const first = await app.submitLead(lead({ source: 'ghl', externalId: 'c-1' }))
    const again = await app.submitLead({
      name: 'Other',
      phone: '+1 212 555 9999',
      source: 'ghl',
      externalId: 'c-1',
    })
    expect(again).toMatchObject({ processId: first.processId, duplicate: true })
    const keyed = await app.submitLead(lead(), { idempotencyKey: 'abc' })
    const keyedAgain = await app.submitLead(lead(), { idempotencyKey: 'abc' })
    expect(keyedAgain.processId).toBe(keyed.processId)
    expect(telephony.stats.dials).toBe(1) // the keyed lead queued: one agent, busy with the first
    // After the window the same ids start a new process.
    await vi.advanceTimersByTimeAsync(86_400_000 + 1)
    const later = await app.submitLead({
      name: 'L',
      phone: '+1 212 555 7777',
      source: 'ghl',
      externalId: 'c-1',
    })
    expect(later.processId).not.toBe(first.processId)
  })

  it('joins a lead whose phone has an open process: DUPLICATE_LEAD with the open process', async () => {
    const { app } = setup()
    await agents(app, ['ann'])
    const first = await app.submitLead({ name: 'A', phone: '+1 212 555 0101' })
    const error = await app.submitLead({ name: 'A again', phone: '(212) 555-0101' }).catch((e: unknown) => e)
    expect(isLeadCallError(error, 'DUPLICATE_LEAD')).toBe(true)
    expect((error as { details: { processId: string } }).details.processId).toBe(first.processId)
    expect((error as { status: number }).status).toBe(409)
    // The first call ends and the minimum delay between dials to one number (2 min) passes.
    await vi.advanceTimersByTimeAsync(130_000)
    await expect(app.submitLead({ name: 'A later', phone: '+12125550101' })).resolves.toMatchObject({
      status: 'dialing',
    })
  })

  it('creates the lead when the open process of its number closes between the lost check and the read', async () => {
    const inner = memoryStorage()
    let closeOnRead = false
    const storage: StorageV1 = {
      ...inner,
      async get(ns, key, options) {
        if (closeOnRead && key.startsWith('open-phone:')) {
          closeOnRead = false
          // The open process ends right here: its key goes, as a closing process deletes it.
          await inner.atomic(ns, { mutations: [{ type: 'delete', key }] })
          return null
        }
        return inner.get(ns, key, options)
      },
    }
    const { app } = setup({ storage })
    await agents(app, ['ann', 'bob'])
    const first = await app.submitLead({ name: 'A', phone: '+1 212 555 0103' })
    closeOnRead = true
    const second = await app.submitLead({ name: 'A again', phone: '+1 212 555 0103' })
    expect(closeOnRead).toBe(false)
    expect(second.processId).not.toBe(first.processId)
    expect(second.duplicate).toBeUndefined()
    await expect(inner.get(app.tenant, 'open-phone:+12125550103')).resolves.toMatchObject({
      value: second.processId,
    })
  })

  it('takes over the open-process key of a number whose process no longer exists', async () => {
    const { app, storage } = setup()
    await agents(app, ['ann'])
    await storage.atomic(app.tenant, {
      mutations: [{ type: 'set', key: 'open-phone:+12125550104', value: 'gone' }],
    })
    const result = await app.submitLead({ name: 'A', phone: '+1 212 555 0104' })
    expect(result.status).toBe('dialing')
    await expect(storage.get(app.tenant, 'open-phone:+12125550104')).resolves.toMatchObject({
      value: result.processId,
    })
  })

  it('answers a redelivery whose process has expired with DUPLICATE_LEAD, never a second call', async () => {
    const { app, telephony } = setup({ config: { pipeline: { closedRetentionMs: 60_000 } } })
    await agents(app, ['ann'])
    const first = await app.submitLead({
      name: 'A',
      phone: '+1 212 555 0105',
      source: 'ghl',
      externalId: 'x-9',
    })
    await vi.advanceTimersByTimeAsync(20_000)
    await expect(app.process(first.processId)).resolves.toMatchObject({ status: 'completed' })
    await vi.advanceTimersByTimeAsync(120_000)
    await expect(app.process(first.processId)).resolves.toBeNull()
    const dials = telephony.stats.dials
    const error = await app
      .submitLead({ name: 'A', phone: '+1 212 555 0105', source: 'ghl', externalId: 'x-9' })
      .catch((e: unknown) => e)
    expect(isLeadCallError(error, 'DUPLICATE_LEAD')).toBe(true)
    expect((error as { details: { processId: string } }).details.processId).toBe(first.processId)
    expect(telephony.stats.dials).toBe(dials)
  })
})

describe('a lost acceptance', () => {
  it('never frees an agent on a call: the reservation is accepted late, not timed out', async () => {
    const inner = memoryStorage()
    let refuseAcceptance = false
    let refused = 0
    // Every commit that accepts a reservation loses its race while refuseAcceptance is on.
    const storage: StorageV1 = {
      ...inner,
      async atomic(ns, operation, options) {
        const accepting = operation.mutations.find(
          (m) =>
            m.type === 'set' &&
            m.key.includes('state') &&
            Object.values(
              (m.value as { reservations?: Record<string, { status: string }> }).reservations ?? {},
            ).some((r) => r.status === 'accepted'),
        )
        if (refuseAcceptance && accepting) {
          refused++
          return { ok: false, conflicts: [accepting.key] }
        }
        return inner.atomic(ns, operation, options)
      },
    }
    const { app, events } = setup({ storage, sim: { ringMs: 1_000, talkMs: 120_000 } })
    app.on('reservation.timed_out', (e) => events.push(`timed_out:${e.agentId}`))
    app.on('reservation.accepted', (e) => events.push(`accepted:${e.agentId}`))
    await agents(app, ['ann'])
    refuseAcceptance = true
    const first = await app.submitLead(lead())
    expect(first.status).toBe('dialing')
    expect(refused).toBeGreaterThan(0)
    expect(events).not.toContain('accepted:ann')
    refuseAcceptance = false
    // Past the reservation's 30 s timeout, Ann still talks to the first lead.
    await vi.advanceTimersByTimeAsync(40_000)
    expect(events).toContain('accepted:ann')
    expect(events).not.toContain('timed_out:ann')
    const second = await app.submitLead(lead())
    expect(second.status).toBe('queued')
    // The first call ends (its talk time is 120 s ± 50 %); Ann takes the second lead.
    await vi.advanceTimersByTimeAsync(150_000)
    expect(events).toContain('completed:ann')
    await expect(app.process(second.processId)).resolves.toMatchObject({
      status: expect.stringMatching(/dialing|in_call/),
    })
  })
})

describe('a dial slower than the reservation timeout', () => {
  it('extends the reservation while the dial is on its way: the agent is never freed under it', async () => {
    const { app, events } = setup({
      sim: { latencyMs: 15_000, ringMs: 1_000, talkMs: 120_000 },
      config: { distribution: { reservationTimeoutMs: 10_000 } },
    })
    app.on('reservation.timed_out', (e) => events.push(`timed_out:${e.agentId}`))
    app.on('reservation.accepted', (e) => events.push(`accepted:${e.agentId}`))
    await agents(app, ['ann'])
    const pending = app.submitLead(lead())
    // The reservation's 10 s pass while the provider has not answered yet.
    await vi.advanceTimersByTimeAsync(12_000)
    expect(events).not.toContain('timed_out:ann')
    await vi.advanceTimersByTimeAsync(4_000)
    const first = await pending
    expect(first.status).toBe('dialing')
    expect(events).toContain('accepted:ann')
    expect(events).not.toContain('timed_out:ann')
    // Ann is on that call: the next lead waits for her.
    const second = await app.submitLead(lead())
    expect(second.status).toBe('queued')
  })
})

describe('compliance', () => {
  it('blocks DNC numbers and prefixes, and turns VIPs urgent', async () => {
    const { app } = setup({
      config: { compliance: { blockList: ['+12125550111', '+1900*'], vipList: ['+12125550122'] } },
    })
    await agents(app, ['ann'])
    const blocked = await app.submitLead({ name: 'B', phone: '+1 212 555 0111' })
    expect(blocked).toMatchObject({ status: 'rejected', error: { code: 'DNC_BLOCKED' } })
    const vip = await app.submitLead({ name: 'V', phone: '+1 212 555 0122' })
    expect((await app.process(vip.processId))?.lead.priority).toBe('urgent')
  })

  it('queues a lead outside its calling hours and dials it when its window opens', async () => {
    const { app, events } = setup({
      config: { compliance: { callingHours: { start: '08:00', end: '21:00' } } },
    })
    await agents(app, ['ann'])
    // 15:00 UTC is 07:00 in Los Angeles (area code 415): an hour too early.
    const result = await app.submitLead({ name: 'LA', phone: '+1 415 555 0199' })
    expect(result).toMatchObject({ status: 'queued', queuePosition: 1 })
    expect(result.steps.compliance?.errorCode).toBe('OUTSIDE_CALLING_HOURS')
    expect(events).toEqual(['queued:OUTSIDE_CALLING_HOURS'])
    await vi.advanceTimersByTimeAsync(59 * 60_000)
    expect((await app.process(result.processId))?.status).toBe('queued')
    await vi.advanceTimersByTimeAsync(2 * 60_000)
    expect((await app.process(result.processId))?.status).toMatch(/dialing|in_call|completed/)
    expect(events).toContain('call.started:ann')
  })

  it('keeps a lead whose calling window never opens in all its time zones, and looks again daily', async () => {
    const { app, events } = setup({
      config: { compliance: { callingHours: { start: '09:00', end: '10:00' } } },
    })
    await agents(app, ['ann'])
    // A Brazilian mobile without a time zone spans zones hours apart: a one-hour window never
    // opens in all of them at once.
    const submittedAt = Date.now()
    const result = await app.submitLead({ name: 'BR', phone: '+55 11 91234 5678' })
    expect(result).toMatchObject({ status: 'queued' })
    expect(result.steps.compliance?.errorCode).toBe('OUTSIDE_CALLING_HOURS')
    expect(result.steps.compliance?.detail).toMatchObject({ windowNeverOpens: true })
    const queued = await app.queue.list()
    expect(queued.find((item) => item.processId === result.processId)?.availableAt).toBe(
      new Date(submittedAt + 24 * 60 * 60 * 1000).toISOString(),
    )
    expect(events).toEqual(['queued:OUTSIDE_CALLING_HOURS'])
  })

  it('caps dial attempts per number in 24 h and spaces them by the minimum delay', async () => {
    const { app, telephony } = setup({
      sim: { answerRate: 0 },
      config: {
        compliance: { maxAttemptsPerDay: 2, minDelayBetweenAttemptsMs: 600_000 },
        pipeline: { redialBackoffMs: [60_000, 60_000, 60_000] },
      },
    })
    await agents(app, ['ann'])
    const result = await app.submitLead({ name: 'N', phone: '+1 212 555 0133' })
    await vi.advanceTimersByTimeAsync(60_000) // no answer: re-dial in 60 s, but the min delay says 10 min
    expect(telephony.stats.dials).toBe(1)
    // The queue is looked at again on the next whole second after the minimum delay ends.
    await vi.advanceTimersByTimeAsync(9 * 60_000 + 2_000)
    expect(telephony.stats.dials).toBe(2)
    // Two attempts used: the third waits for the first to leave the 24 h window.
    await vi.advanceTimersByTimeAsync(60 * 60_000)
    expect(telephony.stats.dials).toBe(2)
    expect(await app.process(result.processId)).toMatchObject({
      status: 'queued',
      queued: { reason: 'RATE_LIMITED' },
    })
  })
})

describe('queue', () => {
  it('queues leads nobody can take (202 with position) and dispatches them when an agent frees up', async () => {
    const { app, telephony } = setup()
    await agents(app, ['ann'], 'offline')
    const a = await app.submitLead(lead())
    const b = await app.submitLead(lead({ priority: 'urgent' }))
    expect(a).toMatchObject({ status: 'queued', queuePosition: 1 })
    expect(b).toMatchObject({ status: 'queued', queuePosition: 1 }) // urgent jumps ahead
    expect((await app.queue.list()).map((q) => q.processId)).toEqual([b.processId, a.processId])
    await app.agents.setStatus('ann', 'available')
    await vi.advanceTimersByTimeAsync(0)
    expect((await app.process(b.processId))?.status).toBe('dialing')
    expect((await app.process(a.processId))?.status).toBe('queued')
    await vi.advanceTimersByTimeAsync(60_000) // b's call ends, ann is free: a goes
    expect((await app.process(a.processId))?.status).not.toBe('queued')
    expect(telephony.stats.dials).toBe(2)
  })

  it('gives back the rest of a claimed batch untouched once a lead excluding nobody finds no agent', async () => {
    const inner = memoryStorage()
    let processWrites = 0
    const storage: StorageV1 = Object.assign(Object.create(inner) as StorageV1, {
      atomic(ns: string, operation: AtomicOperation, options?: StorageCallOptions) {
        if (operation.mutations.some((m) => m.key.startsWith('process:'))) processWrites++
        return inner.atomic(ns, operation, options)
      },
    })
    const { app } = setup({ storage })
    await agents(app, ['ann'], 'offline')
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      ids.push((await app.submitLead(lead())).processId)
      vi.advanceTimersByTime(10)
    }
    processWrites = 0
    await vi.advanceTimersByTimeAsync(1_000) // the queue poll: a dispatch finds nobody
    // One lead is tried (taken out of the queue, compliance re-checked, put back): three writes,
    // not three for each of the six.
    expect(processWrites).toBeGreaterThan(0)
    expect(processWrites).toBeLessThanOrEqual(3)
    expect((await app.queue.list()).map((q) => q.processId)).toEqual(ids)
    await app.agents.setStatus('ann', 'available')
    await vi.advanceTimersByTimeAsync(0)
    expect((await app.process(ids[0]!))?.status).toBe('dialing')
  })

  it('serves the oldest first by default, the newest first with LIFO', async () => {
    for (const [order, expected] of [
      ['fifo', [0, 1, 2]],
      ['lifo', [2, 1, 0]],
    ] as const) {
      const { app } = setup({ config: { pipeline: { queueOrder: order } } })
      const ids: string[] = []
      for (let i = 0; i < 3; i++) {
        ids.push((await app.submitLead(lead())).processId)
        vi.advanceTimersByTime(1000)
      }
      expect((await app.queue.list()).map((q) => ids.indexOf(q.processId))).toEqual(expected)
      await app.close()
    }
  })

  it('lists, inspects, re-prioritises and removes queued leads', async () => {
    const { app, events } = setup()
    const low = await app.submitLead(lead({ priority: 'low' }))
    const normal = await app.submitLead(lead())
    expect(await app.queue.get(low.processId)).toMatchObject({
      priority: 'low',
      reason: 'NO_AGENTS_AVAILABLE',
    })
    await app.queue.reprioritize(low.processId, 'high')
    expect((await app.queue.list()).map((q) => q.processId)).toEqual([low.processId, normal.processId])
    expect(await app.queue.remove(normal.processId)).toBe(true)
    expect(await app.queue.size()).toBe(1)
    expect((await app.process(normal.processId))?.status).toBe('failed')
    expect(events).toContain('failed:VALIDATION_FAILED')
    expect(await app.queue.remove(normal.processId)).toBe(false)
    await expect(app.queue.reprioritize(low.processId, 'vip' as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
  })

  it('answers NO_AGENTS_AVAILABLE (503) instead of queueing when configured so', async () => {
    const { app } = setup({ config: { pipeline: { whenNoAgent: 'reject' } } })
    const result = await app.submitLead(lead())
    expect(result).toMatchObject({ status: 'rejected', error: { code: 'NO_AGENTS_AVAILABLE' } })
  })
})

describe('routing: pools and required skills per lead', () => {
  async function team(app: LeadCallApp) {
    for (const [id, pools, skills] of [
      ['ann', ['en'], { english: 5 }],
      ['bob', ['en'], { english: 4 }],
      ['eva', ['es'], { spanish: 5, english: 2 }],
    ] as const) {
      await app.agents.upsert({ id, name: id.toUpperCase(), status: 'available', pools: [...pools], skills })
      vi.advanceTimersByTime(1)
    }
  }

  it('gives a lead only to agents of its pool or with its skills, as submitLead asks', async () => {
    const { app } = setup()
    await team(app)
    const es = await app.submitLead(lead(), { routing: { pool: 'es' } })
    expect(es).toMatchObject({ status: 'dialing', agent: { id: 'eva' } })
    const fluent = await app.submitLead(lead(), { routing: { requiredSkills: { english: 5 } } })
    expect(fluent).toMatchObject({ status: 'dialing', agent: { id: 'ann' } })
    // Nobody of the pool is free: the lead waits for one, even with Bob free.
    const second = await app.submitLead(lead(), { routing: { pool: 'es' } })
    expect(second).toMatchObject({ status: 'queued', queuePosition: 1 })
    expect((await app.queue.list())[0]).toMatchObject({ reason: 'NO_AGENTS_AVAILABLE' })
    const anyone = await app.submitLead(lead())
    expect(anyone).toMatchObject({ status: 'dialing', agent: { id: 'bob' } })
    expect((await app.process(second.processId))?.routing).toEqual({ pool: 'es' })
    // The process record shows it with the distribution step.
    await vi.advanceTimersByTimeAsync(0)
    const record = await app.tracking.process(es.processId)
    expect(record?.steps.find((s) => s.name === 'distribute')?.detail).toMatchObject({
      routing: { pool: 'es' },
    })
  })

  it('routes by distribution.route, which submitLead({ routing }) overrides', async () => {
    const seen: string[] = []
    const { app } = setup({
      config: {
        distribution: {
          route: (received) => {
            seen.push(received.fullName)
            return received.tags.includes('spanish') ? { pool: 'es' } : undefined
          },
        },
      },
    })
    await team(app)
    const es = await app.submitLead(lead({ name: 'Juan Perez', tags: ['spanish'] }))
    expect(es).toMatchObject({ status: 'dialing', agent: { id: 'eva' } })
    const en = await app.submitLead(lead({ name: 'John Smith' }))
    expect(en).toMatchObject({ status: 'dialing', agent: { id: 'ann' } })
    const told = await app.submitLead(lead({ name: 'Jo Told', tags: ['spanish'] }), {
      routing: { pool: 'en' },
    })
    expect(told).toMatchObject({ status: 'dialing', agent: { id: 'bob' } })
    expect(seen).toEqual(['Juan Perez', 'John Smith'])
  })

  it('keeps a pool-restricted lead from holding up the queue, and dials it when its pool frees up', async () => {
    const { app, telephony } = setup()
    await team(app)
    for (const id of ['ann', 'bob', 'eva']) await app.agents.setStatus(id, 'offline')
    const es = await app.submitLead(lead(), { routing: { pool: 'es' } })
    vi.advanceTimersByTime(10)
    const other = await app.submitLead(lead())
    expect([es.status, other.status]).toEqual(['queued', 'queued'])
    // An English agent comes back: the Spanish lead ahead cannot take her, the next lead does.
    await app.agents.setStatus('ann', 'available')
    await vi.advanceTimersByTimeAsync(0)
    expect((await app.process(es.processId))?.status).toBe('queued')
    expect(await app.process(other.processId)).toMatchObject({
      status: 'dialing',
      attempt: { agentId: 'ann' },
    })
    await app.agents.setStatus('eva', 'available')
    await vi.advanceTimersByTimeAsync(0)
    expect(await app.process(es.processId)).toMatchObject({ status: 'dialing', attempt: { agentId: 'eva' } })
    expect(telephony.stats.dials).toBe(2)
  })

  it('fails a routed lead once every agent of its pool was tried, whoever else is free', async () => {
    const { app } = setup({ sim: { agentAnswerRate: 0 } })
    await team(app)
    const result = await app.submitLead(lead(), { routing: { pool: 'es' } })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(await app.process(result.processId)).toMatchObject({
      status: 'failed',
      tried: ['eva'],
      error: { code: 'NO_AGENTS_AVAILABLE' },
    })
  })

  it('refuses a routing that is not one, and a router that fails, with VALIDATION_FAILED and nothing stored', async () => {
    const { app } = setup({
      config: {
        distribution: {
          route: (received) => {
            if (received.fullName === 'Boom') throw new Error('lookup failed')
            if (received.fullName === 'Refused') throw new LeadCallError('DNC_BLOCKED', { message: 'no' })
            return received.fullName === 'Odd' ? ({ team: 'x' } as never) : undefined
          },
        },
      },
    })
    await team(app)
    const cases: [Record<string, unknown>, unknown, string][] = [
      [lead(), { pool: '' }, 'VALIDATION_FAILED'],
      [lead(), { requiredSkills: { spanish: 11 } }, 'VALIDATION_FAILED'],
      [lead(), 'es', 'VALIDATION_FAILED'],
      [lead({ name: 'Boom' }), undefined, 'VALIDATION_FAILED'],
      [lead({ name: 'Odd' }), undefined, 'VALIDATION_FAILED'],
      [lead({ name: 'Refused' }), undefined, 'DNC_BLOCKED'],
    ]
    for (const [input, routing, code] of cases) {
      const error = await app.submitLead(input, { routing: routing as never }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isLeadCallError(error) && error.code, JSON.stringify(routing ?? input)).toBe(code)
      // A router's own message is kept as the cause, never in what a sender is told.
      expect(String((error as Error).message)).not.toContain('lookup failed')
    }
    expect(await app.queue.list()).toEqual([])
    expect((await app.tracking.stats()).openProcesses).toBe(0)
  })
})

describe('contact sync', () => {
  function failingSync(telephony: TelephonyProviderV1, failures: number) {
    const sync = telephony.syncContact!.bind(telephony)
    let left = failures
    telephony.syncContact = async (l, o) => {
      if (left-- > 0) throw new Error('CRM down')
      return sync(l, o)
    }
  }

  it('in background mode, never blocks or fails the call, and retries until it syncs', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    failingSync(telephony, 2)
    const { app } = setup({ telephony, config: { pipeline: { contactSyncRetryMs: [5_000, 5_000] } } })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    expect(result.status).toBe('dialing')
    await vi.advanceTimersByTimeAsync(1)
    expect((await app.process(result.processId))?.contact).toMatchObject({ status: 'failed', tries: 1 })
    await vi.advanceTimersByTimeAsync(12_000)
    expect((await app.process(result.processId))?.contact).toMatchObject({ status: 'synced', tries: 3 })
  })

  it('in blocking mode, a failure fails the lead before any dial', async () => {
    const telephony = simulatedTelephony({ seed: 1 })
    failingSync(telephony, 1)
    const { app } = setup({ telephony, config: { pipeline: { contactSync: 'blocking' } } })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    expect(result).toMatchObject({ status: 'failed', error: { code: 'CONTACT_CREATION_FAILED' } })
    expect(telephony.stats.dials).toBe(0)
  })
})

describe('dial path', () => {
  it('in blocking mode, selects the agent while the contact syncs, and dials only once it synced', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1, latencyMs: 100 })
    const order: string[] = []
    const sync = telephony.syncContact!.bind(telephony)
    telephony.syncContact = async (l, o) => {
      order.push('sync:start')
      const result = await sync(l, o)
      order.push('sync:done')
      return result
    }
    const dial = telephony.dial.bind(telephony)
    telephony.dial = async (r, o) => {
      order.push('dial')
      return dial(r, o)
    }
    const { app } = setup({ telephony, config: { pipeline: { contactSync: 'blocking' } } })
    app.on('agent.assigned', () => order.push('assigned'))
    await agents(app, ['ann'])
    const pending = app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(250)
    const result = await pending
    expect(order).toEqual(['sync:start', 'assigned', 'sync:done', 'dial'])
    expect(result.status).toBe('dialing')
    expect(result.steps.contactSync).toMatchObject({ status: 'done', detail: { mode: 'blocking' } })
  })

  it('looks at the queue again when an agent’s wrap-up ends', async () => {
    const { app, telephony } = setup({ sim: { talkMs: 5_000 }, config: { pipeline: { wrapUpMs: 10_000 } } })
    await agents(app, ['ann'])
    await app.submitLead(lead())
    const second = await app.submitLead(lead())
    expect(second.status).toBe('queued')
    await vi.advanceTimersByTimeAsync(30_000) // the first call ends around 6 s; wrap-up until ~16 s
    expect(telephony.stats.dials).toBe(2)
    expect((await app.process(second.processId))?.status).not.toBe('queued')
  })

  it('dispatches a queued lead as soon as the call ends, even when the provider reported the agent on that call', async () => {
    // The presence poll sees the agent on its call; the queue poll is far away: only the end of
    // the call, which is newer than the provider's report, can free the agent in time.
    const { app, telephony } = setup({
      sim: { ringMs: 1_000, talkMs: 5_000 },
      config: { pipeline: { pollMs: 3_600_000, presencePollMs: 2_000 } },
    })
    await agents(app, ['ann'])
    await app.submitLead(lead())
    const second = await app.submitLead(lead())
    expect(second.status).toBe('queued')
    await vi.advanceTimersByTimeAsync(4_100) // two presence polls while the first call goes on
    expect((await app.distribution.stats())[0]).toMatchObject({ active: 1 })
    const firstEnded = new Promise<number>((resolve) => app.on('lead.completed', () => resolve(Date.now())))
    const secondDialed = new Promise<number>((resolve) =>
      app.on('call.started', (e) => {
        if (e.processId === second.processId) resolve(Date.now())
      }),
    )
    await vi.advanceTimersByTimeAsync(10_000)
    expect(telephony.stats.dials).toBe(2)
    // Dialed when the first call ended, not at the next presence report.
    expect((await secondDialed) - (await firstEnded)).toBeLessThan(100)
  })

  it('queues a lead whose decision lost to contention every time, and dials it once contention ends', async () => {
    const memory = memoryStorage()
    let refusals = 64 // every retry of one decision loses its commit
    const contended: StorageV1 = Object.assign(Object.create(memory) as StorageV1, {
      atomic: (ns: string, operation: Parameters<StorageV1['atomic']>[1], options?: object) => {
        const agentCheck = operation.checks?.find((c) => c.key.startsWith('agent-state:'))
        if (agentCheck && refusals > 0 && operation.mutations.length > 1) {
          refusals--
          return Promise.resolve({ ok: false as const, conflicts: [agentCheck.key] })
        }
        return memory.atomic(ns, operation, options)
      },
    })
    const { app, telephony, events } = setup({ storage: contended })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    expect(result.status).toBe('queued')
    expect(events).toContain('queued:RATE_LIMITED')
    await vi.advanceTimersByTimeAsync(2_000) // the queue poll
    expect(telephony.stats.dials).toBe(1)
    expect((await app.process(result.processId))?.status).not.toBe('queued')
  })

  it('never syncs contacts through a provider that does not declare the capability', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    let calls = 0
    telephony.syncContact = async () => {
      calls++
      throw new LeadCallError('VALIDATION_FAILED', { message: 'not supported' })
    }
    Object.assign(telephony, { capabilities: { ...telephony.capabilities, contactSync: false } })
    const { app } = setup({ telephony, config: { pipeline: { contactSync: 'blocking' } } })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    expect(result.error).toBeUndefined()
    expect(result.status).toBe('dialing')
    expect(result.steps.contactSync).toMatchObject({ status: 'skipped' })
    await vi.advanceTimersByTimeAsync(200_000)
    expect(calls).toBe(0)
  })

  it('never dials twice for one attempt when the provider refuses the agent', async () => {
    const { app, telephony } = setup({ sim: { agentsOnline: new Set(['bob']) } })
    await agents(app, ['ann', 'bob'])
    const result = await app.submitLead(lead())
    expect(result.status).toBe('dialing')
    expect(result.agent?.id).toBe('bob')
    expect(telephony.stats.dialsRefused).toBe(1)
    expect(telephony.stats.dials).toBe(1)
  })
})

describe('provider trouble and presence', () => {
  it('keeps a lead the provider refused in the queue, uncounted against its cap, and dials it again later', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    const dial = telephony.dial.bind(telephony)
    let refusals = 1
    telephony.dial = async (request, options) => {
      if (refusals-- > 0) throw new LeadCallError('CALL_FAILED', { message: 'carrier unavailable' })
      return dial(request, options)
    }
    const { app, events } = setup({ telephony, config: { pipeline: { redialBackoffMs: [30_000] } } })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    expect(result).toMatchObject({ status: 'queued' })
    expect(events).toContain('queued:CALL_FAILED')
    expect((await app.distribution.stats())[0]?.active).toBe(0) // the agent was given back
    // 31 s later: well inside the 2 min between dials to one number, but the refused dial placed
    // no call, so it does not count.
    await vi.advanceTimersByTimeAsync(31_000)
    expect(telephony.stats.dials).toBe(1)
    expect((await app.process(result.processId))?.status).not.toBe('queued')
  })

  it('spaces the retries of a provider that keeps refusing further apart, and keeps the lead', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    const attempts: number[] = []
    telephony.dial = async () => {
      attempts.push(Date.now())
      throw new LeadCallError('CALL_FAILED', { message: 'provider down' })
    }
    const { app } = setup({ telephony, config: { pipeline: { redialBackoffMs: [10_000, 40_000] } } })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(200_000)
    const gaps = attempts.slice(1).map((at, i) => at - (attempts[i] as number))
    expect(gaps[0]).toBeGreaterThanOrEqual(10_000)
    expect(gaps.slice(1).every((gap) => gap >= 40_000)).toBe(true)
    expect(attempts.length).toBeLessThanOrEqual(6)
    expect(await app.process(result.processId)).toMatchObject({ status: 'queued', refusals: attempts.length })
  })

  it('fails a lead the provider refuses as invalid instead of asking again forever', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    let dials = 0
    telephony.dial = async () => {
      dials++
      throw new LeadCallError('VALIDATION_FAILED', { message: "The 'To' number is not a valid phone number" })
    }
    const { app, events } = setup({ telephony })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(600_000)
    expect(dials).toBe(1)
    expect(await app.process(result.processId)).toMatchObject({
      status: 'failed',
      error: { code: 'VALIDATION_FAILED' },
    })
    expect(events).toContain('failed:VALIDATION_FAILED')
    expect((await app.distribution.stats())[0]?.active).toBe(0)
  })

  it('never re-dials blindly after a provider timeout: the call’s outcome is settled first', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1, talkMs: 5_000 })
    const dial = telephony.dial.bind(telephony)
    let timeouts = 1
    telephony.dial = async (request, options) => {
      const placed = await dial(request, options) // the call IS placed…
      if (timeouts-- > 0) throw new LeadCallError('PROVIDER_TIMEOUT') // …but the answer is lost
      return placed
    }
    const { app } = setup({ telephony })
    await agents(app, ['ann', 'bob'])
    const result = await app.submitLead(lead())
    expect(result.status).toBe('dialing')
    await vi.advanceTimersByTimeAsync(60_000)
    // The call's own events completed the process: no second dial to the lead.
    expect(telephony.stats.dials).toBe(1)
    expect((await app.process(result.processId))?.status).toBe('completed')
  })

  it('fails a lead every agent was tried for instead of waiting forever', async () => {
    const { app } = setup({ sim: { agentAnswerRate: 0 } })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(await app.process(result.processId)).toMatchObject({
      status: 'failed',
      error: { code: 'NO_AGENTS_AVAILABLE' },
    })
  })

  it('polls the provider for presence: an agent it reports offline gets no lead', async () => {
    const online = new Set(['ann', 'bob'])
    const { app } = setup({
      sim: { agentsOnline: online, talkMs: 1_000 },
      config: { pipeline: { presencePollMs: 5_000 } },
    })
    await agents(app, ['ann', 'bob'])
    await app.submitLead(lead()) // ann: the provider now knows her
    await vi.advanceTimersByTimeAsync(10_000)
    online.delete('ann')
    await vi.advanceTimersByTimeAsync(5_000) // next poll: ann is offline at the provider
    const explained = await app.distribution.explain({ processId: 'x', lead: { id: 'x' } })
    expect(explained.agents.find((a) => a.agentId === 'ann')).toMatchObject({ reason: 'offline_at_provider' })
    const next = await app.submitLead(lead())
    expect(next.agent?.id).toBe('bob')
  })
})

describe('call events', () => {
  it('ignores duplicates and late out-of-order events', async () => {
    const { app } = setup({ sim: { ringMs: 100, talkMs: 60_000 } })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(5_000)
    const process = await app.process(result.processId)
    const attemptId = process!.attempt!.attemptId
    const base = { provider: 'simulator', attemptId, at: new Date().toISOString() }
    expect(await app.handleCallEvent({ ...base, type: 'ringing' } as CallEvent)).toEqual({ applied: false })
    expect(await app.handleCallEvent({ ...base, type: 'answered', party: 'lead' } as CallEvent)).toEqual({
      applied: false,
    })
    expect((await app.call(process!.attempt!.callId))?.status).toBe('answered')
    expect(
      await app.handleCallEvent({ ...base, attemptId: 'unknown', type: 'completed' } as CallEvent),
    ).toEqual({
      applied: false,
    })
  })

  it('puts an agent who misses maxNoAnswer calls in a row on a break', async () => {
    const { app } = setup({
      sim: { agentAnswerRate: 0, ringMs: 1_000 },
      config: { distribution: { maxNoAnswer: 2 }, pipeline: { maxAgentAttempts: 1 } },
    })
    await agents(app, ['ann'])
    await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000)
    expect((await app.agents.get('ann'))?.status).toBe('available') // one miss
    await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000)
    expect((await app.agents.get('ann'))?.status).toBe('break') // two in a row
  })

  it('gives the lead to the next agent when an agent does not answer, up to the attempt cap', async () => {
    const { app, telephony, events } = setup({
      sim: { agentAnswerRate: 0 },
      config: { pipeline: { maxAgentAttempts: 2 } },
    })
    await agents(app, ['ann', 'bob', 'cy'])
    const result = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(120_000)
    expect(events.filter((e) => e.startsWith('call.started'))).toEqual([
      'call.started:ann',
      'call.started:bob',
    ])
    expect(await app.process(result.processId)).toMatchObject({
      status: 'failed',
      error: { code: 'AGENT_NOT_AVAILABLE' },
      tried: ['ann', 'bob'],
    })
    expect(telephony.calls().map((c) => c.events.some((e) => e.type === 'answered'))).toEqual([false, false])
    expect((await app.distribution.stats()).every((s) => s.active === 0)).toBe(true)
  })

  it('re-dials a lead that did not answer with backoff, then records the final failure', async () => {
    const { app, telephony } = setup({
      sim: { answerRate: 0 },
      config: { pipeline: { redialBackoffMs: [120_000] } },
    })
    await agents(app, ['ann'])
    const result = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(await app.process(result.processId)).toMatchObject({ status: 'queued', redials: 1 })
    expect(telephony.stats.dials).toBe(1)
    await vi.advanceTimersByTimeAsync(180_000)
    expect(telephony.stats.dials).toBe(2)
    expect(await app.process(result.processId)).toMatchObject({
      status: 'failed',
      error: { code: 'CALL_FAILED' },
    })
  })

  it('cancels a call that rings longer than the no-answer timeout, and counts it as the lead not answering', async () => {
    // A provider whose agent answers at once and whose lead rings forever.
    let sink: ((event: CallEvent) => unknown) | undefined
    const hangups: string[] = []
    const telephony: TelephonyProviderV1 = {
      specificationVersion: 'v1',
      name: 'scripted',
      capabilities: {
        agentFirstDial: true,
        leadFirstDial: false,
        contactSync: false,
        presence: false,
        hangup: true,
        idempotentDial: true,
      },
      async dial(request) {
        const at = new Date().toISOString()
        setTimeout(() => {
          for (const [type, party] of [
            ['initiated', undefined],
            ['ringing', 'agent'],
            ['ringing', 'lead'],
          ] as const) {
            void sink?.({
              provider: 'scripted',
              type,
              attemptId: request.attemptId,
              at,
              ...(party ? { party } : {}),
            })
          }
        }, 0)
        return { providerCallId: `call-${request.attemptId}` }
      },
      async hangup(id) {
        hangups.push(id)
      },
      connect(s) {
        sink = s
      },
    }
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony,
      compliance: { callingHours: false },
      pipeline: { noAnswerTimeoutMs: 20_000, redialBackoffMs: [] },
    })
    await app.agents.upsert({ id: 'ann', name: 'Ann', status: 'available' })
    const result = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(19_000)
    expect(hangups).toEqual([])
    await vi.advanceTimersByTimeAsync(2_000)
    expect(hangups).toHaveLength(1)
    const process = await app.process(result.processId)
    expect(process).toMatchObject({ status: 'failed', error: { code: 'CALL_FAILED' } })
    expect((await app.call(process!.attempt!.callId))?.status).toBe('canceled')
  })
})

/**
 * A storage that dies right after the write persisting `step` of a process: from then on every call
 * of the app that owns it hangs forever, as in a process killed at that instant.
 */
function dyingStorage(inner: StorageV1, step: string): StorageV1 {
  let dead = false
  const never = new Promise<never>(() => {})
  const wrapped = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (property === 'close') return async () => {}
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        if (dead) return never
        const result = await (value as (...a: unknown[]) => unknown).apply(target, args)
        if (property === 'atomic' && (result as { ok: boolean }).ok) {
          const op = args[1] as { mutations: { type: string; key: string; value?: { steps?: object } }[] }
          const persisted = op.mutations.some(
            (m) =>
              m.type === 'set' && m.key.startsWith('process:') && m.value?.steps && step in m.value.steps,
          )
          if (persisted) {
            dead = true
            return never
          }
        }
        return result
      }
    },
  })
  return wrapped
}

describe('events that overtake their dial', () => {
  it('applies, in order, call events another process received before the dial was recorded', async () => {
    const storage = memoryStorage()
    let other: LeadCallApp | undefined
    const event = (
      type: CallEvent['type'],
      attemptId: string,
      extra: Partial<CallEvent> = {},
    ): CallEvent => ({
      provider: 'fast',
      type,
      attemptId,
      providerCallId: `call-${attemptId}`,
      at: new Date().toISOString(),
      ...extra,
    })
    const applied: boolean[] = []
    // The provider answers so fast that its webhooks reach another worker before dial() returns.
    const fast: TelephonyProviderV1 = {
      specificationVersion: 'v1',
      name: 'fast',
      capabilities: {
        agentFirstDial: true,
        leadFirstDial: false,
        contactSync: false,
        presence: false,
        hangup: false,
        idempotentDial: true,
      },
      async dial(request) {
        for (const type of ['ringing', 'answered'] as const)
          applied.push((await other!.handleCallEvent(event(type, request.attemptId))).applied)
        return { providerCallId: `call-${request.attemptId}` }
      },
    }
    const dialer = createLeadCall({ storage, telephony: fast, compliance: { callingHours: false } })
    other = createLeadCall({ storage, telephony: fast, compliance: { callingHours: false } })
    await dialer.agents.upsert({ id: 'ann', name: 'Ann', status: 'available' })
    const completed: string[] = []
    dialer.on('lead.completed', (e) => completed.push(e.processId))
    other.on('lead.completed', (e) => completed.push(e.processId))
    const result = await dialer.submitLead(lead())
    expect(applied).toEqual([true, true]) // kept, not dropped
    expect((await dialer.process(result.processId))?.status).toBe('in_call')
    const attemptId = (result.steps.dial?.detail as { attemptId?: string } | undefined)?.attemptId ?? ''
    await other.handleCallEvent(event('completed', attemptId, { durationSec: 30 }))
    expect(completed).toEqual([result.processId])
    expect((await dialer.process(result.processId))?.status).toBe('completed')
  })
})

describe('crash and resume', () => {
  const boundaries = ['deduplicate', 'compliance', 'classify', 'contactSync', 'distribute', 'dial'] as const

  for (const step of boundaries) {
    it(`lets a live worker take over a process its worker died in after "${step}", with exactly one dial`, async () => {
      const storage = memoryStorage()
      const telephony = simulatedTelephony({ seed: 2, agentAnswerRate: 1, answerRate: 1 })
      const settings = {
        telephony,
        compliance: { callingHours: false },
        pipeline: { queueLeaseMs: 5_000, pollMs: 1_000 },
      } as const
      const dying = createLeadCall({ storage: dyingStorage(storage, step), ...settings })
      // Created last: the simulator sends its call events to the survivor (one sink per simulator).
      const survivor = createLeadCall({ storage, ...settings })
      await survivor.agents.upsert({ id: 'ann', name: 'Ann', status: 'available' })
      const completed: string[] = []
      survivor.on('lead.completed', (e) => completed.push(e.processId))
      void dying.submitLead(lead()).catch(() => undefined)
      await vi.advanceTimersByTimeAsync(10)
      expect(completed).toHaveLength(0)
      // Nobody calls resume(): the survivor's poll finds the dead worker's lease expired.
      await vi.advanceTimersByTimeAsync(120_000)
      expect(telephony.stats.dials).toBe(1)
      expect(completed).toHaveLength(1)
      expect(await survivor.queue.size()).toBe(0)
      await survivor.close()
    })

    it(`finishes a process interrupted right after "${step}" was persisted, with exactly one dial`, async () => {
      const storage = memoryStorage()
      const telephony = simulatedTelephony({ seed: 2, agentAnswerRate: 1, answerRate: 1 })
      const crashed = createLeadCall({
        storage: dyingStorage(storage, step),
        telephony,
        compliance: { callingHours: false },
      })
      await crashed.agents.upsert({ id: 'ann', name: 'Ann', status: 'available' })
      void crashed.submitLead(lead()).catch(() => undefined)
      await vi.advanceTimersByTimeAsync(10)

      const fresh = createLeadCall({ storage, telephony, compliance: { callingHours: false } })
      const completed: string[] = []
      fresh.on('lead.completed', (e) => completed.push(e.processId))
      expect(await fresh.resume()).toEqual({ resumed: 1 })
      await vi.advanceTimersByTimeAsync(120_000)
      expect(telephony.stats.dials).toBe(1)
      expect(completed).toHaveLength(1)
      expect(await fresh.resume()).toEqual({ resumed: 0 })
    })
  }
})

/**
 * A storage where another writer touches a process just before each of its next `times` saves
 * that would complete it, so those saves lose their version check — as when a second process or
 * a timer writes the same process at that instant.
 */
function racingStorage(inner: StorageV1, budget: { times: number }): StorageV1 & { raced: () => number } {
  let raced = 0
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'raced') return () => raced
      const value = Reflect.get(target, property, receiver)
      if (property !== 'atomic') return typeof value === 'function' ? value.bind(target) : value
      return async (ns: string, op: AtomicOperation, options?: StorageCallOptions) => {
        const completing = op.mutations.find(
          (m) =>
            m.type === 'set' &&
            m.key.startsWith('process:') &&
            (m.value as { status?: string }).status === 'completed',
        )
        if (completing && raced < budget.times) {
          raced++
          const current = await target.get(ns, completing.key)
          if (current)
            await target.atomic(ns, {
              mutations: [{ type: 'set', key: completing.key, value: current.value }],
            })
        }
        return target.atomic(ns, op, options)
      }
    },
  }) as StorageV1 & { raced: () => number }
}

describe('the end of a call whose process save lost a race', () => {
  const manual: TelephonyProviderV1 = {
    specificationVersion: 'v1',
    name: 'manual',
    capabilities: {
      agentFirstDial: true,
      leadFirstDial: false,
      contactSync: false,
      presence: false,
      hangup: false,
      idempotentDial: true,
    },
    async dial(request) {
      return { providerCallId: `call-${request.attemptId}` }
    },
  }

  async function connectedCall(storage: StorageV1) {
    const app = createLeadCall({ storage, telephony: manual, compliance: { callingHours: false } })
    await app.agents.upsert({ id: 'ann', name: 'Ann', status: 'available' })
    const result = await app.submitLead(lead())
    const attemptId = (await app.process(result.processId))?.attempt?.attemptId ?? ''
    const event = (type: CallEvent['type'], extra: Partial<CallEvent> = {}): CallEvent => ({
      provider: 'manual',
      type,
      attemptId,
      providerCallId: `call-${attemptId}`,
      at: new Date().toISOString(),
      ...extra,
    })
    await app.handleCallEvent(event('ringing'))
    await app.handleCallEvent(event('answered', { party: 'lead' }))
    expect((await app.process(result.processId))?.status).toBe('in_call')
    return { app, processId: result.processId, event }
  }

  it('takes the end in again at once', async () => {
    const storage = racingStorage(memoryStorage(), { times: 2 })
    const { app, processId, event } = await connectedCall(storage)
    expect(await app.handleCallEvent(event('completed', { durationSec: 42 }))).toEqual({ applied: true })
    expect(storage.raced()).toBe(2)
    expect(await app.process(processId)).toMatchObject({ status: 'completed', call: { status: 'completed' } })
    await app.close()
  })

  it('takes the end in when the provider repeats the event', async () => {
    const budget = { times: 1_000 }
    const storage = racingStorage(memoryStorage(), budget)
    const { app, processId, event } = await connectedCall(storage)
    await app.handleCallEvent(event('completed', { durationSec: 42 }))
    expect((await app.process(processId))?.status).toBe('in_call') // every save lost its race
    expect(storage.raced()).toBeGreaterThan(1)
    // The races stop; the provider's retry of the same event settles the process.
    budget.times = storage.raced()
    expect(await app.handleCallEvent(event('completed', { durationSec: 42 }))).toEqual({ applied: true })
    expect(await app.process(processId)).toMatchObject({ status: 'completed', call: { status: 'completed' } })
    // Once settled, a further repeat changes nothing.
    expect(await app.handleCallEvent(event('completed', { durationSec: 42 }))).toEqual({ applied: false })
    await app.close()
  })
})

describe('retention of closed processes', () => {
  it('expires a closed process, its call and its contact outcome closedRetentionMs after they close; never an open one', async () => {
    const hour = 3_600_000
    const { app, storage } = setup({ config: { pipeline: { closedRetentionMs: hour } } })
    await agents(app, ['ann'])
    const done = await app.submitLead(lead())
    await vi.advanceTimersByTimeAsync(60_000) // its call completes
    const closed = await app.process(done.processId)
    expect(closed?.status).toBe('completed')
    const callId = closed!.attempt!.callId
    await app.agents.setStatus('ann', 'offline')
    const waiting = await app.submitLead(lead())
    expect(waiting.status).toBe('queued')

    await vi.advanceTimersByTimeAsync(hour - 120_000)
    expect(await app.process(done.processId)).not.toBeNull()
    expect(await app.call(callId)).not.toBeNull()
    expect(await storage.get(app.tenant, `contact:${done.processId}`)).not.toBeNull()
    // The references that route the call's webhooks to it (kept a week by default) go with it.
    const refs = async () => [
      ...(await storage.list(app.tenant, { prefix: 'attempt:' })).entries,
      ...(await storage.list(app.tenant, { prefix: 'provider-call:' })).entries,
    ]
    expect((await refs()).map((entry) => entry.value)).toEqual([
      { processId: done.processId, callId },
      { processId: done.processId, callId },
    ])

    await vi.advanceTimersByTimeAsync(120_000)
    expect(await app.process(done.processId)).toBeNull()
    expect(await app.call(callId)).toBeNull()
    expect(await storage.get(app.tenant, `contact:${done.processId}`)).toBeNull()
    expect(await refs()).toEqual([])
    // The lead still waiting for an agent is kept, however long it waits.
    await vi.advanceTimersByTimeAsync(5 * hour)
    expect((await app.process(waiting.processId))?.status).toBe('queued')
  })
})
