/**
 * Conformance tests of call events: webhooks or socket frames to normalized events, in order, with
 * duplicates recognisable, signatures enforced, and presence statuses mapped.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import { type CallEvent, CallEventSchema } from '../domain/call-event.js'
import { type CallSession, createCallSession, transitionCallSession } from '../domain/call-session.js'
import type { TelephonyProviderV1 } from '../telephony/telephony-provider.js'
import {
  callEventIdentity,
  type TelephonyCallContext,
  type TelephonyOutcome,
  type WebhookEventDelivery,
} from './telephony-conformance.js'
import {
  declared,
  dialRequest,
  expectLeadCallError,
  type TelephonyKit,
  until,
} from './telephony-test-context.js'

const ALL_OUTCOMES: readonly TelephonyOutcome[] = ['answered', 'no_answer', 'busy', 'failed']

/** The call status each outcome must end in. */
const FINAL_STATUS = {
  answered: 'completed',
  no_answer: 'no_answer',
  busy: 'busy',
  failed: 'failed',
} as const satisfies Record<TelephonyOutcome, CallSession['status']>

/** A placed call and a provider that reports its events to `events`. */
interface PlacedCall {
  provider: TelephonyProviderV1
  call: TelephonyCallContext
  /** Events pushed to the provider's sink (socket delivery). */
  pushed: CallEvent[]
}

/** Applies events in order to a fresh session of the call, as the pipeline does. */
function replay(provider: TelephonyProviderV1, call: TelephonyCallContext, events: CallEvent[]): CallSession {
  let session = createCallSession({
    id: 'kit-call',
    processId: call.request.processId,
    leadId: call.request.lead.id,
    agentId: call.request.agent.id,
    provider: provider.name,
    attemptId: call.request.attemptId,
    mode: call.request.mode ?? 'agent_first',
    at: '2000-01-01T00:00:00.000Z',
  })
  if (call.result.providerCallId !== undefined)
    session = { ...session, providerCallId: call.result.providerCallId }
  for (const event of events) session = transitionCallSession(session, event).session
  return session
}

/** Checks each event on its own: valid, from this provider, about this call. */
function expectEventsOfCall(
  provider: TelephonyProviderV1,
  call: TelephonyCallContext,
  events: CallEvent[],
): void {
  expect(events.length, 'at least one event').toBeGreaterThan(0)
  for (const event of events) {
    const parsed = CallEventSchema.safeParse(event)
    expect(parsed.success, `invalid CallEvent ${JSON.stringify(event)}: ${parsed.error?.message}`).toBe(true)
    expect(event.provider).toBe(provider.name)
    const sameCall =
      (call.result.providerCallId !== undefined && event.providerCallId === call.result.providerCallId) ||
      event.attemptId === call.request.attemptId
    expect(
      sameCall,
      `event ${JSON.stringify(event)} does not name the call (providerCallId or attemptId)`,
    ).toBe(true)
    if (event.attemptId !== undefined) expect(event.attemptId).toBe(call.request.attemptId)
    if (event.processId !== undefined) expect(event.processId).toBe(call.request.processId)
  }
  const times = events.map((event) => Date.parse(event.at))
  for (let i = 1; i < times.length; i++) {
    expect(times[i], 'events come in the order they happened').toBeGreaterThanOrEqual(times[i - 1] ?? 0)
  }
}

