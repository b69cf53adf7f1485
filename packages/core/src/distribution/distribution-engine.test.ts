import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLeadCall, type LeadCallApp } from '../app/create-lead-call.js'
import type { LeadCallConfig } from '../config/config-schema.js'
import type { AgentInput } from '../domain/agent.js'
import { isLeadCallError } from '../errors/lead-call-error.js'
import type { LeadCallEventMap } from '../events/event-map.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { StorageV1 } from '../storage/storage-v1.js'
import { seededRandom } from './random.js'
import { longestIdle } from './strategies/longest-idle.js'

const START = Date.parse('2026-11-23T10:00:00.000Z') // a Monday

function setup(config: Partial<LeadCallConfig['distribution']> = {}, storage: StorageV1 = memoryStorage()) {
  const app = createLeadCall({ storage, distribution: { random: seededRandom(7), ...config } })
  const events: string[] = []
  const record = (name: keyof LeadCallEventMap) =>
    app.on(name, (e) => events.push(`${name}:${'agentId' in e ? e.agentId : ''}`))
  for (const name of [
    'agent.assigned',
    'reservation.accepted',
    'reservation.rejected',
    'reservation.timed_out',
    'reservation.withdrawn',
    'reservation.completed',
    'lead.failed',
  ] as const) {
    record(name)
  }
  return { app, events, storage }
}

async function addAgents(app: LeadCallApp, agents: (Partial<AgentInput> & { id: string })[]) {
  for (const agent of agents) {
    await app.agents.upsert({ name: agent.id, status: 'available', ...agent })
    vi.advanceTimersByTime(1) // distinct registration times: a stable order
  }
}

let leadNo = 0
const lead = () => {
  leadNo++
  return {
    processId: `p-${leadNo}`,
    lead: { id: `l-${leadNo}`, phone: `+1415555${String(leadNo).padStart(4, '0')}` },
  }
}

/** Assigns and completes right away; returns the agent chosen. */
async function next(app: LeadCallApp): Promise<string> {
  const decision = await app.distribution.assign(lead())
  const assignment = decision.assignments[0]!
  await app.distribution.complete(assignment.id)
  return assignment.agentId
}

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('round robin through the engine', () => {
  it('gives leads 1..5 to Alice, Bob, Charlie, Alice, Bob', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'alice' }, { id: 'bob' }, { id: 'charlie' }])
    const got = []
    for (let i = 0; i < 5; i++) got.push(await next(app))
    expect(got).toEqual(['alice', 'bob', 'charlie', 'alice', 'bob'])
  })

  it('skips unavailable agents, serves a lone agent every time, and says NO_AGENTS_AVAILABLE with none', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'alice' }, { id: 'bob', status: 'break' }, { id: 'charlie' }])
    expect([await next(app), await next(app), await next(app)]).toEqual(['alice', 'charlie', 'alice'])
    await app.agents.setStatus('charlie', 'offline')
    expect([await next(app), await next(app)]).toEqual(['alice', 'alice'])
    await app.agents.setStatus('alice', 'offline')
    const error = await app.distribution.assign(lead()).catch((e: unknown) => e)
    expect(isLeadCallError(error, 'NO_AGENTS_AVAILABLE')).toBe(true)
    expect((error as { status: number }).status).toBe(503)
  })

  it('continues where it stopped after a restart (the pointer lives in storage)', async () => {
    const storage = memoryStorage()
    const first = setup({}, storage).app
    await addAgents(first, [{ id: 'alice' }, { id: 'bob' }, { id: 'charlie' }])
    expect([await next(first), await next(first)]).toEqual(['alice', 'bob'])
    const second = setup({}, storage).app
    expect([await next(second), await next(second)]).toEqual(['charlie', 'alice'])
  })

  it('does not reset the rotation when agents are added, removed or come back from a break', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'a' }, { id: 'b' }, { id: 'c' }])
    expect(await next(app)).toBe('a')
    await addAgents(app, [{ id: 'd' }])
    expect([await next(app), await next(app), await next(app)]).toEqual(['b', 'c', 'd'])
    await app.agents.setStatus('b', 'break')
    expect([await next(app), await next(app)]).toEqual(['a', 'c'])
    await app.agents.setStatus('b', 'available')
    await app.agents.remove('c')
    expect([await next(app), await next(app), await next(app)]).toEqual(['d', 'a', 'b'])
  })
})

