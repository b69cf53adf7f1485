/**
 * The ARI REST client the provider uses: ky, HTTP Basic auth, a timeout per request, retries for
 * GETs only, answers validated with zod, and errors mapped to `LeadCallError` without credentials.
 * Only {@link AriApiError} is public.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { LeadCallError, type LeadCallErrorCode } from '@leadcall/core/provider'
import type { HTTPError, TimeoutError } from 'ky'
import { z } from 'zod'
import {
  type AriBridge,
  AriBridgeSchema,
  type AriChannel,
  AriChannelSchema,
  type AriEndpoint,
  AriEndpointSchema,
  AriErrorBodySchema,
} from './ari-schemas.js'

/**
 * An error answer of the Asterisk REST Interface, kept as the `cause` of the `LeadCallError`
 * thrown: the HTTP status and ARI's `message`. It never holds the request, its headers or
 * credentials.
 */
export class AriApiError extends Error {
  /** The HTTP status Asterisk answered with. */
  readonly status: number
  /** The operation that failed, e.g. `originate agent leg`. */
  readonly operation: string
  constructor(status: number, operation: string, message: string) {
    super(message)
    this.name = 'AriApiError'
    this.status = status
    this.operation = operation
  }
}

/** The ARI user, resolved when first needed. @internal */
export interface AriCredentials {
  /** The ARI base URL, ending in `/ari` (e.g. `http://pbx.internal:8088/ari`). */
  baseUrl: string
  /** The user (a `type=user` section of `ari.conf`). */
  username: string
  /** Its password. */
  password: string
}

/** How the client reaches Asterisk. @internal */
export interface AriApiConfig {
  /** The longest one request may take (ms). */
  timeoutMs: number
  /** How many times a failed GET is retried (408, 429, 5xx, network errors). */
  retries: number
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** The URL and credentials, resolved lazily; throws a `LeadCallError` naming a missing option. */
  credentials: () => AriCredentials
  /** Every secret to keep out of error messages (the password and the Basic header). */
  secrets: () => readonly string[]
}

/** The parameters of an originate into the Stasis application (`POST /channels/{channelId}`). @internal */
export interface OriginateParams {
  endpoint: string
  app: string
  appArgs: string
  callerId?: string
  /** Seconds to ring before giving up. */
  timeout: number
  /** The channel that originates this one (its formats are used). */
  originator?: string
}

/** What an operation answers for a status the caller expects (a 404 for "already gone"…). @internal */
export type Expected = 'not_found' | 'conflict'

/** The ARI operations leadcall uses. @internal */
export interface AriApi {
  /** `POST /channels/{channelId}`: never retried (a repeat could ring a phone twice); `conflict` when the id exists. */
  originate(
    name: string,
    channelId: string,
    params: OriginateParams,
    variables: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<AriChannel | 'conflict'>
  /** `DELETE /channels/{channelId}` with `reason=normal`; `not_found` when it already ended. */
  hangup(channelId: string, signal?: AbortSignal): Promise<'ok' | 'not_found'>
  /** `POST /bridges/{bridgeId}` (`type=mixing`); `conflict` when the bridge exists. */
  createBridge(bridgeId: string, name: string, signal?: AbortSignal): Promise<AriBridge | 'conflict'>
  /** `DELETE /bridges/{bridgeId}`; `not_found` when it is already gone. */
  destroyBridge(bridgeId: string, signal?: AbortSignal): Promise<'ok' | 'not_found'>
  /** `POST /bridges/{bridgeId}/addChannel`. */
  addChannel(bridgeId: string, channelId: string, signal?: AbortSignal): Promise<void>
  /** `GET /channels`, retried on transient failures. */
  listChannels(signal?: AbortSignal): Promise<AriChannel[]>
  /** `GET /channels/{channelId}`: the channel, or `not_found` when it does not exist (or ended). */
  getChannel(channelId: string, signal?: AbortSignal): Promise<AriChannel | 'not_found'>
  /** `GET /bridges`, retried on transient failures. */
  listBridges(signal?: AbortSignal): Promise<AriBridge[]>
  /** `GET /endpoints`, retried on transient failures. */
  listEndpoints(signal?: AbortSignal): Promise<AriEndpoint[]>
  /** `GET /endpoints/{tech}/{resource}`: a 404 is `AGENT_NOT_AVAILABLE`. */
  getEndpoint(technology: string, resource: string, signal?: AbortSignal): Promise<AriEndpoint>
  /** `POST /applications/{applicationName}/subscription?eventSource=…`. */
  subscribe(app: string, eventSource: string, signal?: AbortSignal): Promise<void>
}

/** Replaces every secret in `text` with `[redacted]`. @internal */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('[redacted]')
  return out
}

