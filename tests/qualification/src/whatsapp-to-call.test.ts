/**
 * The qualification flow end to end: a prospect writes on WhatsApp (Twilio's signed inbound
 * webhook through the core HTTP handler), an LLM classifier reads the conversation (OpenAI or
 * Gemini, mocked at their HTTP APIs; the rule classifier when they fail), a qualified lead lands in
 * Odoo as a `crm.lead` (JSON-RPC, mocked), and a hot one is dialled at once through Twilio's Calls
 * API — every vendor faked with msw at its documented HTTP interface, nothing in between.
 */
import {
  createHttpHandler,
  createLeadCall,
  type LeadCallApp,
  type LlmClassification,
  memoryStorage,
} from '@leadcall/core'
import { geminiClassifier } from '@leadcall/gemini'
import { odoo } from '@leadcall/odoo'
import { openaiClassifier } from '@leadcall/openai'
import { computeTwilioSignature, type TwilioProvider, twilio } from '@leadcall/twilio'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { odooMock } from '../../../packages/adapters-odoo/src/odoo-mock.test-util.js'
import { twilioMock } from '../../../packages/adapters-twilio/src/twilio-mock.test-util.js'

const WHATSAPP_URL = 'https://hooks.example.com/leadcall/whatsapp/twilio'
const PROSPECT = '+34600111222'
const OPENAI = 'https://api.openai.com/v1/chat/completions'
const GEMINI = 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent'
const OPENAI_KEY = 'sk-e2e-5e1f0a9b8c7d6e5f4a3b2c1d'
const GEMINI_KEY = 'AIzaE2eTestKey0123456789abcdefghijkl'

const twilioVendor = twilioMock()
const odooVendor = odooMock()
const llmRequests: { url: string; body: string }[] = []
let openaiAnswer: () => Response = () => HttpResponse.json({})
let geminiAnswer: () => Response = () => HttpResponse.json({})
const server = setupServer(
  ...twilioVendor.server.listHandlers(),
  ...odooVendor.server.listHandlers(),
  http.post(OPENAI, async ({ request }) => {
    llmRequests.push({ url: request.url, body: await request.text() })
    return openaiAnswer()
  }),
  http.post(GEMINI, async ({ request }) => {
    llmRequests.push({ url: request.url, body: await request.text() })
    return geminiAnswer()
  }),
)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  twilioVendor.reset()
  odooVendor.reset()
  llmRequests.length = 0
})
afterAll(() => server.close())

/** What the model answers for the hot conversation below. */
const hotAnswer: LlmClassification = {
  quality: 'hot',
  score: 88,
  intent: 'sales',
  nextAction: 'create_lead',
  extracted: {
    name: 'María López',
    email: null,
    phone: null,
    city: 'Madrid',
    productInterest: 'sofá cama',
    budget: { amount: 1200, currency: 'EUR' },
    urgency: 'high',
  },
  language: 'es',
  question: '¡Gracias, María! Un asesor te llamará en unos minutos.',
  confidence: 0.9,
  reasons: ['budget 1200 EUR', 'needs it this week', 'specific product'],
}

function openaiCompletion(answer: LlmClassification): Response {
  return HttpResponse.json({
    id: 'chatcmpl-E2e0001',
    object: 'chat.completion',
    created: 1750411200,
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: JSON.stringify(answer), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 1200, completion_tokens: 140, total_tokens: 1340 },
    service_tier: 'default',
    system_fingerprint: 'fp_e2e',
  })
}