describe('filters', () => {
  it('respects capacity: two concurrent decisions never exceed it', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'solo', capacity: 1 }])
    const results = await Promise.allSettled([
      app.distribution.assign(lead()),
      app.distribution.assign(lead()),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(isLeadCallError(rejected.reason, 'NO_AGENTS_AVAILABLE')).toBe(true)
    await app.agents.upsert({ id: 'solo', name: 'solo', capacity: 2 })
    await expect(app.distribution.assign(lead())).resolves.toMatchObject({
      assignments: [{ agentId: 'solo' }],
    })
  })

  it('holds an agent back during wrap-up after a completed call', async () => {
    const { app } = setup({ wrapUpMs: 10_000 })
    await addAgents(app, [{ id: 'a' }, { id: 'b' }])
    expect(await next(app)).toBe('a')
    expect(await next(app)).toBe('b')
    const error = await app.distribution.assign(lead()).catch((e: unknown) => e)
    expect(isLeadCallError(error, 'NO_AGENTS_AVAILABLE')).toBe(true)
    expect((error as { details: { skipped: { reason: string }[] } }).details.skipped[0]?.reason).toBe(
      'wrap_up',
    )
    vi.advanceTimersByTime(10_000)
    expect(await next(app)).toBe('a')
  })

  it('offers only agents on shift in their own time zone, and with the required skills', async () => {
    const { app } = setup()
    await addAgents(app, [
      // 10:00 UTC on Monday is 11:00 in Rome and 05:00 in New York.
      {
        id: 'rome',
        schedule: { timezone: 'Europe/Rome', slots: [{ day: 1, start: '09:00', end: '18:00' }] },
      },
      {
        id: 'ny',
        schedule: { timezone: 'America/New_York', slots: [{ day: 1, start: '09:00', end: '18:00' }] },
      },
      { id: 'es', skills: { spanish: 4 } },
    ])
    const picks = new Set<string>()
    for (let i = 0; i < 4; i++) picks.add(await next(app))
    expect([...picks].sort()).toEqual(['es', 'rome'])
    const spanish = await app.distribution.assign({ ...lead(), requiredSkills: { spanish: 3 } })
    expect(spanish.assignments[0]?.agentId).toBe('es')
    await expect(
      app.distribution.assign({ ...lead(), requiredSkills: { spanish: 5 } }),
    ).rejects.toMatchObject({
      code: 'NO_AGENTS_AVAILABLE',
    })
  })

  it('lets the provider’s view win: an agent on a call at the provider is not offered', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'a' }, { id: 'b' }])
    await app.distribution.setProviderPresence('a', { provider: 'cloudtalk', status: 'on_call' })
    expect([await next(app), await next(app)]).toEqual(['b', 'b'])
    await app.distribution.setProviderPresence('a', { provider: 'cloudtalk', status: 'available' })
    expect(await next(app)).toBe('a')
  })

  it('frees an agent whose call ended even when the provider last reported it on that call', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'a' }])
    const decision = await app.distribution.assign(lead())
    await app.distribution.accept(decision.assignments[0]!.id)
    vi.advanceTimersByTime(1_000)
    await app.distribution.setProviderPresence('a', { provider: 'cloudtalk', status: 'on_call' })
    const askedAt = Date.now()
    vi.advanceTimersByTime(1_000)
    await app.distribution.complete(decision.assignments[0]!.id)
    expect(await next(app)).toBe('a') // the end of the call is newer than the provider's report
    vi.advanceTimersByTime(1_000)
    // A poll asked before the call ended and answered after it is stale: ignored.
    await app.distribution.setProviderPresence('a', {
      provider: 'cloudtalk',
      status: 'on_call',
      observedAt: askedAt,
    })
    expect(await next(app)).toBe('a')
    // A fresh report still wins.
    await app.distribution.setProviderPresence('a', {
      provider: 'cloudtalk',
      status: 'on_call',
      observedAt: Date.now(),
    })
    await expect(app.distribution.assign(lead())).rejects.toMatchObject({ code: 'NO_AGENTS_AVAILABLE' })
  })

  it('offers an agent another process freed or added, on a shared store', async () => {
    const memory = memoryStorage()
    // Two apps on one store that says it is shared, as two workers on Redis or PostgreSQL are.
    const shared: StorageV1 = Object.assign(Object.create(memory) as StorageV1, {
      capabilities: { shared: true, durable: false },
    })
    const { app: first } = setup({}, shared)
    const { app: second } = setup({}, shared)
    await addAgents(first, [{ id: 'x' }])
    const decision = await second.distribution.assign(lead())
    await second.distribution.accept(decision.assignments[0]!.id)
    // The call's end reached the other worker: only it saw the agent become free.
    await first.distribution.complete(decision.assignments[0]!.id)
    vi.advanceTimersByTime(1_000)
    expect((await second.distribution.assign(lead())).assignments[0]?.agentId).toBe('x')
    // An agent added through the other worker is offered too.
    await addAgents(first, [{ id: 'y' }])
    vi.advanceTimersByTime(1_000)
    expect((await second.distribution.assign(lead())).assignments[0]?.agentId).toBe('y')
  })

  it('never flips an agent who went offline while holding a reservation back to available', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'a' }])
    const decision = await app.distribution.assign(lead())
    await app.distribution.accept(decision.assignments[0]!.id)
    await app.agents.setStatus('a', 'offline')
    await app.distribution.complete(decision.assignments[0]!.id)
    expect((await app.agents.get('a'))?.status).toBe('offline')
    await expect(app.distribution.assign(lead())).rejects.toMatchObject({ code: 'NO_AGENTS_AVAILABLE' })
  })
})

