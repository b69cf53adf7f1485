import { describe, expect, it, vi } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { type Classification, ClassificationSchema } from './classification.js'
import type { ClassifierV1, ClassifyInput, ClassifyOptions } from './classifier.js'
import { classifyWithFallback, type LlmRunContext, type LlmRunResult } from './llm-fallback.js'
import type { LlmClassification } from './llm-prompt.js'

const SECRET = 'sk-test-leadcall-0123456789abcdefSECRET'

const input: ClassifyInput = {
  messages: [{ role: 'user', text: 'Hola, soy María, quiero un sofá para esta semana, presupuesto 2000 €' }],
  lead: { phone: '+34600111222' },
}

const answer: LlmClassification = {
  quality: 'hot',
  score: 85,
  intent: 'sales',
  nextAction: 'create_lead',
  extracted: {
    name: 'María',
    email: null,
    phone: null,
    city: null,
    productInterest: 'sofá',
    budget: { amount: 2000, currency: 'EUR' },
    urgency: 'high',
  },
  language: 'es',
  question: 'Un asesor te llamará en breve. ¿Te viene bien ahora?',
  confidence: 0.86,
  reasons: ['budget 2000 EUR'],
}

const usage = { inputTokens: 700, outputTokens: 90, totalTokens: 790 }

/**
 * A fallback classifier that records its calls and answers from the input it is given (the
 * number of messages shows in `reasons`), so the tests can tell its results from the model's.
 */
function recordingFallback(extra: Partial<Classification> = {}) {
  const calls: Array<{ input: ClassifyInput; options?: ClassifyOptions }> = []
  const classifier: ClassifierV1 = {
    specificationVersion: 'v1',
    name: 'rules',
    async classify(received, options) {
      calls.push({ input: received, options })
      options?.signal?.throwIfAborted()
      return ClassificationSchema.parse({
        quality: 'cold',
        score: 20,
        completeness: 0,
        missingFields: ['name', 'contact', 'productInterest', 'budgetOrUrgency'],
        extracted: {},
        intent: 'other',
        nextAction: 'ask_clarifying_question',
        question: '¿En qué podemos ayudarte?',
        language: 'es',
        confidence: 0.3,
        reasons: [`${received.messages.length} messages read`],
        classifier: 'rules',
        ...extra,
      })
    },
  }
  return { classifier, calls }
}

function run(
  fallback: ClassifierV1,
  runner: (context: LlmRunContext) => Promise<LlmRunResult>,
  extra: { timeoutMs?: number; signal?: AbortSignal; input?: ClassifyInput } = {},
) {
  return classifyWithFallback({
    name: 'test:model',
    input: extra.input ?? input,
    fallback,
    secrets: [SECRET],
    timeoutMs: extra.timeoutMs ?? 1000,
    signal: extra.signal,
    run: runner,
  })
}

/** A run that resolves only when its signal aborts (and then rejects, as SDKs do). */
function hangingRun(seen: { signal?: AbortSignal }) {
  return ({ signal }: LlmRunContext) =>
    new Promise<LlmRunResult>((_, reject) => {
      seen.signal = signal
      signal.addEventListener('abort', () => reject(new Error('Request was aborted.')))
    })
}

