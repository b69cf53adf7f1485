/**
 * The CloudTalk REST client the provider uses: ky, HTTP Basic auth, `Accept: application/json`,
 * timeouts, every request through the shared rate limiter, retries for GETs only, `responseData`
 * envelopes validated with zod, and errors mapped to `LeadCallError` without credentials. Only
 * {@link CloudTalkApiError} is public.
 *
 * @module
 */
import { LeadCallError, type LeadCallErrorCode } from '@leadcall/core/provider'
import type { TimeoutError } from 'ky'
import type { z } from 'zod'
import type { CloudTalkRateLimiter, CloudTalkRequestPriority } from './cloudtalk-rate-limiter.js'
import { CloudTalkLenientErrorSchema } from './cloudtalk-schemas.js'

/** The credentials of a request, resolved when first needed. @internal */
export interface CloudTalkCredentials {
  /** The API Access Key ID (the Basic-auth user). */
  accessKeyId: string
  /** The API Access Key Secret (the Basic-auth password). */
  accessKeySecret: string
}

/** How the client reaches CloudTalk. @internal */
export interface CloudTalkApiConfig {
  /** `https://my.cloudtalk.io/api` or a mock. */
  baseUrl: string
  /** The longest one request may take (ms). */
  timeoutMs: number
  /** How many times a failed GET is retried (408, 429, 5xx, timeouts, network errors). */
  retries: number
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** The credentials, resolved lazily; throws a `LeadCallError` naming the missing option. */
  credentials: () => CloudTalkCredentials
  /** Every secret to keep out of error messages (the key secret, the Basic header, …). */
  secrets: () => readonly string[]
  /** The limiter every request goes through. */
  limiter: CloudTalkRateLimiter
}

/** What a request is for, which decides how its failures map to error codes. @internal */
export type CloudTalkOperationKind = 'dial' | 'contact' | 'read'

/** One CloudTalk request. @internal */
export interface CloudTalkOperation<S extends z.ZodType> {
  /** What the request does, for messages: `create call`, `add contact`, … */
  name: string
  /** CloudTalk's verbs: GET reads, PUT creates, POST updates, DELETE deletes. */
  method: 'get' | 'put' | 'post' | 'delete'
  /** The path below the base URL, e.g. `/calls/create.json`. */
  path: string
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | undefined>
  /** The JSON body. */
  json?: unknown
  /** The schema of the successful answer (the whole body, envelope included). */
  schema: S
  /** The limiter priority. */
  priority: CloudTalkRequestPriority
  /** How failures map to error codes. */
  kind: CloudTalkOperationKind
  /** True when an unreadable success means the action probably happened (a call was placed). */
  unknownOutcome?: boolean
}

/** The CloudTalk REST client. @internal */
export interface CloudTalkApi {
  /**
   * Sends one request (GETs retried on transient failures, every try through the limiter) and
   * returns its validated body.
   */
  request<S extends z.ZodType>(operation: CloudTalkOperation<S>, signal?: AbortSignal): Promise<z.infer<S>>
}

/**
 * An error answer of CloudTalk's REST API, kept as the `cause` of the `LeadCallError` thrown: the
 * HTTP status, CloudTalk's message and, for 406, the invalid fields. It never holds the request,
 * its headers or credentials.
 */
export class CloudTalkApiError extends Error {
  /** The HTTP status CloudTalk answered with (or the `responseData.status` of a 2xx error envelope). */
  readonly status: number
  /** On 406: each invalid field with its messages, as CloudTalk sent them. */
  readonly fields: unknown
  /** On 429: when CloudTalk's rate-limit window resets (`X-CloudTalkAPI-ResetTime`, ms since the epoch). */
  readonly resetAt: number | undefined
  constructor(status: number, message: string, fields?: unknown, resetAt?: number) {
    super(message)
    this.name = 'CloudTalkApiError'
    this.status = status
    this.fields = fields
    this.resetAt = resetAt
  }
}

/** Replaces every secret in `text` with `[redacted]`. @internal */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('[redacted]')
  return out
}

/** The CloudTalk HTTP status of a `LeadCallError` the client threw, when it came from an answer. @internal */
export function vendorStatusOf(error: unknown): number | undefined {
  if (!LeadCallError.isInstance(error)) return undefined
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof CloudTalkApiError ? cause.status : undefined
}

interface Mapped {
  code: LeadCallErrorCode
  retryable?: boolean
  explain?: string
  reason?: string
}

