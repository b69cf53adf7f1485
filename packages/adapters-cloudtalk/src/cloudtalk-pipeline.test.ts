/**
 * The whole pipeline once through CloudTalk: a lead submitted to the app, the click-to-call request
 * my.cloudtalk.io receives (the msw mock), the Workflow Automation requests (with the shared
 * secret) posted through the core HTTP handler's `POST /webhooks/cloudtalk`, and the lead
 * completed: call session, event and the tracking record.
 */
import {
  createHttpHandler,
  createLeadCall,
  type DialRequest,
  type LeadCallApp,
  type LeadCompletedEvent,
  memoryStorage,
} from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { AGENT_ID, BASIC, cloudtalkMock, WEBHOOK_URL } from './cloudtalk-mock.test-util.js'
import { type CloudTalkProvider, cloudtalk } from './cloudtalk-provider.js'

const LEAD_PHONE = '+14155550199'

const mock = cloudtalkMock()
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
  telephony: CloudTalkProvider
  handler: (r: Request) => Promise<Response>
} {
  const telephony = cloudtalk({ ...mock.options, historyPollAfterMs: false })
  app = createLeadCall({ storage: memoryStorage(), telephony, compliance: { callingHours: false } })
  const handler = createHttpHandler(app, {
    webhooks: { cloudtalk: (request) => telephony.parseWebhook(request) },
    metrics: false,
  })
  return { app, telephony, handler }
}

describe('the pipeline end to end through CloudTalk', () => {
  it('dials a submitted lead as CloudTalk expects and completes it from its workflow requests', async () => {
    const { app, handler } = setup()
    await app.agents.upsert({
      id: 'alice',
      name: 'Alice',
      phone: '+14155550100',
      status: 'available',
      providerRefs: { cloudtalk: AGENT_ID },
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

    // What my.cloudtalk.io received: one click-to-call, exactly as CloudTalk documents it.
    const creates = mock.requests('POST', '/calls/create.json')
    expect(creates).toHaveLength(1)
    expect(creates[0]?.body).toEqual({ agent_id: 1234, callee_number: LEAD_PHONE })
    expect(creates[0]?.authorization).toBe(BASIC)
    expect(mock.placed).toMatchObject([{ agentId: AGENT_ID, callee: LEAD_PHONE }])
    // The lead's contact is synced in the background (contactSync: 'background').
    await vi.waitFor(() => {
      expect([...mock.contacts.values()]).toMatchObject([{ name: 'John Carter', numbers: [LEAD_PHONE] }])
    })

    const request: DialRequest = {
      attemptId: attempt.attemptId,
      processId: submitted.processId,
      agent: (await app.agents.get('alice')) ?? (undefined as never),
      lead: state.lead,
      timeoutMs: 30_000,
    }
    const call = { request, result: {} }

    // A request without the shared secret is refused and changes nothing.
    const [forged] = mock.webhookRequests('answered', call, 'unsigned')
    expect((await handler(forged as Request)).status).toBe(401)
    expect((await app.call(attempt.callId))?.status).toBe('queued')

    // CloudTalk's workflow requests (Call Started, Ringing on Agent, Call Answered, Call Ended).
    const requests = mock.webhookRequests('answered', call, 'valid')
    expect(requests).toHaveLength(4)
    for (const webhook of requests) {
      expect(webhook.url).toBe(WEBHOOK_URL)
      const response = await handler(webhook)
      expect(response.status).toBe(200)
      expect(((await response.json()) as { applied: number }).applied).toBeGreaterThan(0)
    }

    const session = await app.call(attempt.callId)
    expect(session).toMatchObject({
      status: 'completed',
      provider: 'cloudtalk',
      processId: submitted.processId,
      agentId: 'alice',
      talkSec: 42, // answered_at to ended_at of the workflow requests
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
      detail: { provider: 'cloudtalk' },
    })
  })
})
