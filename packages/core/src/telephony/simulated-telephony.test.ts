import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Agent } from '../domain/agent.js'
import { type CallEvent, CallEventSchema } from '../domain/call-event.js'
import { createCallSession, transitionCallSession } from '../domain/call-session.js'
import type { Lead } from '../domain/lead.js'
import { isLeadCallError, type LeadCallError } from '../errors/lead-call-error.js'
import { jitter } from './simulated-call-plan.js'
import { type SimulatedTelephony, simulatedTelephony } from './simulated-telephony.js'
import type { DialRequest } from './telephony-provider.js'

const START = Date.parse('2026-03-02T14:00:00.000Z')
const TIMEOUT_MS = 30_000

function agent(id = 'agent-1', providerRefs: Record<string, string> = {}): Agent {
  const at = new Date(START).toISOString()
  return {
    id,
    name: `Agent ${id}`,
    status: 'available',
    capacity: 1,
    skills: {},
    weight: 1,
    tier: 1,
    pools: [],
    providerRefs,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    statusChangedAt: at,
  }
}

function lead(phone = '+14155550100', id = 'lead-1'): Lead {
  return {
    id,
    phone,
    fullName: 'Ada Lovelace',
    firstName: 'Ada',
    lastName: 'Lovelace',
    source: 'api',
    priority: 'normal',
    tags: [],
    custom: {},
    receivedAt: new Date(START).toISOString(),
  }
}

function request(n = 1, overrides: Partial<DialRequest> = {}): DialRequest {
  return {
    attemptId: `attempt-${n}`,
    processId: `process-${n}`,
    agent: agent(),
    lead: lead(`+1415555${String(n).padStart(4, '0')}`, `lead-${n}`),
    timeoutMs: TIMEOUT_MS,
    ...overrides,
  }
}

/** A simulator whose events are collected in `events`. */
function connected(options: Parameters<typeof simulatedTelephony>[0] = {}): {
  telephony: SimulatedTelephony
  events: CallEvent[]
} {
  const telephony = simulatedTelephony({ seed: 1, ...options })
  const events: CallEvent[] = []
  telephony.connect((event) => {
    events.push(event)
  })
  return { telephony, events }
}

const ms = (iso: string): number => Date.parse(iso) - START
const summary = (events: CallEvent[]) => events.map((event) => [event.type, event.party])

