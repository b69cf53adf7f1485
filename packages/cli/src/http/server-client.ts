import { isLeadCallErrorCode, LeadCallError, type LeadCallErrorCode } from '@leadcall/core'

/** Where a leadcall server is, and how to be let in. */
export interface ServerOptions {
  /** The base URL the handler is mounted at, e.g. `http://localhost:3000` or `https://x.dev/leadcall`. */
  url: string
  /** Sent as `Authorization: Bearer <token>` (the management routes go through `authorize`). */
  token?: string
  /** Aborts the request. */
  signal?: AbortSignal
}

/** `base` + `path`, whatever slashes either has. */
export function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}

/** The request headers every call sends: `accept`, and `authorization` with a token. */
export function serverHeaders(server: ServerOptions, extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ accept: 'application/json', ...extra })
  if (server.token !== undefined && server.token !== '')
    headers.set('authorization', `Bearer ${server.token}`)
  return headers
}

function describeCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error
  const code = (cause as { code?: unknown } | undefined)?.code
  const message = cause instanceof Error ? cause.message : String(cause)
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
}

/**
 * `fetch`, with a network failure (refused, DNS, reset) turned into a `LeadCallError`
 * (`PROVIDER_TIMEOUT`, status 503) naming the URL. An abort is rethrown as is.
 */
export async function fetchServer(url: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason
    throw new LeadCallError('PROVIDER_TIMEOUT', {
      message: `Could not reach the leadcall server at ${url} (${describeCause(error)})`,
      status: 503,
      cause: error,
      details: { url },
    })
  }
}

/** The code a server error without a leadcall code stands for, by HTTP status. */
function codeOfStatus(status: number): LeadCallErrorCode {
  if (status === 401 || status === 403) return 'INVALID_SIGNATURE'
  if (status === 429) return 'RATE_LIMITED'
  if (status === 504) return 'PROVIDER_TIMEOUT'
  if (status >= 500) return 'CALL_FAILED'
  return 'VALIDATION_FAILED'
}

/**
 * The `LeadCallError` an error response stands for: the server's `{ error: { code, message,
 * details } }` when it sent one, else one made from the status. `details.httpStatus` and
 * `details.serverCode` keep what the server said.
 */
export async function errorOfResponse(response: Response, url: string): Promise<LeadCallError> {
  const text = await response.text().catch(() => '')
  let body: { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    body = undefined
  }
  const serverCode = body?.error?.code
  const code = isLeadCallErrorCode(serverCode) ? serverCode : codeOfStatus(response.status)
  const said = typeof body?.error?.message === 'string' ? body.error.message : text.trim().slice(0, 200)
  return new LeadCallError(code, {
    message: `The server answered ${response.status}${said ? `: ${said}` : ''} (${url})`,
    status: response.status,
    retryable: response.status === 429 || response.status >= 500,
    details: {
      httpStatus: response.status,
      ...(typeof serverCode === 'string' ? { serverCode } : {}),
      ...(body?.error?.details === undefined ? {} : { server: body.error.details }),
    },
  })
}

/** Reads a successful response's JSON body, failing with `VALIDATION_FAILED` when it is not JSON. */
export async function jsonOf(response: Response, url: string): Promise<unknown> {
  const text = await response.text()
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `The server's answer is not JSON (${url}): ${text.slice(0, 120)}`,
      status: 502,
      cause: error,
    })
  }
}
