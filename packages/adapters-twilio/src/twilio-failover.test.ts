/**
 * Two Twilio providers (e.g. two accounts or regions) in a failover set, against the msw mock:
 * the real adapter's error codes decide whether the set fails over, and the backup's signed status
 * callbacks reach it through `telephony.webhooks` and complete the lead.
 */
import {
  createHttpHandler,
  createLeadCall,
  type DialRequest,
  failoverTelephony,
  type LeadCallApp,
  memoryStorage,
} from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { errorBody, twilioMock } from './twilio-mock.test-util.js'
import { twilio } from './twilio-provider.js'

const BACKUP_URL = 'https://hooks.example.com/webhooks/twilio-backup'
const PRIMARY_REF = '+14155550123'
const BACKUP_REF = '+14155550124'

const mock = twilioMock()
beforeAll(() => mock.server.listen({ onUnhandledRequest: 'error' }))
let app: LeadCallApp | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
  mock.reset()
  mock.server.resetHandlers()
})
afterAll(() => mock.server.close())

async function setup() {
  const telephony = failoverTelephony([
    twilio({ ...mock.options, callsPerSecond: 1000 }),
    twilio({ ...mock.options, name: 'twilio-backup', statusCallbackUrl: BACKUP_URL, callsPerSecond: 1000 }),
  ])
  app = createLeadCall({ storage: memoryStorage(), telephony, compliance: { callingHours: false } })
  await app.agents.upsert({
    id: 'alice',
    name: 'Alice',
    status: 'available',
    providerRefs: { twilio: PRIMARY_REF, 'twilio-backup': BACKUP_REF },
  })
  const handler = createHttpHandler(app, { webhooks: telephony.webhooks, metrics: false })
  return { app, telephony, handler }
}

describe('Twilio in a failover set', () => {
  it('fails over when Twilio answers 500, and completes the call from the backup’s callbacks', async () => {
    const { app, telephony, handler } = await setup()
    mock.fail(500, errorBody(500, 20500, 'Internal Server Error'))
    const submitted = await app.submitLead({ name: 'John Carter', phone: '(415) 555-0199' })
    expect(submitted.status).toBe('dialing')
    expect(mock.creates().map((entry) => entry.form.get('To'))).toEqual([PRIMARY_REF, BACKUP_REF])
    const sid = [...mock.calls.keys()][0] ?? ''
    const state = await app.process(submitted.processId)
    const attempt = state?.attempt
    if (!attempt) throw new Error('no dial attempt')
    expect(attempt.providerCallId).toBe(`twilio-backup:${sid}`)
    expect(telephony.placedBy(attempt.attemptId)).toBe('twilio-backup')
    expect(telephony.health()).toMatchObject([
      { name: 'twilio', state: 'closed', consecutiveFailures: 1, lastErrorCode: 'CALL_FAILED' },
      { name: 'twilio-backup', state: 'closed', consecutiveFailures: 0 },
    ])

    const request: DialRequest = {
      attemptId: attempt.attemptId,
      processId: submitted.processId,
      agent: (await app.agents.get('alice')) ?? (undefined as never),
      lead: state.lead,
      timeoutMs: 30_000,
    }
    for (const callback of mock.statusCallbacks(
      'answered',
      { request, result: { providerCallId: sid } },
      'valid',
    )) {
      expect(new URL(callback.url).pathname).toBe('/webhooks/twilio-backup')
      expect((await handler(callback)).status).toBe(200)
    }
    expect(await app.call(attempt.callId)).toMatchObject({ status: 'completed', provider: 'failover' })
    expect((await app.process(submitted.processId))?.status).toBe('completed')

    const health = await (await handler(new Request('http://localhost/health'))).json()
    expect(health).toMatchObject({
      telephony: { provider: 'failover', status: 'configured' },
      providers: [{ name: 'twilio', consecutiveFailures: 1 }, { name: 'twilio-backup' }],
    })
  })

  it('never dials the backup when Twilio may have placed the call (outcome unknown)', async () => {
    const { app, telephony } = await setup()
    mock.failRaw(201, '{"unexpected":true}', 'application/json')
    const submitted = await app.submitLead({ name: 'John Carter', phone: '(415) 555-0199' })
    expect(mock.creates()).toHaveLength(1)
    const state = await app.process(submitted.processId)
    expect(state?.steps.dial).toMatchObject({ status: 'waiting', errorCode: 'PROVIDER_TIMEOUT' })
    expect(telephony.placedBy(state?.attempt?.attemptId ?? '')).toBe('twilio')
    expect(telephony.health()[0]).toMatchObject({ lastErrorCode: 'PROVIDER_TIMEOUT' })
  })
})