describe('agents at capacity', () => {
  it('leave the rotation while full and come back at their place: a decision walks only agents with room', async () => {
    const { app } = setup()
    const ids = Array.from({ length: 300 }, (_, i) => `a${String(i).padStart(3, '0')}`)
    await addAgents(
      app,
      ids.map((id) => ({ id, capacity: 1 })),
    )
    const held: string[] = []
    for (let i = 0; i < 300; i++) held.push((await app.distribution.assign(lead())).assignments[0]!.id)
    const none = await app.distribution.assign(lead()).catch((error: unknown) => error)
    expect(isLeadCallError(none) && none.code).toBe('NO_AGENTS_AVAILABLE')
    // a150's lead ends: the next decision, from the pointer at a299, goes to it without passing
    // the 150 full agents before it.
    await app.distribution.complete(held[150]!)
    const freed = await app.distribution.assign(lead())
    expect(freed.assignments[0]?.agentId).toBe('a150')
    expect(freed.skipped).toEqual([])
    // Then the rotation goes on after a150, wrapping round: a010 and a005 freed, a005 comes first.
    await app.distribution.complete(held[10]!)
    await app.distribution.complete(held[5]!)
    expect((await app.distribution.assign(lead())).assignments[0]?.agentId).toBe('a005')
    expect((await app.distribution.assign(lead())).assignments[0]?.agentId).toBe('a010')
    const explained = await app.distribution.explain(lead())
    expect(explained.agents.find((agent) => agent.agentId === 'a000')).toMatchObject({
      eligible: false,
      reason: 'at_capacity',
    })
  })
})

