/**
 * The Twilio REST client the provider uses: ky, Basic auth, timeouts, retries for GETs only,
 * responses validated with zod, and errors mapped to `LeadCallError` without credentials. Only
 * {@link TwilioApiError} is public.
 *
 * ky and the zod schemas of Twilio's answers are loaded with the first request, core's PII
 * scrubber with the first refusal, not with the package: importing `@leadcall/twilio` costs only
 * its own code.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { LeadCallError, type LeadCallErrorCode } from '@leadcall/core/provider'
import type { HTTPError, TimeoutError } from 'ky'
import type { TwilioCall, TwilioMessage } from './twilio-schemas.js'

/** The credentials of a request, resolved when first needed. @internal */
export interface ResolvedCredentials {
  /** The account the API paths name. */
  accountSid: string
  /** The Basic-auth user: the Account SID or an API Key SID. */
  username: string
  /** The Basic-auth password: the Auth Token or the API Key secret. */
  password: string
}

/** How the client reaches Twilio. @internal */
export interface TwilioApiConfig {
  /** `https://api.twilio.com` or a regional or mock base URL. */
  baseUrl: string
  /** The longest one request may take (ms). */
  timeoutMs: number
  /** How many times a failed GET is retried (408, 429, 5xx, network errors). */
  retries: number
  /** The `fetch` to use (default: the global one, read at each request). */
  fetch?: typeof fetch
  /** Waits before each request while Twilio's last `Retry-After` runs (default: no wait). */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>
  /** Told of each 429's `Retry-After`, in ms. */
  onRetryAfter?: (ms: number) => void
  /** The credentials, resolved lazily; throws a `LeadCallError` naming the missing option. */
  credentials: () => ResolvedCredentials
  /** Every secret to keep out of error messages (tokens, secrets and the Basic header). */
  secrets: () => readonly string[]
}

/** The Twilio REST operations leadcall uses. @internal */
export interface TwilioApi {
  /** `POST /Calls.json`: never retried, a repeat could place a second call. */
  createCall(params: URLSearchParams, signal?: AbortSignal): Promise<TwilioCall>
  /** `GET /Calls/{Sid}.json`, retried on transient failures. */
  fetchCall(callSid: string, signal?: AbortSignal): Promise<TwilioCall>
  /** `POST /Calls/{Sid}.json` (e.g. `Status=completed`): not retried. */
  updateCall(callSid: string, params: URLSearchParams, signal?: AbortSignal): Promise<TwilioCall>
  /** `POST /Messages.json`: not retried, a repeat could send the message twice. */
  createMessage(params: URLSearchParams, signal?: AbortSignal): Promise<TwilioMessage>
}

/**
 * An error answer of Twilio's REST API, kept as the `cause` of the `LeadCallError` thrown: HTTP
 * status, Twilio's error code, its message and documentation link. It never holds the request,
 * its headers or credentials.
 */
export class TwilioApiError extends Error {
  /** The HTTP status Twilio answered with. */
  readonly status: number
  /** Twilio's error code (e.g. 21211 for an invalid `To` number), when the body had one. */
  readonly twilioCode: number | undefined
  /** Link to the error's documentation, when the body had one. */
  readonly moreInfo: string | undefined
  constructor(status: number, message: string, twilioCode?: number, moreInfo?: string) {
    super(message)
    this.name = 'TwilioApiError'
    this.status = status
    this.twilioCode = twilioCode
    this.moreInfo = moreInfo
  }
}

/** Replaces every secret in `text` with `[redacted]`. @internal */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('[redacted]')
  return out
}

/**
 * A `Retry-After` header in ms: delta seconds or an HTTP date; `undefined` when absent or
 * unreadable. @internal
 */
