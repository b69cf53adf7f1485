/**
 * Every signed intake refuses what its sender did not sign, with 401 `INVALID_SIGNATURE`: Twilio
 * voice status callbacks and WhatsApp messages (`X-Twilio-Signature`, HMAC-SHA1 over the URL and
 * the sorted parameters), GoHighLevel (`x-ghl-signature` Ed25519, `x-wh-signature` RSA, or the
 * workflow's shared secret), CloudTalk's workflow requests (shared secret) and ARI's credentials.
 *
 * Replay: GoHighLevel payloads carry a `timestamp` (stale ones are refused) and a `webhookId`
 * (a redelivery is answered 409 and not processed again). Twilio's scheme has no timestamp: replay
 * protection comes from de-duplicating `MessageSid` (WhatsApp) and from call events being applied
 * once per call state (`CallSid`), which is what is tested here.
 */
import { createSign, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { asterisk } from '@leadcall/asterisk'
import { cloudtalk, verifyCloudTalkWebhookSecret } from '@leadcall/cloudtalk'
import {
  createHttpHandler,
  createLeadCall,
  type HttpHandler,
  type LeadCallApp,
  LeadCallError,
  memoryStorage,
  simulatedTelephony,
} from '@leadcall/core'
import { computeTwilioSignature, type TwilioProvider, twilio, verifyTwilioSignature } from '@leadcall/twilio'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type AriServer,
  startAriServer,
} from '../../../../packages/adapters-asterisk/src/ari-server.test-util.js'
import { dial } from '../../../../packages/adapters-asterisk/src/asterisk-fixtures.test-util.js'
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
  twilioMock,
  webhookRequest,
} from '../../../../packages/adapters-twilio/src/twilio-mock.test-util.js'

const PUBLIC_WHATSAPP_URL = 'https://hooks.example.com/leadcall/whatsapp/twilio'
const INTERNAL_BASE = 'http://10.0.0.7:3000'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const PROSPECT = '+34600111222'

const apps: LeadCallApp[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

function appOf(): LeadCallApp {
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony: simulatedTelephony({ seed: 7 }),
    compliance: { callingHours: false },
    phone: { defaultCountry: 'ES' },
  })
  apps.push(app)
  return app
}

/** The JSON error of a 401, checked to be `INVALID_SIGNATURE`. */
async function expectInvalidSignature(response: Response): Promise<void> {
  const text = await response.text()
  expect(response.status, text).toBe(401)
  expect(JSON.parse(text)).toMatchObject({ error: { code: 'INVALID_SIGNATURE', status: 401 } })
}

// ---------------------------------------------------------------------------------------------
// Twilio

function twilioProvider(extra: { statusCallbackUrl?: string; whatsappUrl?: string } = {}): TwilioProvider {
  return twilio({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    from: FROM,
    statusCallbackUrl: STATUS_URL,
    ...extra,
  })
}

const callSid = (n: number) => `CA${n.toString(16).padStart(32, '0')}`
const messageSid = (n: number) => `SM${n.toString(16).padStart(32, '0')}`

/** A status callback's parameters, in the order Twilio sends them. */
function statusParams(n: number, status = 'ringing'): [string, string][] {
  return [
    ['Called', '+14155550100'],
    ['ToState', 'CA'],
    ['CallerCountry', 'US'],
    ['Direction', 'outbound-api'],
    ['Timestamp', 'Thu, 15 Jan 2026 15:00:05 +0000'],
    ['CallbackSource', 'call-progress-events'],
    ['SequenceNumber', '1'],
    ['CallSid', callSid(n)],
    ['To', '+14155550100'],
    ['CallStatus', status],
    ['ApiVersion', '2010-04-01'],
    ['AccountSid', ACCOUNT_SID],
    ['From', FROM],
  ]
}

/** Twilio's inbound WhatsApp parameters. */
function whatsappParams(n: number, body = 'Hola, quiero un presupuesto'): [string, string][] {
  return [
    ['SmsMessageSid', messageSid(n)],
    ['NumMedia', '0'],
    ['ProfileName', 'Prospect'],
    ['MessageType', 'text'],
    ['WaId', PROSPECT.slice(1)],
    ['SmsStatus', 'received'],
    ['Body', body],
    ['To', 'whatsapp:+14155238886'],
    ['MessageSid', messageSid(n)],
    ['AccountSid', ACCOUNT_SID],
    ['From', `whatsapp:${PROSPECT}`],
    ['ApiVersion', '2010-04-01'],
  ]
}

