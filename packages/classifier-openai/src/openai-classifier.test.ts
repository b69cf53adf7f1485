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
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { openaiClassifier } from './openai-classifier.js'

const API_KEY = 'sk-test-leadcall-9f8e7d6c5b4a3210SECRET'
const ENDPOINT = 'https://api.openai.com/v1/chat/completions'

const input: ClassifyInput = {
  messages: [
    { role: 'user', text: 'Hola! Quiero un sofá cama para el salón' },
    { role: 'assistant', text: '¡Hola! ¿Cómo te llamas y para cuándo lo necesitas?' },
    { role: 'user', text: 'Soy María, lo necesito esta semana, presupuesto 900 €' },
  ],
  lead: { phone: '+34600111222' },
}

const modelAnswer: LlmClassification = {
  quality: 'hot',
  score: 86,
  intent: 'sales',
  nextAction: 'create_lead',
  extracted: {
    name: 'María',
    email: null,
    phone: null,
    city: null,
    productInterest: 'sofá cama',
    budget: { amount: 900, currency: 'EUR' },
    urgency: 'high',
  },
  language: 'es',
  question: 'Un asesor te llamará en unos minutos. ¿Te viene bien ahora?',
  confidence: 0.88,
  reasons: ['budget 900 EUR', 'needs it this week', 'specific product'],
}

