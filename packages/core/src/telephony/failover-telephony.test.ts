import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLeadCall } from '../app/create-lead-call.js'
import type { Agent } from '../domain/agent.js'
import type { CallEvent } from '../domain/call-event.js'
import type { Lead } from '../domain/lead.js'
import { isLeadCallError, LeadCallError, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import { createHttpHandler } from '../http/http-handler.js'
import { memoryStorage } from '../storage/memory-storage.js'
import { type FailoverTelephony, failoverTelephony } from './failover-telephony.js'
import { simulatedTelephony } from './simulated-telephony.js'
import type {
  CallEventSink,
  CallLookupResult,
  DialRequest,
  DialResult,
  TelephonyCapabilities,
  TelephonyProviderHealth,
  TelephonyProviderV1,
} from './telephony-provider.js'

const START = Date.parse('2026-03-02T14:00:00.000Z')
const at = (ms: number) => new Date(START + ms).toISOString()

/** A scripted provider: each dial takes the next step of `script` (then `fallback`). */
interface Stub extends TelephonyProviderV1 {
  dials: DialRequest[]
  hangups: string[]
  script: Step[]
  fallback: Step
  sink: CallEventSink | undefined
  lookup: ((attemptId: string) => Promise<CallLookupResult>) | undefined
}

type Step = { ok: string } | { fail: LeadCallErrorCode } | { throw: unknown } | { wait: Promise<DialResult> }

const refused = (code: LeadCallErrorCode) => ({ fail: code }) as const

function stub(
  name: string,
  capabilities: Partial<TelephonyCapabilities> = {},
  extra: Partial<TelephonyProviderV1> = {},
): Stub {
  let calls = 0
  const provider: Stub = {
    specificationVersion: 'v1',
    name,
    capabilities: {
      agentFirstDial: true,
      leadFirstDial: false,
      contactSync: false,
      presence: false,
      hangup: true,
      idempotentDial: false,
      ...capabilities,
    },
    dials: [],
    hangups: [],
    script: [],
    fallback: { ok: 'call' },
    sink: undefined,
    lookup: undefined,
    async dial(request) {
      provider.dials.push(request)
      calls++
      const step = provider.script.shift() ?? provider.fallback
      if ('wait' in step) return step.wait
      if ('throw' in step) throw step.throw
      if ('fail' in step)
        throw new LeadCallError(step.fail, { message: `${name} says ${step.fail}`, details: { from: name } })
      return { providerCallId: `${step.ok}-${calls}`, raw: { from: name } }
    },
    async hangup(id) {
      provider.hangups.push(id)
    },
    connect(sink) {
      provider.sink = sink
    },
    ...extra,
  }
  return provider
}

function agent(): Agent {
  const time = new Date(START).toISOString()
  return {
    id: 'a1',
    name: 'Agent 1',
    phone: '+14155550100',
    status: 'available',
    capacity: 1,
    skills: {},
    weight: 1,
    tier: 1,
    pools: [],
    providerRefs: {},
    metadata: {},
    createdAt: time,
    updatedAt: time,
    statusChangedAt: time,
  }
}

function lead(): Lead {
  return {
    id: 'lead-1',
    phone: '+14155550199',
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

let attempts = 0
function request(extra: Partial<DialRequest> = {}): DialRequest {
  attempts++
  return {
    attemptId: `attempt-${attempts}`,
    processId: `process-${attempts}`,
    agent: agent(),
    lead: lead(),
    timeoutMs: 30_000,
    ...extra,
  }
}

async function rejection(promise: Promise<unknown>): Promise<LeadCallError> {
  try {
    await promise
  } catch (error) {
    if (LeadCallError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a rejection')
}

function stateOf(set: FailoverTelephony, name: string): TelephonyProviderHealth | undefined {
  return set.health().find((health) => health.name === name)
}

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('failoverTelephony: failing over', () => {
  it.each([
    ['CALL_FAILED', refused('CALL_FAILED'), 'CALL_FAILED'],
    ['RATE_LIMITED', refused('RATE_LIMITED'), 'RATE_LIMITED'],
    ['a network error before the request went out', { throw: new TypeError('fetch failed') }, 'CALL_FAILED'],
  ] as const)('moves to the secondary when the primary refuses (%s)', async (_, step, code) => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    primary.script.push(step)
    const set = failoverTelephony([primary, secondary])
    const dial = request()
    const result = await set.dial(dial)
    // The set's call ids name the member that placed the call.
    expect(result).toEqual({
      providerCallId: 'secondary:call-1',
      raw: { from: 'secondary' },
    } satisfies DialResult)
    expect(primary.dials).toHaveLength(1)
    expect(secondary.dials).toEqual([dial])
    expect(set.placedBy(dial.attemptId)).toBe('secondary')
    expect(stateOf(set, 'primary')).toMatchObject({
      state: 'closed',
      consecutiveFailures: 1,
      lastErrorCode: code,
      lastErrorAt: at(0),
    })
    expect(stateOf(set, 'secondary')).toEqual({ name: 'secondary', state: 'closed', consecutiveFailures: 0 })
  })

  it('qualifies call ids with the member name and dials the primary first while it works', async () => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    const set = failoverTelephony([primary, secondary])
    const result = await set.dial(request())
    expect(result.providerCallId).toBe('primary:call-1')
    expect(secondary.dials).toHaveLength(0)
    expect(set.placedBy('primary:call-1')).toBe('primary')
  })

  it('rethrows the only refusal as is, and names every member when all refused', async () => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    primary.script.push(refused('CALL_FAILED'))
    secondary.script.push(refused('RATE_LIMITED'))
    const set = failoverTelephony([primary, secondary])
    const error = await rejection(set.dial(request()))
    expect(error.code).toBe('RATE_LIMITED')
    expect(error.message).toContain('primary: primary says CALL_FAILED')
    expect(error.message).toContain('secondary: secondary says RATE_LIMITED')
    expect(error.details).toEqual({
      attempts: [
        { provider: 'primary', code: 'CALL_FAILED' },
        { provider: 'secondary', code: 'RATE_LIMITED' },
      ],
    })

    const solo = stub('solo')
    solo.script.push(refused('CALL_FAILED'))
    const original = await rejection(failoverTelephony([solo]).dial(request()))
    expect(original.details).toEqual({ from: 'solo' })
  })
})

describe('failoverTelephony: answers about the agent or the input pass through', () => {
  it.each(['AGENT_NOT_AVAILABLE', 'AGENT_BUSY', 'VALIDATION_FAILED'] as const)(
    '%s: thrown as is, no failover, not counted',
    async (code) => {
      const primary = stub('primary')
      const secondary = stub('secondary')
      primary.script.push(refused(code))
      const set = failoverTelephony([primary, secondary])
      const error = await rejection(set.dial(request()))
      expect(error.code).toBe(code)
      expect(error.details).toEqual({ from: 'primary' })
      expect(secondary.dials).toHaveLength(0)
      expect(stateOf(set, 'primary')).toEqual({ name: 'primary', state: 'closed', consecutiveFailures: 0 })
    },
  )

  it('does not reset the failures in a row either', async () => {
    const primary = stub('primary')
    primary.script.push(refused('CALL_FAILED'), refused('AGENT_BUSY'))
    const set = failoverTelephony([primary, stub('secondary')])
    await set.dial(request())
    await rejection(set.dial(request()))
    expect(stateOf(set, 'primary')?.consecutiveFailures).toBe(1)
  })

  it("rethrows the caller's abort without counting it", async () => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    const controller = new AbortController()
    const reason = new Error('stop')
    primary.dial = async () => {
      controller.abort(reason)
      throw reason
    }
    const set = failoverTelephony([primary, secondary])
    await expect(set.dial(request(), { signal: controller.signal })).rejects.toBe(reason)
    expect(secondary.dials).toHaveLength(0)
    expect(stateOf(set, 'primary')?.consecutiveFailures).toBe(0)
    await expect(set.dial(request(), { signal: controller.signal })).rejects.toBe(reason)
  })
})

describe('failoverTelephony: an unknown outcome is never dialed again elsewhere blindly', () => {
  it('surfaces PROVIDER_TIMEOUT when the member cannot look the call up, and remembers the member', async () => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    primary.script.push(refused('PROVIDER_TIMEOUT'))
    const set = failoverTelephony([primary, secondary])
    const dial = request()
    const error = await rejection(set.dial(dial))
    expect(error.code).toBe('PROVIDER_TIMEOUT')
    expect(error.details).toEqual({ from: 'primary' })
    expect(secondary.dials).toHaveLength(0)
    expect(set.placedBy(dial.attemptId)).toBe('primary')
    // A timeout still counts against the member's circuit.
    expect(stateOf(set, 'primary')).toMatchObject({
      consecutiveFailures: 1,
      lastErrorCode: 'PROVIDER_TIMEOUT',
    })
    expect(set.lookupCall).toBeUndefined()
  })

  it('reconciles through lookupCall: placed resolves, not_placed fails over, unknown surfaces the timeout', async () => {
    const answers: CallLookupResult[] = [
      { status: 'placed', providerCallId: 'found-7' },
      { status: 'not_placed' },
      { status: 'unknown' },
    ]
    const looked: string[] = []
    const primary = stub(
      'primary',
      {},
      {
        async lookupCall(attemptId) {
          looked.push(attemptId)
          const answer = answers.shift()
          if (!answer) throw new Error('lookup failed')
          return answer
        },
      },
    )
    primary.fallback = refused('PROVIDER_TIMEOUT')
    const secondary = stub('secondary')
    const set = failoverTelephony([primary, secondary], { failureThreshold: 10 })

    const first = request()
    expect(await set.dial(first)).toEqual({ providerCallId: 'primary:found-7' })
    expect(secondary.dials).toHaveLength(0)
    expect(set.placedBy(first.attemptId)).toBe('primary')

    const second = request()
    expect((await set.dial(second)).providerCallId).toBe('secondary:call-1')
    expect(secondary.dials.map((d) => d.attemptId)).toEqual([second.attemptId])
    expect(set.placedBy(second.attemptId)).toBe('secondary')

    const third = request()
    expect((await rejection(set.dial(third))).code).toBe('PROVIDER_TIMEOUT')
    // A lookup that fails is as good as `unknown`.
    expect((await rejection(set.dial(request()))).code).toBe('PROVIDER_TIMEOUT')
    expect(secondary.dials).toHaveLength(1)
    expect(looked).toHaveLength(4)
    expect(looked[0]).toBe(first.attemptId)

    // The set delegates lookups to the member that took the attempt.
    answers.push({ status: 'placed', providerCallId: 'late-1' })
    expect(await set.lookupCall?.(third.attemptId)).toEqual({
      status: 'placed',
      providerCallId: 'primary:late-1',
    })
    expect(await set.lookupCall?.('never-seen')).toEqual({ status: 'unknown' })
  })
})