interface SignedOptions {
  /** The URL the signature is computed for (what Twilio was configured with). */
  signedUrl: string
  /** Where the request arrives (default: the signed URL). */
  arrivesAt?: string
  params: [string, string][]
  /** The parameters actually sent (default: the signed ones). */
  sent?: [string, string][]
  headers?: Record<string, string>
  signature?: string | null
}

function signedRequest(options: SignedOptions): Request {
  const signature =
    options.signature === undefined
      ? computeTwilioSignature({
          authToken: AUTH_TOKEN,
          url: options.signedUrl,
          params: new URLSearchParams(options.params),
        })
      : options.signature
  const headers: Record<string, string> = { ...FORM, ...options.headers }
  if (signature !== null) headers['x-twilio-signature'] = signature
  return new Request(options.arrivesAt ?? options.signedUrl, {
    method: 'POST',
    headers,
    body: new URLSearchParams(options.sent ?? options.params).toString(),
  })
}

describe('Twilio voice status callbacks: POST /webhooks/twilio', () => {
  const statusUrl = `${STATUS_URL}?lc_leg=agent&lc_mode=agent_first&lc_attempt=att-1&lc_process=proc-1`
  const internalUrl = `${INTERNAL_BASE}/webhooks/twilio?lc_leg=agent&lc_mode=agent_first&lc_attempt=att-1&lc_process=proc-1`

  function handlerOf(provider = twilioProvider()): HttpHandler {
    return createHttpHandler(appOf(), { webhooks: { twilio: (request) => provider.parseWebhook(request) } })
  }

  it('accepts a correctly signed callback, also with its parameters in another order', async () => {
    const handler = handlerOf()
    const ok = await handler(signedRequest({ signedUrl: statusUrl, params: statusParams(1) }))
    expect(ok.status, await ok.clone().text()).toBe(200)
    expect(await ok.json()).toMatchObject({ received: 1 })
    // Twilio sorts the parameters before signing: the order on the wire is irrelevant.
    const reordered = await handler(
      signedRequest({ signedUrl: statusUrl, params: statusParams(2), sent: [...statusParams(2)].reverse() }),
    )
    expect(reordered.status).toBe(200)
  })

  it('refuses a tampered body, an added or duplicated parameter with another value, a tampered query', async () => {
    const handler = handlerOf()
    const params = statusParams(3)
    const tampered = params.map(([k, v]): [string, string] => [k, k === 'CallStatus' ? 'completed' : v])
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: statusUrl, params, sent: tampered })),
    )
    await expectInvalidSignature(
      await handler(
        signedRequest({ signedUrl: statusUrl, params, sent: [...params, ['AnsweredBy', 'human']] }),
      ),
    )
    // A second CallStatus: a reader taking the first or the last value would see different things.
    await expectInvalidSignature(
      await handler(
        signedRequest({ signedUrl: statusUrl, params, sent: [...params, ['CallStatus', 'completed']] }),
      ),
    )
    await expectInvalidSignature(
      await handler(
        signedRequest({
          signedUrl: statusUrl,
          arrivesAt: statusUrl.replace('lc_attempt=att-1', 'lc_attempt=att-2'),
          params,
        }),
      ),
    )
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: statusUrl, arrivesAt: `${statusUrl}&lc_leg=lead`, params })),
    )
  })

  it('an exact duplicate of a parameter signs the same (Twilio de-duplicates values) and reads the same', async () => {
    // Twilio's scheme (and its helper libraries) sort and de-duplicate a repeated name's values, so
    // repeating `name=value` verbatim cannot be told apart; it changes nothing that is read.
    const provider = twilioProvider()
    const params = statusParams(4)
    const duplicated = signedRequest({
      signedUrl: statusUrl,
      params,
      sent: [...params, ['CallStatus', 'ringing']],
    })
    const original = signedRequest({ signedUrl: statusUrl, params })
    expect(await provider.parseWebhook(duplicated)).toEqual(await provider.parseWebhook(original))
  })

  it('refuses a missing or empty header, a signature made with another token, a truncated one', async () => {
    const handler = handlerOf()
    const params = statusParams(5)
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: statusUrl, params, signature: null })),
    )
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: statusUrl, params, signature: '' })),
    )
    const foreign = computeTwilioSignature({
      authToken: 'f'.repeat(32),
      url: statusUrl,
      params: new URLSearchParams(params),
    })
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: statusUrl, params, signature: foreign })),
    )
    const good = computeTwilioSignature({
      authToken: AUTH_TOKEN,
      url: statusUrl,
      params: new URLSearchParams(params),
    })
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: statusUrl, params, signature: good.slice(0, -2) })),
    )
  })

  it('behind a proxy: verifies with the configured public statusCallbackUrl, not X-Forwarded-*', async () => {
    const params = statusParams(6)
    const proxied = (provider: TwilioProvider) =>
      handlerOf(provider)(
        signedRequest({
          signedUrl: statusUrl,
          arrivesAt: internalUrl,
          params,
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' },
        }),
      )
    // Configured with the public URL: the internal request verifies.
    expect((await proxied(twilioProvider())).status).toBe(200)
    // Configured with another public URL: the forwarded headers are not trusted to rebuild it.
    await expectInvalidSignature(
      await proxied(twilioProvider({ statusCallbackUrl: 'https://other.example.net/webhooks/twilio' })),
    )
    // The parser's explicit url option decides alone when given.
    const provider = twilioProvider({ statusCallbackUrl: 'https://other.example.net/webhooks/twilio' })
    const explicit = createHttpHandler(appOf(), {
      webhooks: { twilio: (request) => provider.parseWebhook(request, { url: statusUrl }) },
    })
    const response = await explicit(
      signedRequest({ signedUrl: statusUrl, arrivesAt: internalUrl, params: statusParams(7) }),
    )
    expect(response.status).toBe(200)
  })

  it('a replayed status callback of a real call is applied once (CallSid/state de-duplication)', async () => {
    const vendor = twilioMock()
    vendor.server.listen({ onUnhandledRequest: 'error' })
    const provider = twilio({ ...vendor.options, callsPerSecond: 1000 })
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony: provider,
      compliance: { callingHours: false },
      phone: { defaultCountry: 'ES' },
    })
    apps.push(app)
    try {
      await app.agents.upsert({ id: 'alice', name: 'Alice', phone: '+34911000001', status: 'available' })
      const handler = createHttpHandler(app, {
        webhooks: { twilio: (request) => provider.parseWebhook(request) },
      })
      const lead = await handler(
        new Request('http://localhost/leads', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Replay', phone: PROSPECT }),
        }),
      )
      expect(lead.status).toBe(200)
      const callbackUrl = vendor.creates().at(-1)?.form.get('StatusCallback') ?? ''
      const sid = [...vendor.calls.keys()].at(-1) ?? ''
      expect(callbackUrl).toContain(STATUS_URL)
      const params = new URLSearchParams([
        ['CallSid', sid],
        ['AccountSid', ACCOUNT_SID],
        ['CallStatus', 'ringing'],
        ['Timestamp', new Date().toUTCString().replace('GMT', '+0000')],
        ['SequenceNumber', '1'],
      ])
      const send = async () =>
        (await (await handler(webhookRequest(callbackUrl, params))).json()) as {
          received: number
          applied: number
        }
      expect(await send()).toEqual({ received: 1, applied: 1 })
      // The same signed request again: verified, read, and changes nothing.
      expect(await send()).toEqual({ received: 1, applied: 0 })
    } finally {
      vendor.server.close()
    }
  })
})

