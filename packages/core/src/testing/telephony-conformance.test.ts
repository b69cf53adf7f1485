/**
 * The telephony conformance kit run against a small reference provider whose vendor pushes events
 * over a socket (the way Asterisk ARI does), with presence: it exercises the kit's socket branch
 * and shows what a socket-style backend looks like. Twilio runs the webhook branch.
 */
import { describe, expect, it } from 'vitest'
import type { CallEvent } from '../domain/call-event.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import type {
  AgentPresenceReport,
  CallEventSink,
  DialRequest,
  DialResult,
  ProviderCallOptions,
  TelephonyProviderV1,
} from '../telephony/telephony-provider.js'
import {
  callEventIdentity,
  type ObservedDial,
  type TelephonyMockBackend,
  type TelephonyOutcome,
  telephonyConformance,
} from './telephony-conformance.js'

const PASSWORD = 'reference-vendor-password-7f3a'

/** One frame on the fake vendor's socket. */
interface Frame {
  channel: string
  leg: 'agent' | 'lead'
  state: 'Down' | 'Ringing' | 'Up' | 'Hangup'
  cause?: 'normal' | 'no_answer' | 'busy' | 'failure'
  seq: number
  time: string
}

/** A fake vendor: an originate endpoint that can fail or hang, a socket, endpoint states. */
function fakeVendor() {
  const originated: ObservedDial[] = []
  const listeners = new Set<(frame: Frame) => void>()
  const held = new Set<() => void>()
  let failNext: { status: number; message: string } | undefined
  let hanging = false
  let endpoints: { id: string; state: string }[] = []
  let channels = 0

  return {
    originated,
    held,
    setFailure(status: number, message: string) {
      failNext = { status, message }
    },
    hang() {
      hanging = true
    },
    setEndpoints(list: { id: string; state: string }[]) {
      endpoints = list
    },
    reset() {
      originated.length = 0
      failNext = undefined
      hanging = false
      endpoints = []
      for (const release of [...held]) release()
    },
    /** `POST /channels` of the fake vendor: authenticates with the password, may fail or hang. */
    async originate(
      body: { endpoint: string; lead: string; password: string },
      signal: AbortSignal,
    ): Promise<{ status: number; channel?: string; message?: string }> {
      originated.push({ agent: body.endpoint, lead: body.lead, raw: { ...body, password: '***' } })
      if (hanging) {
        await new Promise<void>((resolve) => {
          const release = (): void => {
            held.delete(release)
            resolve()
          }
          held.add(release)
          signal.addEventListener('abort', release, { once: true })
        })
        return { status: 599 }
      }
      if (body.password !== PASSWORD) return { status: 401, message: 'bad password' }
      if (failNext) {
        const failure = failNext
        failNext = undefined
        // A careless vendor echoing the credentials back.
        return { status: failure.status, message: `${failure.message} (auth ${body.password})` }
      }
      channels++
      return { status: 200, channel: `chan-${channels}` }
    },
    endpoints: () => endpoints,
    subscribe(listener: (frame: Frame) => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    push(frame: Frame) {
      for (const listener of listeners) listener(frame)
    },
  }
}

type Vendor = ReturnType<typeof fakeVendor>

const PRESENCE: Record<string, AgentPresenceReport['status']> = {
  NOT_INUSE: 'available',
  INUSE: 'on_call',
  RINGING: 'on_call',
  UNAVAILABLE: 'offline',
  ONHOLD: 'away',
}

/** A reference socket-style provider written against the v1 spec. */
function referenceProvider(vendor: Vendor, requestTimeoutMs = 5_000): TelephonyProviderV1 {
  let unsubscribe: (() => void) | undefined
  const calls = new Map<string, DialRequest>()

  function refuse(capability: string, what: string): LeadCallError {
    return new LeadCallError('VALIDATION_FAILED', {
      message: `The reference provider does not support ${what}`,
      details: { capability },
      retryable: false,
    })
  }

  async function request<T>(
    signal: AbortSignal | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    signal?.throwIfAborted()
    const timeout = AbortSignal.timeout(requestTimeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (signal?.aborted) reject(signal.reason)
        else reject(new LeadCallError('PROVIDER_TIMEOUT', { message: 'The vendor did not answer in time' }))
      }
      combined.addEventListener('abort', onAbort, { once: true })
      run(combined).then(
        (value) => {
          combined.removeEventListener('abort', onAbort)
          resolve(value)
        },
        (error: unknown) => {
          combined.removeEventListener('abort', onAbort)
          reject(error)
        },
      )
    })
  }

  function toEvent(frame: Frame): CallEvent | undefined {
    const dial = calls.get(frame.channel)
    const base = {
      provider: 'reference',
      providerCallId: frame.channel,
      party: frame.leg,
      at: frame.time,
      sequence: frame.seq,
      ...(dial ? { attemptId: dial.attemptId, processId: dial.processId } : {}),
    }
    if (frame.state === 'Down') return { ...base, type: 'initiated' }
    if (frame.state === 'Ringing') return { ...base, type: 'ringing' }
    if (frame.state === 'Up') return frame.leg === 'agent' ? undefined : { ...base, type: 'answered' }
    const type = { normal: 'completed', no_answer: 'no_answer', busy: 'busy', failure: 'failed' } as const
    return { ...base, type: type[frame.cause ?? 'normal'] }
  }

  return {
    specificationVersion: 'v1',
    name: 'reference',
    capabilities: {
      agentFirstDial: true,
      leadFirstDial: false,
      contactSync: false,
      presence: true,
      hangup: true,
      idempotentDial: false,
      campaignMode: false,
      recording: false,
      machineDetection: false,
      signedWebhooks: false,
    },
    async dial(dial: DialRequest, options: ProviderCallOptions = {}): Promise<DialResult> {
      options.signal?.throwIfAborted()
      if ((dial.mode ?? 'agent_first') === 'lead_first') throw refuse('leadFirstDial', 'lead-first dials')
      if (dial.mode === 'campaign') throw refuse('campaignMode', 'campaigns')
      if (dial.record) throw refuse('recording', 'recording')
      if (dial.machineDetection) throw refuse('machineDetection', 'machine detection')
      const endpoint = dial.agent.providerRefs.reference ?? dial.agent.phone ?? ''
      const answer = await request(options.signal, (signal) =>
        vendor.originate({ endpoint, lead: dial.lead.phone, password: PASSWORD }, signal),
      )
      if (answer.status !== 200 || !answer.channel) {
        const code =
          answer.status === 429 ? 'RATE_LIMITED' : answer.status === 400 ? 'VALIDATION_FAILED' : 'CALL_FAILED'
        const message = (answer.message ?? '').split(PASSWORD).join('[redacted]')
        throw new LeadCallError(code, { message: `The vendor refused the call: ${answer.status} ${message}` })
      }
      calls.set(answer.channel, dial)
      return { providerCallId: answer.channel }
    },
    async hangup(providerCallId: string, options: ProviderCallOptions = {}): Promise<void> {
      options.signal?.throwIfAborted()
      if (!calls.has(providerCallId)) {
        throw new LeadCallError('VALIDATION_FAILED', { message: 'Unknown call', status: 404 })
      }
    },
    async listAgentPresence(options: ProviderCallOptions = {}): Promise<AgentPresenceReport[]> {
      options.signal?.throwIfAborted()
      return vendor.endpoints().map((endpoint) => ({
        providerAgentId: endpoint.id,
        status: PRESENCE[endpoint.state] ?? 'offline',
      }))
    },
    connect(sink: CallEventSink): void {
      unsubscribe?.()
      unsubscribe = vendor.subscribe((frame) => {
        const event = toEvent(frame)
        if (event) void sink(event)
      })
    },
    async close(): Promise<void> {
      unsubscribe?.()
    },
  }
}