describe('reservations', () => {
  it("leaves another instance's reservation to it, and times it out a timeout later should that one be gone", async () => {
    // One store for both instances, which outlives the first one's close.
    const storage: StorageV1 = { ...memoryStorage(), close: async () => undefined }
    const owner = setup({ reservationTimeoutMs: 30_000 }, storage)
    await addAgents(owner.app, [{ id: 'a' }, { id: 'b' }])
    const decision = await owner.app.distribution.assign(lead())
    expect(decision.assignments[0]?.agentId).toBe('a')
    // The instance that made the reservation goes away before it times out.
    await owner.app.close()
    const other = setup({ reservationTimeoutMs: 30_000 }, storage)
    await other.app.distribution.stats() // loads the roster, and the reservations in it
    await vi.advanceTimersByTimeAsync(35_000)
    expect(other.events).not.toContain('reservation.timed_out:a')
    await vi.advanceTimersByTimeAsync(25_000)
    expect(other.events).toContain('reservation.timed_out:a')
    expect(other.events.at(-1)).toBe('agent.assigned:b')
    await other.app.close()
  })

  it('times out an unanswered offer and moves the lead to the next agent, never one already tried', async () => {
    const { app, events } = setup({ reservationTimeoutMs: 30_000 })
    await addAgents(app, [{ id: 'a' }, { id: 'b' }, { id: 'c' }])
    const first = await app.distribution.assign(lead())
    expect(first.assignments[0]).toMatchObject({ agentId: 'a', attempt: 1, status: 'reserved' })
    await vi.advanceTimersByTimeAsync(29_999)
    expect(events).not.toContain('reservation.timed_out:a')
    await vi.advanceTimersByTimeAsync(1)
    expect(events).toContain('reservation.timed_out:a')
    expect(events.at(-1)).toBe('agent.assigned:b')
    await vi.advanceTimersByTimeAsync(30_000)
    expect(events.at(-1)).toBe('agent.assigned:c')
    // Third timeout: maxAttempts (3) reached, the lead fails with the last error code.
    const failed = new Promise<LeadCallEventMap['lead.failed']>((resolve) => app.once('lead.failed', resolve))
    await vi.advanceTimersByTimeAsync(30_000)
    await expect(failed).resolves.toMatchObject({ processId: first.processId, code: 'AGENT_NOT_AVAILABLE' })
    const stats = await app.distribution.stats()
    expect(stats.map((s) => [s.agentId, s.timedOut, s.active])).toEqual([
      ['a', 1, 0],
      ['b', 1, 0],
      ['c', 1, 0],
    ])
  })

  it('reassigns on reject and fails with the last code once every attempt is used', async () => {
    const { app } = setup({ maxAttempts: 2 })
    await addAgents(app, [{ id: 'a' }, { id: 'b' }, { id: 'c' }])
    const first = await app.distribution.assign(lead())
    const outcome = await app.distribution.reject(first.assignments[0]!.id, { code: 'AGENT_BUSY' })
    expect(outcome).toMatchObject({
      status: 'reassigned',
      decision: { assignments: [{ agentId: 'b', attempt: 2 }] },
    })
    if (outcome.status !== 'reassigned') throw new Error('unreachable')
    const last = await app.distribution.reject(outcome.decision.assignments[0]!.id, { code: 'AGENT_BUSY' })
    expect(last.status).toBe('failed')
    if (last.status === 'failed') expect(last.error.code).toBe('AGENT_BUSY')
  })

  it('fails with NO_AGENTS_AVAILABLE when no untried agent is left', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'a' }])
    const first = await app.distribution.assign(lead())
    const outcome = await app.distribution.reject(first.assignments[0]!.id)
    expect(outcome.status === 'failed' && outcome.error.code).toBe('NO_AGENTS_AVAILABLE')
  })

  it('moves an agent who lets maxNoAnswer offers in a row time out to break, with an agent.status event', async () => {
    const { app } = setup({ maxNoAnswer: 2, maxAttempts: 1 })
    await addAgents(app, [{ id: 'a' }])
    const statuses: string[] = []
    app.on('agent.status', (e) => statuses.push(`${e.status}:${e.source}:${e.reason ?? ''}`))
    await app.distribution.assign(lead())
    await vi.advanceTimersByTimeAsync(30_000)
    expect((await app.agents.get('a'))?.status).toBe('available')
    await app.distribution.assign(lead())
    await vi.advanceTimersByTimeAsync(30_000)
    expect((await app.agents.get('a'))?.status).toBe('break')
    expect(statuses).toEqual(['break:system:max_no_answer'])
  })

  it('resets the no-answer streak on accept', async () => {
    const { app } = setup({ maxNoAnswer: 2, maxAttempts: 1 })
    await addAgents(app, [{ id: 'a' }])
    await app.distribution.assign(lead())
    await vi.advanceTimersByTimeAsync(30_000)
    const d = await app.distribution.assign(lead())
    await app.distribution.accept(d.assignments[0]!.id)
    await app.distribution.complete(d.assignments[0]!.id)
    await app.distribution.assign(lead())
    await vi.advanceTimersByTimeAsync(30_000)
    expect((await app.agents.get('a'))?.status).toBe('available')
  })

  it('refuses to accept an expired, completed or unknown reservation, and accepts twice idempotently', async () => {
    const { app } = setup({ maxAttempts: 1 })
    await addAgents(app, [{ id: 'a' }])
    const d = await app.distribution.assign(lead())
    const id = d.assignments[0]!.id
    await expect(app.distribution.accept(id)).resolves.toMatchObject({ status: 'accepted', agentId: 'a' })
    await expect(app.distribution.accept(id)).resolves.toMatchObject({ status: 'accepted' })
    await app.distribution.complete(id)
    await expect(app.distribution.accept(id)).rejects.toMatchObject({
      code: 'AGENT_NOT_AVAILABLE',
      status: 409,
    })
    await expect(app.distribution.complete(id)).rejects.toMatchObject({ code: 'AGENT_NOT_AVAILABLE' })
    await expect(app.distribution.accept('nonsense')).rejects.toMatchObject({ code: 'AGENT_NOT_AVAILABLE' })
    const late = await app.distribution.assign(lead())
    await vi.advanceTimersByTimeAsync(30_000)
    await expect(app.distribution.accept(late.assignments[0]!.id)).rejects.toMatchObject({
      code: 'AGENT_NOT_AVAILABLE',
    })
  })

  it('offers a lead to several agents at once: the first accept wins, the others are withdrawn', async () => {
    const { app, events } = setup({ parallelOffers: 3 })
    await addAgents(app, [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }])
    const decision = await app.distribution.assign(lead())
    expect(decision.assignments.map((x) => x.agentId)).toEqual(['a', 'b', 'c'])
    expect(decision.group).toBeDefined()
    const [x, y, z] = decision.assignments
    const results = await Promise.allSettled([
      app.distribution.accept(y!.id),
      app.distribution.accept(x!.id),
      app.distribution.accept(z!.id),
    ])
    const won = results.filter((r) => r.status === 'fulfilled')
    expect(won).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2)
    expect(events.filter((e) => e.startsWith('reservation.withdrawn'))).toHaveLength(2)
    const stats = await app.distribution.stats()
    expect(stats.reduce((n, s) => n + s.active, 0)).toBe(1)
  })

  it('reassigns a parallel offer only when every agent of the group declined', async () => {
    const { app } = setup({ parallelOffers: 2 })
    await addAgents(app, [{ id: 'a' }, { id: 'b' }, { id: 'c' }])
    const decision = await app.distribution.assign(lead())
    const [x, y] = decision.assignments
    expect(await app.distribution.reject(x!.id)).toEqual({ status: 'waiting', reason: 'other_offers_open' })
    const outcome = await app.distribution.reject(y!.id)
    expect(outcome.status === 'reassigned' && outcome.decision.assignments.map((a) => a.agentId)).toEqual([
      'c',
    ])
  })
})

