/**
 * No secret ever leaves leadcall, and personal data is masked by default.
 *
 * A realistic flow runs with every secret set (Twilio Auth Token, CloudTalk key secret, Odoo API
 * key, OpenAI and Gemini keys, the GoHighLevel shared secret, the admin bearer token), the vendors
 * mocked at their HTTP APIs with msw, including failures that echo the credentials they were sent
 * (401s), timeouts and validation errors. Every output is captured — log lines, thrown errors (with
 * their details, `cause` chains and `toJSON()`), HTTP response bodies and headers, app events, the
 * Server-Sent Events stream, tracking records and exports, conversation state — and searched for
 * every secret (and its Basic-auth form). Phone numbers and e-mail addresses must be masked in
 * tracking, logs, streamed events and errors unless masking is turned off.
 */
import { Buffer } from 'node:buffer'
import { cloudtalk } from '@leadcall/cloudtalk'
import {
  createHttpHandler,
  createLeadCall,
  type HttpHandler,
  type LeadCallApp,
  type LlmClassification,
  type Logger,
  memoryStorage,
} from '@leadcall/core'
import { geminiClassifier } from '@leadcall/gemini'
import { odoo } from '@leadcall/odoo'
import { openaiClassifier } from '@leadcall/openai'
import { computeTwilioSignature, twilio } from '@leadcall/twilio'
import { delay, HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  BASIC as CLOUDTALK_BASIC,
  KEY_SECRET as CLOUDTALK_KEY_SECRET,
  WEBHOOK_SECRET as CLOUDTALK_WEBHOOK_SECRET,
  cloudtalkMock,
} from '../../../../packages/adapters-cloudtalk/src/cloudtalk-mock.test-util.js'
import {
  API_KEY as ODOO_API_KEY,
  odooMock,
} from '../../../../packages/adapters-odoo/src/odoo-mock.test-util.js'
import {
  ACCOUNT_SID,
  errorBody,
  AUTH_TOKEN as TWILIO_AUTH_TOKEN,
  twilioMock,
} from '../../../../packages/adapters-twilio/src/twilio-mock.test-util.js'

const OPENAI_KEY = 'sk-proj-secretscan-4f1e0a9b8c7d6e5f4a3b2c1d'
const GEMINI_KEY = 'AIzaSecretScan0123456789abcdefghijklmn'
const GHL_SECRET = 'ghl-secret-scan-0b7e42c19d'
const ADMIN_TOKEN = 'admin-token-secret-scan-9a8b7c6d5e'
const OPENAI = 'https://api.openai.com/v1/chat/completions'
const GEMINI = 'https://generativelanguage.googleapis.com/v1beta/models/:model'
const WHATSAPP_URL = 'https://hooks.example.com/leadcall/whatsapp/twilio'
const INTERNAL = 'http://10.0.0.7:3000/leadcall'

/** Every secret, and the forms it travels in (Basic authorization). */
const SECRETS: Record<string, string> = {
  twilioAuthToken: TWILIO_AUTH_TOKEN,
  twilioBasic: Buffer.from(`${ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64'),
  cloudtalkKeySecret: CLOUDTALK_KEY_SECRET,
  cloudtalkBasic: CLOUDTALK_BASIC.replace(/^Basic /, ''),
  cloudtalkWebhookSecret: CLOUDTALK_WEBHOOK_SECRET,
  odooApiKey: ODOO_API_KEY,
  openaiKey: OPENAI_KEY,
  geminiKey: GEMINI_KEY,
  ghlSecret: GHL_SECRET,
  adminToken: ADMIN_TOKEN,
}

// ---------------------------------------------------------------------------------------------
// Vendors

const twilioVendor = twilioMock()
const odooVendor = odooMock()
const cloudtalkVendor = cloudtalkMock()
type LlmAnswer = (request: Request) => Promise<Response>
let openaiAnswer: LlmAnswer = async () => HttpResponse.json({})
let geminiAnswer: LlmAnswer = async () => HttpResponse.json({})
/** What the vendors answered, by vendor: `<status> <body>` (to prove the echoes really happened). */
const vendorAnswers: Record<'openai' | 'gemini', string[]> = { openai: [], gemini: [] }
async function recorded(into: string[], answer: Response): Promise<Response> {
  into.push(`${answer.status} ${await answer.clone().text()}`)
  return answer
}
const server = setupServer(
  ...twilioVendor.server.listHandlers(),
  ...odooVendor.server.listHandlers(),
  ...cloudtalkVendor.server.listHandlers(),
  http.post(OPENAI, async ({ request }) => recorded(vendorAnswers.openai, await openaiAnswer(request))),
  http.post(GEMINI, async ({ request }) => recorded(vendorAnswers.gemini, await geminiAnswer(request))),
)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  vendorAnswers.openai.length = 0
  vendorAnswers.gemini.length = 0
  twilioVendor.reset()
  odooVendor.reset()
  cloudtalkVendor.reset()
})
afterAll(() => server.close())

/** OpenAI's 401, echoing the key it was sent as its real error message does (partially, here whole). */
const openaiUnauthorized: LlmAnswer = async (request) =>
  HttpResponse.json(
    {
      error: {
        message: `Incorrect API key provided: ${request.headers.get('authorization')?.replace(/^Bearer /, '')}.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    },
    { status: 401 },
  )