function framesOf(outcome: TelephonyOutcome, channel: string): Omit<Frame, 'time'>[] {
  const agent = (state: Frame['state'], seq: number, cause?: Frame['cause']) => ({
    channel,
    leg: 'agent' as const,
    state,
    seq,
    ...(cause ? { cause } : {}),
  })
  const lead = (state: Frame['state'], seq: number, cause?: Frame['cause']) => ({
    channel,
    leg: 'lead' as const,
    state,
    seq,
    ...(cause ? { cause } : {}),
  })
  const start = [agent('Down', 0), agent('Ringing', 1), agent('Up', 2), lead('Down', 0), lead('Ringing', 1)]
  const ending = { answered: 'normal', no_answer: 'no_answer', busy: 'busy', failed: 'failure' } as const
  return outcome === 'answered'
    ? [...start, lead('Up', 2), lead('Hangup', 3, 'normal'), agent('Hangup', 3, 'normal')]
    : [...start, lead('Hangup', 2, ending[outcome]), agent('Hangup', 3, 'normal')]
}

const vendor = fakeVendor()

const backend: TelephonyMockBackend = {
  secrets: [PASSWORD],
  delivery: {
    kind: 'socket',
    async emit(outcome, call, { repeat }) {
      const channel = call.result.providerCallId ?? ''
      const base = Date.UTC(2026, 0, 15, 15, 0, 0)
      for (const [index, frame] of framesOf(outcome, channel).entries()) {
        for (let i = 0; i < repeat; i++) {
          // A socket delivers frames asynchronously, one per turn of the event loop.
          await new Promise((resolve) => setTimeout(resolve, 0))
          vendor.push({ ...frame, time: new Date(base + index * 1000).toISOString() })
        }
      }
    },
  },
  agentRef: 'PJSIP/1001',
  failures: [
    {
      name: '400 invalid endpoint',
      expectedCode: 'VALIDATION_FAILED',
      arrange: () => vendor.setFailure(400, 'bad'),
    },
    {
      name: '429 throttled',
      expectedCode: 'RATE_LIMITED',
      arrange: () => vendor.setFailure(429, 'slow down'),
    },
    {
      name: '500 echoing the password',
      expectedCode: 'CALL_FAILED',
      arrange: () => vendor.setFailure(500, 'oops'),
    },
  ],
  hang: () => vendor.hang(),
  pendingRequests: () => vendor.held.size,
  dials: () => [...vendor.originated],
  presence: {
    statuses: PRESENCE,
    arrange: (agents) =>
      vendor.setEndpoints(agents.map((a) => ({ id: a.providerAgentId, state: a.vendorStatus }))),
  },
  reset: () => vendor.reset(),
}

