/**
 * The whole pipeline once through Twilio: a lead submitted to the app, the create-call request
 * api.twilio.com receives (the msw mock), Twilio's signed status callbacks posted through the core
 * HTTP handler's `POST /webhooks/twilio`, and the lead completed: call session, event and the
 * tracking record.
 */
import { Buffer } from 'node:buffer'
import {
  createHttpHandler,
  createLeadCall,
  type DialRequest,
  type LeadCallApp,
  type LeadCompletedEvent,
  memoryStorage,
} from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ACCOUNT_SID, AUTH_TOKEN, FROM, STATUS_URL, twilioMock } from './twilio-mock.test-util.js'
import { type TwilioProvider, twilio } from './twilio-provider.js'

const AGENT_PHONE = '+14155550100'
/** The agent's Twilio reference: a number of its own, which wins over `agent.phone`. */
const AGENT_REF = '+14155550123'
const LEAD_PHONE = '+14155550199'

const mock = twilioMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  mock.reset()
  mock.server.resetHandlers()
})
afterAll(() => mock.server.close())

let app: LeadCallApp | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

function setup(): {
  app: LeadCallApp
  telephony: TwilioProvider
  handler: (r: Request) => Promise<Response>
} {
  const telephony = twilio({ ...mock.options, callsPerSecond: 1000 })
  app = createLeadCall({ storage: memoryStorage(), telephony, compliance: { callingHours: false } })
  const handler = createHttpHandler(app, {
    webhooks: { twilio: (request) => telephony.parseWebhook(request) },
    metrics: false,
  })
  return { app, telephony, handler }
}

describe('the pipeline end to end through Twilio', () => {
  it('dials a submitted lead as Twilio expects and completes it from signed status callbacks', async () => {
    const { app, handler } = setup()
    await app.agents.upsert({
      id: 'alice',
      name: 'Alice',
      phone: AGENT_PHONE,
      status: 'available',
      providerRefs: { twilio: AGENT_REF },
    })
    const completed: LeadCompletedEvent[] = []
    app.on('lead.completed', (event) => {
      completed.push(event)
    })

    const submitted = await app.submitLead({
      name: 'John Carter',
      phone: '(415) 555-0199',
      email: 'john.carter@example.com',
    })
    expect(submitted.status).toBe('dialing')
    const state = await app.process(submitted.processId)
    const attempt = state?.attempt
    if (!attempt) throw new Error('no dial attempt')

    // What api.twilio.com received: one create-call request, exactly as Twilio documents it.
    expect(mock.received.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /Calls.json'])
    const [create] = mock.creates()
    expect(create?.authorization).toBe(
      `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
    )
    const form = create?.form ?? new URLSearchParams()
    const query = `lc_mode=agent_first&lc_attempt=${attempt.attemptId}&lc_process=${submitted.processId}`
    const agentLeg = `${STATUS_URL}?lc_leg=agent&${query}`
    const leadLeg = `${STATUS_URL}?lc_leg=lead&${query}`
    const escaped = leadLeg.replace(/&/g, '&amp;')
    expect([...form.entries()]).toEqual([
      ['To', AGENT_REF],
      ['From', FROM],
      [
        'Twiml',
        '<?xml version="1.0" encoding="UTF-8"?><Response>' +
          `<Dial answerOnBridge="true" timeout="30" callerId="${FROM}">` +
          `<Number statusCallback="${escaped}" statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">${LEAD_PHONE}</Number>` +
          '</Dial></Response>',
      ],
      ['StatusCallback', agentLeg],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
      ['Timeout', '30'],
    ])
    const providerCallId = [...mock.calls.keys()][0] ?? ''
    expect(attempt.providerCallId).toBe(providerCallId)

    // A forged callback is refused and changes nothing.
    const request: DialRequest = {
      attemptId: attempt.attemptId,
      processId: submitted.processId,
      agent: (await app.agents.get('alice')) ?? (undefined as never),
      lead: state.lead,
      timeoutMs: 30_000,
    }
    const call = { request, result: { providerCallId } }
    const [forged] = mock.statusCallbacks('answered', call, 'tampered')
    expect((await handler(forged as Request)).status).toBe(401)
    expect((await app.call(attempt.callId))?.status).toBe('queued')

    // Twilio's status callbacks of both legs, signed, posted to the documented route.
    const callbacks = mock.statusCallbacks('answered', call, 'valid')
    expect(callbacks.length).toBeGreaterThan(0)
    for (const callback of callbacks) {
      expect(new URL(callback.url).pathname).toBe('/webhooks/twilio')
      const response = await handler(callback)
      expect(response.status).toBe(200)
    }

    const session = await app.call(attempt.callId)
    expect(session).toMatchObject({
      status: 'completed',
      provider: 'twilio',
      providerCallId,
      processId: submitted.processId,
      agentId: 'alice',
    })
    expect(session?.answeredAt).toBeDefined()
    expect(session?.history.map((entry) => entry.status)).toEqual([
      'queued',
      'initiated',
      'ringing',
      'answered',
      'completed',
    ])
    expect(completed).toMatchObject([
      { processId: submitted.processId, agentId: 'alice', callStatus: 'completed' },
    ])
    expect((await app.process(submitted.processId))?.status).toBe('completed')

    const record = await vi.waitFor(async () => {
      const found = await app.tracking.process(submitted.processId)
      if (found?.status !== 'completed') throw new Error('not tracked yet')
      return found
    })
    expect(record).toMatchObject({
      processId: submitted.processId,
      status: 'completed',
      success: true,
      callId: attempt.callId,
      agent: { id: 'alice', name: 'Alice' },
      attempts: 1,
      lead: { name: 'John Carter', phone: expect.not.stringContaining('5550199') },
    })
    expect(record.steps.find((step) => step.name === 'dial')).toMatchObject({
      status: 'done',
      detail: { provider: 'twilio', providerCallId },
    })
  })
})
