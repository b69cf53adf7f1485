import { GoogleGenAI } from '@google/genai'
import {
  type Classification,
  ClassificationSchema,
  type ClassifyInput,
  LeadCallError,
  type LlmClassification,
  llmClassificationJsonSchema,
  QUALIFICATION_RUBRIC,
  ruleClassifier,
} from '@leadcall/core'
import { delay, HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { geminiClassifier } from './gemini-classifier.js'

const API_KEY = 'AIzaSyLeadcallTest0123456789abcdefSECRET'
const API = 'https://generativelanguage.googleapis.com/v1beta/models'
const ENDPOINT = `${API}/gemini-2.5-flash:generateContent`

const input: ClassifyInput = {
  messages: [
    { role: 'user', text: 'Ciao, cerco un divano letto per il soggiorno' },
    { role: 'assistant', text: 'Ciao! Come ti chiami e per quando ti serve?' },
    { role: 'user', text: 'Sono Luca, mi serve subito, budget 1200 euro' },
  ],
  lead: { phone: '+393401234567' },
}

const modelAnswer: LlmClassification = {
  quality: 'hot',
  score: 84,
  intent: 'sales',
  nextAction: 'create_lead',
  extracted: {
    name: 'Luca',
    email: null,
    phone: null,
    city: null,
    productInterest: 'divano letto',
    budget: { amount: 1200, currency: 'EUR' },
    urgency: 'high',
  },
  language: 'it',
  question: 'Un consulente ti chiamerà tra pochi minuti. Ti va bene adesso?',
  confidence: 0.87,
  reasons: ['budget 1200 EUR', 'needs it now', 'specific product'],
}

const usageMetadata = {
  promptTokenCount: 1203,
  candidatesTokenCount: 164,
  totalTokenCount: 1367,
  promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1203 }],
}
const usage = { inputTokens: 1203, outputTokens: 164, totalTokens: 1367 }

/** A `generateContent` answer as the API sends it. */
function generateContentResponse(text: string, finishReason = 'STOP', metadata: object = usageMetadata) {
  return {
    candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason, index: 0 }],
    usageMetadata: metadata,
    modelVersion: 'gemini-2.5-flash',
    responseId: 'mXtBaN6qLZ2ImLAP5ZqY4Qs',
  }
}

/** An error in Google's API envelope. */
function apiError(code: number, status: string, message: string, details?: unknown[]) {
  return HttpResponse.json(
    { error: { code, message, status, ...(details ? { details } : {}) } },
    { status: code },
  )
}

interface Received {
  url: string
  apiKeyHeader: string | null
  text: string
  body: Record<string, unknown>
}

const received: Received[] = []
const server = setupServer()

function answerWith(resolver: () => Response | Promise<Response>, endpoint = ENDPOINT) {
  server.use(
    http.post(endpoint, async ({ request }) => {
      const text = await request.text()
      received.push({
        url: request.url,
        apiKeyHeader: request.headers.get('x-goog-api-key'),
        text,
        body: JSON.parse(text),
      })
      return resolver()
    }),
  )
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  server.resetHandlers()
  received.length = 0
  vi.unstubAllEnvs()
})
afterAll(() => server.close())

function classifier(options: Parameters<typeof geminiClassifier>[0] = {}) {
  return geminiClassifier({ apiKey: API_KEY, timeoutMs: 2000, ...options })
}

async function rulesAnswer(): Promise<Classification> {
  return ruleClassifier().classify(input)
}

function withoutFallbackFields(result: Classification): Classification {
  const { fallback: _fallback, usage: _usage, ...rest } = result
  return rest
}

