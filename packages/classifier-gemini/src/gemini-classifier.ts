import {
  ApiError,
  type GenerateContentConfig,
  type GenerateContentResponse,
  type GenerateContentResponseUsageMetadata,
  GoogleGenAI,
  type ThinkingConfig,
} from '@google/genai'
import {
  buildClassifierPrompt,
  type ClassifierPromptOptions,
  type ClassifierV1,
  classifyWithFallback,
  DEFAULT_LLM_TIMEOUT_MS,
  LeadCallError,
  type LlmRunResult,
  llmClassificationJsonSchema,
  ruleClassifier,
  type TokenUsage,
} from '@leadcall/core'

/** The model {@link geminiClassifier} uses unless told otherwise: fast and cheap. */
export const DEFAULT_GEMINI_MODEL = 'gemini-2.5-flash'

/** Options of {@link geminiClassifier}. */
export interface GeminiClassifierOptions {
  /** A client of your own (Vertex AI, custom HTTP options…). Without it one is created from `apiKey`. */
  client?: GoogleGenAI
  /** The Gemini API key; defaults to the `GEMINI_API_KEY` / `GOOGLE_API_KEY` environment variables. Ignored with `client`. */
  apiKey?: string
  /** The model (default {@link DEFAULT_GEMINI_MODEL}); it must support a JSON response schema. */
  model?: string
  /** How long to wait for the model before falling back, in milliseconds (default 8000). */
  timeoutMs?: number
  /** What answers when the model cannot (default `ruleClassifier()`). */
  fallback?: ClassifierV1
  /** Sampling temperature, e.g. 0 for the most repeatable answers (default: the model's). */
  temperature?: number
  /** Retries of a failed request (408, 429, 5xx), within the timeout (default 0, as the SDK). */
  maxRetries?: number
  /** Caps the tokens of one answer (`maxOutputTokens`); a cut answer falls back as `invalid_output`. */
  maxOutputTokens?: number
  /**
   * The model's thinking. Default `{ thinkingBudget: 0 }` (no thinking: faster and cheaper; the
   * rubric needs none) for `gemini-2.5-flash*` models, the model's own default for the others.
   */
  thinkingConfig?: ThinkingConfig
  /** How much of the conversation goes into the prompt, see `ClassifierPromptOptions`. */
  prompt?: ClassifierPromptOptions
}

/** Finish reasons that mean the model would not answer (a blocked prompt always does). */
const REFUSALS = new Set([
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
])

function toUsage(metadata: GenerateContentResponseUsageMetadata | undefined): TokenUsage | undefined {
  if (!metadata) return undefined
  const inputTokens = (metadata.promptTokenCount ?? 0) + (metadata.toolUsePromptTokenCount ?? 0)
  // Thinking tokens are billed as output.
  const outputTokens = (metadata.candidatesTokenCount ?? 0) + (metadata.thoughtsTokenCount ?? 0)
  return { inputTokens, outputTokens, totalTokens: metadata.totalTokenCount ?? inputTokens + outputTokens }
}

/** Reads a `generateContent` answer: its JSON text, or why there is none (a block, a cut answer). */
export function readGenerateContentResponse(response: GenerateContentResponse): LlmRunResult {
  const usage = toUsage(response.usageMetadata)
  const withUsage = usage ? { usage } : {}
  const blockReason = response.promptFeedback?.blockReason
  if (blockReason) {
    const detail = response.promptFeedback?.blockReasonMessage
    return {
      type: 'failure',
      reason: 'refusal',
      message: `the prompt was blocked (${blockReason})${detail ? `: ${detail}` : ''}`,
      ...withUsage,
    }
  }
  const candidate = response.candidates?.[0]
  if (!candidate)
    return {
      type: 'failure',
      reason: 'invalid_output',
      message: 'the answer has no candidates',
      ...withUsage,
    }
  const finishReason = candidate.finishReason
  const text = (candidate.content?.parts ?? [])
    .filter((part) => typeof part.text === 'string' && !part.thought)
    .map((part) => part.text)
    .join('')
  if (finishReason && REFUSALS.has(finishReason)) {
    const detail = candidate.finishMessage
    return {
      type: 'failure',
      reason: 'refusal',
      message: `the answer was stopped (${finishReason})${detail ? `: ${detail}` : ''}`,
      ...withUsage,
    }
  }
  if (finishReason === 'MAX_TOKENS') {
    return {
      type: 'failure',
      reason: 'invalid_output',
      message: 'the answer was cut at the token limit',
      ...withUsage,
    }
  }
  return { type: 'output', output: text, ...withUsage }
}