describe('Twilio WhatsApp: POST /whatsapp/twilio', () => {
  function handlerOf(options: { url?: string; provider?: TwilioProvider } = {}) {
    const app = appOf()
    const provider = options.provider ?? twilioProvider()
    const handler = createHttpHandler(app, {
      basePath: '/leadcall',
      whatsapp: options.url === undefined ? { twilio: provider } : { twilio: provider, url: options.url },
    })
    return { app, handler }
  }

  it('accepts a signed message (any parameter order) and refuses tampering, additions, a missing header', async () => {
    const { handler } = handlerOf({ url: PUBLIC_WHATSAPP_URL })
    const ok = await handler(
      signedRequest({
        signedUrl: PUBLIC_WHATSAPP_URL,
        params: whatsappParams(1),
        sent: [...whatsappParams(1)].reverse(),
      }),
    )
    expect(ok.status, await ok.clone().text()).toBe(200)
    expect(ok.headers.get('content-type')).toMatch(/^text\/xml/)
    const params = whatsappParams(2)
    const edited = params.map(([k, v]): [string, string] => [k, k === 'Body' ? `${v} (edited)` : v])
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: PUBLIC_WHATSAPP_URL, params, sent: edited })),
    )
    const spoofed = params.map(([k, v]): [string, string] => [k, k === 'From' ? 'whatsapp:+34600999999' : v])
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: PUBLIC_WHATSAPP_URL, params, sent: spoofed })),
    )
    await expectInvalidSignature(
      await handler(
        signedRequest({
          signedUrl: PUBLIC_WHATSAPP_URL,
          params,
          sent: [...params, ['From', 'whatsapp:+1999']],
        }),
      ),
    )
    await expectInvalidSignature(
      await handler(signedRequest({ signedUrl: PUBLIC_WHATSAPP_URL, params, signature: null })),
    )
  })

  it('refuses a request signed for another URL or query (the URL is part of the signature)', async () => {
    const { handler } = handlerOf({ url: PUBLIC_WHATSAPP_URL })
    await expectInvalidSignature(
      await handler(
        signedRequest({
          signedUrl: `${PUBLIC_WHATSAPP_URL}?tenant=a`,
          arrivesAt: `${INTERNAL_BASE}/leadcall/whatsapp/twilio?tenant=a`,
          params: whatsappParams(3),
        }),
      ),
    )
    await expectInvalidSignature(
      await handler(
        signedRequest({
          signedUrl: 'https://evil.example.org/leadcall/whatsapp/twilio',
          arrivesAt: `${INTERNAL_BASE}/leadcall/whatsapp/twilio`,
          params: whatsappParams(4),
        }),
      ),
    )
  })

  it('behind a proxy: verifies with whatsapp.url; without it X-Forwarded-Proto/Host are not trusted', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' }
    const request = (n: number) =>
      signedRequest({
        signedUrl: PUBLIC_WHATSAPP_URL,
        arrivesAt: `${INTERNAL_BASE}/leadcall/whatsapp/twilio`,
        params: whatsappParams(n),
        headers: forwarded,
      })
    const explicit = handlerOf({ url: PUBLIC_WHATSAPP_URL })
    expect((await explicit.handler(request(5))).status).toBe(200)
    const implicit = handlerOf({
      provider: twilioProvider({ statusCallbackUrl: 'https://other.example.net/webhooks/twilio' }),
    })
    await expectInvalidSignature(await implicit.handler(request(6)))
    // The provider's own whatsappUrl setting is an explicit public URL too.
    const configured = handlerOf({ provider: twilioProvider({ whatsappUrl: PUBLIC_WHATSAPP_URL }) })
    expect((await configured.handler(request(7))).status).toBe(200)
  })

  it('a replayed message (same MessageSid, validly signed) is not processed twice', async () => {
    const { app, handler } = handlerOf({ url: PUBLIC_WHATSAPP_URL })
    const request = () => signedRequest({ signedUrl: PUBLIC_WHATSAPP_URL, params: whatsappParams(9, 'Hola') })
    const first = await handler(request())
    expect(first.status).toBe(200)
    await first.text()
    const replay = await handler(request())
    expect(replay.status).toBe(200)
    expect(await replay.text()).toContain('<Response/>')
    const conversation = await app.conversations.get(PROSPECT)
    const inbound = (conversation?.messages ?? []).filter((m) => m.id === messageSid(9))
    expect(inbound).toHaveLength(1)
  })
})