/** Gemini's 400 for a bad key, echoing the request URL (which carries `?key=` when used). */
const geminiUnauthorized: LlmAnswer = async (request) =>
  HttpResponse.json(
    {
      error: {
        code: 400,
        message: `API key not valid. Please pass a valid API key. (${request.url} ${request.headers.get('x-goog-api-key')})`,
        status: 'INVALID_ARGUMENT',
      },
    },
    { status: 400 },
  )

/** An answer that comes after the classifier's timeout. */
const slow: LlmAnswer = async () => {
  await delay(1500)
  return HttpResponse.json({})
}

const coldAnswer: LlmClassification = {
  quality: 'cold',
  score: 10,
  intent: 'sales',
  nextAction: 'ask_clarifying_question',
  extracted: {
    name: null,
    email: null,
    phone: null,
    city: null,
    productInterest: null,
    budget: null,
    urgency: null,
  },
  language: 'es',
  question: '¿Qué estás buscando?',
  confidence: 0.9,
  reasons: ['greeting only'],
}

/** A model answer that is not a valid classification (a validation error on our side). */
const invalidOpenai: LlmAnswer = async () =>
  HttpResponse.json({
    id: 'chatcmpl-scan',
    object: 'chat.completion',
    created: 1750411200,
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: '{"quality":"lukewarm"}', refusal: null },
        finish_reason: 'stop',
      },
    ],
  })

const validGemini: LlmAnswer = async () =>
  HttpResponse.json({
    candidates: [
      {
        content: { parts: [{ text: JSON.stringify(coldAnswer) }], role: 'model' },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    modelVersion: 'gemini-2.5-flash',
  })

// ---------------------------------------------------------------------------------------------
// Capture

interface Captured {
  /** Outputs that must hold no secret and no unmasked personal data. */
  masked: string[]
  /** Outputs that must hold no secret but carry personal data by design (conversation state, in-process events). */
  unmasked: string[]
}

/** A pino-compatible logger writing every line, with its bindings, to `lines`. */
function capturingLogger(lines: string[], bindings: Record<string, unknown> = {}): Logger {
  const write =
    (level: string) =>
    (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
      const entry = typeof objOrMsg === 'string' ? { msg: objOrMsg } : { ...objOrMsg, msg }
      lines.push(dump({ level, ...bindings, ...entry }))
    }
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => capturingLogger(lines, { ...bindings, ...more }),
  }
}

/**
 * Everything a value holds as text: every own property (enumerable or not) of errors and objects,
 * `cause` chains, `toJSON()`, `String()` and stacks.
 */
function dump(value: unknown, seen = new Set<unknown>()): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'string') return value
  if (typeof value !== 'object' && typeof value !== 'function') return String(value)
  if (seen.has(value)) return '[seen]'
  seen.add(value)
  const parts: string[] = []
  if (value instanceof Error) {
    parts.push(String(value), value.stack ?? '')
  }
  if (value instanceof URLSearchParams || value instanceof Headers) {
    for (const [k, v] of value) parts.push(`${k}=${v}`)
    return parts.join('\n')
  }
  if (value instanceof Map) {
    for (const [k, v] of value) parts.push(dump(k, seen), dump(v, seen))
    return parts.join('\n')
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') {
    try {
      parts.push(JSON.stringify(toJSON.call(value)))
    } catch {
      // A toJSON that throws shows nothing.
    }
  }
  for (const key of Reflect.ownKeys(value)) {
    let inner: unknown
    try {
      inner = (value as Record<PropertyKey, unknown>)[key]
    } catch {
      continue
    }
    if (typeof inner === 'function') continue
    parts.push(`${String(key)}: ${dump(inner, seen)}`)
  }
  return parts.join('\n')
}

