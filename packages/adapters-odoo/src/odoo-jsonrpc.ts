import { LeadCallError, type LeadCallErrorCode } from '@leadcall/core/provider'
import { z } from 'zod'

/**
 * The services of Odoo's `/jsonrpc` endpoint: `common` (`version`, `login`, `authenticate`),
 * `object` (`execute_kw`) and `db`. Other names are accepted for forward compatibility.
 */
export type OdooRpcService = 'common' | 'object' | 'db' | (string & {})

/** A JSON-RPC request id. */
export type JsonRpcId = number | string

/** The JSON-RPC 2.0 body of a call to Odoo's `/jsonrpc` endpoint, see {@link buildJsonRpcCall}. */
export interface JsonRpcCall {
  /** Always `'2.0'`. */
  jsonrpc: '2.0'
  /** Always `'call'`: Odoo dispatches on `params.service` and `params.method`. */
  method: 'call'
  /** By-name parameters, as Odoo requires. */
  params: {
    /** The RPC service. */
    service: OdooRpcService
    /** The service method, e.g. `execute_kw`. */
    method: string
    /** The positional arguments of the service method. */
    args: unknown[]
  }
  /** The request id, echoed in the response. */
  id: JsonRpcId
}

/** Options of {@link parseJsonRpcResponse}. */
export interface ParseJsonRpcResponseOptions {
  /** The id of the request; a response carrying another id is rejected. */
  id?: JsonRpcId
  /**
   * Values that must never appear in an error (the password or API key, the login): every
   * occurrence in the messages and details of the thrown error is replaced by `[REDACTED]`.
   */
  secrets?: readonly string[]
}

/**
 * What kind of Odoo fault a `LeadCallError` reports, in its `details.reason`:
 * - `bad_credentials`: `AccessDenied`, or `common.authenticate` answered `false` (database, login,
 *   password or API key wrong);
 * - `access_rights`: `AccessError`, the Odoo user may not do this (e.g. create `crm.lead`);
 * - `missing_field`: `ValueError: Invalid field …`, a field the adapter writes does not exist (a
 *   custom `x_…` field not created, or a field of another Odoo version);
 * - `missing_record`: `MissingError`, the record was deleted;
 * - `validation`: `ValidationError`, `UserError`, `RedirectWarning`, other `ValueError`s, `TypeError`;
 * - `session_expired`: code 100, `odoo.http.SessionExpiredException`;
 * - `conflict`: a transaction conflict, worth retrying;
 * - `not_found`: code 404, no such endpoint;
 * - `server_error`: anything else.
 */
export type OdooFaultReason =
  | 'bad_credentials'
  | 'access_rights'
  | 'missing_field'
  | 'missing_record'
  | 'validation'
  | 'session_expired'
  | 'conflict'
  | 'not_found'
  | 'server_error'

/**
 * The `details` of the `LeadCallError` thrown for an Odoo fault. The traceback (`debug`),
 * `context` and `arguments` Odoo sends are left out.
 */
export interface OdooFaultDetails {
  /** What kind of fault it is, see {@link OdooFaultReason}. */
  reason: OdooFaultReason
  /** The dotted Python exception class, e.g. `odoo.exceptions.AccessDenied`, when Odoo gave one. */
  odooException?: string
  /** The JSON-RPC error code: 200 for any server error, 100 session expired, 404 not found. */
  odooCode?: number
  /** The exception's message as Odoo gave it. */
  odooMessage?: string
  /** For `missing_field`: the field Odoo does not know, e.g. `x_product_interest`. */
  field?: string
}

/**
 * Builds the JSON-RPC 2.0 body Odoo's `/jsonrpc` endpoint expects (Odoo ≤ 18; deprecated in 19
 * in favour of the JSON-2 API): `{ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id }`.
 * Send it as `POST /jsonrpc` with `Content-Type: application/json`.
 *
 * @example
 * ```ts
 * const body = buildJsonRpcCall('object', 'execute_kw', [db, uid, apiKey, 'crm.lead', 'search_count', [[]]], 1)
 * await fetch(`${baseUrl}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
 * ```
 */