describe('failoverTelephony: the circuit breaker', () => {
  it('opens after 5 failures in a row, half-opens after 30 s, and closes on a successful trial', async () => {
    const changes: [string, string, string][] = []
    const primary = stub('primary')
    const secondary = stub('secondary')
    primary.fallback = refused('CALL_FAILED')
    const set = failoverTelephony([primary, secondary], {
      onStateChange: (health, previous) => changes.push([health.name, previous, health.state]),
    })
    for (let i = 0; i < 4; i++) await set.dial(request())
    expect(stateOf(set, 'primary')).toMatchObject({ state: 'closed', consecutiveFailures: 4 })
    await vi.advanceTimersByTimeAsync(1_000)
    await set.dial(request())
    expect(stateOf(set, 'primary')).toEqual({
      name: 'primary',
      state: 'open',
      consecutiveFailures: 5,
      lastErrorCode: 'CALL_FAILED',
      lastErrorAt: at(1_000),
      openedAt: at(1_000),
      retryAt: at(31_000),
    })
    expect(primary.dials).toHaveLength(5)

    // Open: the primary is skipped.
    await set.dial(request())
    expect(primary.dials).toHaveLength(5)
    expect(secondary.dials).toHaveLength(6)

    await vi.advanceTimersByTimeAsync(29_999)
    expect(stateOf(set, 'primary')?.state).toBe('open')
    await vi.advanceTimersByTimeAsync(1)
    expect(stateOf(set, 'primary')).toMatchObject({ state: 'half-open', openedAt: at(1_000) })
    expect(stateOf(set, 'primary')?.retryAt).toBeUndefined()

    // Half-open: one trial at a time; the others skip the primary meanwhile.
    let release: (result: DialResult) => void = () => {}
    primary.script.push({ wait: new Promise<DialResult>((resolve) => (release = resolve)) })
    const trial = set.dial(request())
    await vi.advanceTimersByTimeAsync(0)
    expect(primary.dials).toHaveLength(6)
    expect((await set.dial(request())).providerCallId).toMatch(/^secondary:/)
    expect(primary.dials).toHaveLength(6)
    release({ providerCallId: 'trial-call' })
    expect(await trial).toEqual({ providerCallId: 'primary:trial-call' })
    expect(stateOf(set, 'primary')).toMatchObject({ state: 'closed', consecutiveFailures: 0 })
    expect(stateOf(set, 'primary')?.openedAt).toBeUndefined()

    primary.fallback = { ok: 'call' }
    expect((await set.dial(request())).providerCallId).toMatch(/^primary:/)
    expect(changes).toEqual([
      ['primary', 'closed', 'open'],
      ['primary', 'open', 'half-open'],
      ['primary', 'half-open', 'closed'],
    ])
  })

  it('opens again when the trial fails, for another cool-down', async () => {
    const primary = stub('primary')
    primary.fallback = refused('RATE_LIMITED')
    const set = failoverTelephony([primary, stub('secondary')], { failureThreshold: 2, cooldownMs: 10_000 })
    await set.dial(request())
    await set.dial(request())
    expect(stateOf(set, 'primary')?.state).toBe('open')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(stateOf(set, 'primary')?.state).toBe('half-open')
    await set.dial(request())
    expect(primary.dials).toHaveLength(3)
    expect(stateOf(set, 'primary')).toMatchObject({
      state: 'open',
      consecutiveFailures: 3,
      openedAt: at(10_000),
      retryAt: at(20_000),
    })
    await set.dial(request())
    expect(primary.dials).toHaveLength(3)
  })

  it('leaves a half-open circuit undecided when the trial gets an answer about the agent', async () => {
    const primary = stub('primary')
    primary.script.push(refused('CALL_FAILED'), refused('AGENT_BUSY'))
    const set = failoverTelephony([primary, stub('secondary')], { failureThreshold: 1, cooldownMs: 1_000 })
    await set.dial(request())
    await vi.advanceTimersByTimeAsync(1_000)
    expect((await rejection(set.dial(request()))).code).toBe('AGENT_BUSY')
    expect(stateOf(set, 'primary')).toMatchObject({ state: 'half-open', consecutiveFailures: 1 })
    expect((await set.dial(request())).providerCallId).toMatch(/^primary:/)
    expect(stateOf(set, 'primary')?.state).toBe('closed')
  })

  it('a timed-out trial opens the circuit again', async () => {
    const primary = stub('primary')
    primary.script.push(refused('CALL_FAILED'), refused('PROVIDER_TIMEOUT'))
    const set = failoverTelephony([primary, stub('secondary')], { failureThreshold: 1, cooldownMs: 1_000 })
    await set.dial(request())
    await vi.advanceTimersByTimeAsync(1_000)
    expect((await rejection(set.dial(request()))).code).toBe('PROVIDER_TIMEOUT')
    expect(stateOf(set, 'primary')).toMatchObject({ state: 'open', lastErrorCode: 'PROVIDER_TIMEOUT' })
  })

  it('fails fast with CALL_FAILED when every circuit is open', async () => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    primary.fallback = refused('CALL_FAILED')
    secondary.fallback = refused('CALL_FAILED')
    const set = failoverTelephony([primary, secondary], { failureThreshold: 1 })
    await rejection(set.dial(request()))
    const error = await rejection(set.dial(request()))
    expect(error.code).toBe('CALL_FAILED')
    expect(error.retryable).toBe(true)
    expect(error.message).toContain('every circuit is open')
    expect((error.details as { providers: TelephonyProviderHealth[] }).providers.map((p) => p.state)).toEqual(
      ['open', 'open'],
    )
    expect(primary.dials).toHaveLength(1)
    expect(secondary.dials).toHaveLength(1)
  })

  it('validates its options', () => {
    const a = stub('a')
    for (const [providers, options] of [
      [[], {}],
      [[a, stub('a')], {}],
      [[a, { name: 'x' }], {}],
      [[a], { failureThreshold: 0 }],
      [[a], { cooldownMs: -1 }],
      [[a], { name: '' }],
    ] as const) {
      let caught: unknown
      try {
        failoverTelephony(providers as unknown as TelephonyProviderV1[], options)
      } catch (error) {
        caught = error
      }
      expect(isLeadCallError(caught, 'VALIDATION_FAILED')).toBe(true)
    }
  })
})

