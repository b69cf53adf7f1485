/**
 * The Odoo JSON-RPC client the CRM adapter uses: `POST /jsonrpc` with ky, a timeout and the
 * caller's `AbortSignal`, `common.authenticate` once (the uid is cached), `object.execute_kw` for
 * every model call, and one re-authentication when Odoo says the session expired. Errors are
 * `LeadCallError`s without the password or API key.
 *
 * @internal
 * @module
 */
import { LeadCallError } from '@leadcall/core/provider'
import type { TimeoutError } from 'ky'
import { z } from 'zod'
import { buildJsonRpcCall, type OdooFaultDetails, parseJsonRpcResponse } from './odoo-jsonrpc.js'

/** How the client reaches Odoo. @internal */
export interface OdooClientConfig {
  /** The `/jsonrpc` endpoint, e.g. `https://acme.odoo.com/jsonrpc`. */
  endpoint: string
  /** The database. */
  db: string
  /** The login of the Odoo user. */
  username: string
  /** The user's password or API key (Odoo takes either in the same place). */
  secret: string
  /** The longest one request may take (ms). */
  timeoutMs: number
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** Aborted when the adapter is closed: every request in flight stops, new ones are refused. */
  closed: AbortSignal
}

/** The Odoo JSON-RPC client. @internal */
export interface OdooClient {
  /** The uid of the configured user: cached, else from `common.authenticate`. */
  uid(signal?: AbortSignal): Promise<number>
  /**
   * Calls `object.execute_kw(db, uid, secret, model, method, args, kwargs)` and returns its
   * result. A session-expired fault clears the cached uid, authenticates again and retries once.
   */
  executeKw(
    model: string,
    method: string,
    args: readonly unknown[],
    kwargs?: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<unknown>
}

const UidSchema = z.union([z.number().int().positive(), z.literal(false)])

/** The longest excerpt of an unexpected body kept in an error's details. */
const MAX_BODY_IN_ERRORS = 500

/** Replaces every occurrence of `secret` in `text`. @internal */
export function redactSecret(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[REDACTED]')
}

/** The `details` of an Odoo fault error, when `error` is one. @internal */
export function faultDetailsOf(error: unknown): OdooFaultDetails | undefined {
  if (!LeadCallError.isInstance(error)) return undefined
  const details = error.details as Partial<OdooFaultDetails> | undefined
  return typeof details?.reason === 'string' ? (details as OdooFaultDetails) : undefined
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

/** Creates the client. @internal */
export function createOdooClient(config: OdooClientConfig): OdooClient {
  let nextId = 1
  let cachedUid: number | undefined

  function combined(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, config.closed]) : config.closed
  }

  function checkOpen(signal: AbortSignal | undefined): void {
    signal?.throwIfAborted()
    if (config.closed.aborted) throw closedError()
  }

  function closedError(): LeadCallError {
    return new LeadCallError('CONTACT_CREATION_FAILED', {
      message: 'The Odoo adapter is closed',
      retryable: false,
    })
  }

  /** No request is sent before this time (ms since the epoch): the last 429's `Retry-After`. */
  let pausedUntil = 0