/** Registers the event, duplicate, signature and presence tests. @internal */
export function eventConformance(kit: TelephonyKit): void {
  const { backend } = kit
  const { delivery } = backend
  const outcomes = backend.outcomes ?? ALL_OUTCOMES

  async function place(): Promise<PlacedCall> {
    const provider = await kit.provider()
    const pushed: CallEvent[] = []
    if (delivery.kind === 'socket') provider.connect?.((event) => void pushed.push(event))
    const request = dialRequest(provider, backend)
    const result = await provider.dial(request)
    return { provider, call: { request, result }, pushed }
  }

  async function parseAll(provider: TelephonyProviderV1, requests: Request[]): Promise<CallEvent[]> {
    const events: CallEvent[] = []
    for (const request of requests) {
      const parse = provider.parseWebhook
      if (!parse) throw new Error('the provider has no parseWebhook')
      events.push(...(await parse.call(provider, request)))
    }
    return events
  }

  /** Delivers the outcome once (or each frame twice) and returns the events, in order. */
  async function deliver(placed: PlacedCall, outcome: TelephonyOutcome, repeat: 1 | 2): Promise<CallEvent[]> {
    const { provider, call, pushed } = placed
    if (delivery.kind === 'webhook') {
      const requests = await delivery.requests(outcome, call, 'valid')
      const doubled = repeat === 1 ? requests : requests.flatMap((request) => [request.clone(), request])
      return parseAll(provider, doubled)
    }
    await delivery.emit(outcome, call, { repeat })
    const final = FINAL_STATUS[outcome]
    // Frames arrive in order: once the ending has come `repeat` times, every earlier frame has too.
    await until(() => {
      const endings = pushed.filter((event) => event.type === final)
      const first = endings[0]
      return (
        first !== undefined &&
        endings.filter((e) => callEventIdentity(e) === callEventIdentity(first)).length >= repeat
      )
    })
    return [...pushed]
  }

  describe('call events', () => {
    it.each(outcomes)('reports a call that ends %s as valid CallEvents, in order', async (outcome) => {
      const placed = await place()
      const events = await deliver(placed, outcome, 1)
      expectEventsOfCall(placed.provider, placed.call, events)
      const session = replay(placed.provider, placed.call, events)
      expect(session.status, `events ${JSON.stringify(events.map((e) => [e.type, e.party]))}`).toBe(
        FINAL_STATUS[outcome],
      )
      if (outcome === 'answered') expect(session.answeredAt).toBeDefined()
      else expect(session.answeredAt).toBeUndefined()
    })

    it('gives a repeated delivery the same event identities, so duplicates can be dropped', async () => {
      const placed = await place()
      const outcome = outcomes[0] ?? 'answered'
      const events = await deliver(placed, outcome, 2)
      expectEventsOfCall(placed.provider, placed.call, events)
      if (delivery.kind === 'webhook') {
        // Each request was delivered twice in a row: the two parses must give the same identities.
        const requests = await delivery.requests(outcome, placed.call, 'valid')
        let offset = 0
        for (const request of requests) {
          const once = await parseAll(placed.provider, [request])
          const first = events.slice(offset, offset + once.length).map(callEventIdentity)
          const second = events.slice(offset + once.length, offset + 2 * once.length).map(callEventIdentity)
          expect(second).toEqual(first)
          expect(once.map(callEventIdentity)).toEqual(first)
          offset += 2 * once.length
        }
        expect(offset).toBe(events.length)
      } else {
        const counts = new Map<string, number>()
        for (const event of events) {
          const key = callEventIdentity(event)
          counts.set(key, (counts.get(key) ?? 0) + 1)
        }
        for (const [key, count] of counts)
          expect(count, `event ${key} was not repeated`).toBeGreaterThanOrEqual(2)
      }
      // Duplicates change nothing: the call ends as it would with each event once.
      const unique = events.filter(
        (event, index) =>
          events.findIndex((e) => callEventIdentity(e) === callEventIdentity(event)) === index,
      )
      expect(replay(placed.provider, placed.call, events)).toEqual(
        replay(placed.provider, placed.call, unique),
      )
    })
  })

  if (delivery.kind === 'webhook') webhookSignatureConformance(kit, delivery, place, outcomes)

  describe('presence', () => {
    it('maps every vendor status to its AgentPresenceReport status when it declares presence', async () => {
      const provider = await kit.provider()
      const fixture = backend.presence
      if (!declared(provider, 'presence') || !provider.listAgentPresence || !fixture) return
      const entries = Object.entries(fixture.statuses)
      const agents = entries.map(([vendorStatus], index) => ({
        providerAgentId: `kit-agent-${index}`,
        vendorStatus,
      }))
      await fixture.arrange(agents)
      const reports = await provider.listAgentPresence()
      for (const [index, [vendorStatus, expected]] of entries.entries()) {
        const report = reports.find((r) => r.providerAgentId === `kit-agent-${index}`)
        expect(report, `agent with vendor status ${vendorStatus}`).toBeDefined()
        expect(report?.status, `vendor status ${vendorStatus}`).toBe(expected)
      }
    })
  })
}

function webhookSignatureConformance(
  kit: TelephonyKit,
  delivery: WebhookEventDelivery,
  place: () => Promise<PlacedCall>,
  outcomes: readonly TelephonyOutcome[],
): void {
  const { backend } = kit
  const outcome = outcomes[0] ?? 'answered'

  describe('webhook signatures', () => {
    it('accepts the genuine webhooks, and verifying leaves the request readable', async () => {
      const { provider, call } = await place()
      if (!declared(provider, 'signedWebhooks') || !provider.verifyWebhook) return
      for (const request of await delivery.requests(outcome, call, 'valid')) {
        await expect(provider.verifyWebhook(request)).resolves.toBeUndefined()
        await expect(provider.parseWebhook?.(request)).resolves.toBeInstanceOf(Array)
      }
    })

    it.each(['tampered', 'unsigned'] as const)(
      'refuses a %s webhook with INVALID_SIGNATURE in verifyWebhook and parseWebhook',
      async (signing) => {
        const { provider, call } = await place()
        if (!declared(provider, 'signedWebhooks') || !provider.verifyWebhook || !provider.parseWebhook) return
        const requests = await delivery.requests(outcome, call, signing)
        expect(requests.length).toBeGreaterThan(0)
        for (const request of requests) {
          const verified = await expectLeadCallError(
            provider.verifyWebhook(request.clone()),
            backend,
            'INVALID_SIGNATURE',
          )
          expect(verified.status).toBe(401)
          await expectLeadCallError(provider.parseWebhook(request), backend, 'INVALID_SIGNATURE')
        }
      },
    )
  })
}
