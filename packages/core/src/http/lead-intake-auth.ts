/**
 * Authentication of `POST /leads`: shared secrets, presented as they are or used to sign the body.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { LeadCallError } from '../errors/lead-call-error.js'
import { secretsMatch } from './ghl-signature.js'
import { unauthorized } from './http-errors.js'

/** How `POST /leads` authenticates its senders, see `HttpHandlerOptions.leads`. */
export interface LeadIntakeOptions {
  /**
   * Shared secrets, at least 16 characters each (give two while rotating). A sender proves it
   * holds one either by presenting it — `Authorization: Bearer <secret>`, an `x-leadcall-secret`
   * header, or a `?secret=` query parameter for senders that can only set a URL — or, better, by
   * signing the body with it: `x-leadcall-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
   * "<t>.<raw body>">` (see {@link signLeadRequest}), which never sends the secret and expires.
   * Without secrets, `POST /leads` takes leads from anyone: mount it behind your own
   * authentication then.
   */
  secrets?: readonly string[]
  /** How far a signature's time may be from the server's clock, in seconds (default 300). */
  toleranceSec?: number
}

/** The intake settings checked and resolved. @internal */
export interface ResolvedLeadIntake {
  secrets: readonly string[]
  toleranceMs: number
}

/** The shortest secret accepted. */
const MIN_SECRET_LENGTH = 16
const DEFAULT_TOLERANCE_SEC = 300
const SIGNATURE_HEADER = 'x-leadcall-signature'

/** Checks the intake options; throws `VALIDATION_FAILED` naming the problem. @internal */
export function resolveLeadIntake(options: LeadIntakeOptions | undefined): ResolvedLeadIntake {
  const secrets = options?.secrets ?? []
  if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== 'string' || s.length < MIN_SECRET_LENGTH)) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `Invalid HTTP handler option leads.secrets: an array of strings of at least ${MIN_SECRET_LENGTH} characters`,
    })
  }
  const tolerance = options?.toleranceSec ?? DEFAULT_TOLERANCE_SEC
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance <= 0) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'Invalid HTTP handler option leads.toleranceSec: a positive number of seconds',
    })
  }
  return { secrets: [...secrets], toleranceMs: tolerance * 1000 }
}

/**
 * The `x-leadcall-signature` header value for a `POST /leads` body, as a sender computes it:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Sign the exact bytes sent.
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ name: 'Ada Lovelace', phone: '+14155552671' })
 * await fetch('https://crm.example.com/leads', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json', 'x-leadcall-signature': signLeadRequest(body, secret) },
 *   body,
 * })
 * ```
 */
export function signLeadRequest(body: string, secret: string, options: { now?: number } = {}): string {
  const t = Math.floor((options.now ?? Date.now()) / 1000)
  return `t=${t},v1=${hmac(secret, t, body)}`
}

/** True when the request must be signed or present a secret. @internal */
export function intakeProtected(intake: ResolvedLeadIntake): boolean {
  return intake.secrets.length > 0
}

/**
 * Checks what a `POST /leads` request presents, before its body is read: a presented secret, or a
 * signature header to check once the body is read (`'signed'`).
 *
 * @throws {LeadCallError} `INVALID_SIGNATURE` (401) when neither is there or the secret is wrong.
 * @internal
 */
export function checkPresentedSecret(
  request: Request,
  url: URL,
  intake: ResolvedLeadIntake,
): 'secret' | 'signed' {
  if (request.headers.has(SIGNATURE_HEADER)) return 'signed'
  const authorization = request.headers.get('authorization')
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim()
  const presented = bearer ?? request.headers.get('x-leadcall-secret') ?? url.searchParams.get('secret')
  if (presented === null || presented === undefined) {
    throw unauthorized(
      'POST /leads needs a signature (x-leadcall-signature) or a secret (Authorization: Bearer, x-leadcall-secret or ?secret=)',
    )
  }
  // Every secret is compared, so the time taken says nothing of which one matched.
  let matched = false
  for (const secret of intake.secrets) matched = secretsMatch(presented, secret) || matched
  if (!matched) throw unauthorized('The secret presented to POST /leads is wrong')
  return 'secret'
}

/**
 * Verifies the `x-leadcall-signature` of a request against its raw body.
 *
 * @throws {LeadCallError} `INVALID_SIGNATURE` (401) when it is malformed, too old or too new, or
 * made with none of the secrets.
 * @internal
 */
export function verifyLeadSignature(
  request: Request,
  raw: string,
  intake: ResolvedLeadIntake,
  now: number,
): void {
  const header = request.headers.get(SIGNATURE_HEADER) ?? ''
  const parts = new Map<string, string[]>()
  for (const item of header.split(',')) {
    const at = item.indexOf('=')
    if (at <= 0) continue
    const key = item.slice(0, at).trim()
    parts.set(key, [...(parts.get(key) ?? []), item.slice(at + 1).trim()])
  }
  const t = parts.get('t')?.[0]
  const signatures = parts.get('v1') ?? []
  if (t === undefined || !/^\d{1,12}$/.test(t) || signatures.length === 0) {
    throw unauthorized('Malformed x-leadcall-signature: expected t=<unix seconds>,v1=<hex HMAC-SHA256>')
  }
  if (Math.abs(now - Number(t) * 1000) > intake.toleranceMs) {
    throw unauthorized('The x-leadcall-signature is too old or from the future: check the sender clock')
  }
  let matched = false
  for (const secret of intake.secrets) {
    const expected = Buffer.from(hmac(secret, Number(t), raw), 'hex')
    for (const signature of signatures) {
      if (!/^[0-9a-f]{64}$/i.test(signature)) continue
      matched = timingSafeEqual(expected, Buffer.from(signature, 'hex')) || matched
    }
  }
  if (!matched) throw unauthorized('The x-leadcall-signature does not match the body')
}

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex')
}