/** The text of a response: status, headers, body (an event stream is read by the caller). */
async function responseText(response: Response): Promise<string> {
  const headers: string[] = []
  for (const [name, value] of response.headers) headers.push(`${name}: ${value}`)
  return `${response.status}\n${headers.join('\n')}\n\n${await response.text()}`
}

/** The secrets found in `texts`, by name. */
function leakedSecrets(texts: readonly string[]): string[] {
  const all = texts.join('\n')
  return Object.entries(SECRETS)
    .filter(([, secret]) => all.includes(secret))
    .map(([name]) => name)
}

/** Reads a Server-Sent Events response in the background; `stop()` cancels it and returns the text. */
function readStream(response: Response): { stop: () => Promise<string> } {
  const reader = response.body?.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const done = (async () => {
    if (!reader) return
    for (;;) {
      const { done: ended, value } = await reader.read().catch(() => ({ done: true, value: undefined }))
      if (ended) return
      text += decoder.decode(value, { stream: true })
    }
  })()
  return {
    stop: async () => {
      await reader?.cancel().catch(() => {})
      await done
      return text
    },
  }
}

async function settle(ms = 100): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Runs `action`, capturing what it throws (the flow goes on). */
async function attempt(captured: string[], action: () => Promise<unknown>): Promise<unknown> {
  try {
    return await action()
  } catch (error) {
    captured.push(dump(error))
    return undefined
  }
}

const APP_EVENTS = [
  'lead.received',
  'lead.queued',
  'agent.assigned',
  'reservation.accepted',
  'reservation.rejected',
  'reservation.timed_out',
  'reservation.withdrawn',
  'reservation.completed',
  'call.started',
  'call.status',
  'lead.completed',
  'lead.failed',
  'agent.status',
  'agent.upserted',
  'agent.removed',
  'import.progress',
  'conversation.message',
  'conversation.lead',
  'listener.error',
] as const