interface GoogleErrorBody {
  error?: { code?: unknown; message?: unknown; status?: unknown; details?: Array<{ reason?: unknown }> }
}

/**
 * Describes an error of `@google/genai` for a fallback message: the HTTP status, the API's status
 * and message, except for authentication errors (401, 403, an invalid key), whose message is
 * replaced by a generic one.
 */
export function describeGeminiError(error: unknown): string {
  if (error instanceof ApiError) {
    let body: GoogleErrorBody = {}
    try {
      body = JSON.parse(error.message) as GoogleErrorBody
    } catch {
      // The SDK builds the message from the response body; anything else is reported by status only.
    }
    const status = typeof body.error?.status === 'string' ? body.error.status : undefined
    const label = `Gemini API error ${error.status}${status ? ` (${status})` : ''}`
    const keyRefused = (body.error?.details ?? []).some((detail) => detail?.reason === 'API_KEY_INVALID')
    if (error.status === 401 || error.status === 403 || keyRefused) {
      return `${label}: authentication failed, check the API key`
    }
    const message = typeof body.error?.message === 'string' ? body.error.message : undefined
    return message ? `${label}: ${message}` : label
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

function envKey(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name]
  return value ? value : undefined
}

/**
 * A `ClassifierV1` that asks a Gemini model with `@google/genai`'s `generateContent`: the
 * rubric as the system instruction, the conversation from `buildClassifierPrompt`,
 * `responseMimeType: 'application/json'` and `llmClassificationJsonSchema()` as
 * `responseJsonSchema`. The answer is validated with zod on receipt.
 *
 * Named `gemini:<model>`. It never rejects for the vendor: an API error, a timeout (8 s by
 * default), a blocked prompt or answer (`SAFETY`, …), or an invalid answer falls back to
 * `fallback` (the rule classifier), whose result says so in `fallback`; tokens spent
 * (`usageMetadata`, thinking included) are reported in `usage`. Rejects only for an input without
 * messages or the caller's abort.
 *
 * @example
 * ```ts
 * import { geminiClassifier } from '@leadcall/gemini'
 *
 * const classifier = geminiClassifier({ apiKey: process.env.GEMINI_API_KEY })
 * const result = await classifier.classify({
 *   messages: [{ role: 'user', text: 'Ciao, sono Luca: cerco un divano letto, mi serve subito' }],
 *   lead: { phone: '+393401234567' },
 * })
 * console.log(result.quality, result.nextAction, result.question, result.usage)
 * ```
 */
export function geminiClassifier(options: GeminiClassifierOptions = {}): ClassifierV1 {
  const model = options.model ?? DEFAULT_GEMINI_MODEL
  const name = `gemini:${model}`
  const timeoutMs = options.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS
  const fallback = options.fallback ?? ruleClassifier()
  const apiKey =
    options.apiKey ?? (options.client ? undefined : (envKey('GEMINI_API_KEY') ?? envKey('GOOGLE_API_KEY')))
  if (!options.client && !apiKey) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'geminiClassifier needs an apiKey, a client or the GEMINI_API_KEY environment variable',
      details: { field: 'apiKey' },
    })
  }
  const client = options.client ?? new GoogleGenAI({ apiKey })
  const secrets = [options.apiKey, envKey('GEMINI_API_KEY'), envKey('GOOGLE_API_KEY'), apiKey].filter(
    (value): value is string => typeof value === 'string',
  )
  const thinkingConfig =
    options.thinkingConfig ?? (model.startsWith('gemini-2.5-flash') ? { thinkingBudget: 0 } : undefined)
  const schema = llmClassificationJsonSchema()

  return {
    specificationVersion: 'v1',
    name,
    classify(input, classifyOptions) {
      return classifyWithFallback({
        name,
        input,
        fallback,
        timeoutMs,
        signal: classifyOptions?.signal,
        secrets,
        describeError: describeGeminiError,
        run: async ({ signal }) => {
          const { system, user } = buildClassifierPrompt(input, options.prompt)
          const config: GenerateContentConfig = {
            systemInstruction: system,
            responseMimeType: 'application/json',
            responseJsonSchema: schema,
            abortSignal: signal,
            httpOptions: {
              timeout: timeoutMs,
              ...(options.maxRetries ? { retryOptions: { attempts: options.maxRetries + 1 } } : {}),
            },
            ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
            ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
            ...(thinkingConfig ? { thinkingConfig } : {}),
          }
          const response = await client.models.generateContent({
            model,
            contents: [{ role: 'user', parts: [{ text: user }] }],
            config,
          })
          return readGenerateContentResponse(response)
        },
      })
    },
  }
}
