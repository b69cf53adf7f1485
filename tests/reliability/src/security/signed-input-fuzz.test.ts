/**
 * Authenticated but malformed input: requests that pass the signature or secret check (Twilio
 * status callbacks and WhatsApp messages, CloudTalk workflow requests, GoHighLevel payloads) with
 * arbitrary parameters and bodies must still get a documented answer (2xx, or 4xx with the JSON
 * error body) from the real adapters' parsers — never a 5xx, never an unhandled rejection.
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { cloudtalk } from '@leadcall/cloudtalk'
import {
  createHttpHandler,
  createLeadCall,
  ERROR_CODES,
  type HttpHandler,
  memoryStorage,
  simulatedTelephony,
} from '@leadcall/core'
import { computeTwilioSignature, twilio } from '@leadcall/twilio'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  WEBHOOK_SECRET as CLOUDTALK_WEBHOOK_SECRET,
  WEBHOOK_URL as CLOUDTALK_WEBHOOK_URL,
  cloudtalkMock,
} from '../../../../packages/adapters-cloudtalk/src/cloudtalk-mock.test-util.js'
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  FROM,
  STATUS_URL,
} from '../../../../packages/adapters-twilio/src/twilio-mock.test-util.js'

const RUNS = 500
const WHATSAPP_URL = 'https://hooks.example.com/whatsapp/twilio'
const KNOWN_CODES = new Set<string>([...ERROR_CODES, 'INTERNAL_ERROR', 'NOT_IMPLEMENTED'])
const ed = generateKeyPairSync('ed25519')
const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString()

const vendor = cloudtalkMock()
const rejections: unknown[] = []
const onRejection = (reason: unknown) => rejections.push(reason)
const statuses = new Map<number, number>()
let handler: HttpHandler
let close: () => Promise<void>

beforeAll(async () => {
  process.on('unhandledRejection', onRejection)
  vendor.server.listen({ onUnhandledRequest: 'error' })
  const twilioProvider = twilio({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    from: FROM,
    statusCallbackUrl: STATUS_URL,
  })
  const cloudtalkProvider = cloudtalk({ ...vendor.options, historyPollAfterMs: false, retries: 0 })
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony: simulatedTelephony({ seed: 3 }),
    compliance: { callingHours: false },
  })
  await app.agents.upsert({ id: 'a1', name: 'Agent', status: 'available' })
  handler = createHttpHandler(app, {
    ghl: { ed25519PublicKey: edPem },
    whatsapp: { twilio: twilioProvider, url: WHATSAPP_URL },
    webhooks: {
      twilio: (request) => twilioProvider.parseWebhook(request),
      cloudtalk: (request) => cloudtalkProvider.parseWebhook(request),
    },
  })
  close = async () => {
    await app.close()
    await cloudtalkProvider.close()
  }
})

afterAll(async () => {
  await close()
  vendor.server.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  process.off('unhandledRejection', onRejection)
  console.info(`signed-input-fuzz: statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`)
  expect(rejections).toEqual([])
})

async function expectDocumented(response: Response): Promise<void> {
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
  const text = await response.text()
  if (response.status >= 200 && response.status < 300) return
  expect(response.status, text).toBeLessThan(500)
  const body = JSON.parse(text) as { error: { code: string; status: number } }
  expect(KNOWN_CODES.has(body.error.code)).toBe(true)
  expect(body.error.status).toBe(response.status)
  // An authenticated request is never refused as unsigned.
  expect(body.error.code).not.toBe('INVALID_SIGNATURE')
}

const anyParam = fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }))
const sid = (prefix: string) => fc.stringMatching(new RegExp(`^${prefix}[0-9a-f]{32}$`))

describe('signed requests with arbitrary content', () => {
  it(`Twilio status callbacks (${RUNS} runs)`, async () => {
    const param = fc.oneof(
      fc.tuple(fc.constant('CallSid'), fc.oneof(sid('CA'), fc.string({ maxLength: 40 }))),
      fc.tuple(fc.constant('ParentCallSid'), fc.oneof(sid('CA'), fc.string({ maxLength: 40 }))),
      fc.tuple(
        fc.constant('CallStatus'),
        fc.oneof(
          fc.constantFrom('ringing', 'in-progress', 'completed', 'busy', 'no-answer', ''),
          fc.string(),
        ),
      ),
      fc.tuple(
        fc.constantFrom('CallDuration', 'SipResponseCode', 'SequenceNumber'),
        fc.oneof(fc.integer().map(String), fc.string()),
      ),
      fc.tuple(fc.constantFrom('Timestamp', 'AnsweredBy', 'RecordingUrl'), fc.string({ maxLength: 60 })),
      anyParam,
    )
    const query = fc.array(
      fc.tuple(
        fc.constantFrom('lc_leg', 'lc_mode', 'lc_attempt', 'lc_process', 'lc_kind', 'x'),
        fc.string({ maxLength: 20 }),
      ),
      { maxLength: 4 },
    )
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 10 }), query, async (params, pairs) => {
        const search = new URLSearchParams(pairs).toString()
        const url = `${STATUS_URL}${search ? `?${search}` : ''}`
        const form = new URLSearchParams(params)
        const signature = computeTwilioSignature({ authToken: AUTH_TOKEN, url, params: form })
        const request = new Request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body: form.toString(),
        })
        await expectDocumented(await handler(request))
      }),
      { numRuns: RUNS, seed: 1121 },
    )
  }, 120_000)

  it(`Twilio WhatsApp messages (${RUNS} runs)`, async () => {
    const param = fc.oneof(
      fc.tuple(
        fc.constantFrom('MessageSid', 'SmsMessageSid'),
        fc.oneof(sid('SM'), sid('MM'), fc.string({ maxLength: 40 })),
      ),
      fc.tuple(
        fc.constant('From'),
        fc.oneof(fc.constantFrom('whatsapp:+34600111222', 'whatsapp:+1', '+34600111222'), fc.string()),
      ),
      fc.tuple(fc.constant('Body'), fc.string({ maxLength: 400, unit: 'grapheme' })),
      fc.tuple(
        fc.constantFrom('NumMedia', 'MediaUrl0', 'MediaContentType0', 'ProfileName', 'WaId'),
        fc.string({ maxLength: 40 }),
      ),
      anyParam,
    )
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 10 }), async (params) => {
        const form = new URLSearchParams(params)
        const signature = computeTwilioSignature({ authToken: AUTH_TOKEN, url: WHATSAPP_URL, params: form })
        const request = new Request('http://10.0.0.7:3000/whatsapp/twilio', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body: form.toString(),
        })
        await expectDocumented(await handler(request))
      }),
      { numRuns: RUNS, seed: 1122 },
    )
  }, 120_000)

  it(`CloudTalk workflow requests (${RUNS} runs)`, async () => {
    const field = fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          'event',
          'call_id',
          'external_number',
          'agent_id',
          'timestamp',
          'status',
          'started_at',
          'ended_at',
          'lc_attempt',
          'lc_process',
          '__proto__',
        ),
        fc.string({ maxLength: 10 }),
      ),
      fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom(
          'call_started',
          'ringing_on_agent',
          'call_answered',
          'call_ended',
          'answered',
          'missed',
          '14155550199',
          '1234',
        ),
      ),
      { maxKeys: 8 },
    )
    const body = fc.oneof(
      { weight: 4, arbitrary: field.map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.json() },
      { weight: 1, arbitrary: fc.string() },
    )
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('', '?lc_event=ended', '?lc_event=%00'), async (text, query) => {
        const request = new Request(`${CLOUDTALK_WEBHOOK_URL}${query}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-leadcall-secret': CLOUDTALK_WEBHOOK_SECRET },
          body: text,
        })
        await expectDocumented(await handler(request))
      }),
      { numRuns: RUNS, seed: 1123 },
    )
  }, 120_000)

  it(`GoHighLevel signed payloads (${RUNS} runs)`, async () => {
    const payload = fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          'type',
          'phone',
          'firstName',
          'email',
          'timestamp',
          'webhookId',
          'customData',
          'tags',
          'contact_id',
          'locationId',
        ),
        fc.string({ maxLength: 10 }),
      ),
      fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom('ContactCreate', '+34600111222', new Date().toISOString()),
      ),
      { maxKeys: 8 },
    )
    const body = fc.oneof(
      { weight: 4, arbitrary: payload.map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.json() },
    )
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const signature = sign(null, Buffer.from(text), ed.privateKey).toString('base64')
        const request = new Request('http://localhost/leads/ghl', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-ghl-signature': signature },
          body: text,
        })
        const response = await handler(request)
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        const answer = await response.text()
        expect(response.status, answer).toBeLessThan(500)
        // A stale or unreadable timestamp is the one reason a signed payload is refused as 401.
        if (response.status === 401) expect(answer).toMatch(/timestamp/)
      }),
      { numRuns: RUNS, seed: 1124 },
    )
  }, 120_000)
})
