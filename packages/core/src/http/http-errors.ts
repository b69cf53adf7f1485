/**
 * The errors the HTTP handler answers with, and the JSON responses it builds.
 *
 * Every error body is `{ error: { code, message, status, details? } }`, the shape of
 * `LeadCallError#toJSON`. Errors of the HTTP layer itself (unknown route, wrong method, body too
 * large, wrong content type) are `VALIDATION_FAILED` with their own HTTP status and a
 * `details.reason` telling them apart, so that clients see one closed set of codes. Two situations
 * have no leadcall code because they are not the caller's doing: an unexpected failure
 * (`INTERNAL_ERROR`, 500, generic message) and a feature the server was not set up for
 * (`NOT_IMPLEMENTED`, 501).
 *
 * @module
 */
import { LeadCallError, type LeadCallErrorJSON } from '../errors/lead-call-error.js'
import type { Logger } from '../logging/logger.js'

/** Codes the HTTP layer answers with besides the leadcall error codes. */
export type HttpOnlyErrorCode = 'INTERNAL_ERROR' | 'NOT_IMPLEMENTED'

/**
 * The JSON body of every error response of the HTTP handler: a `LeadCallError`'s JSON, or an
 * {@link HttpOnlyErrorCode} error.
 */
export type HttpErrorBody =
  | LeadCallErrorJSON
  | {
      /** The error. */
      error: {
        /** `INTERNAL_ERROR` (500) or `NOT_IMPLEMENTED` (501). */
        code: HttpOnlyErrorCode
        /** A generic, human-readable message (never a stack trace). */
        message: string
        /** The HTTP status. */
        status: number
      }
    }

/** What tells apart the `VALIDATION_FAILED` errors of the HTTP layer, in `details.reason`. */
export type HttpErrorReason =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'MALFORMED_JSON'
  | 'BAD_REQUEST'

const JSON_HEADERS: Record<string, string> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}

/** A JSON response with the API's usual headers (no caching, no sniffing) plus `headers`. */
export function jsonResponse(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS,
  })
}

/** The response of a `LeadCallError`: its JSON body and status. */
export function errorResponse(error: LeadCallError, headers?: Record<string, string>): Response {
  return jsonResponse(error.toJSON(), error.status, headers)
}

/** A `VALIDATION_FAILED` error of the HTTP layer with its own status and `details.reason`. */
export function httpError(
  status: number,
  reason: HttpErrorReason,
  message: string,
  details: Record<string, unknown> = {},
): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', { status, message, details: { reason, ...details } })
}

/** True when `error` is a `LeadCallError` the caller can fix (a 4xx other than 429). */
export function isClientError(error: unknown): error is LeadCallError {
  return (
    LeadCallError.isInstance(error) &&
    error.status >= 400 &&
    error.status < 500 &&
    error.code !== 'RATE_LIMITED'
  )
}

/** 404: no route for this path. */
export function notFound(message = 'Not found'): LeadCallError {
  return httpError(404, 'NOT_FOUND', message)
}

/** 405: the path exists but not for this method; the response carries an `Allow` header. */
export class MethodNotAllowedError extends LeadCallError {
  /** The methods the path accepts. */
  readonly allow: readonly string[]
  constructor(method: string, allow: readonly string[]) {
    super('VALIDATION_FAILED', {
      status: 405,
      message: `Method ${method} is not allowed here; use ${allow.join(', ')}`,
      details: { reason: 'METHOD_NOT_ALLOWED', allow },
    })
    this.allow = allow
  }
}

/** 413: the body is larger than the limit. */
export function payloadTooLarge(limit: number): LeadCallError {
  return httpError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes`, { limit })
}

/** 415: the body is not of an accepted media type. */
export function unsupportedMediaType(received: string | null, accepted: readonly string[]): LeadCallError {
  return httpError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Type must be ${accepted.join(' or ')}${received ? `, not ${received}` : ''}`,
    { accepted },
  )
}

/** 400: anything else wrong with the request (a missing body, a bad query parameter). */
export function badRequest(message: string, details: Record<string, unknown> = {}): LeadCallError {
  return httpError(400, 'BAD_REQUEST', message, details)
}

/** 401: the `authorize` hook refused the request, or a webhook secret or signature is wrong. */
export function unauthorized(message = 'The request is not authorized'): LeadCallError {
  return new LeadCallError('INVALID_SIGNATURE', { message })
}

/** 501: the server was not set up for this (e.g. the optional `prom-client` is not installed). */
export function notImplementedResponse(message: string): Response {
  const body: HttpErrorBody = { error: { code: 'NOT_IMPLEMENTED', message, status: 501 } }
  return jsonResponse(body, 501)
}

/** 500 with a generic message: the details go to the log, never to the caller. */
export function internalErrorResponse(): Response {
  const body: HttpErrorBody = {
    error: { code: 'INTERNAL_ERROR', message: 'Internal server error', status: 500 },
  }
  return jsonResponse(body, 500)
}

/**
 * The response to a thrown value: a `LeadCallError` answers with its own JSON and status (405s
 * with their `Allow` header); anything else is logged with the request's method and path and
 * answered 500 with a generic message.
 */
export function toErrorResponse(error: unknown, logger: Logger, request: Request): Response {
  if (error instanceof MethodNotAllowedError) return errorResponse(error, { allow: error.allow.join(', ') })
  if (LeadCallError.isInstance(error)) return errorResponse(error)
  logger.error({ err: error, method: request.method, url: safePath(request) }, 'HTTP handler failed')
  return internalErrorResponse()
}

/** The request's path without its query (which may carry a secret), for logs. */
function safePath(request: Request): string {
  const url = request.url
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}