function caught(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('simulatedTelephony: the shape of the provider', () => {
  it('implements the v1 specification with every optional operation', () => {
    const telephony = simulatedTelephony()
    expect(telephony.specificationVersion).toBe('v1')
    expect(telephony.name).toBe('simulator')
    expect(telephony.capabilities).toEqual({
      agentFirstDial: true,
      leadFirstDial: false,
      contactSync: true,
      presence: true,
      hangup: true,
      idempotentDial: true,
      campaignMode: false,
      recording: false,
      machineDetection: true,
      signedWebhooks: false,
    })
    expect(Number.isInteger(telephony.seed)).toBe(true)
    expect(simulatedTelephony({ name: 'sim-eu', seed: 9 }).name).toBe('sim-eu')
    expect(simulatedTelephony({ seed: 9 }).seed).toBe(9)
  })

  it('rejects bad options listing every problem at once', () => {
    const error = caught(() =>
      simulatedTelephony({
        name: '',
        latencyMs: -1,
        ringMs: Number.NaN,
        answerRate: 1.5,
        agentAnswerRate: -0.1,
        failRate: 2,
        machineRate: '0.1' as unknown as number,
        agentsOnline: 42 as unknown as string[],
        historyLimit: 1.5,
        bogus: true,
      } as Parameters<typeof simulatedTelephony>[0]),
    )
    expect(isLeadCallError(error, 'VALIDATION_FAILED')).toBe(true)
    const issues = (error as LeadCallError).details as { issues: { path: string }[] }
    const paths = issues.issues.map((issue) => issue.path)
    for (const path of [
      'name',
      'latencyMs',
      'ringMs',
      'answerRate',
      'agentAnswerRate',
      'failRate',
      'machineRate',
      'agentsOnline',
      'historyLimit',
    ]) {
      expect(paths).toContain(path)
      expect((error as LeadCallError).message).toContain(path)
    }
    expect((error as LeadCallError).message).toContain('bogus')
  })

  it('accepts no options at all', () => {
    expect(() => simulatedTelephony(undefined)).not.toThrow()
  })

  it('rejects an invalid dial request with VALIDATION_FAILED', async () => {
    const { telephony } = connected()
    await expect(telephony.dial(request(1, { attemptId: '' }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    await expect(telephony.dial(request(1, { timeoutMs: 0 }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    expect(telephony.stats.dials).toBe(0)
  })
})

describe('simulatedTelephony: call flows', () => {
  it('plays an answered call: initiated, agent rings, lead rings, answered, completed', async () => {
    const { telephony, events } = connected({
      agentAnswerRate: 1,
      answerRate: 1,
      ringMs: 2000,
      talkMs: 10_000,
    })
    const result = await telephony.dial(request(1))
    expect(result.providerCallId).toBe('sim-1')
    expect(events).toEqual([]) // `initiated` comes on a timer, after the dial resolved

    await vi.advanceTimersByTimeAsync(60_000)
    expect(summary(events)).toEqual([
      ['initiated', undefined],
      ['ringing', 'agent'],
      ['ringing', 'lead'],
      ['answered', 'lead'],
      ['completed', undefined],
    ])
    expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5])
    for (const event of events) {
      expect(CallEventSchema.parse(event)).toEqual(event)
      expect(event).toMatchObject({
        provider: 'simulator',
        providerCallId: 'sim-1',
        attemptId: 'attempt-1',
        processId: 'process-1',
      })
    }

    const [call] = telephony.calls()
    expect(call).toBeDefined()
    const { plan } = call!
    expect(plan.outcome).toBe('completed')
    expect(plan.agentRingMs).toBeGreaterThanOrEqual(1400)
    expect(plan.agentRingMs).toBeLessThanOrEqual(2600)
    expect(plan.leadRingMs).toBeGreaterThanOrEqual(1400)
    expect(plan.leadRingMs).toBeLessThanOrEqual(2600)
    expect(plan.talkMs).toBeGreaterThanOrEqual(5000)
    expect(plan.talkMs).toBeLessThanOrEqual(15_000)

    const times = events.map((event) => ms(event.at))
    const answerAt = plan.agentRingMs + plan.leadRingMs
    expect(times).toEqual([0, 0, plan.agentRingMs, answerAt, answerAt + plan.talkMs])
    expect(events[3]?.answeredBy).toBe('human')
    expect(events[4]).toMatchObject({
      durationSec: Math.round((answerAt + plan.talkMs) / 1000),
      hangupCause: 'NORMAL_CLEARING',
    })
    expect(events[4]?.recordingUrl).toBeUndefined()
    expect(call).toMatchObject({
      providerCallId: 'sim-1',
      agentId: 'agent-1',
      providerAgentId: 'agent-1',
      leadId: 'lead-1',
      status: 'completed',
      ended: true,
      startedAt: new Date(START).toISOString(),
      agentAnsweredAt: new Date(START + plan.agentRingMs).toISOString(),
    })
    expect(call?.events).toEqual(events)
    expect(telephony.stats).toMatchObject({ dials: 1, answered: 1, completed: 1, agentNoAnswer: 0 })

    // The events move a call session along allowed transitions to its end.
    let session = createCallSession({
      id: 'call-1',
      processId: 'process-1',
      leadId: 'lead-1',
      agentId: 'agent-1',
      provider: 'simulator',
      attemptId: 'attempt-1',
      mode: 'agent_first',
      at: new Date(START).toISOString(),
    })
    for (const event of events) session = transitionCallSession(session, event).session
    expect(session.history.map((entry) => entry.status)).toEqual([
      'queued',
      'initiated',
      'ringing',
      'answered',
      'completed',
    ])
    expect(session.talkSec).toBe(Math.round(plan.talkMs / 1000))
  })

  it('ends with the agent leg no_answer at the ring timeout when the agent does not pick up', async () => {
    const { telephony, events } = connected({ agentAnswerRate: 0 })
    await telephony.dial(request(1, { timeoutMs: 20_000 }))
    await vi.advanceTimersByTimeAsync(19_999)
    expect(summary(events)).toEqual([
      ['initiated', undefined],
      ['ringing', 'agent'],
    ])
    await vi.advanceTimersByTimeAsync(1)
    expect(summary(events)).toEqual([
      ['initiated', undefined],
      ['ringing', 'agent'],
      ['no_answer', 'agent'],
    ])
    expect(events[2]).toMatchObject({ hangupCause: 'NO_ANSWER', sipCode: 480, durationSec: 20, sequence: 3 })
    expect(ms(events[2]!.at)).toBe(20_000)
    await vi.advanceTimersByTimeAsync(600_000)
    expect(events).toHaveLength(3)
    expect(telephony.stats).toMatchObject({ agentNoAnswer: 1, leadNoAnswer: 0, answered: 0 })
    expect(telephony.calls()[0]).toMatchObject({ status: 'no_answer', ended: true })
    expect(telephony.calls()[0]?.agentAnsweredAt).toBeUndefined()
  })

  it('ends with the lead leg no_answer at the timeout, or busy after it rang, when the lead does not answer', async () => {
    const { telephony, events } = connected({ agentAnswerRate: 1, answerRate: 0, seed: 3 })
    for (let n = 1; n <= 40; n++) await telephony.dial(request(n))
    await vi.advanceTimersByTimeAsync(600_000)
    const calls = telephony.calls()
    const busy = calls.filter((call) => call.plan.outcome === 'busy')
    const noAnswer = calls.filter((call) => call.plan.outcome === 'no_answer')
    expect(busy.length).toBeGreaterThan(0)
    expect(noAnswer.length).toBeGreaterThan(busy.length)
    expect(busy.length + noAnswer.length).toBe(40)

    for (const call of busy) {
      expect(summary(call.events)).toEqual([
        ['initiated', undefined],
        ['ringing', 'agent'],
        ['ringing', 'lead'],
        ['busy', 'lead'],
      ])
      expect(call.events[3]).toMatchObject({ sipCode: 486, hangupCause: 'USER_BUSY' })
      expect(ms(call.events[3]!.at) - ms(call.events[2]!.at)).toBe(call.plan.leadRingMs)
    }
    for (const call of noAnswer) {
      expect(summary(call.events)).toEqual([
        ['initiated', undefined],
        ['ringing', 'agent'],
        ['ringing', 'lead'],
        ['no_answer', 'lead'],
      ])
      expect(ms(call.events[3]!.at) - ms(call.events[2]!.at)).toBe(TIMEOUT_MS)
    }
    expect(events).toHaveLength(160)
    expect(telephony.stats).toMatchObject({ busy: busy.length, leadNoAnswer: noAnswer.length, answered: 0 })
  })

  it('ends a leg that would ring longer than timeoutMs with no_answer at timeoutMs', async () => {
    // Both legs ring 7 s to 13 s; the timeout is 10 s.
    const { telephony } = connected({ agentAnswerRate: 1, answerRate: 1, ringMs: 10_000, seed: 11 })
    for (let n = 1; n <= 30; n++) await telephony.dial(request(n, { timeoutMs: 10_000 }))
    await vi.advanceTimersByTimeAsync(600_000)
    const seen = new Set<string>()
    for (const call of telephony.calls()) {
      const { plan, events } = call
      const last = events.at(-1)!
      if (plan.agentRingMs > 10_000) {
        seen.add('agent')
        expect(plan.outcome).toBe('agent_no_answer')
        expect([last.type, last.party, ms(last.at)]).toEqual(['no_answer', 'agent', 10_000])
      } else if (plan.leadRingMs > 10_000) {
        seen.add('lead')
        expect(plan.outcome).toBe('no_answer')
        expect([last.type, last.party, ms(last.at)]).toEqual(['no_answer', 'lead', plan.agentRingMs + 10_000])
      } else {
        seen.add('answered')
        expect(plan.outcome).toBe('completed')
        expect(events.map((event) => event.type)).toContain('answered')
      }
    }
    expect(seen).toEqual(new Set(['agent', 'lead', 'answered']))
  })

  it('reports machine answers and recording URLs', async () => {
    const { telephony, events } = connected({ agentAnswerRate: 1, answerRate: 1, machineRate: 1 })
    await telephony.dial(request(1, { record: true }))
    await vi.advanceTimersByTimeAsync(600_000)
    expect(events.find((event) => event.type === 'answered')?.answeredBy).toBe('machine')
    const completed = events.find((event) => event.type === 'completed')
    expect(completed?.recordingUrl).toBe('https://simulator.invalid/recordings/sim-1.wav')
    expect(() => CallEventSchema.parse(completed)).not.toThrow()
    expect(telephony.stats.answeredByMachine).toBe(1)
  })

  it('uses the agent provider ref and the configured name', async () => {
    const { telephony, events } = connected({ name: 'sim-eu' })
    await telephony.dial(request(1, { agent: agent('agent-9', { 'sim-eu': 'ext-9', other: 'x' }) }))
    await vi.advanceTimersByTimeAsync(0)
    expect(events[0]?.provider).toBe('sim-eu')
    expect(telephony.calls()[0]).toMatchObject({ agentId: 'agent-9', providerAgentId: 'ext-9' })
  })
})

describe('simulatedTelephony: dial requests', () => {
  it('resolves after latencyMs and emits initiated right after', async () => {
    const { telephony, events } = connected({ latencyMs: 100 })
    let result: unknown
    void telephony.dial(request(1)).then((value) => {
      result = value
    })
    await vi.advanceTimersByTimeAsync(99)
    expect(result).toBeUndefined()
    expect(telephony.stats.dials).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(result).toMatchObject({ providerCallId: 'sim-1' })
    expect(events).toEqual([])
    // `initiated` (and the agent's `ringing`) come on the next timer tick, 1 ms later as in Node.
    await vi.advanceTimersByTimeAsync(1)
    expect(summary(events)).toEqual([
      ['initiated', undefined],
      ['ringing', 'agent'],
    ])
    expect(ms(events[0]!.at)).toBe(101)
    expect(events[1]!.at).toBe(events[0]!.at)
  })

  it('refuses every dial with CALL_FAILED after the latency when failRate is 1', async () => {
    const { telephony, events } = connected({ failRate: 1, latencyMs: 100 })
    const outcome = telephony.dial(request(1)).catch((error: unknown) => error)
    let settled = false
    void outcome.then(() => {
      settled = true
    })
    await vi.advanceTimersByTimeAsync(99)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    const error = await outcome
    expect(isLeadCallError(error, 'CALL_FAILED')).toBe(true)
    expect((error as LeadCallError).status).toBe(500)
    await vi.advanceTimersByTimeAsync(600_000)
    expect(events).toEqual([])
    expect(telephony.calls()).toEqual([])
    expect(telephony.stats).toMatchObject({ dials: 0, dialsRefused: 1 })
  })

  it('is idempotent on attemptId, sequentially and while the first request is in flight', async () => {
    const { telephony } = connected({ latencyMs: 100 })
    const [first, second] = await Promise.all([
      (async () => {
        const pending = telephony.dial(request(1))
        await vi.advanceTimersByTimeAsync(100)
        return pending
      })(),
      telephony.dial(request(1)),
    ])
    expect(first.providerCallId).toBe('sim-1')
    expect(second.providerCallId).toBe('sim-1')
    const third = telephony.dial(request(1))
    await vi.advanceTimersByTimeAsync(100)
    expect((await third).providerCallId).toBe('sim-1')
    expect(telephony.calls()).toHaveLength(1)
    expect(telephony.stats).toMatchObject({ dials: 1, dialsDeduplicated: 2 })
    const other = telephony.dial(request(2))
    await vi.advanceTimersByTimeAsync(100)
    expect((await other).providerCallId).toBe('sim-2')
  })

  it('rejects with the reason of a signal already aborted, placing no call', async () => {
    const { telephony } = connected()
    const reason = new Error('gone')
    await expect(telephony.dial(request(1), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await vi.advanceTimersByTimeAsync(600_000)
    expect(telephony.calls()).toEqual([])
    expect(telephony.stats.dials).toBe(0)
  })

  it('rejects and places no call when aborted during the latency', async () => {
    const { telephony, events } = connected({ latencyMs: 100 })
    const controller = new AbortController()
    const dialing = telephony.dial(request(1), { signal: controller.signal })
    const expectation = expect(dialing).rejects.toBe('stop')
    await vi.advanceTimersByTimeAsync(50)
    controller.abort('stop')
    await expectation
    await vi.advanceTimersByTimeAsync(600_000)
    expect(events).toEqual([])
    expect(telephony.calls()).toEqual([])
    expect(telephony.stats).toMatchObject({ dials: 0, dialsAborted: 1 })
    // The attempt may be dialled again since nothing was placed.
    const again = telephony.dial(request(1))
    await vi.advanceTimersByTimeAsync(100)
    expect((await again).providerCallId).toBe('sim-1')
  })

  it('still places the call when only one of two requests for the attempt aborts', async () => {
    const { telephony } = connected({ latencyMs: 100 })
    const controller = new AbortController()
    const aborted = telephony.dial(request(1), { signal: controller.signal }).catch((error: unknown) => error)
    const kept = telephony.dial(request(1))
    controller.abort('stop')
    expect(await aborted).toBe('stop')
    await vi.advanceTimersByTimeAsync(100)
    expect((await kept).providerCallId).toBe('sim-1')
    expect(telephony.stats).toMatchObject({ dials: 1, dialsAborted: 0 })
  })
})

describe('simulatedTelephony: hangup', () => {
  it('cancels a call before the lead answered', async () => {
    const { telephony, events } = connected({ agentAnswerRate: 1, answerRate: 1, ringMs: 2000 })
    const { providerCallId } = await telephony.dial(request(1))
    await vi.advanceTimersByTimeAsync(1000)
    await telephony.hangup(providerCallId!)
    await vi.advanceTimersByTimeAsync(600_000)
    expect(summary(events)).toEqual([
      ['initiated', undefined],
      ['ringing', 'agent'],
      ['canceled', undefined],
    ])
    expect(events[2]).toMatchObject({ sipCode: 487, durationSec: 1, sequence: 3 })
    expect(ms(events[2]!.at)).toBe(1000)
    expect(telephony.stats).toMatchObject({ canceled: 1, completed: 0 })
    // Hanging up an ended call changes nothing.
    await telephony.hangup(providerCallId!)
    await vi.advanceTimersByTimeAsync(1000)
    expect(events).toHaveLength(3)
  })

  it('completes a call after the lead answered', async () => {
    const { telephony, events } = connected({
      agentAnswerRate: 1,
      answerRate: 1,
      ringMs: 2000,
      talkMs: 60_000,
    })
    const { providerCallId } = await telephony.dial(request(1))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(events.at(-1)?.type).toBe('answered')
    await telephony.hangup(providerCallId!)
    await telephony.hangup(providerCallId!) // a second hang-up while the first is under way
    await vi.advanceTimersByTimeAsync(600_000)
    expect(events.map((event) => event.type)).toEqual([
      'initiated',
      'ringing',
      'ringing',
      'answered',
      'completed',
    ])
    expect(events[4]).toMatchObject({ durationSec: 10, hangupCause: 'NORMAL_CLEARING' })
    expect(ms(events[4]!.at)).toBe(10_000)
    expect(telephony.stats).toMatchObject({ completed: 1, canceled: 0 })
  })

  it('rejects an unknown call id with VALIDATION_FAILED and status 404', async () => {
    const { telephony } = connected()
    const error = await telephony.hangup('sim-404').catch((reason: unknown) => reason)
    expect(isLeadCallError(error, 'VALIDATION_FAILED')).toBe(true)
    expect((error as LeadCallError).status).toBe(404)
  })

  it('may be called from the sink while an event is delivered', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    const events: CallEvent[] = []
    telephony.connect((event) => {
      events.push(event)
      if (event.type === 'answered') void telephony.hangup(event.providerCallId!)
    })
    await telephony.dial(request(1))
    await vi.advanceTimersByTimeAsync(600_000)
    expect(events.map((event) => event.type)).toEqual([
      'initiated',
      'ringing',
      'ringing',
      'answered',
      'completed',
    ])
    // The ending comes on the next timer tick.
    expect(ms(events[4]!.at) - ms(events[3]!.at)).toBeLessThanOrEqual(1)
  })
})

describe('simulatedTelephony: delivery', () => {
  it('holds events until a sink is connected, then delivers them in order', async () => {
    const telephony = simulatedTelephony({ seed: 5, agentAnswerRate: 1, answerRate: 1 })
    await telephony.dial(request(1))
    await vi.advanceTimersByTimeAsync(600_000)
    const events: CallEvent[] = []
    telephony.connect((event) => {
      events.push(event)
    })
    expect(events.map((event) => event.type)).toEqual([
      'initiated',
      'ringing',
      'ringing',
      'answered',
      'completed',
    ])
    expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5])
    // Later events go straight to the sink.
    await telephony.dial(request(2))
    await vi.advanceTimersByTimeAsync(1)
    expect(events.at(-1)).toMatchObject({ type: 'ringing', providerCallId: 'sim-2' })
  })

  it('counts a sink that throws or rejects and keeps delivering', async () => {
    const telephony = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    const seen: string[] = []
    let calls = 0
    telephony.connect(async (event) => {
      calls++
      seen.push(event.type)
      if (calls === 1) throw new Error('sink down')
      if (calls === 2) return Promise.reject(new Error('sink rejected'))
    })
    const syncThrowing = simulatedTelephony({ seed: 1, agentAnswerRate: 1, answerRate: 1 })
    const syncSeen: string[] = []
    syncThrowing.connect((event) => {
      syncSeen.push(event.type)
      throw new Error('boom')
    })
    await telephony.dial(request(1))
    await syncThrowing.dial(request(1))
    await vi.advanceTimersByTimeAsync(600_000)
    expect(seen).toEqual(['initiated', 'ringing', 'ringing', 'answered', 'completed'])
    expect(telephony.stats.sinkErrors).toBe(2)
    expect(syncSeen).toEqual(seen)
    expect(syncThrowing.stats.sinkErrors).toBe(5)
    expect(syncThrowing.stats.completed).toBe(1)
  })

  it('close() clears every timer, rejects pending requests and emits nothing more', async () => {
    const { telephony, events } = connected({ latencyMs: 100, agentAnswerRate: 1, answerRate: 1 })
    const first = telephony.dial(request(1))
    await vi.advanceTimersByTimeAsync(100)
    await first
    await vi.advanceTimersByTimeAsync(10)
    const pendingDial = telephony.dial(request(2)).catch((error: unknown) => error)
    const pendingSync = telephony.syncContact(lead()).catch((error: unknown) => error)
    const before = events.length
    expect(vi.getTimerCount()).toBeGreaterThan(0)
    await telephony.close()
    expect(vi.getTimerCount()).toBe(0)
    expect(isLeadCallError(await pendingDial, 'CALL_FAILED')).toBe(true)
    expect(isLeadCallError(await pendingSync, 'CONTACT_CREATION_FAILED')).toBe(true)
    await vi.advanceTimersByTimeAsync(600_000)
    expect(events).toHaveLength(before)
    await expect(telephony.dial(request(3))).rejects.toMatchObject({ code: 'CALL_FAILED' })
    await telephony.close()
  })

  it('keeps the last historyLimit ended calls and every call in progress', async () => {
    const { telephony } = connected({ historyLimit: 2, agentAnswerRate: 0 })
    for (let n = 1; n <= 5; n++) await telephony.dial(request(n))
    await vi.advanceTimersByTimeAsync(600_000)
    await telephony.dial(request(6))
    expect(telephony.calls().map((call) => call.providerCallId)).toEqual(['sim-4', 'sim-5', 'sim-6'])
    await expect(telephony.hangup('sim-1')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 404 })
  })
})

describe('simulatedTelephony: determinism and rates', () => {
  async function run(seed: number): Promise<CallEvent[]> {
    vi.setSystemTime(START)
    const { telephony, events } = connected({ seed, machineRate: 0.2, ringMs: 1000, talkMs: 5000 })
    for (let n = 1; n <= 30; n++) await telephony.dial(request(n))
    await vi.advanceTimersByTimeAsync(600_000)
    await telephony.close()
    return events
  }

  it('gives identical event streams for the same seed and different ones for another seed', async () => {
    const first = await run(1234)
    const second = await run(1234)
    const other = await run(4321)
    expect(first.length).toBeGreaterThan(90)
    expect(second).toEqual(first)
    expect(other).not.toEqual(first)
  })

  it('follows the configured rates over 2,000 calls', async () => {
    const { telephony, events } = connected({
      seed: 2026,
      agentAnswerRate: 0.9,
      answerRate: 0.7,
      machineRate: 0.1,
      ringMs: 1000,
      talkMs: 2000,
    })
    const total = 2000
    // In batches: fake timers scan every pending timer at each tick, so fewer calls at once run faster.
    for (let batch = 0; batch < 10; batch++) {
      for (let n = batch * 200 + 1; n <= (batch + 1) * 200; n++) await telephony.dial(request(n))
      vi.advanceTimersByTime(600_000) // the sink is synchronous: no need to await between timers
    }
    const stats = telephony.stats
    const reachedLead = total - stats.agentNoAnswer
    const near = (actual: number, expected: number, tolerance: number) => {
      expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance)
    }
    near(stats.agentNoAnswer / total, 0.1, 0.025)
    near(stats.answered / reachedLead, 0.7, 0.035)
    near(stats.busy / reachedLead, 0.3 * 0.25, 0.02)
    near(stats.leadNoAnswer / reachedLead, 0.3 * 0.75, 0.035)
    near(stats.answeredByMachine / stats.answered, 0.1, 0.025)
    expect(stats.dials).toBe(total)
    expect(stats.completed).toBe(stats.answered)
    expect(stats.agentNoAnswer + stats.leadNoAnswer + stats.busy + stats.completed).toBe(total)
    for (const event of events) CallEventSchema.parse(event)

    const calls = telephony.calls()
    const ring = calls.map((call) => call.plan.agentRingMs)
    expect(Math.min(...ring)).toBeGreaterThanOrEqual(700)
    expect(Math.max(...ring)).toBeLessThanOrEqual(1300)
    near(ring.reduce((sum, value) => sum + value, 0) / ring.length, 1000, 20)
    const talk = calls.map((call) => call.plan.talkMs)
    expect(Math.min(...talk)).toBeGreaterThanOrEqual(1000)
    expect(Math.max(...talk)).toBeLessThanOrEqual(3000)
    // Sequences increase by one within every call.
    for (const call of calls)
      expect(call.events.map((event) => event.sequence)).toEqual(call.events.map((_, i) => i + 1))
  })

  it('jitters around the mean within the spread', () => {
    expect(jitter(1000, 0.3, 0)).toBe(700)
    expect(jitter(1000, 0.3, 0.5)).toBe(1000)
    expect(jitter(1000, 0.3, 0.999_999)).toBe(1300)
    expect(jitter(0, 0.5, 0.7)).toBe(0)
  })
})

describe('simulatedTelephony: contacts and presence', () => {
  it('syncs contacts after the latency, one id per phone', async () => {
    const telephony = simulatedTelephony({ latencyMs: 100 })
    const first = telephony.syncContact(lead('+14155550100'))
    await vi.advanceTimersByTimeAsync(100)
    expect(await first).toEqual({ contactId: 'sim-contact-1', updated: false })
    const again = telephony.syncContact(lead('+14155550100', 'lead-2'))
    const other = telephony.syncContact(lead('+14155550199'))
    await vi.advanceTimersByTimeAsync(100)
    expect(await again).toEqual({ contactId: 'sim-contact-1', updated: true })
    expect(await other).toEqual({ contactId: 'sim-contact-2', updated: false })
    expect(telephony.stats.contactsSynced).toBe(3)

    const controller = new AbortController()
    const aborted = telephony.syncContact(lead('+14155550123'), { signal: controller.signal })
    const expectation = expect(aborted).rejects.toBe('stop')
    controller.abort('stop')
    await expectation
    await expect(telephony.syncContact({ phone: '' } as Lead)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
  })

  it('reports every agent it knows as available, or on_call during a call', async () => {
    const { telephony } = connected({ agentAnswerRate: 1, answerRate: 1 })
    expect(await telephony.listAgentPresence()).toEqual([])
    await telephony.dial(request(1, { agent: agent('a') }))
    await telephony.dial(request(2, { agent: agent('b') }))
    await telephony.hangup('sim-2')
    await vi.advanceTimersByTimeAsync(0)
    expect(await telephony.listAgentPresence()).toEqual([
      { providerAgentId: 'a', status: 'on_call' },
      { providerAgentId: 'b', status: 'available' },
    ])
  })

  it('reports agentsOnline, read live, and refuses dials to agents offline', async () => {
    const online = new Set(['a'])
    const { telephony } = connected({ agentsOnline: online, latencyMs: 100 })
    const presence = telephony.listAgentPresence()
    await vi.advanceTimersByTimeAsync(100)
    expect(await presence).toEqual([{ providerAgentId: 'a', status: 'available' }])

    const refused = telephony.dial(request(1, { agent: agent('b') })).catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(100)
    expect(isLeadCallError(await refused, 'AGENT_NOT_AVAILABLE')).toBe(true)
    expect(telephony.stats.dialsRefused).toBe(1)

    online.add('b')
    const placed = telephony.dial(request(1, { agent: agent('b') }))
    await vi.advanceTimersByTimeAsync(100)
    expect((await placed).providerCallId).toBe('sim-1')
    online.delete('a')
    const after = telephony.listAgentPresence()
    await vi.advanceTimersByTimeAsync(100)
    expect(await after).toEqual([{ providerAgentId: 'b', status: 'on_call' }])

    const byFunction = simulatedTelephony({ agentsOnline: () => ['x', 'y'] })
    expect(await byFunction.listAgentPresence()).toEqual([
      { providerAgentId: 'x', status: 'available' },
      { providerAgentId: 'y', status: 'available' },
    ])
  })
})

describe('memory of a long run', () => {
  it('forgets the dial records of calls past its history, and old contacts', async () => {
    vi.useFakeTimers()
    try {
      const telephony = simulatedTelephony({ seed: 3, historyLimit: 2, ringMs: 10, talkMs: 10 })
      const dial = (n: number) =>
        telephony.dial({
          attemptId: `att-${n}`,
          processId: `p-${n}`,
          agent: { id: 'ann', name: 'Ann', phone: '+14155550100' } as never,
          lead: { id: `l-${n}`, phone: `+1415555${String(1000 + n)}` } as never,
          mode: 'agent_first',
          timeoutMs: 1_000,
        } as never)
      const first = await dial(1)
      await vi.advanceTimersByTimeAsync(5_000)
      for (let n = 2; n <= 5; n++) {
        await dial(n)
        await vi.advanceTimersByTimeAsync(5_000)
      }
      // Within the history a repeated dial is recognised; past it, its record is gone.
      expect(telephony.calls()).toHaveLength(2)
      expect((await dial(1)).providerCallId).not.toBe(first.providerCallId)
      for (let n = 0; n < 5; n++)
        await telephony.syncContact?.({ phone: `+1415555200${n}`, fullName: 'X' } as never)
      const again = await telephony.syncContact?.({ phone: '+14155552000', fullName: 'X' } as never)
      expect(again?.updated).toBe(false) // forgotten: created anew
      await telephony.close?.()
    } finally {
      vi.useRealTimers()
    }
  })
})
