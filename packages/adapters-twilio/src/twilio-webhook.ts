/**
 * Twilio's webhook requests: reading and verifying them ({@link verifyTwilioRequest}) and turning
 * voice status callbacks into leadcall call events ({@link parseTwilioStatusCallback}).
 *
 * @module
 */
import {
  type AnsweredBy,
  type CallEvent,
  type CallMode,
  LeadCallError,
  type ValidationIssue,
  validationError,
} from '@leadcall/core/provider'
import { checkFields, optional, text } from './twilio-checks.js'
import { CALL_SID } from './twilio-sids.js'
import { verifyTwilioSignature } from './twilio-signature.js'

/**
 * Query parameters the adapter adds to the URLs it gives Twilio (status callbacks, voice URL), so
 * that each request says which call, which leg and which mode it is about. Twilio signs the whole
 * URL, so they cannot be forged.
 */
export const QUERY = {
  /** `voice` on the voice URL, `status` on status callbacks (tells requests apart on one route). */
  kind: 'lc_kind',
  /** The party of the leg: `agent` or `lead`. */
  leg: 'lc_leg',
  /** `agent_first` or `lead_first`. */
  mode: 'lc_mode',
  /** The dial attempt. */
  attempt: 'lc_attempt',
  /** The lead process. */
  process: 'lc_process',
  /** The voice URL only: who the TwiML dials once the call answers. */
  target: 'lc_target',
  /** The voice URL only: how long that dial rings, in seconds. */
  ring: 'lc_ring',
  /** The voice URL only: `1` when the dialed number gets answering machine detection. */
  amd: 'lc_amd',
} as const

/** A webhook request of Twilio, read and verified. */
export interface TwilioWebhookRequest {
  /** The POST parameters (form-encoded body); for a GET or a JSON body, the query parameters. */
  params: URLSearchParams
  /** The URL of the request. */
  url: URL
  /** The raw body. */
  body: string
}

/** Input of {@link verifyTwilioRequest}. */
export interface VerifyTwilioRequestOptions {
  /** The account's Auth Token; `undefined` skips the check (the request is only read). */
  authToken: string | undefined
  /**
   * The URLs Twilio may have signed: the public URL configured for this webhook (with the
   * request's query), and `request.url`. The request is accepted when its signature matches any.
   */
  urls: readonly string[]
}

/**
 * Reads a Twilio webhook request (a clone of it: the request stays readable) and checks its
 * `X-Twilio-Signature` against each candidate URL.
 *
 * @throws {LeadCallError} `INVALID_SIGNATURE` (401) when the signature is missing or matches
 * none of the URLs.
 */
export async function verifyTwilioRequest(
  request: Request,
  options: VerifyTwilioRequestOptions,
): Promise<TwilioWebhookRequest> {
  const url = new URL(request.url)
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.clone().text()
  const isJson = url.searchParams.has('bodySHA256')
  const params =
    isJson || request.method === 'GET' ? new URLSearchParams(url.search) : new URLSearchParams(body)
  const { authToken } = options
  if (authToken !== undefined) {
    const signature = request.headers.get('x-twilio-signature')
    const signed = isJson ? { body } : request.method === 'GET' ? {} : { params: new URLSearchParams(body) }
    const valid = options.urls.some((candidate) =>
      verifyTwilioSignature({ authToken, url: candidate, signature, ...signed }),
    )
    if (!valid) {
      throw new LeadCallError('INVALID_SIGNATURE', {
        message: signature
          ? 'The X-Twilio-Signature of the request does not match (check the public URL configured for it)'
          : 'The request has no X-Twilio-Signature header',
      })
    }
  }
  return { params, url, body }
}

/**
 * The URLs a webhook may have been signed for: `explicit` when given, each configured public URL
 * with the request's query string (a proxy may have changed scheme, host or path), and the
 * request's own URL.
 */
export function candidateUrls(
  request: Request,
  configured: readonly (string | undefined)[],
  explicit?: string,
): string[] {
  if (explicit !== undefined) return [explicit]
  const received = new URL(request.url)
  const urls = new Set<string>()
  for (const base of configured) {
    if (base === undefined) continue
    const url = new URL(base)
    url.search = received.search
    urls.add(url.href)
  }
  urls.add(request.url)
  return [...urls]
}

const STATUS_TO_TYPE: Record<string, CallEvent['type']> = {
  queued: 'initiated',
  initiated: 'initiated',
  ringing: 'ringing',
  'in-progress': 'answered',
  answered: 'answered',
  completed: 'completed',
  busy: 'busy',
  failed: 'failed',
  'no-answer': 'no_answer',
  canceled: 'canceled',
}

/** Twilio's `AnsweredBy` (answering machine detection) mapped to leadcall's. */
export function mapAnsweredBy(value: string | null): AnsweredBy | undefined {
  if (value === null || value === '') return undefined
  if (value === 'human') return 'human'
  if (value === 'unknown') return 'unknown'
  if (value.startsWith('machine') || value === 'fax') return 'machine'
  return 'unknown'
}

function integer(value: string | null, min: number, max: number): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined
  const number = Number(value)
  return number >= min && number <= max ? number : undefined
}

