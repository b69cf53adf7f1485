/**
 * The CloudTalk mock behind the fault injector, and what a lead run needs from it: the calls
 * `calls/create` placed (by lead number) and CloudTalk's workflow requests for them.
 */
import type { CallEvent, DialRequest, LeadCallApp } from '@leadcall/core'
import { HttpResponse } from 'msw'
import {
  cloudtalkMock,
  errorEnvelope,
} from '../../../../packages/adapters-cloudtalk/src/cloudtalk-mock.test-util.js'
import { type FaultRates, faultInjector } from './fault-injector.js'
import type { AcceptedCall, PlacedCall } from './lead-run.js'

export const CLOUDTALK_ORIGIN = 'https://my.cloudtalk.io'

/** CloudTalk's own statement of when requests may resume: `X-CloudTalkAPI-ResetTime` (Unix seconds). */
export function cloudtalkResetTime(response: Response): number | undefined {
  const value = Number(response.headers.get('x-cloudtalkapi-resettime'))
  return Number.isFinite(value) && value > 0 ? value * 1000 : undefined
}

/** The CloudTalk agent id of agent `index`. */
export function cloudtalkAgentId(index: number): string {
  return String(2000 + index)
}

/** The CloudTalk mock, with `agents` online agents, behind the injector. */
export function faultyCloudTalk(seed: number, rates: FaultRates, agents: number, retryAfterSec = 1) {
  const mock = cloudtalkMock()
  const list = () =>
    Array.from({ length: agents }, (_, i) => mock.agent({ id: cloudtalkAgentId(i), name: String(100 + i) }))
  mock.setAgents(list())
  const injector = faultInjector({
    origin: CLOUDTALK_ORIGIN,
    seed,
    rates,
    retryAfterSec,
    vendor: mock.server.listHandlers(),
    acceptRoute: (method, path) => method === 'POST' && path.endsWith('/calls/create.json'),
    serverError: () =>
      HttpResponse.json(errorEnvelope(500, 'Something went wrong.'), {
        status: 500,
      }),
    rateLimited: (seconds) =>
      HttpResponse.json(errorEnvelope(429, 'Too Many Requests'), {
        status: 429,
        headers: {
          'Retry-After': String(seconds),
          'X-CloudTalkAPI-Limit': '60',
          'X-CloudTalkAPI-Remaining': '0',
          'X-CloudTalkAPI-ResetTime': String(Math.ceil((Date.now() + seconds * 1000) / 1000)),
        },
      }),
  })
  mock.server.use(injector.handler)

  /** Every call `calls/create` placed, by the lead number it called. */
  function accepted(provider = 'cloudtalk'): AcceptedCall[] {
    return mock.placed.map((call) => ({ key: call.callId, phone: call.callee, provider }))
  }

  /** CloudTalk's workflow requests of a placed call the lead answered. */
  async function requests(app: LeadCallApp, call: PlacedCall): Promise<Request[]> {
    const state = await app.process(call.processId)
    const agent = state?.attempt ? await app.agents.get(state.attempt.agentId) : null
    const placed = mock.placed.find((entry) => entry.callId === call.key)
    if (!state?.attempt || !agent || !placed) return []
    const request: DialRequest = {
      attemptId: state.attempt.attemptId,
      processId: call.processId,
      agent,
      lead: state.lead,
      timeoutMs: 30_000,
    }
    return mock.webhookRequests('answered', { request, result: {} }, 'valid')
  }

  async function deliver(
    app: LeadCallApp,
    call: PlacedCall,
    parse: (request: Request) => Promise<CallEvent[]>,
  ): Promise<void> {
    for (const request of await requests(app, call)) {
      for (const event of await parse(request)) await app.handleCallEvent(event)
    }
  }

  return { mock, injector, accepted, deliver, resetAgents: () => mock.setAgents(list()) }
}