describe('failoverTelephony: capabilities and routing', () => {
  it('declares what the set can do and sends a dial only to members that can do what it asks', async () => {
    const primary = stub('primary', { idempotentDial: true, hangup: false })
    const secondary = stub('secondary', { leadFirstDial: true, recording: true, idempotentDial: true })
    const set = failoverTelephony([primary, secondary])
    expect(set.capabilities).toEqual({
      agentFirstDial: true,
      leadFirstDial: true,
      contactSync: false,
      presence: false,
      hangup: true,
      idempotentDial: true,
      campaignMode: false,
      recording: true,
      machineDetection: false,
      signedWebhooks: false,
    })
    expect(failoverTelephony([primary, stub('plain')]).capabilities.idempotentDial).toBe(false)

    expect((await set.dial(request({ mode: 'lead_first' }))).providerCallId).toMatch(/^secondary:/)
    expect((await set.dial(request({ record: true }))).providerCallId).toMatch(/^secondary:/)
    expect(primary.dials).toHaveLength(0)
    const error = await rejection(set.dial(request({ mode: 'campaign' })))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details).toEqual({ capability: 'campaignMode' })
  })

  it('hangs up through the member that placed the call', async () => {
    const primary = stub('primary')
    const secondary = stub('secondary', { hangup: false })
    const set = failoverTelephony([primary, secondary])
    await set.hangup('primary:CA123')
    expect(primary.hangups).toEqual(['CA123'])
    expect((await rejection(set.hangup('secondary:x'))).details).toEqual({ capability: 'hangup' })
    expect((await rejection(set.hangup('CA123'))).code).toBe('VALIDATION_FAILED')
    // The longest member name wins when one prefixes another.
    const nested = failoverTelephony([stub('tw'), stub('tw:eu')])
    await nested.hangup('tw:eu:CA9')
    expect((nested.providers[1] as Stub).hangups).toEqual(['CA9'])
  })

  it('syncs contacts through the first member that can, skipping an open circuit', async () => {
    const synced: string[] = []
    const syncer = (name: string): Partial<TelephonyProviderV1> => ({
      async syncContact() {
        synced.push(name)
        return { contactId: `${name}-contact` }
      },
    })
    const primary = stub('primary', { contactSync: true }, syncer('primary'))
    const secondary = stub('secondary', { contactSync: true }, syncer('secondary'))
    primary.script.push(refused('CALL_FAILED'))
    const set = failoverTelephony([primary, secondary], { failureThreshold: 1 })
    expect(await set.syncContact?.(lead())).toEqual({ contactId: 'primary-contact' })
    await set.dial(request())
    expect(await set.syncContact?.(lead())).toEqual({ contactId: 'secondary-contact' })
    expect(synced).toEqual(['primary', 'secondary'])
    expect(failoverTelephony([stub('x'), stub('y')]).syncContact).toBeUndefined()
  })

  it('connects every member and relabels their events with the set name and qualified call ids', async () => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    const set = failoverTelephony([primary, secondary], { name: 'voice' })
    const events: CallEvent[] = []
    set.connect?.((event) => {
      events.push(event)
    })
    const event: CallEvent = {
      provider: 'secondary',
      type: 'ringing',
      providerCallId: 'c9',
      attemptId: 'att-9',
      at: at(0),
    }
    await secondary.sink?.(event)
    await primary.sink?.({ provider: 'primary', type: 'initiated', at: at(0) })
    expect(events).toEqual([
      { ...event, provider: 'voice', providerCallId: 'secondary:c9' },
      { provider: 'voice', type: 'initiated', at: at(0) },
    ])
    expect(set.placedBy('att-9')).toBe('secondary')
  })

  it('closes every member', async () => {
    const closed: string[] = []
    const member = (name: string) => stub(name, {}, { close: async () => void closed.push(name) })
    await failoverTelephony([member('a'), member('b')]).close()
    expect(closed).toEqual(['a', 'b'])
  })
})