/** The leadcall error code of a CloudTalk HTTP error status, for an operation of this kind. @internal */
export function mapCloudTalkStatus(kind: CloudTalkOperationKind, status: number): Mapped {
  if (status === 429) return { code: 'RATE_LIMITED' }
  if (status === 408) return { code: 'PROVIDER_TIMEOUT' }
  if (kind === 'dial') {
    if (status === 403) return { code: 'AGENT_NOT_AVAILABLE', explain: 'the agent is not online' }
    // An unknown agent id is a configuration error (agent.providerRefs), not the lead's fault:
    // AGENT_NOT_AVAILABLE sends the lead to the next agent at once; retrying this one is useless.
    if (status === 404)
      return {
        code: 'AGENT_NOT_AVAILABLE',
        retryable: false,
        explain: 'CloudTalk knows no agent with this id: check agent.providerRefs',
        reason: 'unknown_agent',
      }
    if (status === 409) return { code: 'AGENT_BUSY', explain: 'the agent is already calling' }
    if (status === 400 || status === 406 || status === 422) return { code: 'VALIDATION_FAILED' }
    if (status === 401) return { code: 'CALL_FAILED', retryable: false, explain: 'check the API keys' }
    return { code: 'CALL_FAILED', ...(status < 500 ? { retryable: false } : {}) }
  }
  if (kind === 'contact') {
    if (status === 401 || status === 403)
      return { code: 'CONTACT_CREATION_FAILED', retryable: false, explain: 'check the API keys' }
    if (status >= 500) return { code: 'CONTACT_CREATION_FAILED' }
    return { code: 'CONTACT_CREATION_FAILED', retryable: false }
  }
  if (status === 401 || status === 403)
    return { code: 'CALL_FAILED', retryable: false, explain: 'check the API keys' }
  if (status === 400 || status === 406) return { code: 'VALIDATION_FAILED' }
  return { code: 'CALL_FAILED', ...(status < 500 ? { retryable: false } : {}) }
}

const MAX_BODY_IN_ERRORS = 2000

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The `responseData.status` of a body, when it has a readable one. */
function envelopeStatus(json: unknown): number | undefined {
  const parsed = CloudTalkLenientErrorSchema.safeParse(json)
  return parsed.success ? parsed.data.responseData.status : undefined
}