// ---------------------------------------------------------------------------------------------
// GoHighLevel

const ed = generateKeyPairSync('ed25519')
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const signEd = (text: string, key: KeyObject = ed.privateKey) =>
  sign(null, Buffer.from(text), key).toString('base64')
const signRsa = (text: string) => createSign('SHA256').update(text).sign(rsa.privateKey, 'base64')
const GHL_SECRET = 'ghl-shared-secret-7c1e9a'

let ghlCounter = 0
function contactCreate(extra: Record<string, unknown> = {}): Record<string, unknown> {
  ghlCounter++
  return {
    type: 'ContactCreate',
    locationId: 'loc-1',
    id: `contact-${ghlCounter}`,
    firstName: 'Ada',
    phone: `+3460011${String(1000 + ghlCounter).slice(-4)}`,
    timestamp: new Date().toISOString(),
    webhookId: `wh-${ghlCounter}-${Date.now()}`,
    ...extra,
  }
}

function ghlRequest(body: string, headers: Record<string, string> = {}, query = ''): Request {
  return new Request(`${INTERNAL_BASE}/leads/ghl${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
}

async function ghlHandler(): Promise<HttpHandler> {
  const app = appOf()
  await app.agents.upsert({ id: 'a1', name: 'Agent', status: 'available' })
  return createHttpHandler(app, { ghl: { ed25519PublicKey: edPem, publicKeyPem: rsaPem } })
}

describe('GoHighLevel: POST /leads/ghl', () => {
  it('accepts Ed25519 and RSA signatures over the exact body', async () => {
    const handler = await ghlHandler()
    const a = JSON.stringify(contactCreate())
    // 200 dialing, or 202 queued once the one agent is busy.
    expect((await handler(ghlRequest(a, { 'x-ghl-signature': signEd(a) }))).status).toBeLessThan(300)
    const b = JSON.stringify(contactCreate())
    expect((await handler(ghlRequest(b, { 'x-wh-signature': signRsa(b) }))).status).toBeLessThan(300)
  })

  it('refuses a tampered body, reordered keys, a duplicated key, a missing header, a foreign key', async () => {
    const handler = await ghlHandler()
    const payload = contactCreate()
    const body = JSON.stringify(payload)
    const signature = signEd(body)
    const rsaSignature = signRsa(body)
    const tampered = body.replace(String(payload.phone), '+34600999999')
    await expectInvalidSignature(await handler(ghlRequest(tampered, { 'x-ghl-signature': signature })))
    await expectInvalidSignature(await handler(ghlRequest(tampered, { 'x-wh-signature': rsaSignature })))
    // JSON keys are signed in the order sent: another order is another text.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(payload).reverse()))
    await expectInvalidSignature(await handler(ghlRequest(reordered, { 'x-ghl-signature': signature })))
    // A duplicated key (the last value wins when parsed) changes the text.
    const duplicated = `${body.slice(0, -1)},"phone":"+34600999999"}`
    await expectInvalidSignature(await handler(ghlRequest(duplicated, { 'x-ghl-signature': signature })))
    await expectInvalidSignature(await handler(ghlRequest(body)))
    const foreign = generateKeyPairSync('ed25519').privateKey
    await expectInvalidSignature(
      await handler(ghlRequest(body, { 'x-ghl-signature': signEd(body, foreign) })),
    )
    // An Ed25519 header that fails is not rescued by a valid RSA one (the Ed25519 one decides).
    await expectInvalidSignature(
      await handler(
        ghlRequest(body, { 'x-ghl-signature': signEd(body, foreign), 'x-wh-signature': rsaSignature }),
      ),
    )
  })

  it('refuses a replay outside the accepted window (stale or future timestamp) with 401', async () => {
    const handler = await ghlHandler()
    for (const timestamp of [
      new Date(Date.now() - 6 * 60_000).toISOString(),
      new Date(Date.now() + 6 * 60_000).toISOString(),
      Date.now() - 3_600_000,
      'yesterday',
    ]) {
      const body = JSON.stringify(contactCreate({ timestamp }))
      await expectInvalidSignature(await handler(ghlRequest(body, { 'x-ghl-signature': signEd(body) })))
    }
  })

  it('a redelivered webhookId inside the window is refused (409) and not processed twice', async () => {
    const app = appOf()
    await app.agents.upsert({ id: 'a1', name: 'Agent', status: 'available' })
    const handler = createHttpHandler(app, { ghl: { ed25519PublicKey: edPem } })
    const body = JSON.stringify(contactCreate())
    const first = await handler(ghlRequest(body, { 'x-ghl-signature': signEd(body) }))
    expect(first.status).toBe(200)
    const replay = await handler(ghlRequest(body, { 'x-ghl-signature': signEd(body) }))
    expect(replay.status).toBe(409)
    expect(await replay.json()).toMatchObject({ error: { code: 'DUPLICATE_LEAD' } })
    expect((await app.tracking.recent({ limit: 10 })).length).toBe(1)
  })

  it('workflow shared secret: refuses a missing, wrong or near-miss secret in header or query', async () => {
    const app = appOf()
    await app.agents.upsert({ id: 'a1', name: 'Agent', status: 'available' })
    const handler = createHttpHandler(app, { ghl: { secret: GHL_SECRET } })
    const body = () =>
      JSON.stringify({
        contact_id: `wf-${++ghlCounter}`,
        first_name: 'Wf',
        phone: `+34600${String(100_000 + ghlCounter)}`,
      })
    expect((await handler(ghlRequest(body(), { 'x-leadcall-secret': GHL_SECRET }))).status).toBeLessThan(300)
    expect((await handler(ghlRequest(body(), {}, `?secret=${GHL_SECRET}`))).status).toBeLessThan(300)
    for (const wrong of [
      '',
      GHL_SECRET.slice(0, -1),
      `${GHL_SECRET}x`,
      GHL_SECRET.toUpperCase(),
      ` ${GHL_SECRET}`,
    ]) {
      // Header values lose their surrounding whitespace in transit (Fetch normalizes them).
      if (wrong.trim() === wrong)
        await expectInvalidSignature(await handler(ghlRequest(body(), { 'x-leadcall-secret': wrong })))
      await expectInvalidSignature(
        await handler(ghlRequest(body(), {}, `?secret=${encodeURIComponent(wrong)}`)),
      )
    }
    await expectInvalidSignature(await handler(ghlRequest(body())))
  })
})

// ---------------------------------------------------------------------------------------------
// CloudTalk

describe('CloudTalk workflow requests: POST /webhooks/cloudtalk', () => {
  const vendor = cloudtalkMock()
  function handlerOf(): HttpHandler {
    const provider = cloudtalk({ ...vendor.options, historyPollAfterMs: false })
    return createHttpHandler(appOf(), {
      webhooks: { cloudtalk: (request) => provider.parseWebhook(request) },
    })
  }
  const payload = JSON.stringify({ event: 'call_ended', call_id: 1, external_number: '14155550199' })
  const post = (url: string, headers: Record<string, string>) =>
    new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: payload,
    })

  it('accepts the secret in the header, as a Bearer token or in the URL', async () => {
    const handler = handlerOf()
    for (const request of [
      post(CLOUDTALK_WEBHOOK_URL, { 'x-leadcall-secret': CLOUDTALK_WEBHOOK_SECRET }),
      post(CLOUDTALK_WEBHOOK_URL, { authorization: `Bearer ${CLOUDTALK_WEBHOOK_SECRET}` }),
      post(`${CLOUDTALK_WEBHOOK_URL}?lc_secret=${CLOUDTALK_WEBHOOK_SECRET}`, {}),
    ]) {
      const response = await handler(request)
      expect(response.status, await response.clone().text()).toBeLessThan(300)
    }
  })

  it('refuses a missing, wrong or near-miss secret, and never echoes what was sent', async () => {
    const handler = handlerOf()
    const near = `${CLOUDTALK_WEBHOOK_SECRET.slice(0, -1)}X`
    for (const request of [
      post(CLOUDTALK_WEBHOOK_URL, {}),
      post(CLOUDTALK_WEBHOOK_URL, { 'x-leadcall-secret': near }),
      post(CLOUDTALK_WEBHOOK_URL, { 'x-leadcall-secret': `${CLOUDTALK_WEBHOOK_SECRET}0` }),
      post(CLOUDTALK_WEBHOOK_URL, { authorization: `Bearer ${near}` }),
      post(`${CLOUDTALK_WEBHOOK_URL}?lc_secret=${near}`, {}),
      post(`${CLOUDTALK_WEBHOOK_URL}?lc_secret=`, {}),
    ]) {
      const response = await handler(request)
      const text = await response.clone().text()
      expect(text).not.toContain(near)
      expect(text).not.toContain(CLOUDTALK_WEBHOOK_SECRET)
      await expectInvalidSignature(response)
    }
  })

  it('verifyCloudTalkWebhookSecret: same outcome whatever the length or position of the difference', async () => {
    const check = (secret: string) =>
      verifyCloudTalkWebhookSecret(
        new Request(CLOUDTALK_WEBHOOK_URL, { method: 'POST', headers: { 'x-leadcall-secret': secret } }),
        { secret: CLOUDTALK_WEBHOOK_SECRET },
      ).then(
        () => 'ok',
        (error: unknown) => (LeadCallError.isInstance(error) ? error.code : 'thrown'),
      )
    expect(await check(CLOUDTALK_WEBHOOK_SECRET)).toBe('ok')
    for (const wrong of [
      'x',
      `X${CLOUDTALK_WEBHOOK_SECRET.slice(1)}`,
      `${CLOUDTALK_WEBHOOK_SECRET}${'y'.repeat(500)}`,
    ])
      expect(await check(wrong)).toBe('INVALID_SIGNATURE')
  })
})

// ---------------------------------------------------------------------------------------------
// ARI credentials

describe('Asterisk ARI credentials', () => {
  const USER = 'leadcall'
  const RIGHT = 'ari-right-password-51c0'
  const WRONG = 'ari-wrong-password-8e2f'
  let server: AriServer
  beforeAll(async () => {
    server = await startAriServer({ username: USER, password: RIGHT })
  })
  afterAll(async () => {
    await server.close()
  })

  it('a real ARI server refusing wrong credentials: a clear error that contains no credential', async () => {
    const provider = asterisk({
      url: server.url,
      username: USER,
      password: WRONG,
      endpoints: { lead: 'PJSIP/{number}@trunk' },
      callerId: '+14155550000',
      reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
    })
    try {
      const error = await provider.dial(dial()).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(LeadCallError.isInstance(error)).toBe(true)
      const leadcallError = error as LeadCallError
      expect(leadcallError.code).toBe('CALL_FAILED')
      expect(leadcallError.retryable).toBe(false)
      expect(leadcallError.message).toMatch(/401|credential/i)
      const texts: string[] = []
      let current: unknown = error
      for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
        const e = current as Error & { details?: unknown; toJSON?: () => unknown }
        texts.push(String(e), e.message ?? '', e.stack ?? '', JSON.stringify(e.details ?? null))
        if (typeof e.toJSON === 'function') texts.push(JSON.stringify(e.toJSON()))
        current = e.cause
      }
      const all = texts.join('\n')
      for (const secret of [
        WRONG,
        RIGHT,
        Buffer.from(`${USER}:${WRONG}`).toString('base64'),
        Buffer.from(`${USER}:${RIGHT}`).toString('base64'),
      ])
        expect(all).not.toContain(secret)
      expect(server.originates()).toEqual([])
    } finally {
      await provider.close()
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Constant-time comparisons

describe('constant-time comparisons', () => {
  it('verifyTwilioSignature answers false (never throws) for signatures of any length', () => {
    const url = STATUS_URL
    const params = new URLSearchParams(statusParams(10))
    const good = computeTwilioSignature({ authToken: AUTH_TOKEN, url, params })
    expect(verifyTwilioSignature({ authToken: AUTH_TOKEN, url, params, signature: good })).toBe(true)
    for (const signature of ['', 'a', good.slice(1), `${good}=`, good.repeat(20), `${good.slice(0, -1)}A`])
      expect(verifyTwilioSignature({ authToken: AUTH_TOKEN, url, params, signature })).toBe(false)
  })

  it('the verifiers compare secrets and MACs with timingSafeEqual (supplementary source check)', async () => {
    const source = (path: string) =>
      readFile(new URL(`../../../../packages/${path}`, import.meta.url), 'utf8')
    const twilioSignature = await source('adapters-twilio/src/twilio-signature.ts')
    expect(twilioSignature).toMatch(/timingSafeEqual\(left, right\)/)
    expect(twilioSignature).not.toMatch(/expected\s*===\s*signature|signature\s*===\s*expected/)
    const ghlSignature = await source('core/src/http/ghl-signature.ts')
    expect(ghlSignature).toMatch(/return timingSafeEqual\(a, b\)/)
    // CloudTalk compares SHA-256 digests with an XOR accumulator over every byte (no early exit).
    const cloudtalkWebhook = await source('adapters-cloudtalk/src/cloudtalk-webhook.ts')
    expect(cloudtalkWebhook).toMatch(/difference \|= /)
  })
})