describe('failoverTelephony: webhooks', () => {
  const SECRET = 'letmein'
  function webhookMember(name: string, signed = true): Stub {
    return stub(
      name,
      { signedWebhooks: signed },
      {
        async verifyWebhook(request) {
          if (request.headers.get(`x-${name}-secret`) !== SECRET)
            throw new LeadCallError('INVALID_SIGNATURE', { message: `not ${name}'s` })
        },
        async parseWebhook(request) {
          if (signed && request.headers.get(`x-${name}-secret`) !== SECRET)
            throw new LeadCallError('INVALID_SIGNATURE', { message: `not ${name}'s` })
          const body = (await request.json()) as { callId: string; attemptId: string }
          return [
            {
              provider: name,
              type: 'answered',
              providerCallId: body.callId,
              attemptId: body.attemptId,
              at: at(0),
            },
          ]
        },
      },
    )
  }
  const post = (url: string, headers: Record<string, string> = {}) =>
    new Request(url, { method: 'POST', headers, body: JSON.stringify({ callId: 'c1', attemptId: 'att-1' }) })

  it('dispatches by the provider named in the path, then by the verifier, and relabels the events', async () => {
    const set = failoverTelephony([webhookMember('twilio'), webhookMember('cloudtalk')])
    expect(set.capabilities.signedWebhooks).toBe(true)
    const byPath = await set.parseWebhook(
      post('https://hooks.example.com/webhooks/cloudtalk?x=1', { 'x-cloudtalk-secret': SECRET }),
    )
    expect(byPath).toEqual([
      {
        provider: 'failover',
        type: 'answered',
        providerCallId: 'cloudtalk:c1',
        attemptId: 'att-1',
        at: at(0),
      },
    ])
    const byVerifier = await set.parseWebhook(
      post('https://hooks.example.com/hook', { 'x-twilio-secret': SECRET }),
    )
    expect(byVerifier[0]?.providerCallId).toBe('twilio:c1')
    await expect(set.verifyWebhook(post('https://hooks.example.com/webhooks/twilio'))).rejects.toMatchObject({
      code: 'INVALID_SIGNATURE',
    })
    await expect(set.parseWebhook(post('https://hooks.example.com/hook'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
    // The per-member parsers of `webhooks` plug into createHttpHandler as they are.
    expect(Object.keys(set.webhooks)).toEqual(['twilio', 'cloudtalk'])
    const events = await set.webhooks.twilio?.(post('https://x.example/any', { 'x-twilio-secret': SECRET }))
    expect(events?.[0]).toMatchObject({ provider: 'failover', providerCallId: 'twilio:c1' })
  })

  it('uses the only member that parses webhooks, and is unsigned if one parser is', async () => {
    const set = failoverTelephony([stub('socket'), webhookMember('hooks', false)])
    expect(set.capabilities.signedWebhooks).toBe(false)
    const events = await set.parseWebhook(post('https://hooks.example.com/somewhere'))
    expect(events[0]?.providerCallId).toBe('hooks:c1')
    await expect(set.parseWebhook(post('https://hooks.example.com/webhooks/socket'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    })
  })
})

describe('failover through createLeadCall', () => {
  it('wraps an array of providers; one provider, or an array of one, is used as is', () => {
    const simulator = simulatedTelephony({ seed: 1 })
    expect(createLeadCall({ telephony: simulator }).config.telephony).toBe(simulator)
    expect(createLeadCall({ telephony: [simulator] }).config.telephony).toBe(simulator)
    const app = createLeadCall({ telephony: [stub('a'), stub('b')] })
    expect(app.config.telephony?.name).toBe('failover')
    expect(app.config.telephony?.health?.().map((h) => h.name)).toEqual(['a', 'b'])
    for (const telephony of [[], [stub('a'), stub('a')], [stub('a'), 42]]) {
      let caught: unknown
      try {
        createLeadCall({ telephony: telephony as TelephonyProviderV1[] })
      } catch (error) {
        caught = error
      }
      expect(isLeadCallError(caught, 'VALIDATION_FAILED')).toBe(true)
      expect((caught as LeadCallError).message).toContain('telephony')
    }
  })

  it('places the call through the secondary when the primary refuses, and follows its events to the end', async () => {
    const primary = simulatedTelephony({ name: 'primary', seed: 1, failRate: 1, latencyMs: 0 })
    const secondary = simulatedTelephony({
      name: 'secondary',
      seed: 2,
      latencyMs: 0,
      agentAnswerRate: 1,
      answerRate: 1,
      machineRate: 0,
      ringMs: 1_000,
      talkMs: 5_000,
    })
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony: [primary, secondary],
      compliance: { callingHours: false },
      pipeline: { presencePollMs: 0 },
    })
    try {
      await app.agents.upsert({ id: 'a1', name: 'Agent 1', status: 'available' })
      const completed: string[] = []
      app.on('lead.completed', (event) => {
        completed.push(event.processId)
      })
      const submitted = await app.submitLead({ name: 'Ada Lovelace', phone: '+14155550199' })
      expect(submitted.status).toBe('dialing')
      expect(primary.stats.dialsRefused).toBe(1)
      expect(secondary.stats.dials).toBe(1)
      await vi.advanceTimersByTimeAsync(60_000)
      expect(completed).toEqual([submitted.processId])
      const state = await app.process(submitted.processId)
      const session = await app.call(state?.attempt?.callId ?? '')
      expect(session).toMatchObject({ status: 'completed', provider: 'failover' })
      expect(session?.providerCallId).toMatch(/^secondary:/)
      const telephony = app.config.telephony as FailoverTelephony
      expect(telephony.placedBy(state?.attempt?.attemptId ?? '')).toBe('secondary')
      expect(telephony.health()).toMatchObject([
        { name: 'primary', consecutiveFailures: 1, lastErrorCode: 'CALL_FAILED' },
        { name: 'secondary', consecutiveFailures: 0 },
      ])
    } finally {
      await app.close()
    }
  })
})

describe('failover under the pipeline', () => {
  async function pipelineApp(primary: Stub, secondary: Stub) {
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony: [primary, secondary],
      compliance: { callingHours: false },
      pipeline: { presencePollMs: 0, noAnswerTimeoutMs: 20_000 },
    })
    await app.agents.upsert({ id: 'a1', name: 'Agent 1', phone: '+14155550100', status: 'available' })
    return app
  }

  it('leaves a timed-out dial to the no-answer timeout, never dialing the secondary', async () => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    primary.script.push(refused('PROVIDER_TIMEOUT'))
    const app = await pipelineApp(primary, secondary)
    try {
      const submitted = await app.submitLead({ name: 'Ada Lovelace', phone: '+14155550199' })
      const state = await app.process(submitted.processId)
      expect(state?.steps.dial).toMatchObject({ status: 'waiting', errorCode: 'PROVIDER_TIMEOUT' })
      expect(primary.dials).toHaveLength(1)
      expect(secondary.dials).toHaveLength(0)
      // The call's events may still come from the primary (through the set's sink): they route by attempt.
      await primary.sink?.({
        provider: 'primary',
        type: 'ringing',
        providerCallId: 'late-call',
        attemptId: state?.attempt?.attemptId ?? '',
        at: at(1_000),
      })
      await vi.advanceTimersByTimeAsync(0)
      const session = await app.call(state?.attempt?.callId ?? '')
      expect(session).toMatchObject({ status: 'ringing', provider: 'failover' })
    } finally {
      await app.close()
    }
  })

  it('hangs up an unanswered call through the member that placed it', async () => {
    const primary = stub('primary')
    const secondary = stub('secondary')
    primary.script.push(refused('CALL_FAILED'))
    const app = await pipelineApp(primary, secondary)
    try {
      const submitted = await app.submitLead({ name: 'Ada Lovelace', phone: '+14155550199' })
      expect(submitted.status).toBe('dialing')
      await vi.advanceTimersByTimeAsync(20_000)
      expect(secondary.hangups).toEqual(['call-1'])
      expect(primary.hangups).toEqual([])
    } finally {
      await app.close()
    }
  })
})

