/**
 * Stable error codes of leadcall, each with the HTTP status it answers with.
 *
 * The statuses of the first seven follow the systems leadcall replaces, so that clients written
 * against those keep working.
 */
export const ERROR_STATUS = {
  /** No agent can take the lead now. */
  NO_AGENTS_AVAILABLE: 503,
  /** The lead has no phone number. */
  MISSING_PHONE: 400,
  /** The phone number cannot be dialed. */
  INVALID_PHONE: 400,
  /** The CRM or provider refused to create the contact. */
  CONTACT_CREATION_FAILED: 422,
  /** The chosen agent is not available (e.g. not online at the provider). */
  AGENT_NOT_AVAILABLE: 503,
  /** The chosen agent is already on a call. */
  AGENT_BUSY: 503,
  /** The provider could not start the call. */
  CALL_FAILED: 500,
  /** The lead was already received. */
  DUPLICATE_LEAD: 409,
  /** The number is on a do-not-call list. */
  DNC_BLOCKED: 403,
  /** The lead's local time is outside the calling window. */
  OUTSIDE_CALLING_HOURS: 409,
  /** A provider did not answer in time. */
  PROVIDER_TIMEOUT: 504,
  /** Too many requests; retry later. */
  RATE_LIMITED: 429,
  /** A webhook signature is missing or wrong. */
  INVALID_SIGNATURE: 401,
  /** The input is not valid. */
  VALIDATION_FAILED: 400,
} as const satisfies Record<string, number>

/** One of the stable error codes of {@link ERROR_STATUS}. */
export type LeadCallErrorCode = keyof typeof ERROR_STATUS

/** Every error code, in a stable order. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as readonly LeadCallErrorCode[]

/** Options of the {@link LeadCallError} constructor. */
export interface LeadCallErrorOptions {
  /** Human-readable message; defaults to a generic one for the code. */
  message?: string
  /** Structured, JSON-serialisable details (e.g. the fields that failed validation). */
  details?: unknown
  /** The underlying error, kept as the standard `cause`. */
  cause?: unknown
  /** Overrides the code's default HTTP status (rarely needed). */
  status?: number
  /** Whether retrying the same operation later may succeed. Defaults per code. */
  retryable?: boolean
}

/** The JSON body leadcall answers with for an error, see {@link LeadCallError.toJSON}. */
export interface LeadCallErrorJSON {
  /** The error. */
  error: {
    /** The stable error code. */
    code: LeadCallErrorCode
    /** Human-readable message. */
    message: string
    /** The HTTP status. */
    status: number
    /** Structured details, when any. */
    details?: unknown
  }
}

const DEFAULT_MESSAGES: Record<LeadCallErrorCode, string> = {
  NO_AGENTS_AVAILABLE: 'No agent is available to take the lead',
  MISSING_PHONE: 'The lead has no phone number',
  INVALID_PHONE: 'The phone number is not a valid, dialable number',
  CONTACT_CREATION_FAILED: 'The contact could not be created',
  AGENT_NOT_AVAILABLE: 'The agent is not available',
  AGENT_BUSY: 'The agent is already on a call',
  CALL_FAILED: 'The call could not be started',
  DUPLICATE_LEAD: 'The lead was already received',
  DNC_BLOCKED: 'The number is on a do-not-call list',
  OUTSIDE_CALLING_HOURS: "The lead's local time is outside the calling hours",
  PROVIDER_TIMEOUT: 'The provider did not answer in time',
  RATE_LIMITED: 'Too many requests; retry later',
  INVALID_SIGNATURE: 'The request signature is missing or invalid',
  VALIDATION_FAILED: 'The input is not valid',
}

const RETRYABLE: ReadonlySet<LeadCallErrorCode> = new Set<LeadCallErrorCode>([
  'NO_AGENTS_AVAILABLE',
  'AGENT_NOT_AVAILABLE',
  'AGENT_BUSY',
  'CALL_FAILED',
  'PROVIDER_TIMEOUT',
  'RATE_LIMITED',
  'CONTACT_CREATION_FAILED',
])

const MARKER = Symbol.for('leadcall.error')

/**
 * The one error type leadcall throws on purpose. It carries a stable {@link LeadCallErrorCode},
 * the HTTP status to answer with, optional JSON `details` and the original `cause`.
 *
 * Use {@link LeadCallError.isInstance} rather than `instanceof`: it also recognises errors created
 * by another copy of `@leadcall/core` (two versions installed side by side).
 *
 * @example
 * ```ts
 * try {
 *   normalizePhone('12')
 * } catch (error) {
 *   if (LeadCallError.isInstance(error)) console.log(error.code, error.status) // INVALID_PHONE 400
 * }
 * ```
 */
export class LeadCallError extends Error {
  /** The stable error code. */
  readonly code: LeadCallErrorCode
  /** The HTTP status this error answers with. */
  readonly status: number
  /** Structured details, safe to show to the caller. */
  readonly details?: unknown
  /** Whether retrying later may succeed. */
  readonly retryable: boolean
  constructor(code: LeadCallErrorCode, options: LeadCallErrorOptions = {}) {
    super(
      options.message ?? DEFAULT_MESSAGES[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'LeadCallError'
    this.code = code
    this.status = options.status ?? ERROR_STATUS[code]
    if (options.details !== undefined) this.details = options.details
    this.retryable = options.retryable ?? RETRYABLE.has(code)
    // Non-enumerable brand read by `isInstance`, shared by every copy of the package.
    Object.defineProperty(this, MARKER, { value: true })
  }

  /** True when `value` is a `LeadCallError`, from this or any other copy of the package. */
  static isInstance(value: unknown): value is LeadCallError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true
  }

  /** The JSON body of an HTTP error response. Never contains the stack or the cause. */
  toJSON(): LeadCallErrorJSON {
    const error: LeadCallErrorJSON['error'] = { code: this.code, message: this.message, status: this.status }
    if (this.details !== undefined) error.details = this.details
    return { error }
  }
}

/** Type guard: true when `value` is a {@link LeadCallError}, optionally with the given code. */
export function isLeadCallError(value: unknown, code?: LeadCallErrorCode): value is LeadCallError {
  return LeadCallError.isInstance(value) && (code === undefined || value.code === code)
}

/** True when `code` is one of the stable leadcall error codes. */
export function isLeadCallErrorCode(code: unknown): code is LeadCallErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code)
}
