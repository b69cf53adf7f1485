import { LeadCallError } from '../errors/lead-call-error.js'
import type { Classification, FallbackReason, TokenUsage } from './classification.js'
import type { ClassifierV1, ClassifyInput } from './classifier.js'
import { LlmClassificationSchema, toClassification } from './llm-prompt.js'

/** How long an LLM classifier waits for its model by default before falling back: 8 s. */
export const DEFAULT_LLM_TIMEOUT_MS = 8000

/** What {@link ClassifyWithFallbackOptions.run} receives. */
export interface LlmRunContext {
  /**
   * Aborted when the timeout passes or the caller aborts: pass it to the vendor's SDK so that the
   * request is cancelled.
   */
  signal: AbortSignal
  /** The timeout in milliseconds, e.g. to also give the SDK as its own request timeout. */
  timeoutMs: number
}

/**
 * What {@link ClassifyWithFallbackOptions.run} resolves with: the model's answer, or a failure the
 * vendor's response itself reports (a refusal, a blocked prompt, a truncated or empty answer).
 * Anything `run` throws counts as an `api_error`.
 */
export type LlmRunResult =
  | {
      /** The model answered. */
      type: 'output'
      /** The answer: its JSON text (parsed here), or the value when the SDK already parsed it. */
      output: unknown
      /** Tokens spent. */
      usage?: TokenUsage
    }
  | {
      /** The response reports why there is no usable answer. */
      type: 'failure'
      /** `refusal` for a refusal or a safety block, `invalid_output` for a truncated or empty answer. */
      reason: FallbackReason
      /** What happened, without secrets (it is redacted again anyway). */
      message: string
      /** Tokens spent, when the vendor reported them. */
      usage?: TokenUsage
    }

/** Options of {@link classifyWithFallback}. */
export interface ClassifyWithFallbackOptions {
  /** The classifier's name (`openai:gpt-4.1-mini`): `classifier` of its results, `fallback.from` of the others. */
  name: string
  /** The input to classify. */
  input: ClassifyInput
  /** The classifier that answers when the model cannot, usually `ruleClassifier()`. */
  fallback: ClassifierV1
  /** Asks the model once; see {@link LlmRunContext} and {@link LlmRunResult}. */
  run: (context: LlmRunContext) => Promise<LlmRunResult>
  /** How long to wait for `run` (default {@link DEFAULT_LLM_TIMEOUT_MS}). */
  timeoutMs?: number
  /** The caller's signal: aborting it rejects with its reason, without falling back. */
  signal?: AbortSignal
  /** Values that must never appear in a fallback message (the API key); removed if they do. */
  secrets?: readonly string[]
  /** Describes an error `run` threw, for the fallback message (default: its name and message). */
  describeError?: (error: unknown) => string
}

const MAX_MESSAGE_CHARS = 300
const REDACTED = '[redacted]'

/** Common shapes of API keys and credentials, removed from every fallback message. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_*.-]{6,}/g,
  /\bAIza[0-9A-Za-z_-]{10,}/g,
  /\bBearer\s+[^\s"',;]+/gi,
  /([?&](?:key|api[_-]?key|access_token|token)=)[^&\s"',;]+/gi,
]

function redact(message: string, secrets: readonly string[]): string {
  let result = message
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED)
  }
  for (const pattern of SECRET_PATTERNS) {
    result = result.replace(pattern, (match, prefix?: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}${REDACTED}` : REDACTED,
    )
  }
  const single = result.replace(/\s+/g, ' ').trim()
  return single.length <= MAX_MESSAGE_CHARS ? single : `${single.slice(0, MAX_MESSAGE_CHARS - 1)}…`
}

function defaultDescribeError(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name
  return String(error)
}

function addUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage | undefined {
  if (!a) return b
  if (!b) return a
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  }
}

function invalid(message: string, path: string, issue: string): never {
  throw new LeadCallError('VALIDATION_FAILED', { message, details: { issues: [{ path, message: issue }] } })
}

/** The same checks as the rule classifier's, so that every classifier refuses the same inputs. */
function validateInput(input: ClassifyInput): void {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.messages)) {
    invalid('A classification needs at least one message', 'messages', 'Expected an array')
  }
  if (input.messages.length === 0) {
    invalid('A classification needs at least one message', 'messages', 'Expected at least one message')
  }
  input.messages.forEach((message, i) => {
    if (message?.role !== 'user' && message?.role !== 'assistant') {
      invalid('Invalid message', `messages.${i}.role`, 'Expected "user" or "assistant"')
    }
    if (typeof message.text !== 'string')
      invalid('Invalid message', `messages.${i}.text`, 'Expected a string')
  })
}

interface Failure {
  reason: FallbackReason
  message: string
  usage?: TokenUsage
}