export function buildJsonRpcCall(
  service: OdooRpcService,
  method: string,
  args: readonly unknown[],
  id: JsonRpcId,
): JsonRpcCall {
  return { jsonrpc: '2.0', method: 'call', params: { service, method, args: [...args] }, id }
}

// Lenient: a fault member of an unexpected type is ignored rather than hiding the fault itself.
const FaultSchema = z.object({
  code: z.number().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  data: z
    .object({
      name: z.string().optional().catch(undefined),
      message: z.string().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
})
type Fault = z.infer<typeof FaultSchema>

const ResponseSchema = z.object({
  jsonrpc: z.literal('2.0').optional(),
  id: z.union([z.number(), z.string(), z.null()]).optional(),
  error: FaultSchema.optional(),
})

/** Faults about the data sent: wrong values, a business rule, a record that does not exist. */
const VALIDATION_FAULTS = new Set([
  'odoo.exceptions.ValidationError',
  'odoo.exceptions.UserError',
  'odoo.exceptions.MissingError',
  'odoo.exceptions.RedirectWarning',
  // Raised by the ORM for an unknown field, a bad domain or wrong argument types.
  'builtins.ValueError',
  'builtins.TypeError',
])

/** Faults about credentials or rights: retrying will not help until the configuration changes. */
const ACCESS_FAULTS = new Set(['odoo.exceptions.AccessDenied', 'odoo.exceptions.AccessError'])

/** Transaction conflicts: the same call may succeed when retried. */
const TRANSIENT_FAULTS = new Set([
  'odoo.exceptions.ConcurrencyError',
  'psycopg2.errors.SerializationFailure',
  'psycopg2.errors.LockNotAvailable',
  'psycopg2.extensions.TransactionRollbackError',
])

/**
 * Reads the reply of Odoo's `/jsonrpc` endpoint and returns its `result` (which may legitimately
 * be `false`, e.g. `common.login` with bad credentials, or `null`). The result is not validated
 * here: parse it with the schema of the method called.
 *
 * Odoo reports faults with HTTP 200 and an `error` member; they become a `LeadCallError`
 * whose `details` are {@link OdooFaultDetails} (the Odoo exception name in `odooException`):
 *
 * | fault | code | retryable | `details.reason` |
 * |---|---|---|---|
 * | `ValueError: Invalid field 'x_…'` (the field is in `details.field`) | `VALIDATION_FAILED` | no | `missing_field` |
 * | `ValidationError`, `UserError`, `MissingError`, `RedirectWarning`, `ValueError`, `TypeError` | `VALIDATION_FAILED` | no | `validation`, `missing_record` |
 * | `AccessDenied` (bad db/login/key) | `CONTACT_CREATION_FAILED` | no | `bad_credentials` |
 * | `AccessError` (missing rights) | `CONTACT_CREATION_FAILED` | no | `access_rights` |
 * | session expired (code 100, `odoo.http.SessionExpiredException`) | `CONTACT_CREATION_FAILED` | yes | `session_expired` |
 * | `ConcurrencyError`, serialization failures, lock timeouts | `CONTACT_CREATION_FAILED` | yes | `conflict` |
 * | code 404 | `CONTACT_CREATION_FAILED` | no | `not_found` |
 * | anything else (server errors) | `CONTACT_CREATION_FAILED` | no | `server_error` |
 *
 * `CONTACT_CREATION_FAILED` is the code of a failed CRM sync in leadcall's pipeline, which is all
 * this adapter does; `INVALID_SIGNATURE` is kept for webhooks leadcall receives. A body that is
 * not a JSON-RPC response at all (or answers another id) throws `VALIDATION_FAILED` with the raw
 * `body` in `details`. Pass the credentials in `options.secrets` to have them redacted from
 * every message and detail; the traceback Odoo sends is never included.
 *
 * @throws `LeadCallError` (from `@leadcall/core`) as described above.
 *
 * @example
 * ```ts
 * const uid = parseJsonRpcResponse(await response.json(), { id: 1, secrets: [apiKey] })
 * if (uid === false) throw new Error('Odoo rejected the login')
 * ```
 */
export function parseJsonRpcResponse(json: unknown, options: ParseJsonRpcResponseOptions = {}): unknown {
  // Longest first, so that a secret containing another is redacted whole.
  const secrets = (options.secrets ?? [])
    .filter((secret) => typeof secret === 'string' && secret !== '')
    .sort((a, b) => b.length - a.length)
  const parsed = ResponseSchema.safeParse(json)
  const hasResult = typeof json === 'object' && json !== null && Object.hasOwn(json, 'result')
  if (!parsed.success || (!hasResult && parsed.data.error === undefined)) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'Invalid Odoo JSON-RPC response: expected an object with `result` or `error`',
      details: { body: redact(json, secrets) },
    })
  }
  const response = parsed.data
  const answeredId = response.id
  if (
    options.id !== undefined &&
    answeredId !== undefined &&
    answeredId !== null &&
    answeredId !== options.id
  ) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: redact(
        `Odoo JSON-RPC response id ${JSON.stringify(answeredId)} does not match request id ${JSON.stringify(options.id)}`,
        secrets,
      ),
      details: { body: redact(json, secrets) },
    })
  }
  if (response.error !== undefined) throw faultError(response.error, secrets)
  return (json as { result: unknown }).result
}