telephonyConformance(
  'reference socket provider',
  (context) => referenceProvider(vendor, context.requestTimeoutMs),
  backend,
)

telephonyConformance('skipped provider', () => referenceProvider(vendor), backend, {
  skip: 'skipped: no vendor',
})

describe('callEventIdentity', () => {
  const event: CallEvent = {
    provider: 'twilio',
    type: 'ringing',
    providerCallId: 'CA1',
    party: 'lead',
    sequence: 1,
    at: '2026-01-15T15:00:00.000Z',
  }

  it('is the same for the same event delivered twice, whatever its arrival time', () => {
    expect(callEventIdentity({ ...event, at: '2026-01-15T15:00:09.000Z' })).toBe(callEventIdentity(event))
  })

  it('tells apart legs, types, sequences and calls', () => {
    const identity = callEventIdentity(event)
    expect(callEventIdentity({ ...event, party: 'agent' })).not.toBe(identity)
    expect(callEventIdentity({ ...event, type: 'answered' })).not.toBe(identity)
    expect(callEventIdentity({ ...event, sequence: 2 })).not.toBe(identity)
    expect(callEventIdentity({ ...event, providerCallId: 'CA2' })).not.toBe(identity)
  })

  it('falls back to the attempt when the provider gives no call id', () => {
    const { providerCallId: _omitted, ...withoutId } = event
    expect(callEventIdentity({ ...withoutId, attemptId: 'a1' })).not.toBe(
      callEventIdentity({ ...withoutId, attemptId: 'a2' }),
    )
  })
})