/** A Chat Completions answer as the API sends it. */
function chatCompletion(
  message: { content: string | null; refusal?: string | null },
  finishReason: 'stop' | 'length' | 'content_filter' = 'stop',
) {
  return {
    id: 'chatcmpl-BkQ3vHn5dM0yW8tZr2JpX1aLc9sEf',
    object: 'chat.completion',
    created: 1750411200,
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: message.content,
          refusal: message.refusal ?? null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage: {
      prompt_tokens: 1117,
      completion_tokens: 151,
      total_tokens: 1268,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_6f2eabb9a5',
  }
}

/** An error in the API's envelope. */
function apiError(status: number, error: { message: string; type: string; code: string | null }) {
  return HttpResponse.json(
    { error: { ...error, param: null } },
    { status, headers: { 'x-request-id': 'req_0a1b2c3d4e5f67890a1b2c3d4e5f6789' } },
  )
}

interface Received {
  url: string
  authorization: string | null
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
        authorization: request.headers.get('authorization'),
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

const usage = { inputTokens: 1117, outputTokens: 151, totalTokens: 1268 }

function classifier(options: Parameters<typeof openaiClassifier>[0] = {}) {
  return openaiClassifier({ apiKey: API_KEY, maxRetries: 0, timeoutMs: 2000, ...options })
}

/** What the rule classifier answers for the input, to compare a fallback's result with. */
async function rulesAnswer(): Promise<Classification> {
  return ruleClassifier().classify(input)
}

function withoutFallbackFields(result: Classification): Classification {
  const { fallback: _fallback, usage: _usage, ...rest } = result
  return rest
}

describe('openaiClassifier', () => {
  it('is a v1 classifier named after its model', () => {
    expect(classifier()).toMatchObject({ specificationVersion: 'v1', name: 'openai:gpt-4.1-mini' })
    expect(classifier({ model: 'gpt-4.1-nano' }).name).toBe('openai:gpt-4.1-nano')
  })

  it('sends the rubric, the conversation and a strict JSON schema, and returns the validated answer', async () => {
    answerWith(() => HttpResponse.json(chatCompletion({ content: JSON.stringify(modelAnswer) })))
    const result = await classifier().classify(input)

    expect(received).toHaveLength(1)
    const [request] = received
    expect(request?.url).toBe(ENDPOINT)
    expect(request?.authorization).toBe(`Bearer ${API_KEY}`)
    expect(request?.text).not.toContain(API_KEY)
    const body = request?.body as {
      model: string
      messages: Array<{ role: string; content: string }>
      response_format: { type: string; json_schema: { name: string; strict: boolean; schema: unknown } }
    }
    expect(body.model).toBe('gpt-4.1-mini')
    expect(body.messages.map((message) => message.role)).toEqual(['system', 'user'])
    expect(body.messages[0]?.content).toContain(QUALIFICATION_RUBRIC)
    for (const message of input.messages) expect(body.messages[1]?.content).toContain(message.text)
    expect(body.messages[1]?.content).toContain('+34600111222')
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'lead_classification',
        description: expect.any(String),
        strict: true,
        schema: llmClassificationJsonSchema(),
      },
    })
    expect(body).not.toHaveProperty('temperature')

    expect(ClassificationSchema.parse(result)).toEqual(result)
    expect(result).toMatchObject({
      classifier: 'openai:gpt-4.1-mini',
      quality: 'hot',
      score: 86,
      nextAction: 'create_lead',
      question: modelAnswer.question,
      completeness: 1,
      missingFields: [],
      usage,
      extracted: { name: 'María', phone: '+34600111222', budget: { amount: 900, currency: 'EUR' } },
    })
    expect(result).not.toHaveProperty('fallback')
  })

  it('forwards the model, temperature and token cap it is given', async () => {
    answerWith(() => HttpResponse.json(chatCompletion({ content: JSON.stringify(modelAnswer) })))
    const result = await classifier({
      model: 'gpt-4.1-nano',
      temperature: 0,
      maxCompletionTokens: 600,
    }).classify(input)
    expect(received[0]?.body).toMatchObject({
      model: 'gpt-4.1-nano',
      temperature: 0,
      max_completion_tokens: 600,
    })
    expect(result.classifier).toBe('openai:gpt-4.1-nano')
  })

  it('talks to the baseURL it is given, or through the client it is given', async () => {
    const endpoint = 'https://llm.example.test/v1/chat/completions'
    answerWith(() => HttpResponse.json(chatCompletion({ content: JSON.stringify(modelAnswer) })), endpoint)
    await classifier({ baseURL: 'https://llm.example.test/v1' }).classify(input)
    const client = new OpenAI({
      apiKey: 'sk-client-key-0000',
      baseURL: 'https://llm.example.test/v1',
      maxRetries: 0,
    })
    const result = await openaiClassifier({ client }).classify(input)
    expect(received.map((request) => [request.url, request.authorization])).toEqual([
      [endpoint, `Bearer ${API_KEY}`],
      [endpoint, 'Bearer sk-client-key-0000'],
    ])
    expect(result.classifier).toBe('openai:gpt-4.1-mini')
  })

  it.each([
    [
      500,
      {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        code: null,
      },
    ],
    [
      429,
      {
        message:
          'Rate limit reached for gpt-4.1-mini in organization org-leadcalltest on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.',
        type: 'requests',
        code: 'rate_limit_exceeded',
      },
    ],
  ])('falls back to the rule classifier on HTTP %i and says why', async (status, error) => {
    answerWith(() => apiError(status, error))
    const result = await classifier().classify(input)
    expect(received).toHaveLength(1)
    expect(result.classifier).toBe('rules')
    expect(withoutFallbackFields(result)).toEqual(await rulesAnswer())
    expect(result.fallback).toEqual({
      from: 'openai:gpt-4.1-mini',
      reason: 'api_error',
      message: `OpenAI API error ${status} (${error.code ?? error.type}): ${error.message}`,
    })
    expect(result).not.toHaveProperty('usage')
  })

  it("falls back on 401 without repeating the API's message, which quotes part of the key", async () => {
    answerWith(() =>
      apiError(401, {
        message:
          'Incorrect API key provided: sk-test-********************CRET. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
    )
    const result = await classifier().classify(input)
    expect(result.fallback).toEqual({
      from: 'openai:gpt-4.1-mini',
      reason: 'api_error',
      message: 'OpenAI API error 401 (invalid_api_key): authentication failed, check the API key',
    })
  })

  // Before a retry the SDK cancels the failed response's body, which never settles on a body msw
  // produced (mswjs/interceptors#799); a fetch that buffers the body keeps the requests going
  // through msw without that hang.
  async function bufferingFetch(url: RequestInfo | URL, init?: RequestInit) {
    const response = await fetch(url, init)
    return new Response(await response.arrayBuffer(), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    })
  }

  function overloadedFor(failures: number) {
    let calls = 0
    answerWith(() => {
      calls++
      if (calls <= failures) {
        return HttpResponse.json(
          { error: { message: 'The server is overloaded.', type: 'server_error', param: null, code: null } },
          { status: 503, headers: { 'retry-after-ms': '10' } },
        )
      }
      return HttpResponse.json(chatCompletion({ content: JSON.stringify(modelAnswer) }))
    })
  }

  it('retries within the timeout when maxRetries allows it', async () => {
    overloadedFor(1)
    const client = new OpenAI({ apiKey: API_KEY, fetch: bufferingFetch, maxRetries: 5 })
    const result = await openaiClassifier({ client, maxRetries: 1 }).classify(input)
    expect(received).toHaveLength(2)
    expect(result.classifier).toBe('openai:gpt-4.1-mini')
  })

  it('retries no more than maxRetries, then falls back', async () => {
    overloadedFor(3)
    const client = new OpenAI({ apiKey: API_KEY, fetch: bufferingFetch, maxRetries: 5 })
    const result = await openaiClassifier({ client, maxRetries: 1 }).classify(input)
    expect(received).toHaveLength(2)
    expect(result.fallback).toEqual({
      from: 'openai:gpt-4.1-mini',
      reason: 'api_error',
      message: 'OpenAI API error 503 (server_error): The server is overloaded.',
    })
  })

  it('falls back with refusal when the model refuses, keeping the tokens spent', async () => {
    answerWith(() =>
      HttpResponse.json(
        chatCompletion({ content: null, refusal: "I'm sorry, I can't assist with that request." }),
      ),
    )
    const result = await classifier().classify(input)
    expect(withoutFallbackFields(result)).toEqual(await rulesAnswer())
    expect(result.fallback).toEqual({
      from: 'openai:gpt-4.1-mini',
      reason: 'refusal',
      message: "I'm sorry, I can't assist with that request.",
    })
    expect(result.usage).toEqual(usage)
  })

  it('falls back with refusal when the content filter stops the answer', async () => {
    answerWith(() => HttpResponse.json(chatCompletion({ content: null }, 'content_filter')))
    const result = await classifier().classify(input)
    expect(result.fallback?.reason).toBe('refusal')
  })

  it.each([
    [
      'truncated JSON',
      chatCompletion({ content: '{"quality":"hot","score":86,"intent":"sa' }),
      'not valid JSON',
    ],
    [
      'JSON that violates the schema',
      chatCompletion({ content: JSON.stringify({ ...modelAnswer, nextAction: 'call_now', score: 'high' }) }),
      'does not match the schema',
    ],
    [
      'an answer cut at the token limit',
      chatCompletion({ content: '{"quality":"hot"' }, 'length'),
      'token limit',
    ],
    ['no content at all', chatCompletion({ content: null }), 'no output'],
  ])('falls back with invalid_output for %s', async (_, body, expected) => {
    answerWith(() => HttpResponse.json(body))
    const result = await classifier().classify(input)
    expect(withoutFallbackFields(result)).toEqual(await rulesAnswer())
    expect(result.fallback?.reason).toBe('invalid_output')
    expect(result.fallback?.from).toBe('openai:gpt-4.1-mini')
    expect(result.fallback?.message).toContain(expected)
    expect(result.usage).toEqual(usage)
  })

  it('falls back with timeout when the API answers later than timeoutMs', async () => {
    answerWith(async () => {
      await delay(3000)
      return HttpResponse.json(chatCompletion({ content: JSON.stringify(modelAnswer) }))
    })
    const started = Date.now()
    const result = await classifier({ timeoutMs: 150 }).classify(input)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(withoutFallbackFields(result)).toEqual(await rulesAnswer())
    expect(result.fallback).toEqual({
      from: 'openai:gpt-4.1-mini',
      reason: 'timeout',
      message: 'no answer within 150 ms',
    })
  })

  it("rejects with the caller's abort reason instead of falling back", async () => {
    answerWith(async () => {
      await delay(3000)
      return HttpResponse.json(chatCompletion({ content: JSON.stringify(modelAnswer) }))
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

  it('refuses to start without an API key, a client or OPENAI_API_KEY', () => {
    vi.stubEnv('OPENAI_API_KEY', undefined)
    const error = (() => {
      try {
        openaiClassifier()
      } catch (caught) {
        return caught
      }
    })()
    expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
  })

  it('never puts the API key in a result or a fallback message', async () => {
    const failures: Array<() => Response | Promise<Response>> = [
      () =>
        apiError(401, {
          message: `Incorrect API key provided: ${API_KEY}.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        }),
      () =>
        apiError(400, {
          message: `Bad request with key ${API_KEY}`,
          type: 'invalid_request_error',
          code: null,
        }),
      () => HttpResponse.json(chatCompletion({ content: null, refusal: `I will not repeat ${API_KEY}` })),
      () => HttpResponse.json(chatCompletion({ content: 'not json' })),
      () => HttpResponse.error(),
    ]
    for (const failure of failures) {
      answerWith(failure)
      const result = await classifier().classify(input)
      expect(result.fallback).toBeDefined()
      expect(JSON.stringify(result)).not.toContain(API_KEY)
      expect(JSON.stringify(result)).not.toContain('9f8e7d6c5b4a3210')
    }
  })
})