describe('explain, stats and reset', () => {
  it('explains who was filtered out and why, and how the rest rank', async () => {
    const { app } = setup()
    await addAgents(app, [
      { id: 'off', status: 'offline' },
      { id: 'full', capacity: 1 },
      { id: 'night', schedule: { timezone: 'UTC', slots: [{ day: 1, start: '20:00', end: '23:00' }] } },
      { id: 'en', skills: { english: 5 } },
      { id: 'es', skills: { spanish: 5, english: 2 } },
      { id: 'tried', skills: { english: 5 } },
    ])
    await app.distribution.assign(lead()) // takes "full"
    const explanation = await app.distribution.explain({
      ...lead(),
      requiredSkills: { english: 2 },
      exclude: ['tried'],
    })
    const byId = Object.fromEntries(explanation.agents.map((a) => [a.agentId, a]))
    expect(byId.off).toMatchObject({ eligible: false, reason: 'status' })
    expect(byId.full).toMatchObject({ eligible: false, reason: 'at_capacity' })
    expect(byId.night).toMatchObject({ eligible: false, reason: 'missing_skill' })
    expect(byId.tried).toMatchObject({ eligible: false, reason: 'already_tried' })
    expect(byId.en).toMatchObject({ eligible: true, rank: 1 })
    expect(byId.es).toMatchObject({ eligible: true, rank: 2 })
    expect(explanation.wouldChoose).toBe('en')
    const offShift = await app.distribution.explain(lead())
    expect(offShift.agents.find((a) => a.agentId === 'night')).toMatchObject({ reason: 'off_shift' })
  })

  it('counts per agent and resets', async () => {
    const { app } = setup()
    await addAgents(app, [{ id: 'a' }, { id: 'b' }])
    const one = await app.distribution.assign(lead())
    await app.distribution.accept(one.assignments[0]!.id)
    await app.distribution.complete(one.assignments[0]!.id)
    const two = await app.distribution.assign(lead())
    await app.distribution.reject(two.assignments[0]!.id)
    expect(await app.distribution.stats()).toMatchObject([
      { agentId: 'a', assigned: 2, accepted: 1, completed: 1, rejected: 0, active: 1 },
      { agentId: 'b', assigned: 1, accepted: 0, rejected: 1, active: 0 },
    ])
    await app.distribution.resetDistribution()
    expect(await app.distribution.stats()).toMatchObject([
      { agentId: 'a', assigned: 0, accepted: 0, completed: 0, active: 1 },
      { agentId: 'b', assigned: 0, rejected: 0, active: 0 },
    ])
    // The pointer is forgotten: the rotation starts again from the first agent that can take a lead.
    expect(await next(app)).toBe('b')
  })

  it('answers bad input with VALIDATION_FAILED', async () => {
    const { app } = setup()
    await expect(app.distribution.assign({ processId: '', lead: { id: 'x' } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(app.distribution.assign({ processId: 'p', lead: {} as never })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(
      app.distribution.setProviderPresence('ghost', { provider: 'x', status: 'available' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 404 })
  })
})

describe('ties', () => {
  it('are broken alike in every process sharing the store, and not by registration order', async () => {
    const storage = memoryStorage()
    const ids = Array.from({ length: 12 }, (_, i) => `agent-${i}`)
    const first = createLeadCall({
      storage,
      distribution: { strategy: longestIdle(), random: seededRandom(1) },
    })
    // Same idle time for everyone: every pair is a tie.
    for (const id of ids) await first.agents.upsert({ id, name: id, status: 'available' })
    const second = createLeadCall({
      storage,
      distribution: { strategy: longestIdle(), random: seededRandom(99) },
    })
    const order = async (app: LeadCallApp) =>
      (await app.distribution.explain(lead())).agents
        .filter((a) => a.eligible)
        .sort((a, b) => a.rank! - b.rank!)
        .map((a) => a.agentId)
    const a = await order(first)
    expect(await order(second)).toEqual(a)
    expect(a).not.toEqual(ids)
    expect([...a].sort()).toEqual([...ids].sort())
  })
})