describe('classifyWithFallback', () => {
  it("answers with the model's classification, named and with its usage", async () => {
    const { classifier, calls } = recordingFallback()
    const result = await run(classifier, async () => ({
      type: 'output',
      output: JSON.stringify(answer),
      usage,
    }))
    expect(calls).toHaveLength(0)
    expect(ClassificationSchema.parse(result)).toEqual(result)
    expect(result).toMatchObject({ classifier: 'test:model', quality: 'hot', usage, missingFields: [] })
    expect(result.extracted.phone).toBe('+34600111222')
    expect(result).not.toHaveProperty('fallback')
  })

  it('accepts an answer the SDK already parsed', async () => {
    const { classifier } = recordingFallback()
    const result = await run(classifier, async () => ({ type: 'output', output: answer }))
    expect(result.classifier).toBe('test:model')
    expect(result).not.toHaveProperty('usage')
  })

  it('falls back with api_error when run throws, without the secret in the message', async () => {
    const { classifier, calls } = recordingFallback()
    const result = await run(classifier, async () => {
      throw new Error(`401 Incorrect API key provided: ${SECRET}; header Authorization: Bearer ${SECRET}`)
    })
    expect(calls).toHaveLength(1)
    expect(result.classifier).toBe('rules')
    expect(result.reasons).toEqual(['1 messages read'])
    expect(result.fallback).toMatchObject({ from: 'test:model', reason: 'api_error' })
    expect(result.fallback?.message).toContain('401 Incorrect API key provided')
    expect(result.fallback?.message).not.toContain(SECRET)
    expect(result.fallback?.message).not.toContain('0123456789abcdef')
    expect(result).not.toHaveProperty('usage')
  })

  it('redacts key-shaped values even when they are not among the secrets', async () => {
    const { classifier } = recordingFallback()
    const result = await run(classifier, async () => {
      throw new Error(
        'failed: sk-proj-abcdefghijklmn AIzaSyA1234567890abcdefghijklmnopqrstu https://x.test/v1?key=hunter2hunter2&alt=json',
      )
    })
    const message = result.fallback?.message ?? ''
    expect(message).not.toMatch(/sk-proj-abc|AIzaSy|hunter2/)
    expect(message).toContain('key=[redacted]&alt=json')
  })

  it('uses describeError for the message of an api_error', async () => {
    const { classifier } = recordingFallback()
    const result = await classifyWithFallback({
      name: 'test:model',
      input,
      fallback: classifier,
      describeError: (error) => `vendor said ${(error as { status: number }).status}`,
      run: async () => {
        throw Object.assign(new Error('boom'), { status: 503 })
      },
    })
    expect(result.fallback).toEqual({ from: 'test:model', reason: 'api_error', message: 'vendor said 503' })
  })

  it('falls back with timeout after timeoutMs and aborts the signal given to run', async () => {
    const { classifier, calls } = recordingFallback()
    const seen: { signal?: AbortSignal } = {}
    const started = Date.now()
    const result = await run(classifier, hangingRun(seen), { timeoutMs: 40 })
    expect(Date.now() - started).toBeLessThan(900)
    expect(seen.signal?.aborted).toBe(true)
    expect(calls).toHaveLength(1)
    expect(result.fallback).toEqual({
      from: 'test:model',
      reason: 'timeout',
      message: 'no answer within 40 ms',
    })
  })

  it('does not wait for a run that ignores its signal', async () => {
    const { classifier } = recordingFallback()
    const started = Date.now()
    const result = await run(classifier, () => new Promise<LlmRunResult>(() => {}), { timeoutMs: 30 })
    expect(Date.now() - started).toBeLessThan(900)
    expect(result.fallback?.reason).toBe('timeout')
  })

  it('falls back with the reason the run reports, keeping the tokens spent', async () => {
    const { classifier } = recordingFallback()
    const result = await run(classifier, async () => ({
      type: 'failure',
      reason: 'refusal',
      message: "I'm sorry, I can't help with that.",
      usage,
    }))
    expect(result.fallback).toEqual({
      from: 'test:model',
      reason: 'refusal',
      message: "I'm sorry, I can't help with that.",
    })
    expect(result.usage).toEqual(usage)
    expect(result.classifier).toBe('rules')
  })

  it('adds the tokens spent to those of a fallback that reports its own', async () => {
    const { classifier } = recordingFallback({ usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } })
    const result = await run(classifier, async () => ({ type: 'output', output: '{', usage }))
    expect(result.usage).toEqual({ inputTokens: 710, outputTokens: 95, totalTokens: 805 })
  })

  it.each([
    ['text that is not JSON', 'Sure! Here is the classification: hot', 'not valid JSON'],
    ['an empty answer', '', 'no output'],
    ['JSON that violates the schema', JSON.stringify({ ...answer, quality: 'lukewarm' }), 'quality'],
    ['JSON missing a property', JSON.stringify({ ...answer, reasons: undefined }), 'reasons'],
    [
      'a value that is not a valid classification',
      JSON.stringify({ ...answer, language: '' }),
      'not a valid',
    ],
  ])('falls back with invalid_output for %s', async (_, output, expected) => {
    const { classifier, calls } = recordingFallback()
    const result = await run(classifier, async () => ({ type: 'output', output, usage }))
    expect(calls).toHaveLength(1)
    expect(result.fallback?.reason).toBe('invalid_output')
    expect(result.fallback?.message).toContain(expected)
    expect(result.usage).toEqual(usage)
  })

  it("rejects with the caller's abort reason, without falling back", async () => {
    const { classifier, calls } = recordingFallback()
    const controller = new AbortController()
    const seen: { signal?: AbortSignal } = {}
    const reason = new Error('lead withdrawn')
    const pending = run(classifier, hangingRun(seen), { signal: controller.signal })
    setTimeout(() => controller.abort(reason), 10)
    await expect(pending).rejects.toBe(reason)
    expect(seen.signal?.aborted).toBe(true)
    expect(calls).toHaveLength(0)
  })

  it('rejects at once when the signal is already aborted, without calling run', async () => {
    const { classifier } = recordingFallback()
    const runner = vi.fn(async (): Promise<LlmRunResult> => ({ type: 'output', output: answer }))
    const reason = new Error('gone')
    await expect(run(classifier, runner, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(runner).not.toHaveBeenCalled()
  })

  it('rejects an input without messages, or with an invalid one, with VALIDATION_FAILED', async () => {
    const { classifier } = recordingFallback()
    const runner = vi.fn(async (): Promise<LlmRunResult> => ({ type: 'output', output: answer }))
    for (const invalid of [
      { messages: [] },
      { messages: [{ role: 'system', text: 'hi' }] },
      { messages: [{ role: 'user', text: 42 }] },
    ] as unknown as ClassifyInput[]) {
      const error = await run(classifier, runner, { input: invalid }).catch((caught: unknown) => caught)
      expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
    }
    expect(runner).not.toHaveBeenCalled()
  })

  it("passes the caller's signal on to the fallback", async () => {
    const { classifier, calls } = recordingFallback()
    const controller = new AbortController()
    await run(classifier, async () => ({ type: 'output', output: 'nope' }), { signal: controller.signal })
    expect(calls[0]?.options?.signal).toBe(controller.signal)
  })
})