  /** Sends one JSON-RPC call and returns its `result`; `operation` names it in errors. */
  async function rpc(
    service: string,
    method: string,
    args: readonly unknown[],
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    checkOpen(signal)
    // Odoo (or its proxy) asked to wait: nothing is sent before its Retry-After has run out. The
    // caller gets RATE_LIMITED at once rather than waiting (a webhook must answer quickly); the
    // conversation keeps its lead and hands it off later.
    const wait = pausedUntil - Date.now()
    if (wait > 0) {
      throw new LeadCallError('RATE_LIMITED', {
        message: `Odoo asked to wait before ${operation} (Retry-After): ${Math.ceil(wait / 1000)} s left`,
        details: { operation, retryAfterMs: wait },
      })
    }
    const id = nextId++
    let response: Response
    let text: string
    const ky = await loadKy()
    try {
      response = await ky.default.post(config.endpoint, {
        json: buildJsonRpcCall(service, method, args, id),
        headers: { Accept: 'application/json' },
        timeout: config.timeoutMs,
        retry: 0,
        throwHttpErrors: false,
        signal: combined(signal),
        ...(config.fetch ? { fetch: config.fetch } : {}),
      })
      text = await response.text()
    } catch (error) {
      // The caller's own abort: rethrow its reason untouched.
      if (signal?.aborted) throw signal.reason
      if (config.closed.aborted) throw closedError()
      throw transportError(error, operation, ky.TimeoutError)
    }
    if (!response.ok) throw httpError(response, text, operation)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw unexpectedBody(text, operation)
    }
    if (typeof json !== 'object' || json === null || !('result' in json || 'error' in json)) {
      throw unexpectedBody(text, operation)
    }
    return parseJsonRpcResponse(json, { id, secrets: [config.secret] })
  }

  function transportError(
    error: unknown,
    operation: string,
    timeoutError: typeof TimeoutError,
  ): LeadCallError {
    if (LeadCallError.isInstance(error)) return error
    if (error instanceof timeoutError) {
      return new LeadCallError('PROVIDER_TIMEOUT', {
        message: `Odoo did not answer ${operation} within ${config.timeoutMs} ms`,
        details: { operation, timeoutMs: config.timeoutMs },
      })
    }
    // A network failure: only its redacted message is kept, never the error (it may hold the request).
    const reason = error instanceof Error ? redactSecret(error.message, config.secret) : 'unknown error'
    return new LeadCallError('CONTACT_CREATION_FAILED', {
      message: `The request for ${operation} did not reach Odoo: ${reason}`,
      details: { operation, reason: 'network' },
      retryable: true,
    })
  }

  function httpError(response: Response, text: string, operation: string): LeadCallError {
    const status = response.status
    const body = redactSecret(text.slice(0, MAX_BODY_IN_ERRORS), config.secret)
    const details: Record<string, unknown> = { operation, httpStatus: status, body }
    if (status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'))
      if (Number.isFinite(retryAfter) && retryAfter >= 0) {
        details.retryAfterMs = retryAfter * 1000
        pausedUntil = Math.max(pausedUntil, Date.now() + retryAfter * 1000)
      }
      return new LeadCallError('RATE_LIMITED', {
        message: `Odoo (or a proxy in front of it) throttled ${operation}: HTTP 429`,
        details,
      })
    }
    if (status === 504 || status === 408) {
      return new LeadCallError('PROVIDER_TIMEOUT', {
        message: `A gateway in front of Odoo timed out on ${operation}: HTTP ${status}`,
        details,
      })
    }
    const hint =
      status === 404
        ? ': check the url (Odoo serves JSON-RPC at /jsonrpc up to its removal, see the README)'
        : ''
    return new LeadCallError('CONTACT_CREATION_FAILED', {
      message: `Odoo answered ${operation} with HTTP ${status}${hint}`,
      details,
      retryable: status >= 500,
    })
  }

  function unexpectedBody(text: string, operation: string): LeadCallError {
    return new LeadCallError('CONTACT_CREATION_FAILED', {
      message: `Odoo's answer to ${operation} is not a JSON-RPC reply: check the url`,
      details: { operation, body: redactSecret(text.slice(0, MAX_BODY_IN_ERRORS), config.secret) },
      retryable: false,
    })
  }

  async function authenticate(signal: AbortSignal | undefined): Promise<number> {
    const result = await rpc(
      'common',
      'authenticate',
      [config.db, config.username, config.secret, {}],
      'common.authenticate',
      signal,
    )
    const parsed = UidSchema.safeParse(result)
    if (!parsed.success) {
      throw new LeadCallError('CONTACT_CREATION_FAILED', {
        message: 'Odoo answered common.authenticate with something other than a uid',
        details: { operation: 'common.authenticate' },
        retryable: false,
      })
    }
    if (parsed.data === false) {
      throw new LeadCallError('CONTACT_CREATION_FAILED', {
        message:
          'Odoo refused the login: check the database, the username and the password or API key (common.authenticate answered false)',
        details: {
          reason: 'bad_credentials',
          odooException: 'odoo.exceptions.AccessDenied',
          db: config.db,
        } satisfies OdooFaultDetails & { db: string },
        retryable: false,
      })
    }
    return parsed.data
  }

  async function uid(signal?: AbortSignal): Promise<number> {
    if (cachedUid !== undefined) return cachedUid
    const fresh = await authenticate(signal)
    cachedUid = fresh
    return fresh
  }

  async function executeKw(
    model: string,
    method: string,
    args: readonly unknown[],
    kwargs?: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const operation = `${model}.${method}`
    const call = async (): Promise<unknown> => {
      const current = await uid(signal)
      try {
        return await rpc(
          'object',
          'execute_kw',
          [config.db, current, config.secret, model, method, args, ...(kwargs ? [kwargs] : [])],
          operation,
          signal,
        )
      } catch (error) {
        const reason = faultDetailsOf(error)?.reason
        // A key revoked since: the next call authenticates again and reports it plainly.
        if ((reason === 'session_expired' || reason === 'bad_credentials') && cachedUid === current) {
          cachedUid = undefined
        }
        throw error
      }
    }
    try {
      return await call()
    } catch (error) {
      if (faultDetailsOf(error)?.reason !== 'session_expired') throw error
      return call()
    }
  }

  return { uid, executeKw }
}