/** Collects a management route's answer (authorized with the admin token). */
async function collect(
  handler: HttpHandler,
  path: string,
  into: string[],
  init: RequestInit = {},
): Promise<string> {
  const response = await handler(
    new Request(`${INTERNAL}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string>) },
    }),
  )
  const text = await responseText(response)
  into.push(text)
  return text
}

async function exportText(app: LeadCallApp, format: 'csv' | 'jsonl'): Promise<string> {
  let text = ''
  for await (const chunk of app.tracking.export({ format })) text += chunk
  return text
}

// ---------------------------------------------------------------------------------------------
// The flows

interface Flow {
  captured: Captured
  /** The leads' phone numbers (E.164) and e-mail addresses. */
  pii: string[]
}

let signedWhatsApp = 0
function whatsappRequest(from: string, body: string): Request {
  signedWhatsApp++
  const sid = `SM${String(signedWhatsApp).padStart(32, '0')}`
  const params = new URLSearchParams({
    MessageSid: sid,
    SmsMessageSid: sid,
    AccountSid: ACCOUNT_SID,
    From: `whatsapp:${from}`,
    To: 'whatsapp:+14155238886',
    Body: body,
    ProfileName: 'Prospect',
    NumMedia: '0',
  })
  const signature = computeTwilioSignature({ authToken: TWILIO_AUTH_TOKEN, url: WHATSAPP_URL, params })
  return new Request(`${INTERNAL}/whatsapp/twilio`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: params.toString(),
  })
}

function jsonPost(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`${INTERNAL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Twilio + Odoo + OpenAI + GoHighLevel, through the HTTP handler, with vendor failures. */
async function twilioFlow(maskPii: boolean): Promise<Flow> {
  const logs: string[] = []
  const masked: string[] = []
  const unmasked: string[] = []
  const telephony = twilio({ ...twilioVendor.options, callsPerSecond: 1000, timeoutMs: 500, retries: 0 })
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony,
    crm: odoo({ ...odooVendor.options, timeoutMs: 500 } as Parameters<typeof odoo>[0]),
    classifier: openaiClassifier({ apiKey: OPENAI_KEY, maxRetries: 0, timeoutMs: 300 }),
    logger: capturingLogger(logs),
    phone: { defaultCountry: 'ES' },
    compliance: { callingHours: false },
    privacy: { maskPii },
  })
  for (const name of APP_EVENTS)
    app.on(name, (payload: unknown) => void unmasked.push(`${name} ${dump(payload)}`))
  const handler = createHttpHandler(app, {
    basePath: '/leadcall',
    authorize: (request) => request.headers.get('authorization') === `Bearer ${ADMIN_TOKEN}`,
    ghl: { secret: GHL_SECRET },
    whatsapp: { twilio: telephony, url: WHATSAPP_URL },
    webhooks: { twilio: (request) => telephony.parseWebhook(request) },
  })
  const pii = ['+34600111001', '+34600111002', '+34600111003', '+34600111004', '+34600111005', '+34600111006']
  const emails = ['ana.garcia@example.com', 'luis.perez@example.com']
  try {
    const events = await handler(
      new Request(`${INTERNAL}/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    )
    const stream = readStream(events)
    await app.agents.upsert({ id: 'alice', name: 'Alice', phone: '+34911000001', status: 'available' })
    await app.agents.upsert({ id: 'bob', name: 'Bob', phone: '+34911000002', status: 'available' })
    await app.agents.upsert({ id: 'carol', name: 'Carol', phone: '+34911000003', status: 'available' })
    await app.agents.upsert({ id: 'dave', name: 'Dave', phone: '+34911000004', status: 'available' })

    // A lead called at once.
    masked.push(
      await responseText(
        await handler(jsonPost('/leads', { name: 'Ana García', phone: pii[0], email: emails[0] })),
      ),
    )
    await settle()
    // Twilio refuses the credentials and echoes them back.
    twilioVendor.fail(401, errorBody(401, 20003, 'Authenticate'))
    masked.push(
      await responseText(
        await handler(jsonPost('/leads', { name: 'Luis Pérez', phone: pii[1], email: emails[1] })),
      ),
    )
    await settle()
    // Twilio refuses the number, naming it in its message (error 21211 does): the answer quotes
    // the reason with the number masked.
    twilioVendor.fail(400, errorBody(400, 21211, `The 'To' number ${pii[5]} is not a valid phone number.`))
    masked.push(await responseText(await handler(jsonPost('/leads', { name: 'Raúl', phone: pii[5] }))))
    await settle()
    // Odoo fails echoing its API key, then a ValidationError naming the e-mail.
    odooVendor.arrangeFault(
      { model: 'crm.lead', modelMethod: 'create' },
      'psycopg2.OperationalError',
      `server closed the connection unexpectedly (while running with password ${ODOO_API_KEY})`,
    )
    odooVendor.arrangeFault(
      { model: 'crm.lead', modelMethod: 'create' },
      'odoo.exceptions.ValidationError',
      `The email address "${emails[0]}" is not valid.`,
    )
    // The lead's validation errors (a bad phone, a bad body) name what was sent.
    masked.push(await responseText(await handler(jsonPost('/leads', { name: 'Bad', phone: '+346001' }))))
    masked.push(await responseText(await handler(jsonPost('/leads', '{"phone":'))))
    // GoHighLevel: wrong secret, secret in the query, secret in the header.
    masked.push(
      await responseText(
        await handler(jsonPost('/leads/ghl', { phone: pii[2] }, { 'x-leadcall-secret': 'nope' })),
      ),
    )
    masked.push(
      await responseText(
        await handler(
          new Request(`${INTERNAL}/leads/ghl?secret=${GHL_SECRET}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              contact_id: 'c-1',
              full_name: 'Eva Ruiz',
              phone: pii[2],
              email: 'eva@example.com',
            }),
          }),
        ),
      ),
    )
    // WhatsApp: the classifier's key is refused (401 echoing it), then it times out, then it
    // answers something invalid; the conversation goes on with the rule classifier.
    openaiAnswer = openaiUnauthorized
    masked.push(await responseText(await handler(whatsappRequest(pii[3] ?? '', 'Hola, quiero un sofá'))))
    openaiAnswer = slow
    masked.push(
      await responseText(await handler(whatsappRequest(pii[3] ?? '', 'Mi correo es ana.garcia@example.com'))),
    )
    openaiAnswer = invalidOpenai
    masked.push(
      await responseText(await handler(whatsappRequest(pii[3] ?? '', 'Lo necesito esta semana, 1200 EUR'))),
    )
    // A forged WhatsApp message.
    const forged = whatsappRequest(pii[4] ?? '', 'forged')
    masked.push(
      await responseText(
        await handler(
          new Request(forged.url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
            body: await forged.text(),
          }),
        ),
      ),
    )
    // Unauthorized management call, with a wrong bearer token.
    masked.push(
      await responseText(
        await handler(new Request(`${INTERNAL}/processes`, { headers: { authorization: 'Bearer wrong' } })),
      ),
    )
    // Errors thrown straight from the API and the provider.
    const thrown: string[] = []
    await attempt(thrown, () => app.submitLead({ name: 'Thrown', phone: 'not a phone', email: emails[1] }))
    twilioVendor.fail(401, errorBody(401, 20003, 'Authenticate'))
    await attempt(thrown, () =>
      telephony.dial({
        attemptId: 'att-scan',
        processId: 'proc-scan',
        lead: { id: 'l-scan', phone: pii[4] ?? '', name: 'Scan', email: emails[1] } as never,
        agent: { id: 'alice', name: 'Alice', phone: '+34911000001' } as never,
        timeoutMs: 30_000,
      } as never),
    )
    masked.push(...thrown)
    // The provider, called directly, quotes Twilio's own message with the number masked.
    const vendorText: string[] = []
    twilioVendor.fail(500, errorBody(500, 20500, `Internal Server Error for ${pii[4]}`))
    await attempt(vendorText, () => telephony.hangup(`CA${'f'.repeat(32)}`))
    masked.push(...vendorText)
    await settle(300)

    // Everything that can be read back.
    for (const path of [
      '/processes?limit=100',
      '/stats',
      '/analytics',
      '/queue',
      '/agents',
      '/analytics/conversations',
      '/export?format=csv',
      '/export?format=jsonl',
      '/health',
      '/metrics',
    ])
      await collect(handler, path, masked)
    const processes = JSON.parse(
      (await collect(handler, '/processes?limit=100', [])).split('\n\n').slice(1).join('\n\n'),
    ) as {
      processes: { processId: string }[]
    }
    for (const record of processes.processes) await collect(handler, `/processes/${record.processId}`, masked)
    masked.push(await exportText(app, 'csv'), await exportText(app, 'jsonl'))
    masked.push(dump(await app.tracking.recent({ limit: 100 })))
    // Conversation state holds the phone by design (it is keyed by it): searched for secrets only.
    await collect(handler, `/conversations/${encodeURIComponent(pii[3] ?? '')}`, unmasked)
    await collect(handler, `/conversations/${encodeURIComponent(pii[3] ?? '')}/history`, unmasked)
    unmasked.push(dump(await app.conversations.get(pii[3] ?? '')))
    masked.push(await stream.stop())
    masked.push(...logs)
    return { captured: { masked, unmasked }, pii: [...pii, ...emails] }
  } finally {
    await app.close()
    openaiAnswer = async () => HttpResponse.json({})
  }
}