function geminiResponse(answer: LlmClassification): Response {
  return HttpResponse.json({
    candidates: [
      {
        content: { parts: [{ text: JSON.stringify(answer) }], role: 'model' },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 1180, candidatesTokenCount: 150, totalTokenCount: 1330 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'e2e-response-1',
  })
}

/** Twilio's inbound WhatsApp webhook, signed as Twilio signs it. */
function whatsapp(body: string, sid: number, tamper = false): Request {
  const params = new URLSearchParams({
    SmsMessageSid: `SM${String(sid).padStart(32, '0')}`,
    NumMedia: '0',
    ProfileName: 'María',
    MessageType: 'text',
    SmsSid: `SM${String(sid).padStart(32, '0')}`,
    WaId: PROSPECT.slice(1),
    SmsStatus: 'received',
    Body: body,
    To: 'whatsapp:+14155238886',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: `SM${String(sid).padStart(32, '0')}`,
    AccountSid: twilioVendor.options.accountSid,
    From: `whatsapp:${PROSPECT}`,
    ApiVersion: '2010-04-01',
  })
  const signature = computeTwilioSignature({
    authToken: twilioVendor.options.authToken,
    url: WHATSAPP_URL,
    params,
  })
  if (tamper) params.set('Body', `${body} (edited)`)
  return new Request('http://10.0.0.7:3000/leadcall/whatsapp/twilio', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: params.toString(),
  })
}

let app: LeadCallApp | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

function setup(classifier: 'openai' | 'gemini') {
  const telephony: TwilioProvider = twilio({ ...twilioVendor.options, callsPerSecond: 1000 })
  app = createLeadCall({
    storage: memoryStorage(),
    telephony,
    crm: odoo(odooVendor.options),
    classifier:
      classifier === 'openai'
        ? openaiClassifier({ apiKey: OPENAI_KEY, maxRetries: 0, timeoutMs: 2000 })
        : geminiClassifier({ apiKey: GEMINI_KEY, timeoutMs: 2000 }),
    phone: { defaultCountry: 'ES' },
    compliance: { callingHours: false },
  })
  const handler = createHttpHandler(app, {
    basePath: '/leadcall',
    whatsapp: { twilio: telephony, url: WHATSAPP_URL },
  })
  return { app, handler }
}

async function twiml(response: Response): Promise<string> {
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/xml/)
  return response.text()
}