/** The Basic `Authorization` header of the credentials. @internal */
export function basicAuthorization(credentials: Pick<AriCredentials, 'username' | 'password'>): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
}

/**
 * The leadcall error code of an ARI HTTP error status, for requests that place or prepare a call:
 * 400 and 422 (invalid or unprocessable parameters) `VALIDATION_FAILED`, 404 (the endpoint is
 * unknown) `AGENT_NOT_AVAILABLE`, 429 `RATE_LIMITED`, 408 `PROVIDER_TIMEOUT`, 401, 403, 409 and 5xx
 * `CALL_FAILED`. @internal
 */
export function codeForStatus(status: number): LeadCallErrorCode {
  if (status === 404) return 'AGENT_NOT_AVAILABLE'
  if (status === 429) return 'RATE_LIMITED'
  if (status === 408) return 'PROVIDER_TIMEOUT'
  if (status >= 500 || status === 401 || status === 403 || status === 409) return 'CALL_FAILED'
  return 'VALIDATION_FAILED'
}

interface Operation<T> {
  /** What the request does, for messages: `originate agent leg`, `hang up channel`, … */
  name: string
  method: 'get' | 'post' | 'delete'
  /** The path under the ARI base URL, with its segments already encoded. */
  path: string
  query?: Record<string, string | undefined>
  body?: Record<string, unknown>
  /** Validates a 2xx answer; absent for 204 answers. */
  schema?: z.ZodType<T>
  /** Statuses that are answers, not errors. */
  expected?: Partial<Record<number, Expected>>
  /** True when a lost answer means the action may have happened (a phone may ring). */
  unknownOutcome?: boolean
}

const MAX_BODY_IN_ERRORS = 300