/** CloudTalk + Gemini: the CloudTalk API refusing the key (echoing it), Gemini refusing its key, timing out. */
async function cloudtalkFlow(): Promise<Flow> {
  const logs: string[] = []
  const masked: string[] = []
  const unmasked: string[] = []
  const telephony = cloudtalk({
    ...cloudtalkVendor.options,
    historyPollAfterMs: false,
    retries: 0,
    timeoutMs: 500,
  })
  const app = createLeadCall({
    storage: memoryStorage(),
    telephony,
    classifier: geminiClassifier({ apiKey: GEMINI_KEY, timeoutMs: 300 }),
    logger: capturingLogger(logs),
    phone: { defaultCountry: 'ES' },
    compliance: { callingHours: false },
  })
  for (const name of APP_EVENTS)
    app.on(name, (payload: unknown) => void unmasked.push(`${name} ${dump(payload)}`))
  const handler = createHttpHandler(app, {
    basePath: '/leadcall',
    authorize: (request) => request.headers.get('authorization') === `Bearer ${ADMIN_TOKEN}`,
    webhooks: { cloudtalk: (request) => telephony.parseWebhook(request) },
  })
  const pii = ['+34600222001', '+34600222002', 'marta.gil@example.com'] as const
  try {
    await app.agents.upsert({
      id: 'alice',
      name: 'Alice',
      status: 'available',
      providerRefs: { cloudtalk: '1234' },
    } as Parameters<typeof app.agents.upsert>[0])
    // A lead: CloudTalk answers (the mock's default account) or refuses.
    masked.push(
      await responseText(
        await handler(jsonPost('/leads', { name: 'Marta Gil', phone: pii[0], email: pii[2] })),
      ),
    )
    await settle()
    // CloudTalk refusing the credentials, echoing the Authorization it got.
    const wrong = cloudtalk({
      ...cloudtalkVendor.options,
      accessKeySecret: `${CLOUDTALK_KEY_SECRET}-revoked`,
      historyPollAfterMs: false,
      retries: 0,
    })
    const thrown: string[] = []
    await attempt(thrown, () =>
      wrong.dial({
        attemptId: 'att-ct',
        processId: 'proc-ct',
        lead: { id: 'l-ct', phone: pii[1], name: 'Ct' } as never,
        agent: { id: 'alice', name: 'Alice', providerRefs: { cloudtalk: '1234' } } as never,
        timeoutMs: 30_000,
      } as never),
    )
    await wrong.close()
    cloudtalkVendor.fail('POST /calls/create.json', 500, {
      responseData: { status: 500, message: `failed for ${pii[1]}` },
    })
    masked.push(await responseText(await handler(jsonPost('/leads', { name: 'Second', phone: pii[1] }))))
    // A workflow request with a wrong secret, and one with the secret in the URL.
    masked.push(
      await responseText(
        await handler(
          new Request(`${INTERNAL}/webhooks/cloudtalk?lc_secret=wrong-secret-value`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"event":"call_ended"}',
          }),
        ),
      ),
    )
    masked.push(
      await responseText(
        await handler(
          new Request(`${INTERNAL}/webhooks/cloudtalk?lc_secret=${CLOUDTALK_WEBHOOK_SECRET}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"event":"call_ended","call_id":"x"}',
          }),
        ),
      ),
    )
    // Gemini: key refused (echoing the URL and header), then a timeout, then an answer.
    geminiAnswer = geminiUnauthorized
    await attempt(thrown, () =>
      app.conversations.receive({ from: pii[1], text: 'Hola', id: 'm-1', channel: 'whatsapp' }),
    )
    geminiAnswer = slow
    await attempt(thrown, () =>
      app.conversations.receive({ from: pii[1], text: 'Busco un sofá', id: 'm-2', channel: 'whatsapp' }),
    )
    geminiAnswer = validGemini
    await attempt(thrown, () =>
      app.conversations.receive({ from: pii[1], text: 'Gracias', id: 'm-3', channel: 'whatsapp' }),
    )
    masked.push(...thrown)
    await settle(300)
    for (const path of ['/processes?limit=100', '/export?format=jsonl', '/stats', '/health'])
      await collect(handler, path, masked)
    masked.push(await exportText(app, 'jsonl'))
    unmasked.push(dump(await app.conversations.get(pii[1])))
    masked.push(...logs)
    return { captured: { masked, unmasked }, pii: [...pii] }
  } finally {
    await app.close()
    await telephony.close()
    geminiAnswer = async () => HttpResponse.json({})
  }
}

// ---------------------------------------------------------------------------------------------

describe('secret scan', () => {
  it('Twilio + Odoo + OpenAI + GoHighLevel: no output holds a secret; phones and e-mails are masked', async () => {
    const { captured, pii } = await twilioFlow(true)
    const everything = [...captured.masked, ...captured.unmasked]
    // The flow did produce the outputs it is meant to search (it can fail).
    expect(captured.masked.join('\n')).toMatch(/INVALID_SIGNATURE/)
    expect(captured.masked.join('\n')).toMatch(/processId/)
    expect(everything.join('\n').length).toBeGreaterThan(10_000)
    expect(leakedSecrets(everything)).toEqual([])
    const unmaskedPii = pii.filter((value) => captured.masked.some((text) => text.includes(value)))
    expect(unmaskedPii).toEqual([])
    // The vendors did fail, echoing the credentials: the scan above proves they were redacted.
    expect(vendorAnswers.openai.some((a) => a.startsWith('401') && a.includes(OPENAI_KEY))).toBe(true)
    expect(twilioVendor.received.length).toBeGreaterThan(0)
    expect(odooVendor.modelCalls()).toContain('crm.lead.create')
  }, 30_000)

  it('CloudTalk + Gemini: no output holds a secret; phones and e-mails are masked', async () => {
    const { captured, pii } = await cloudtalkFlow()
    const everything = [...captured.masked, ...captured.unmasked]
    expect(everything.join('\n').length).toBeGreaterThan(2_000)
    expect(leakedSecrets(everything)).toEqual([])
    // The vendors did refuse the credentials, echoing them.
    expect(vendorAnswers.gemini.some((a) => a.startsWith('400') && a.includes(GEMINI_KEY))).toBe(true)
    expect(
      cloudtalkVendor.answers.some((a) => a.status === 401 && JSON.stringify(a.body).includes('Basic ')),
    ).toBe(true)
    const unmaskedPii = pii.filter((value) => captured.masked.some((text) => text.includes(value)))
    expect(unmaskedPii).toEqual([])
  }, 30_000)

  // Twilio's messages name phone numbers (e.g. 21211 "The 'To' number +1… is not a valid phone
  // number"): the errors the Twilio provider throws quote them masked, also to a direct caller.
  it('errors thrown by the Twilio provider itself mask the phone numbers Twilio echoes', async () => {
    const telephony = twilio({ ...twilioVendor.options, retries: 0 })
    try {
      twilioVendor.fail(500, errorBody(500, 20500, 'Internal Server Error for +34600111099'))
      const thrown: string[] = []
      await attempt(thrown, () => telephony.hangup(`CA${'e'.repeat(32)}`))
      expect(thrown).toHaveLength(1)
      expect(thrown[0]).not.toContain('+34600111099')
    } finally {
      await telephony.close()
    }
  })

  // The answer to `POST /leads` (and `submitLead`'s result) when the dial is refused quotes the
  // provider's reason with the number masked, like the tracking record.
  it('the answer to a lead whose dial Twilio refuses does not show the number Twilio echoes', async () => {
    const telephony = twilio({ ...twilioVendor.options, callsPerSecond: 1000, retries: 0 })
    const app = createLeadCall({
      storage: memoryStorage(),
      telephony,
      phone: { defaultCountry: 'ES' },
      compliance: { callingHours: false },
    })
    try {
      await app.agents.upsert({ id: 'alice', name: 'Alice', phone: '+34911000001', status: 'available' })
      const handler = createHttpHandler(app, { basePath: '/leadcall' })
      twilioVendor.fail(
        400,
        errorBody(400, 21211, "The 'To' number +34600111077 is not a valid phone number."),
      )
      const text = await responseText(
        await handler(jsonPost('/leads', { name: 'Echo', phone: '+34600111077' })),
      )
      expect(text).toMatch(/21211/) // the refusal did happen
      expect(text).not.toContain('+34600111077')
    } finally {
      await app.close()
    }
  })

  it('with masking turned off, the lead’s phone and e-mail appear in tracking, and still no secret', async () => {
    const { captured, pii } = await twilioFlow(false)
    const all = captured.masked.join('\n')
    expect(all).toContain(pii[0])
    expect(all).toContain('ana.garcia@example.com')
    expect(leakedSecrets([...captured.masked, ...captured.unmasked])).toEqual([])
  }, 30_000)
})