describe('WhatsApp → classifier → Odoo → call', () => {
  it('qualifies a hot prospect with OpenAI, creates the Odoo lead and dials an agent at once', async () => {
    const { app, handler } = setup('openai')
    await app.agents.upsert({ id: 'alice', name: 'Alice', phone: '+34911000001', status: 'available' })
    openaiAnswer = () =>
      openaiCompletion({
        ...hotAnswer,
        quality: 'cold',
        score: 10,
        nextAction: 'ask_clarifying_question',
        extracted: {
          ...hotAnswer.extracted,
          name: null,
          city: null,
          productInterest: null,
          budget: null,
          urgency: null,
        },
        question: '¡Hola! ¿Qué estás buscando?',
        reasons: ['greeting only'],
      })
    const first = await twiml(await handler(whatsapp('Hola', 1)))
    expect(first).toContain('<Message>¡Hola! ¿Qué estás buscando?</Message>')
    expect(odooVendor.leads()).toHaveLength(0)
    expect(twilioVendor.creates()).toHaveLength(0)

    openaiAnswer = () => openaiCompletion(hotAnswer)
    const second = await twiml(
      await handler(
        whatsapp('Soy María López, de Madrid. Busco un sofá cama, 1200 €, lo necesito esta semana', 2),
      ),
    )
    expect(second).toContain('Un asesor te llamará')

    // The model saw the rubric and the whole conversation, never the key.
    const prompt = llmRequests.at(-1)?.body ?? ''
    expect(prompt).toContain('create_lead')
    expect(prompt).toContain('Busco un sofá cama')
    expect(prompt).toContain('Hola')
    expect(prompt).not.toContain(OPENAI_KEY)

    // Odoo: one crm.lead with the mapped fields.
    const [lead] = odooVendor.leads()
    expect(odooVendor.leads()).toHaveLength(1)
    expect(lead).toMatchObject({ contact_name: 'María López', phone: PROSPECT, city: 'Madrid' })
    expect(String(lead?.priority)).toMatch(/^[23]$/)
    expect(String(lead?.description)).toContain('sofá cama')

    // Twilio: one call placed at once, to the agent, for this prospect.
    expect(twilioVendor.creates()).toHaveLength(1)
    const conversation = await app.conversations.get(PROSPECT)
    expect(conversation?.lead).toMatchObject({
      status: 'created',
      quality: 'hot',
      crm: { action: 'created' },
    })
    const processId = conversation?.lead?.call?.processId ?? ''
    const process = await app.process(processId)
    expect(process?.lead).toMatchObject({ phone: PROSPECT, source: 'whatsapp', priority: 'high' })
    expect(process?.attempt?.agentId).toBe('alice')

    // A redelivery of the same message changes nothing: no second lead, no second call.
    const again = await twiml(
      await handler(
        whatsapp('Soy María López, de Madrid. Busco un sofá cama, 1200 €, lo necesito esta semana', 2),
      ),
    )
    expect(again).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>')
    expect(odooVendor.leads()).toHaveLength(1)
    expect(twilioVendor.creates()).toHaveLength(1)
    expect(llmRequests).toHaveLength(2)

    const analytics = await app.conversations.analytics()
    expect(analytics).toMatchObject({
      started: 1,
      completed: 1,
      conversionRate: 1,
      messages: 2,
      fallbacks: 0,
    })
  })

  it('refuses a tampered WhatsApp webhook before any classifier, CRM or call', async () => {
    const { handler } = setup('openai')
    const response = await handler(whatsapp('Soy María, quiero un sofá, 1200 €, urgente', 1, true))
    expect(response.status).toBe(401)
    expect((await response.json()).error.code).toBe('INVALID_SIGNATURE')
    expect(llmRequests).toHaveLength(0)
    expect(odooVendor.leads()).toHaveLength(0)
  })

  it('falls back to the rule classifier when the LLM fails, and still creates and calls the lead', async () => {
    const { app, handler } = setup('gemini')
    await app.agents.upsert({ id: 'bob', name: 'Bob', phone: '+34911000002', status: 'available' })
    geminiAnswer = () =>
      HttpResponse.json(
        {
          error: {
            code: 503,
            message: 'The model is overloaded. Please try again later.',
            status: 'UNAVAILABLE',
          },
        },
        { status: 503 },
      )
    const reply = await twiml(
      await handler(
        whatsapp('Hola, soy María. Busco un sofá cama, presupuesto 1500 euro, lo necesito esta semana', 1),
      ),
    )
    expect(reply).toMatch(/<Message>.+<\/Message>/)
    expect(llmRequests).toHaveLength(1)
    const conversation = await app.conversations.get(PROSPECT)
    expect(conversation?.classification).toMatchObject({
      quality: 'hot',
      nextAction: 'create_lead',
      classifier: 'rules',
      fallback: { from: 'gemini:gemini-2.5-flash', reason: 'api_error' },
    })
    expect(JSON.stringify(conversation)).not.toContain(GEMINI_KEY)
    expect(odooVendor.leads()).toHaveLength(1)
    expect(twilioVendor.creates()).toHaveLength(1)
    expect((await app.conversations.analytics()).fallbacks).toBe(1)
  })

  it('keeps the lead when Odoo is down and hands it off with the next message', async () => {
    const { app, handler } = setup('gemini')
    await app.agents.upsert({ id: 'carol', name: 'Carol', phone: '+34911000003', status: 'available' })
    geminiAnswer = () => geminiResponse(hotAnswer)
    odooVendor.arrangeHttp({ model: 'crm.lead' }, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>')
    await twiml(await handler(whatsapp('Soy María López, busco un sofá cama, 1200 €, urgente', 1)))
    const failed = await app.conversations.get(PROSPECT)
    expect(failed?.lead).toMatchObject({ status: 'failed', attempts: 1 })
    expect(odooVendor.leads()).toHaveLength(0)
    expect(twilioVendor.creates()).toHaveLength(0)

    await twiml(await handler(whatsapp('¿Me llamáis?', 2)))
    const settled = await app.conversations.get(PROSPECT)
    expect(settled?.lead).toMatchObject({ status: 'created', attempts: 2 })
    expect(odooVendor.leads()).toHaveLength(1)
    expect(twilioVendor.creates()).toHaveLength(1)
  })
})