const seg = (value: string): string => encodeURIComponent(value)

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
export function createAriApi(config: AriApiConfig): AriApi {
  async function send<T>(operation: Operation<T>, signal?: AbortSignal): Promise<T | Expected> {
    signal?.throwIfAborted()
    const credentials = config.credentials()
    const secrets = config.secrets()
    const searchParams = new URLSearchParams()
    for (const [name, value] of Object.entries(operation.query ?? {}))
      if (value !== undefined) searchParams.set(name, value)
    const url = `${credentials.baseUrl}${operation.path}`
    let text: string
    const ky = await loadKy()
    try {
      const response = await ky.default(url, {
        method: operation.method,
        ...(searchParams.size > 0 ? { searchParams } : {}),
        ...(operation.body === undefined ? {} : { json: operation.body }),
        headers: { Authorization: basicAuthorization(credentials), Accept: 'application/json' },
        timeout: config.timeoutMs,
        retry:
          operation.method === 'get'
            ? { limit: config.retries, methods: ['get'], statusCodes: [408, 429, 500, 502, 503, 504] }
            : 0,
        throwHttpErrors: true,
        signal,
        ...(config.fetch ? { fetch: config.fetch } : {}),
      })
      text = await response.text()
    } catch (error) {
      if (error instanceof ky.HTTPError) {
        const expected = operation.expected?.[error.response.status]
        if (expected !== undefined) {
          await error.response.body?.cancel().catch(() => undefined)
          return expected
        }
      }
      throw await toLeadCallError(
        error,
        operation.name,
        operation.unknownOutcome,
        signal,
        secrets,
        config,
        ky,
      )
    }
    if (!operation.schema) return undefined as T
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    const parsed = operation.schema.safeParse(json)
    if (parsed.success) return parsed.data
    throw new LeadCallError(operation.unknownOutcome ? 'PROVIDER_TIMEOUT' : 'CALL_FAILED', {
      message: operation.unknownOutcome
        ? `Asterisk accepted the request to ${operation.name} but its answer is not the expected resource; the outcome is unknown`
        : `Asterisk's answer to ${operation.name} is not the expected resource`,
      details: {
        operation: operation.name,
        body: redact(text.slice(0, MAX_BODY_IN_ERRORS), secrets),
        issues: parsed.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        })),
      },
      retryable: !operation.unknownOutcome,
    })
  }

  return {
    async originate(name, channelId, params, variables, signal) {
      const answer = await send(
        {
          name,
          method: 'post',
          path: `/channels/${seg(channelId)}`,
          query: {
            endpoint: params.endpoint,
            app: params.app,
            appArgs: params.appArgs,
            callerId: params.callerId,
            timeout: String(params.timeout),
            originator: params.originator,
          },
          body: { variables },
          schema: AriChannelSchema,
          expected: { 409: 'conflict' },
          unknownOutcome: true,
        },
        signal,
      )
      return answer === 'conflict' || answer === 'not_found' ? 'conflict' : answer
    },
    async hangup(channelId, signal) {
      const answer = await send(
        {
          name: 'hang up channel',
          method: 'delete',
          path: `/channels/${seg(channelId)}`,
          query: { reason: 'normal' },
          expected: { 404: 'not_found' },
        },
        signal,
      )
      return answer === 'not_found' ? 'not_found' : 'ok'
    },
    async createBridge(bridgeId, name, signal) {
      const answer = await send(
        {
          name: 'create bridge',
          method: 'post',
          path: `/bridges/${seg(bridgeId)}`,
          query: { type: 'mixing', name },
          schema: AriBridgeSchema,
          expected: { 409: 'conflict' },
        },
        signal,
      )
      return answer === 'conflict' || answer === 'not_found' ? 'conflict' : answer
    },
    async destroyBridge(bridgeId, signal) {
      const answer = await send(
        {
          name: 'destroy bridge',
          method: 'delete',
          path: `/bridges/${seg(bridgeId)}`,
          expected: { 404: 'not_found' },
        },
        signal,
      )
      return answer === 'not_found' ? 'not_found' : 'ok'
    },
    async addChannel(bridgeId, channelId, signal) {
      await send(
        {
          name: 'add channel to bridge',
          method: 'post',
          path: `/bridges/${seg(bridgeId)}/addChannel`,
          query: { channel: channelId },
        },
        signal,
      )
    },
    async getChannel(channelId, signal) {
      const answer = await send(
        {
          name: 'get channel',
          method: 'get',
          path: `/channels/${seg(channelId)}`,
          schema: AriChannelSchema,
          expected: { 404: 'not_found' },
        },
        signal,
      )
      return answer === 'not_found' || answer === 'conflict' ? 'not_found' : answer
    },
    async listChannels(signal) {
      const answer = await send(
        { name: 'list channels', method: 'get', path: '/channels', schema: z.array(AriChannelSchema) },
        signal,
      )
      return typeof answer === 'string' ? [] : answer
    },
    async listBridges(signal) {
      const answer = await send(
        { name: 'list bridges', method: 'get', path: '/bridges', schema: z.array(AriBridgeSchema) },
        signal,
      )
      return typeof answer === 'string' ? [] : answer
    },
    async listEndpoints(signal) {
      const answer = await send(
        { name: 'list endpoints', method: 'get', path: '/endpoints', schema: z.array(AriEndpointSchema) },
        signal,
      )
      return typeof answer === 'string' ? [] : answer
    },
    async getEndpoint(technology, resource, signal) {
      const answer = await send(
        {
          name: `check endpoint ${technology}/${resource}`,
          method: 'get',
          path: `/endpoints/${seg(technology)}/${seg(resource)}`,
          schema: AriEndpointSchema,
        },
        signal,
      )
      if (typeof answer === 'string') throw new Error('unreachable: no expected status')
      return answer
    },
    async subscribe(app, eventSource, signal) {
      await send(
        {
          name: `subscribe to ${eventSource}`,
          method: 'post',
          path: `/applications/${seg(app)}/subscription`,
          query: { eventSource },
        },
        signal,
      )
    },
  }
}

