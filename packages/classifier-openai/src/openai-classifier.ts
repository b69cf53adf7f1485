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
import OpenAI, { APIConnectionError, APIError } from 'openai'
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions'

/** The model {@link openaiClassifier} uses unless told otherwise: small, fast and cheap. */
export const DEFAULT_OPENAI_MODEL = 'gpt-4.1-mini'

/** The name of the structured-output schema sent in `response_format.json_schema.name`. */
export const OPENAI_SCHEMA_NAME = 'lead_classification'

/** Options of {@link openaiClassifier}. */
export interface OpenAIClassifierOptions {
  /**
   * An OpenAI client of your own (Azure, a proxy, custom fetch…). Without it one is created from
   * `apiKey`, `baseURL` and `maxRetries`.
   */
  client?: OpenAI
  /** The API key; defaults to the `OPENAI_API_KEY` environment variable. Ignored with `client`. */
  apiKey?: string
  /** The API's base URL, for an OpenAI-compatible endpoint (default `https://api.openai.com/v1`). Ignored with `client`. */
  baseURL?: string
  /** The model (default {@link DEFAULT_OPENAI_MODEL}); it must support structured output with a JSON schema. */
  model?: string
  /** How long to wait for the model before falling back, in milliseconds (default 8000). */
  timeoutMs?: number
  /** What answers when the model cannot (default `ruleClassifier()`). */
  fallback?: ClassifierV1
  /** Sampling temperature, e.g. 0 for the most repeatable answers (default: the model's). Reasoning models refuse it. */
  temperature?: number
  /**
   * Retries of a failed request (429, 5xx, connection errors), within the timeout. Default 1 for
   * the client this creates; a `client` you pass keeps its own setting unless this is given.
   */
  maxRetries?: number
  /** Caps the tokens of one answer (`max_completion_tokens`); a cut answer falls back as `invalid_output`. */
  maxCompletionTokens?: number
  /** How much of the conversation goes into the prompt, see `ClassifierPromptOptions`. */
  prompt?: ClassifierPromptOptions
}

function toUsage(usage: ChatCompletion['usage']): TokenUsage | undefined {
  if (!usage) return undefined
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens,
  }
}

/** Reads a Chat Completions answer: its content, or why there is none. */
export function readChatCompletion(completion: ChatCompletion): LlmRunResult {
  const usage = toUsage(completion.usage)
  const withUsage = usage ? { usage } : {}
  const choice = completion.choices[0]
  if (!choice)
    return { type: 'failure', reason: 'invalid_output', message: 'the answer has no choices', ...withUsage }
  const { message } = choice
  if (message.refusal) return { type: 'failure', reason: 'refusal', message: message.refusal, ...withUsage }
  if (choice.finish_reason === 'content_filter') {
    return {
      type: 'failure',
      reason: 'refusal',
      message: 'the answer was stopped by the content filter',
      ...withUsage,
    }
  }
  if (choice.finish_reason === 'length') {
    return {
      type: 'failure',
      reason: 'invalid_output',
      message: 'the answer was cut at the token limit',
      ...withUsage,
    }
  }
  return { type: 'output', output: message.content, ...withUsage }
}

/**
 * Describes an error of the OpenAI SDK for a fallback message: the HTTP status, the error code or
 * type and the API's message, except for authentication errors (401, 403), whose message may
 * quote part of the key.
 */
export function describeOpenAIError(error: unknown): string {
  if (error instanceof APIError && error.status !== undefined) {
    const kind = error.code ?? error.type
    const label = `OpenAI API error ${error.status}${kind ? ` (${kind})` : ''}`
    if (error.status === 401 || error.status === 403)
      return `${label}: authentication failed, check the API key`
    const body = error.error as { message?: unknown } | undefined
    const detail = typeof body?.message === 'string' ? body.message : undefined
    return detail ? `${label}: ${detail}` : label
  }
  if (error instanceof APIConnectionError) return `OpenAI API unreachable: ${error.message}`
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

/**
 * A `ClassifierV1` that asks an OpenAI model through Chat Completions
 * (`POST /v1/chat/completions`) with structured output: the rubric and the conversation from
 * `buildClassifierPrompt`, and `response_format: { type: 'json_schema', json_schema: { strict: true } }`
 * with `llmClassificationJsonSchema()`. The answer is validated again with zod on receipt.
 *
 * Named `openai:<model>`. It never rejects for the vendor: an API error, a timeout (8 s by
 * default), a refusal or an invalid answer falls back to `fallback` (the rule classifier), whose
 * result says so in `fallback`; tokens spent are reported in `usage`. Rejects only for an input
 * without messages or the caller's abort.
 *
 * @example
 * ```ts
 * import { openaiClassifier } from '@leadcall/openai'
 *
 * const classifier = openaiClassifier({ apiKey: process.env.OPENAI_API_KEY })
 * const result = await classifier.classify({
 *   messages: [{ role: 'user', text: 'Hola, soy María. Busco un sofá cama, presupuesto 900 €, lo necesito esta semana' }],
 *   lead: { phone: '+34600111222' },
 * })
 * console.log(result.quality, result.nextAction, result.question, result.usage)
 * ```
 */
export function openaiClassifier(options: OpenAIClassifierOptions = {}): ClassifierV1 {
  const model = options.model ?? DEFAULT_OPENAI_MODEL
  const name = `openai:${model}`
  const timeoutMs = options.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS
  const fallback = options.fallback ?? ruleClassifier()
  let client: OpenAI
  try {
    client =
      options.client ??
      new OpenAI({
        apiKey: options.apiKey,
        baseURL: options.baseURL,
        maxRetries: options.maxRetries ?? 1,
        timeout: timeoutMs,
      })
  } catch (error) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'openaiClassifier needs an apiKey, a client or the OPENAI_API_KEY environment variable',
      details: { field: 'apiKey' },
      cause: error,
    })
  }
  const secrets = [options.apiKey, client.apiKey].filter(
    (value): value is string => typeof value === 'string',
  )
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
        describeError: describeOpenAIError,
        run: async ({ signal }) => {
          const { system, user } = buildClassifierPrompt(input, options.prompt)
          const body: ChatCompletionCreateParamsNonStreaming = {
            model,
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: user },
            ],
            response_format: {
              type: 'json_schema',
              json_schema: {
                name: OPENAI_SCHEMA_NAME,
                description: 'How good the lead is, what to do next and what to ask.',
                strict: true,
                schema,
              },
            },
            ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
            ...(options.maxCompletionTokens !== undefined
              ? { max_completion_tokens: options.maxCompletionTokens }
              : {}),
          }
          const completion = await client.chat.completions.create(body, {
            signal,
            timeout: timeoutMs,
            ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
          })
          return readChatCompletion(completion)
        },
      })
    },
  }
}