const YEAR_0 = Date.parse('0000-01-01T00:00:00Z')
const YEAR_10000 = Date.parse('+010000-01-01T00:00:00Z')

function isoTime(value: string | null): string | undefined {
  if (value === null) return undefined
  const ms = Date.parse(value)
  // Years 0–9999 only: beyond them an ISO string has a sign and six digits, not a date-time.
  return Number.isFinite(ms) && ms >= YEAR_0 && ms < YEAR_10000 ? new Date(ms).toISOString() : undefined
}

function absoluteUrl(value: string | null): string | undefined {
  if (value === null) return undefined
  try {
    return new URL(value).href
  } catch {
    return undefined
  }
}

/** The limits of a call event's names (`CallEventSchema` of `@leadcall/core`). */
const EVENT_FIELDS = {
  provider: text(100),
  attemptId: optional(text(128)),
  processId: optional(text(128)),
}

/** Options of {@link parseTwilioStatusCallback}. */
export interface ParseTwilioStatusCallbackOptions {
  /** The provider name the events carry (default `twilio`). */
  provider?: string
  /** The time of events whose callback has no `Timestamp` (default: now). */
  now?: () => Date
}

/**
 * Turns the parameters of a Twilio voice status callback into call events:
 *
 * - `CallStatus` `queued`/`initiated` → `initiated`, `ringing` → `ringing`, `in-progress` →
 *   `answered`, `completed`, `busy`, `failed`, `no-answer` → `no_answer`, `canceled`;
 * - the call is named by `ParentCallSid` when there is one (a leg dialed by `<Dial>` reports under
 *   the call `dial` returned), else `CallSid`; the adapter's query parameters add the attempt, the
 *   process and the party (`agent` or `lead` leg);
 * - `Timestamp` → `at`, `SequenceNumber` → `sequence`, `CallDuration` → `durationSec`,
 *   `SipResponseCode` → `sipCode`, `AnsweredBy` → `answeredBy` (`machine_*` and `fax` are
 *   `machine`), `RecordingUrl` → `recordingUrl`;
 * - in agent-first mode the agent's leg answering gives no event: the lead's leg starting to ring
 *   reports it (an `answered` there would end the call's ringing states before the lead answered);
 * - an answering-machine result without `CallStatus` gives `answered` with `answeredBy`; a
 *   callback with neither (a recording notice) or with an unknown status gives no event.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` when `CallSid` is missing or malformed.
 */
export function parseTwilioStatusCallback(
  params: URLSearchParams,
  url: URL,
  options: ParseTwilioStatusCallbackOptions = {},
): CallEvent[] {
  const callSid = params.get('CallSid')
  if (callSid === null || !CALL_SID.test(callSid)) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: 'Not a Twilio voice status callback: CallSid is missing or malformed',
      details: { issues: [{ path: 'CallSid', message: 'Expected CA followed by 32 hex digits' }] },
    })
  }
  const parentSid = params.get('ParentCallSid')
  const query = url.searchParams
  const leg = query.get(QUERY.leg)
  const party = leg === 'agent' || leg === 'lead' ? leg : undefined
  const mode = query.get(QUERY.mode) as CallMode | null
  const status = params.get('CallStatus')
  const answeredBy = mapAnsweredBy(params.get('AnsweredBy'))
  let type: CallEvent['type'] | undefined
  if (status === null || status === '') type = answeredBy === undefined ? undefined : 'answered'
  else type = STATUS_TO_TYPE[status]
  if (type === undefined) return []
  if (type === 'answered' && party === 'agent' && mode === 'agent_first') return []

  const event: CallEvent = {
    provider: options.provider ?? 'twilio',
    type,
    providerCallId: parentSid !== null && CALL_SID.test(parentSid) ? parentSid : callSid,
    at: isoTime(params.get('Timestamp')) ?? (options.now?.() ?? new Date()).toISOString(),
  }
  const attemptId = query.get(QUERY.attempt)
  const processId = query.get(QUERY.process)
  if (attemptId) event.attemptId = attemptId
  if (processId) event.processId = processId
  if (party !== undefined) event.party = party
  const sequence = integer(params.get('SequenceNumber'), 0, Number.MAX_SAFE_INTEGER)
  if (sequence !== undefined) event.sequence = sequence
  const duration = integer(params.get('CallDuration'), 0, Number.MAX_SAFE_INTEGER)
  if (duration !== undefined && type !== 'initiated' && type !== 'ringing') event.durationSec = duration
  const sipCode = integer(params.get('SipResponseCode'), 100, 699)
  if (sipCode !== undefined) event.sipCode = sipCode
  if (answeredBy !== undefined) event.answeredBy = answeredBy
  const recordingUrl = absoluteUrl(params.get('RecordingUrl'))
  if (recordingUrl !== undefined) event.recordingUrl = recordingUrl
  if (status === 'failed' || status === 'busy' || status === 'no-answer' || status === 'canceled') {
    event.hangupCause = status
  }
  event.raw = Object.fromEntries(params)

  // The rest is built from checked parts; these come from the caller and the URL's query.
  const issues: ValidationIssue[] = []
  checkFields(event, EVENT_FIELDS, issues)
  if (issues.length > 0) throw validationError('Twilio status callback', issues)
  return [event]
}