/** Parses and validates the model's answer; a {@link Failure} when it cannot be used. */
function interpret(
  result: LlmRunResult,
  name: string,
  input: ClassifyInput,
): { classification: Classification } | Failure {
  if (result.type === 'failure')
    return { reason: result.reason, message: result.message, usage: result.usage }
  const usage = result.usage
  let value = result.output
  if (value === undefined || value === null || value === '') {
    return { reason: 'invalid_output', message: 'the model returned no output', usage }
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      return { reason: 'invalid_output', message: 'the model output is not valid JSON', usage }
    }
  }
  const parsed = LlmClassificationSchema.safeParse(value)
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ')
    return {
      reason: 'invalid_output',
      message: `the model output does not match the schema: ${issues}`,
      usage,
    }
  }
  try {
    const classification = toClassification(parsed.data, {
      classifier: name,
      usage,
      lead: input.lead,
      language: input.language,
    })
    return { classification }
  } catch (error) {
    const detail =
      error instanceof Error && 'issues' in error ? 'a field is out of range' : 'it cannot be used'
    return {
      reason: 'invalid_output',
      message: `the model output is not a valid classification: ${detail}`,
      usage,
    }
  }
}

/**
 * Runs one LLM classification with a timeout and a fallback: the tool LLM classifiers are built on
 * (`openaiClassifier`, `geminiClassifier`), to write your own {@link ClassifierV1} over any model.
 *
 * 1. Rejects with a `LeadCallError` (`VALIDATION_FAILED`) for an input without messages, and with
 *    the signal's reason when `signal` is already aborted.
 * 2. Calls `run` with an `AbortSignal` that aborts after `timeoutMs` (default 8 s) or when
 *    `signal` aborts; it does not wait for `run` past either.
 * 3. Parses the answer (JSON text or value), validates it with {@link LlmClassificationSchema} and
 *    turns it into a {@link Classification} with {@link toClassification}, named `name`.
 * 4. Otherwise answers with `fallback.classify(input)` plus
 *    `fallback: { from: name, reason, message }`: `api_error` when `run` threw, `timeout`,
 *    `refusal` or `invalid_output` (not JSON, not the schema) as reported. The message never
 *    contains `secrets` or anything shaped like an API key. Tokens spent before falling back are
 *    kept in `usage` (added to the fallback's own, if any).
 *
 * A caller's abort is not a failure of the model: it rejects with `signal.reason`, it does not
 * fall back.
 *
 * @example
 * ```ts
 * const classifier: ClassifierV1 = {
 *   specificationVersion: 'v1',
 *   name: 'my-llm',
 *   classify: (input, options) =>
 *     classifyWithFallback({
 *       name: 'my-llm',
 *       input,
 *       fallback: ruleClassifier(),
 *       signal: options?.signal,
 *       secrets: [apiKey],
 *       run: async ({ signal }) => {
 *         const { system, user } = buildClassifierPrompt(input)
 *         const answer = await callMyModel({ system, user, schema: llmClassificationJsonSchema(), signal })
 *         return { type: 'output', output: answer.text, usage: answer.usage }
 *       },
 *     }),
 * }
 * ```
 */
export async function classifyWithFallback(options: ClassifyWithFallbackOptions): Promise<Classification> {
  const { name, input, fallback, signal } = options
  const timeoutMs = options.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS
  const secrets = options.secrets ?? []
  const describeError = options.describeError ?? defaultDescribeError
  validateInput(input)
  signal?.throwIfAborted()

  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  let removeAbortListener = () => {}
  const timedOut = Symbol('timeout')
  const deadline = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new LeadCallError('PROVIDER_TIMEOUT', { message: `${name} did not answer in time` }))
      resolve(timedOut)
    }, timeoutMs)
  })
  const callerAbort = new Promise<never>((_, reject) => {
    if (!signal) return
    const onAbort = () => {
      controller.abort(signal.reason)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    removeAbortListener = () => signal.removeEventListener('abort', onAbort)
  })

  let outcome: { classification: Classification } | Failure
  try {
    const result = await Promise.race([
      options.run({ signal: controller.signal, timeoutMs }),
      deadline,
      callerAbort,
    ])
    outcome =
      result === timedOut
        ? { reason: 'timeout', message: `no answer within ${timeoutMs} ms` }
        : interpret(result, name, input)
  } catch (error) {
    if (signal?.aborted) throw signal.reason
    outcome = controller.signal.aborted
      ? { reason: 'timeout', message: `no answer within ${timeoutMs} ms` }
      : { reason: 'api_error', message: describeError(error) }
  } finally {
    clearTimeout(timer)
    removeAbortListener()
  }
  if ('classification' in outcome) return outcome.classification

  const fallen = await fallback.classify(input, signal ? { signal } : undefined)
  const usage = addUsage(outcome.usage, fallen.usage)
  return {
    ...fallen,
    fallback: { from: name, reason: outcome.reason, message: redact(outcome.message, secrets) },
    ...(usage ? { usage } : {}),
  }
}