function failureCodeOf(kind: CloudTalkOperationKind): LeadCallErrorCode {
  return kind === 'contact' ? 'CONTACT_CREATION_FAILED' : 'CALL_FAILED'
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

let kyModule: Promise<typeof import('ky')> | undefined
/**
 * ky, loaded on the first request rather than with the package: importing it reaches for the
 * runtime's `fetch` classes, which Node loads lazily (undici), so a process starts without that cost.
 */
function loadKy(): Promise<typeof import('ky')> {
  kyModule ??= import('ky')
  return kyModule
}

/** Creates the REST client. @internal */
export function createCloudTalkApi(config: CloudTalkApiConfig): CloudTalkApi {
  function basic(credentials: CloudTalkCredentials): string {
    const bytes = new TextEncoder().encode(`${credentials.accessKeyId}:${credentials.accessKeySecret}`)
    let binary = ''
    for (const byte of bytes) binary += String.fromCharCode(byte)
    return `Basic ${btoa(binary)}`
  }

  function urlOf(operation: CloudTalkOperation<z.ZodType>): string {
    const url = new URL(`${config.baseUrl}${operation.path}`)
    for (const [name, value] of Object.entries(operation.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    return url.href
  }

  async function request<S extends z.ZodType>(
    operation: CloudTalkOperation<S>,
    signal?: AbortSignal,
  ): Promise<z.infer<S>> {
    const retries = operation.method === 'get' ? config.retries : 0
    const url = urlOf(operation)
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted()
      const authorization = basic(config.credentials())
      await config.limiter.acquire(operation.priority, signal)
      let response: Response
      let text: string
      let observed: number | undefined
      const ky = await loadKy()
      try {
        response = await ky.default(url, {
          method: operation.method,
          ...(operation.json === undefined ? {} : { json: operation.json }),
          headers: { Authorization: authorization, Accept: 'application/json' },
          timeout: config.timeoutMs,
          retry: 0,
          throwHttpErrors: false,
          hooks: {
            // A pause that began after this request took its place (another request's 429)
            // holds it too, right up to the moment it is sent.
            beforeRequest: [
              async () => {
                for (let until = config.limiter.pausedUntil; until !== undefined && until > Date.now(); ) {
                  await sleep(until - Date.now(), signal)
                  until = config.limiter.pausedUntil
                }
              },
            ],
          },
          ...(signal ? { signal } : {}),
          ...(config.fetch ? { fetch: config.fetch } : {}),
        })
        // The rate-limit headers are read before the body, so a 429 pauses the others at once.
        observed = config.limiter.observe(response.status, response.headers)
        text = await response.text()
      } catch (error) {
        // The caller's own abort: rethrow its reason untouched, as every leadcall provider does.
        if (signal?.aborted) throw signal.reason
        if (attempt < retries) {
          await sleep(backoff(attempt), signal)
          continue
        }
        throw transportError(error, operation, ky.TimeoutError)
      }
      const resetAt = observed
      const json = parseJson(text)
      const bodyStatus = envelopeStatus(json)
      // CloudTalk repeats the status in the body; a 2xx whose envelope says ≥ 400 is an error too.
      const status =
        response.ok && bodyStatus !== undefined && bodyStatus >= 400 ? bodyStatus : response.status
      if (status < 400) {
        const parsed = operation.schema.safeParse(json)
        if (parsed.success) return parsed.data
        throw unexpectedBody(operation, text)
      }
      if (attempt < retries && (status === 429 || status === 408 || status >= 500)) {
        // After a 429 the limiter holds the next try until CloudTalk's reset time.
        if (status !== 429) await sleep(backoff(attempt), signal)
        continue
      }
      throw httpError(status, json, text, operation, resetAt)
    }
  }

  function backoff(attempt: number): number {
    return Math.min(250 * 2 ** attempt, 2000)
  }

  function unexpectedBody(operation: CloudTalkOperation<z.ZodType>, text: string): LeadCallError {
    const body = redact(text.slice(0, MAX_BODY_IN_ERRORS), config.secrets())
    if (operation.unknownOutcome) {
      return new LeadCallError('PROVIDER_TIMEOUT', {
        message: `CloudTalk accepted the request to ${operation.name} but its answer is not the expected envelope; the outcome is unknown`,
        details: { operation: operation.name, body },
        retryable: false,
      })
    }
    return new LeadCallError(failureCodeOf(operation.kind), {
      message: `CloudTalk's answer to ${operation.name} is not the expected envelope`,
      details: { operation: operation.name, body },
    })
  }

  function transportError(
    error: unknown,
    operation: CloudTalkOperation<z.ZodType>,
    timeoutError: typeof TimeoutError,
  ): LeadCallError {
    if (LeadCallError.isInstance(error)) return error
    if (error instanceof timeoutError) {
      return new LeadCallError('PROVIDER_TIMEOUT', {
        message: operation.unknownOutcome
          ? `CloudTalk did not answer the request to ${operation.name} within ${config.timeoutMs} ms; the call may have been placed`
          : `CloudTalk did not answer the request to ${operation.name} within ${config.timeoutMs} ms`,
        details: { operation: operation.name, timeoutMs: config.timeoutMs },
      })
    }
    // A network failure: nothing of the original error is kept but its redacted message.
    const reason = error instanceof Error ? redact(error.message, config.secrets()) : 'unknown error'
    return new LeadCallError(failureCodeOf(operation.kind), {
      message: `The request to ${operation.name} did not reach CloudTalk: ${reason}`,
      details: { operation: operation.name },
    })
  }

  function httpError(
    status: number,
    json: unknown,
    text: string,
    operation: CloudTalkOperation<z.ZodType>,
    resetAt: number | undefined,
  ): LeadCallError {
    const secrets = config.secrets()
    const parsed = CloudTalkLenientErrorSchema.safeParse(json)
    const vendorMessage = redact(
      (parsed.success ? parsed.data.responseData.message : undefined) ?? text.slice(0, 200).trim(),
      secrets,
    )
    const fields = parsed.success ? parsed.data.responseData.data : undefined
    const safeFields =
      fields === undefined ? undefined : (JSON.parse(redact(JSON.stringify(fields), secrets)) as unknown)
    const mapped = mapCloudTalkStatus(operation.kind, status)
    const explain = mapped.explain ? ` (${mapped.explain})` : ''
    const details: Record<string, unknown> = { operation: operation.name, cloudtalkStatus: status }
    if (safeFields !== undefined) details.fields = safeFields
    if (mapped.reason) details.reason = mapped.reason
    if (status === 429 && resetAt !== undefined) {
      details.resetAt = new Date(resetAt).toISOString()
      details.retryAfterMs = Math.max(0, resetAt - Date.now())
    }
    return new LeadCallError(mapped.code, {
      message:
        `CloudTalk refused the request to ${operation.name}: ${status} ${vendorMessage}${explain}`.trim(),
      details,
      cause: new CloudTalkApiError(status, `${status} ${vendorMessage}`.trim(), safeFields, resetAt),
      ...(mapped.retryable === undefined ? {} : { retryable: mapped.retryable }),
    })
  }

  return { request }
}