describe('GET /health with a failover set', () => {
  it('lists every provider with its circuit, and reports degraded (200) while one is not closed', async () => {
    const primary = stub('primary')
    primary.fallback = refused('CALL_FAILED')
    const set = failoverTelephony([primary, stub('secondary')], { failureThreshold: 1 })
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony: set,
      compliance: { callingHours: false },
    })
    const handler = createHttpHandler(app, { metrics: false })
    const health = () => handler(new Request('http://localhost/health'))
    try {
      const ok = await health()
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({
        status: 'ok',
        storage: { driver: 'memory', status: 'ok' },
        telephony: { provider: 'failover', status: 'configured' },
        providers: [
          { name: 'primary', state: 'closed', consecutiveFailures: 0 },
          { name: 'secondary', state: 'closed', consecutiveFailures: 0 },
        ],
      })
      await set.dial(request())
      const degraded = await health()
      expect(degraded.status).toBe(200)
      const body = (await degraded.json()) as { status: string; providers: TelephonyProviderHealth[] }
      expect(body.status).toBe('degraded')
      expect(body.providers[0]).toEqual({
        name: 'primary',
        state: 'open',
        consecutiveFailures: 1,
        lastErrorCode: 'CALL_FAILED',
        lastErrorAt: at(0),
        openedAt: at(0),
        retryAt: at(30_000),
      })
    } finally {
      await app.close()
    }
  })

  it('keeps the body of a single provider as it was, with an empty providers list', async () => {
    const app = createLeadCall({ storage: memoryStorage(), telephony: simulatedTelephony({ seed: 1 }) })
    try {
      const body = await (
        await createHttpHandler(app, { metrics: false })(new Request('http://localhost/health'))
      ).json()
      expect(body).toMatchObject({
        status: 'ok',
        telephony: { provider: 'simulator', status: 'configured' },
        providers: [],
      })
    } finally {
      await app.close()
    }
  })
})