/** `Invalid field 'x_foo' on model 'crm.lead'`, as the ORM words an unknown field. */
const INVALID_FIELD = /^Invalid field '?([\w.]+)'?/

/** The exception Odoo raises when the session of a call is gone. */
const SESSION_EXPIRED = 'odoo.http.SessionExpiredException'

function faultError(fault: Fault, secrets: readonly string[]): LeadCallError {
  const name = fault.data?.name
  const odooMessage = fault.data?.message ?? fault.message
  let code: LeadCallErrorCode = 'CONTACT_CREATION_FAILED'
  let retryable = false
  let reason: OdooFaultReason
  let summary: string
  const missingField = name === 'builtins.ValueError' ? INVALID_FIELD.exec(odooMessage ?? '')?.[1] : undefined
  if (missingField !== undefined) {
    code = 'VALIDATION_FAILED'
    reason = 'missing_field'
    summary = `Odoo has no field ${missingField}: create it in Odoo or fix the adapter's field mapping`
  } else if (name !== undefined && VALIDATION_FAULTS.has(name)) {
    code = 'VALIDATION_FAILED'
    reason = name === 'odoo.exceptions.MissingError' ? 'missing_record' : 'validation'
    summary = 'Odoo rejected the data'
  } else if (name !== undefined && ACCESS_FAULTS.has(name)) {
    reason = name === 'odoo.exceptions.AccessDenied' ? 'bad_credentials' : 'access_rights'
    summary =
      reason === 'bad_credentials'
        ? 'Odoo denied access: check the database, login and API key'
        : 'The Odoo user lacks the access rights for this operation'
  } else if (fault.code === 100 || name === SESSION_EXPIRED) {
    retryable = true
    reason = 'session_expired'
    summary = 'The Odoo session expired'
  } else if (name !== undefined && TRANSIENT_FAULTS.has(name)) {
    retryable = true
    reason = 'conflict'
    summary = 'Odoo hit a transaction conflict'
  } else if (fault.code === 404) {
    reason = 'not_found'
    summary = 'Odoo has no such JSON-RPC endpoint'
  } else {
    reason = 'server_error'
    summary = 'The Odoo call failed'
  }
  const details: OdooFaultDetails = { reason }
  if (name !== undefined) details.odooException = name
  if (fault.code !== undefined) details.odooCode = fault.code
  if (odooMessage !== undefined) details.odooMessage = redact(odooMessage, secrets)
  if (missingField !== undefined) details.field = missingField
  const suffix = [name, odooMessage].filter((part) => part !== undefined && part !== '').join(': ')
  return new LeadCallError(code, {
    message: redact(suffix ? `${summary} (${suffix})` : summary, secrets),
    details,
    retryable,
  })
}

const REDACTED = '[REDACTED]'

function redact<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value
  if (typeof value === 'string') {
    let out: string = value
    for (const secret of secrets) out = out.split(secret).join(REDACTED)
    return out as T
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, secrets)) as T
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redact(key, secrets), redact(item, secrets)]),
    ) as T
  }
  return value
}