describe('geminiClassifier', () => {
  it('is a v1 classifier named after its model', () => {
    expect(classifier()).toMatchObject({ specificationVersion: 'v1', name: 'gemini:gemini-2.5-flash' })
    expect(classifier({ model: 'gemini-2.5-flash-lite' }).name).toBe('gemini:gemini-2.5-flash-lite')
  })

  it('sends the rubric, the conversation and a JSON response schema, and returns the validated answer', async () => {
    answerWith(() => HttpResponse.json(generateContentResponse(JSON.stringify(modelAnswer))))
    const result = await classifier().classify(input)

    expect(received).toHaveLength(1)
    const [request] = received
    expect(request?.url).toBe(ENDPOINT)
    expect(request?.apiKeyHeader).toBe(API_KEY)
    expect(request?.text).not.toContain(API_KEY)
    const body = request?.body as {
      contents: Array<{ role: string; parts: Array<{ text: string }> }>
      systemInstruction: { parts: Array<{ text: string }> }
      generationConfig: Record<string, unknown>
    }
    expect(body.systemInstruction.parts[0]?.text).toContain(QUALIFICATION_RUBRIC)
    expect(body.contents).toHaveLength(1)
    expect(body.contents[0]?.role).toBe('user')
    for (const message of input.messages) expect(body.contents[0]?.parts[0]?.text).toContain(message.text)
    expect(body.contents[0]?.parts[0]?.text).toContain('+393401234567')
    expect(body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: llmClassificationJsonSchema(),
      thinkingConfig: { thinkingBudget: 0 },
    })

    expect(ClassificationSchema.parse(result)).toEqual(result)
    expect(result).toMatchObject({
      classifier: 'gemini:gemini-2.5-flash',
      quality: 'hot',
      score: 84,
      nextAction: 'create_lead',
      question: modelAnswer.question,
      language: 'it',
      completeness: 1,
      missingFields: [],
      usage,
      extracted: { name: 'Luca', phone: '+393401234567', budget: { amount: 1200, currency: 'EUR' } },
    })
    expect(result).not.toHaveProperty('fallback')
  })

  it('counts thinking tokens as output and forwards the options it is given', async () => {
    answerWith(
      () =>
        HttpResponse.json(
          generateContentResponse(JSON.stringify(modelAnswer), 'STOP', {
            ...usageMetadata,
            thoughtsTokenCount: 210,
            totalTokenCount: 1577,
          }),
        ),
      `${API}/gemini-2.5-pro:generateContent`,
    )
    const result = await classifier({
      model: 'gemini-2.5-pro',
      temperature: 0,
      maxOutputTokens: 2048,
    }).classify(input)
    expect(result.classifier).toBe('gemini:gemini-2.5-pro')
    expect(result.usage).toEqual({ inputTokens: 1203, outputTokens: 374, totalTokens: 1577 })
    expect(received[0]?.body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: llmClassificationJsonSchema(),
      temperature: 0,
      maxOutputTokens: 2048,
    })
  })

  it('uses the client it is given', async () => {
    answerWith(() => HttpResponse.json(generateContentResponse(JSON.stringify(modelAnswer))))
    const client = new GoogleGenAI({ apiKey: 'AIzaClientKey-000000000000' })
    const result = await geminiClassifier({ client }).classify(input)
    expect(received[0]?.apiKeyHeader).toBe('AIzaClientKey-000000000000')
    expect(result.classifier).toBe('gemini:gemini-2.5-flash')
  })

  it.each([
    [
      500,
      'INTERNAL',
      'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    ],
    [
      429,
      'RESOURCE_EXHAUSTED',
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    ],
  ])('falls back to the rule classifier on HTTP %i and says why', async (code, status, message) => {
    answerWith(() => apiError(code, status, message))
    const result = await classifier().classify(input)
    expect(received).toHaveLength(1)
    expect(result.classifier).toBe('rules')
    expect(withoutFallbackFields(result)).toEqual(await rulesAnswer())
    expect(result.fallback).toEqual({
      from: 'gemini:gemini-2.5-flash',
      reason: 'api_error',
      message: `Gemini API error ${code} (${status}): ${message}`,
    })
    expect(result).not.toHaveProperty('usage')
  })

  it('falls back on an invalid key with a generic message', async () => {
    answerWith(() =>
      apiError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]),
    )
    const result = await classifier().classify(input)
    expect(result.fallback).toEqual({
      from: 'gemini:gemini-2.5-flash',
      reason: 'api_error',
      message: 'Gemini API error 400 (INVALID_ARGUMENT): authentication failed, check the API key',
    })
  })

  it('retries within the timeout when maxRetries allows it', async () => {
    let calls = 0
    answerWith(() => {
      calls++
      if (calls === 1) return apiError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.')
      return HttpResponse.json(generateContentResponse(JSON.stringify(modelAnswer)))
    })
    const result = await classifier({ maxRetries: 1, timeoutMs: 6000 }).classify(input)
    expect(received).toHaveLength(2)
    expect(result.classifier).toBe('gemini:gemini-2.5-flash')
  })

  it('falls back with refusal when the prompt is blocked, keeping the tokens spent', async () => {
    answerWith(() =>
      HttpResponse.json({
        promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
        usageMetadata: { promptTokenCount: 1203, totalTokenCount: 1203 },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'nYtBaP7qLZ2ImLAP5ZqY4Qs',
      }),
    )
    const result = await classifier().classify(input)
    expect(withoutFallbackFields(result)).toEqual(await rulesAnswer())
    expect(result.fallback).toEqual({
      from: 'gemini:gemini-2.5-flash',
      reason: 'refusal',
      message: 'the prompt was blocked (PROHIBITED_CONTENT)',
    })
    expect(result.usage).toEqual({ inputTokens: 1203, outputTokens: 0, totalTokens: 1203 })
  })

  it('falls back with refusal when the answer stops for SAFETY', async () => {
    answerWith(() =>
      HttpResponse.json({
        candidates: [
          {
            finishReason: 'SAFETY',
            index: 0,
            safetyRatings: [
              { category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH', blocked: true },
              { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
            ],
          },
        ],
        usageMetadata: { promptTokenCount: 1203, totalTokenCount: 1203 },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'oZtBaQ8qLZ2ImLAP5ZqY4Qs',
      }),
    )
    const result = await classifier().classify(input)
    expect(result.classifier).toBe('rules')
    expect(result.fallback).toEqual({
      from: 'gemini:gemini-2.5-flash',
      reason: 'refusal',
      message: 'the answer was stopped (SAFETY)',
    })
  })

  it.each([
    ['text that is not JSON', generateContentResponse('```json\n{"quality": "hot",'), 'not valid JSON'],
    [
      'JSON that violates the schema',
      generateContentResponse(JSON.stringify({ ...modelAnswer, quality: 'very hot', reasons: 'many' })),
      'does not match the schema',
    ],
    [
      'an answer cut at the token limit',
      generateContentResponse('{"quality":"hot","sco', 'MAX_TOKENS'),
      'token limit',
    ],
  ])('falls back with invalid_output for %s', async (_, body, expected) => {
    answerWith(() => HttpResponse.json(body))
    const result = await classifier().classify(input)
    expect(withoutFallbackFields(result)).toEqual(await rulesAnswer())
    expect(result.fallback?.reason).toBe('invalid_output')
    expect(result.fallback?.from).toBe('gemini:gemini-2.5-flash')
    expect(result.fallback?.message).toContain(expected)
    expect(result.usage).toEqual(usage)
  })

  it('falls back with timeout when the API answers later than timeoutMs', async () => {
    answerWith(async () => {
      await delay(3000)
      return HttpResponse.json(generateContentResponse(JSON.stringify(modelAnswer)))
    })
    const started = Date.now()
    const result = await classifier({ timeoutMs: 150 }).classify(input)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(withoutFallbackFields(result)).toEqual(await rulesAnswer())
    expect(result.fallback).toEqual({
      from: 'gemini:gemini-2.5-flash',
      reason: 'timeout',
      message: 'no answer within 150 ms',
    })
  })

  it("rejects with the caller's abort reason instead of falling back", async () => {
    answerWith(async () => {
      await delay(3000)
      return HttpResponse.json(generateContentResponse(JSON.stringify(modelAnswer)))
    })
    const controller = new AbortController()
    const reason = new Error('conversation closed')
    setTimeout(() => controller.abort(reason), 50)
    await expect(classifier().classify(input, { signal: controller.signal })).rejects.toBe(reason)
  })

  it('rejects an input without messages with VALIDATION_FAILED, without calling the API', async () => {
    const error = await classifier()
      .classify({ messages: [] })
      .catch((caught: unknown) => caught)
    expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
    expect(received).toHaveLength(0)
  })

  it('refuses to start without an API key, a client or GEMINI_API_KEY', () => {
    vi.stubEnv('GEMINI_API_KEY', undefined)
    vi.stubEnv('GOOGLE_API_KEY', undefined)
    expect(() => geminiClassifier()).toThrow(LeadCallError)
    vi.stubEnv('GEMINI_API_KEY', API_KEY)
    expect(geminiClassifier().name).toBe('gemini:gemini-2.5-flash')
  })

  it('never puts the API key in a result or a fallback message', async () => {
    const failures: Array<() => Response | Promise<Response>> = [
      () => apiError(400, 'INVALID_ARGUMENT', `API key not valid: ${API_KEY}`),
      () => apiError(403, 'PERMISSION_DENIED', `Method doesn't allow unregistered callers (key ${API_KEY}).`),
      () => apiError(500, 'INTERNAL', `internal error for https://x.test/?key=${API_KEY}`),
      () => HttpResponse.json(generateContentResponse(`I will not repeat ${API_KEY}`)),
      () => HttpResponse.error(),
    ]
    for (const failure of failures) {
      answerWith(failure)
      const result = await classifier().classify(input)
      expect(result.fallback).toBeDefined()
      expect(JSON.stringify(result)).not.toContain(API_KEY)
      expect(JSON.stringify(result)).not.toContain('0123456789abcdef')
    }
  })
})