export function retryAfterOf(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/** The leadcall error code of a Twilio HTTP error status. @internal */
export function codeForStatus(status: number): LeadCallErrorCode {
  if (status === 429) return 'RATE_LIMITED'
  if (status === 408) return 'PROVIDER_TIMEOUT'
  if (status >= 500 || status === 401 || status === 403) return 'CALL_FAILED'
  return 'VALIDATION_FAILED'
}

/** The resources the client reads, each validated by its schema in `twilio-schemas.ts`. */
interface Resources {
  call: TwilioCall
  message: TwilioMessage
}

interface Operation<R extends keyof Resources> {
  /** What the request does, for messages: `create call`, `hang up call`, … */
  name: string
  method: 'get' | 'post'
  path: string
  form?: URLSearchParams
  /** The resource the answer must be. */
  resource: R
  /** True when an unreadable success means the action probably happened (a call was placed). */
  unknownOutcome?: boolean
}

const MAX_BODY_IN_ERRORS = 2000

let kyModule: Promise<typeof import('ky')> | undefined
/**
 * ky, loaded on the first request rather than with the package: importing it reaches for the
 * runtime's `fetch` classes, which Node loads lazily (undici). A process that never calls Twilio,
 * and every process until it does, starts without that cost.
 */
function loadKy(): Promise<typeof import('ky')> {
  kyModule ??= import('ky')
  return kyModule
}

let schemasModule: Promise<typeof import('./twilio-schemas.js')> | undefined
/** The zod schemas of Twilio's answers, loaded on the first request for the same reason as ky. */
function loadSchemas(): Promise<typeof import('./twilio-schemas.js')> {
  schemasModule ??= import('./twilio-schemas.js')
  return schemasModule
}

/** Creates the REST client. @internal */
export function createTwilioApi(config: TwilioApiConfig): TwilioApi {
  async function send<R extends keyof Resources>(
    operation: Operation<R>,
    signal?: AbortSignal,
  ): Promise<Resources[R]> {
    signal?.throwIfAborted()
    const credentials = config.credentials()
    const secrets = config.secrets()
    const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    const url = `${config.baseUrl}/2010-04-01/Accounts/${credentials.accountSid}${operation.path}`
    let text: string
    const [ky, schemas] = await Promise.all([loadKy(), loadSchemas()])
    try {
      const response = await ky.default(url, {
        method: operation.method,
        body: operation.form,
        headers: { Authorization: authorization, Accept: 'application/json' },
        timeout: config.timeoutMs,
        retry:
          operation.method === 'get'
            ? { limit: config.retries, methods: ['get'], statusCodes: [408, 429, 500, 502, 503, 504] }
            : 0,
        throwHttpErrors: true,
        // Before every attempt, ky's own retries included.
        hooks: {
          beforeRequest: [async () => config.beforeRequest?.(signal)],
          // A 429's Retry-After holds the other requests as soon as the answer arrives.
          afterResponse: [
            (_request, _options, response) => {
              if (response.status !== 429) return
              const retryAfterMs = retryAfterOf(response.headers.get('retry-after'))
              if (retryAfterMs !== undefined) config.onRetryAfter?.(retryAfterMs)
            },
          ],
        },
        signal,
        ...(config.fetch ? { fetch: config.fetch } : {}),
      })
      text = await response.text()
    } catch (error) {
      throw await toLeadCallError(error, operation, signal, secrets, config.timeoutMs, ky, schemas)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    const parsed =
      operation.resource === 'call'
        ? schemas.TwilioCallSchema.safeParse(json)
        : schemas.TwilioMessageSchema.safeParse(json)
    if (parsed.success) return parsed.data as Resources[R]
    const code: LeadCallErrorCode = operation.unknownOutcome ? 'PROVIDER_TIMEOUT' : 'CALL_FAILED'
    throw new LeadCallError(code, {
      message: operation.unknownOutcome
        ? `Twilio accepted the request to ${operation.name} but its answer is not the expected resource; the outcome is unknown`
        : `Twilio's answer to ${operation.name} is not the expected resource`,
      details: { operation: operation.name, body: redact(text.slice(0, MAX_BODY_IN_ERRORS), secrets) },
      retryable: !operation.unknownOutcome,
    })
  }

  return {
    createCall: (form, signal) =>
      send(
        {
          name: 'create call',
          method: 'post',
          path: '/Calls.json',
          form,
          resource: 'call',
          unknownOutcome: true,
        },
        signal,
      ),
    fetchCall: (sid, signal) =>
      send({ name: 'fetch call', method: 'get', path: `/Calls/${sid}.json`, resource: 'call' }, signal),
    updateCall: (sid, form, signal) =>
      send(
        { name: 'update call', method: 'post', path: `/Calls/${sid}.json`, form, resource: 'call' },
        signal,
      ),
    createMessage: (form, signal) =>
      send(
        { name: 'send message', method: 'post', path: '/Messages.json', form, resource: 'message' },
        signal,
      ),
  }
}

async function toLeadCallError(
  error: unknown,
  operation: Operation<keyof Resources>,
  signal: AbortSignal | undefined,
  secrets: readonly string[],
  timeoutMs: number,
  ky: { TimeoutError: typeof TimeoutError; HTTPError: typeof HTTPError },
  schemas: typeof import('./twilio-schemas.js'),
): Promise<unknown> {
  // The caller's own abort: rethrow its reason untouched, as every leadcall provider does.
  if (signal?.aborted) return signal.reason
  if (LeadCallError.isInstance(error)) return error
  if (error instanceof ky.TimeoutError) {
    return new LeadCallError('PROVIDER_TIMEOUT', {
      message: operation.unknownOutcome
        ? `Twilio did not answer the request to ${operation.name} within ${timeoutMs} ms; the call may have been placed`
        : `Twilio did not answer the request to ${operation.name} within ${timeoutMs} ms`,
      details: { operation: operation.name, timeoutMs },
    })
  }
  if (error instanceof ky.HTTPError) {
    const status = error.response.status
    let body = ''
    try {
      body = await error.response.text()
    } catch {
      // The body may already be consumed or the stream broken: the status still tells.
    }
    let json: unknown
    try {
      json = JSON.parse(body)
    } catch {
      json = undefined
    }
    const parsed = schemas.TwilioErrorBodySchema.safeParse(json)
    const twilioCode = parsed.success ? (parsed.data.code ?? undefined) : undefined
    // Twilio's messages quote the numbers (21211: "The 'To' number +1… is not valid"): masked.
    const { scrubPii } = await import('@leadcall/core')
    const twilioMessage = scrubPii(
      redact((parsed.success ? parsed.data.message : undefined) ?? body.slice(0, 300) ?? '', secrets),
    )
    const moreInfo = parsed.success ? (parsed.data.more_info ?? undefined) : undefined
    const code = codeForStatus(status)
    const suffix = twilioCode === undefined ? '' : ` (Twilio error ${twilioCode})`
    const retryAfterMs = status === 429 ? retryAfterOf(error.response.headers.get('retry-after')) : undefined
    return new LeadCallError(code, {
      message: `Twilio refused the request to ${operation.name}: ${status} ${twilioMessage}${suffix}`.trim(),
      details: {
        operation: operation.name,
        twilioStatus: status,
        twilioCode,
        moreInfo,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
      cause: new TwilioApiError(status, `${status} ${twilioMessage}`.trim(), twilioCode, moreInfo),
      ...(status === 401 || status === 403 ? { retryable: false } : {}),
      ...(status === 404 ? { status: 404 } : {}),
    })
  }
  // A network failure: nothing of the original error is kept but its redacted message.
  const reason = error instanceof Error ? redact(error.message, secrets) : 'unknown error'
  return new LeadCallError('CALL_FAILED', {
    message: `The request to ${operation.name} did not reach Twilio: ${reason}`,
    details: { operation: operation.name },
  })
}
