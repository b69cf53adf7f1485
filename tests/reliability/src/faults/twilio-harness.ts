/**
 * The Twilio mock behind the fault injector, and what a lead run needs from it: the calls Twilio
 * accepted (by the process named in their status callback URL) and their signed status callbacks.
 */
import type { CallEvent, DialRequest, LeadCallApp } from '@leadcall/core'
import { HttpResponse } from 'msw'
import { errorBody, twilioMock } from '../../../../packages/adapters-twilio/src/twilio-mock.test-util.js'
import { type FaultInjector, type FaultRates, faultInjector } from './fault-injector.js'
import type { PlacedCall } from './lead-run.js'

export const TWILIO_ORIGIN = 'https://api.twilio.com'

/** The Twilio mock's type. */
export type TwilioMock = ReturnType<typeof twilioMock>

/** What {@link faultyTwilio} returns. */
export interface FaultyTwilio {
  mock: TwilioMock
  injector: FaultInjector
  /** Every call Twilio accepted, with the process its status callback URL names. */
  accepted(provider?: string): PlacedCall[]
  /** Twilio's signed status callbacks of an accepted call that the lead answered. */
  callbacks(app: LeadCallApp, call: PlacedCall): Promise<Request[]>
  /** Plays the callbacks of `call` through `parse` into the app. */
  deliver(
    app: LeadCallApp,
    call: PlacedCall,
    parse: (request: Request) => Promise<CallEvent[]>,
  ): Promise<void>
}

/** The Twilio mock with the injector in front of it. */
export function faultyTwilio(seed: number, rates: FaultRates, retryAfterSec = 1): FaultyTwilio {
  const mock = twilioMock()
  const injector = faultInjector({
    origin: TWILIO_ORIGIN,
    seed,
    rates,
    retryAfterSec,
    vendor: mock.server.listHandlers(),
    acceptRoute: (method, path) => method === 'POST' && path.endsWith('/Calls.json'),
    serverError: () => HttpResponse.json(errorBody(500, 20500, 'Internal Server Error'), { status: 500 }),
    rateLimited: (seconds) =>
      HttpResponse.json(errorBody(429, 20429, 'Too Many Requests'), {
        status: 429,
        headers: { 'Retry-After': String(seconds) },
      }),
  })
  mock.server.use(injector.handler)

  /** Every call Twilio accepted, with the process its status callback URL names. */
  function accepted(provider = 'twilio'): PlacedCall[] {
    return [...mock.calls.values()].map((call) => ({
      key: call.sid,
      processId: new URL(call.form.get('StatusCallback') ?? '').searchParams.get('lc_process') ?? '',
      provider,
    }))
  }

  /** Twilio's signed status callbacks of an accepted call that the lead answered. */
  async function callbacks(app: LeadCallApp, call: PlacedCall): Promise<Request[]> {
    const form = mock.calls.get(call.key)?.form
    const state = await app.process(call.processId)
    if (!form || !state) return []
    const attemptId = new URL(form.get('StatusCallback') ?? '').searchParams.get('lc_attempt') ?? ''
    const agent = state.attempt ? await app.agents.get(state.attempt.agentId) : null
    if (!agent) return []
    const request: DialRequest = {
      attemptId,
      processId: call.processId,
      agent,
      lead: state.lead,
      timeoutMs: 30_000,
    }
    return mock.statusCallbacks('answered', { request, result: { providerCallId: call.key } }, 'valid')
  }

  /** Plays the callbacks of `call` through `parse` into the app. */
  async function deliver(
    app: LeadCallApp,
    call: PlacedCall,
    parse: (request: Request) => Promise<CallEvent[]>,
  ): Promise<void> {
    for (const request of await callbacks(app, call)) {
      for (const event of await parse(request)) await app.handleCallEvent(event)
    }
  }

  return { mock, injector, accepted, callbacks, deliver }
}