/** The message of an ARI error body (`{ "message": … }`), or the start of a body that is not one. */
function ariMessage(body: string): string {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  const parsed = AriErrorBodySchema.safeParse(json)
  if (parsed.success && parsed.data.message !== undefined) return parsed.data.message
  return body.replace(/\s+/g, ' ').trim().slice(0, MAX_BODY_IN_ERRORS)
}

/** A message for statuses that mean the configuration, not the call, is wrong. */
function configurationHint(status: number): string | undefined {
  if (status === 401) {
    return 'check the username and password against the user section (type=user) of ari.conf'
  }
  if (status === 403) {
    return 'the ARI user may be read_only, or this address is refused by permit/deny/acl in ari.conf'
  }
  return undefined
}

async function toLeadCallError(
  error: unknown,
  operation: string,
  unknownOutcome: boolean | undefined,
  signal: AbortSignal | undefined,
  secrets: readonly string[],
  config: AriApiConfig,
  ky: { TimeoutError: typeof TimeoutError; HTTPError: typeof HTTPError },
): Promise<unknown> {
  // The caller's own abort (or the provider closing): its reason, untouched.
  if (signal?.aborted) return signal.reason
  if (LeadCallError.isInstance(error)) return error
  if (error instanceof ky.TimeoutError) {
    return new LeadCallError('PROVIDER_TIMEOUT', {
      message: unknownOutcome
        ? `Asterisk did not answer the request to ${operation} within ${config.timeoutMs} ms; the phone may ring`
        : `Asterisk did not answer the request to ${operation} within ${config.timeoutMs} ms`,
      details: { operation, timeoutMs: config.timeoutMs },
    })
  }
  if (error instanceof ky.HTTPError) {
    const status = error.response.status
    let body = ''
    try {
      body = await error.response.text()
    } catch {
      // The body may be unreadable; the status still tells.
    }
    const message = redact(ariMessage(body), secrets)
    const hint = configurationHint(status)
    const code = codeForStatus(status)
    return new LeadCallError(code, {
      message: hint
        ? `Asterisk refused the request to ${operation}: ${status} ${message}; ${hint}`
        : `Asterisk refused the request to ${operation}: ${status} ${message}`.trim(),
      details: { operation, ariStatus: status, ariMessage: message },
      cause: new AriApiError(status, operation, `${status} ${message}`.trim()),
      ...(status === 401 || status === 403 || status === 400 || status === 422 || status === 409
        ? { retryable: false }
        : {}),
    })
  }
  // A network failure: only its redacted message and system code are kept.
  const systemCode = networkCode(error)
  const reason = `${error instanceof Error ? redact(error.message, secrets) : 'unknown error'}${systemCode ? ` (${systemCode})` : ''}`
  if (unknownOutcome && !NOT_SENT.has(systemCode ?? '')) {
    // The connection broke after the request may have left: Asterisk may have acted on it.
    return new LeadCallError('PROVIDER_TIMEOUT', {
      message: `The request to ${operation} failed before Asterisk answered: ${reason}; the phone may ring`,
      details: { operation },
    })
  }
  return new LeadCallError('CALL_FAILED', {
    message: `The request to ${operation} did not reach Asterisk: ${reason}`,
    details: { operation },
  })
}

/** System errors that prove a request never reached the server. */
const NOT_SENT: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/** The system error code (`ECONNREFUSED`…) along an error's cause chain, if any. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
