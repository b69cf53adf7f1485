/**
 * CloudTalk's Workflow Automation HTTP requests: the shared-secret check
 * ({@link verifyCloudTalkWebhookSecret}), reading the request ({@link readCloudTalkWebhookRequest})
 * and the configurable field mapping that turns its JSON into a {@link CloudTalkCallNotice}
 * ({@link readCloudTalkCallNotice}).
 *
 * CloudTalk has no fixed webhook payload and no signature: the admin builds each request in a
 * workflow (endpoint, method, static headers, a JSON body of the trigger's attributes). The
 * adapter therefore authenticates with a secret the admin puts in a header or in the URL, and reads
 * the fields where the mapping says they are.
 *
 * @module
 */
import { LeadCallError } from '@leadcall/core/provider'

/** The facts the adapter reads from a workflow request. */
export type CloudTalkWebhookField =
  | 'event'
  | 'callId'
  | 'agentId'
  | 'externalNumber'
  | 'internalNumber'
  | 'status'
  | 'direction'
  | 'timestamp'
  | 'startedAt'
  | 'answeredAt'
  | 'endedAt'
  | 'talkingTime'
  | 'duration'
  | 'recordingUrl'

/**
 * Where each fact is in the request's JSON: a key, a dotted path into nested objects (`call.id`),
 * or a list of them tried in order. A mapping given to the provider replaces the default of the
 * facts it names and keeps the others.
 */
export type CloudTalkWebhookFieldMap = Partial<Record<CloudTalkWebhookField, string | readonly string[]>>

/**
 * The default field mapping: the keys to give the JSON body of each workflow's API Request action
 * (see the README). `call_id` and `call_uuid`, `agent_id`, `external_number` and `internal_number`
 * are the names seen in real CloudTalk deliveries; the others are the adapter's convention.
 */
export const DEFAULT_CLOUDTALK_WEBHOOK_FIELDS: Readonly<Record<CloudTalkWebhookField, readonly string[]>> =
  Object.freeze({
    event: ['event'],
    callId: ['call_id', 'call_uuid'],
    agentId: ['agent_id'],
    externalNumber: ['external_number'],
    internalNumber: ['internal_number'],
    status: ['call_status'],
    direction: ['direction'],
    timestamp: ['timestamp'],
    startedAt: ['started_at'],
    answeredAt: ['answered_at'],
    endedAt: ['ended_at'],
    talkingTime: ['talking_time'],
    duration: ['duration'],
    recordingUrl: ['recording_url'],
  })

/**
 * The stage of a call a workflow trigger reports: `started` (Call Started), `ringing` (Ringing on
 * Agent), `answered` (Call Answered: the contact picked up), `ended` (Call Ended, after wrap-up).
 */
export type CloudTalkCallStage = 'started' | 'ringing' | 'answered' | 'ended'

/** How a call ended, from the mapped `status` (CloudTalk's call statuses are `answered` and `missed`). */
export type CloudTalkCallOutcome = 'answered' | 'missed' | 'busy' | 'failed' | 'canceled'

/** What one workflow request says about a call, see {@link readCloudTalkCallNotice}. */
export interface CloudTalkCallNotice {
  /** The stage the trigger reports. */
  stage: CloudTalkCallStage
  /** CloudTalk's call id, when mapped. */
  callId?: string
  /** The CloudTalk agent id, when mapped. */
  agentId?: string
  /** The other party's number (the lead), as CloudTalk sent it. */
  externalNumber?: string
  /** The company number used. */
  internalNumber?: string
  /** How an ended call ended. */
  outcome?: CloudTalkCallOutcome
  /** When the request's event happened (ISO 8601, UTC), when mapped. */
  at?: string
  /** When the call started. */
  startedAt?: string
  /** When the contact answered. */
  answeredAt?: string
  /** When the call ended. */
  endedAt?: string
  /** Seconds the agent and the contact talked. */
  talkSec?: number
  /** The call's duration in seconds. */
  durationSec?: number
  /** Link to the recording. */
  recordingUrl?: string
  /** The request's payload. */
  raw: Record<string, unknown>
}

/** Options of {@link verifyCloudTalkWebhookSecret}. */
export interface CloudTalkWebhookSecretOptions {
  /** The shared secret configured in the workflow. */
  secret: string
  /** The header that carries it (default `x-leadcall-secret`); `Authorization: Bearer <secret>` is accepted too. */
  header?: string
  /** The URL query parameter that carries it (default `lc_secret`). */
  queryParam?: string
  /**
   * The URL CloudTalk requested, when a proxy changed `request.url` on the way; its query is
   * searched for the secret too.
   */
  url?: string
}

/** The default header of the shared secret. */
export const DEFAULT_SECRET_HEADER = 'x-leadcall-secret'
/** The default query parameter of the shared secret. */
export const DEFAULT_SECRET_PARAM = 'lc_secret'
/** The query parameter that may name the stage (`?lc_event=ended`) instead of a body field. */
export const STAGE_PARAM = 'lc_event'

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
}

/** Compares two strings in time independent of where they differ (their SHA-256 digests, byte by byte). */
async function timingSafeEqualText(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)])
  let difference = 0
  for (let i = 0; i < x.length; i++) difference |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return difference === 0
}

/**
 * Checks that a workflow request carries the shared secret: in the header (default
 * `x-leadcall-secret`), as `Authorization: Bearer <secret>`, or in the query parameter (default
 * `lc_secret`). Comparisons take the same time wherever the values differ. Does not read the body.
 *
 * @throws {LeadCallError} `INVALID_SIGNATURE` (401) when no secret is there or a wrong one is; the
 * message never contains what was sent.
 *
 * @example
 * ```ts
 * await verifyCloudTalkWebhookSecret(request, { secret: process.env.CLOUDTALK_WEBHOOK_SECRET! })
 * ```
 */
export async function verifyCloudTalkWebhookSecret(
  request: Request,
  options: CloudTalkWebhookSecretOptions,
): Promise<void> {
  if (options.secret === '') {
    throw new LeadCallError('VALIDATION_FAILED', { message: 'The CloudTalk webhook secret is empty' })
  }
  const header = options.header ?? DEFAULT_SECRET_HEADER
  const param = options.queryParam ?? DEFAULT_SECRET_PARAM
  const candidates: string[] = []
  const fromHeader = request.headers.get(header)
  if (fromHeader !== null) candidates.push(fromHeader.trim())
  const bearer = /^\s*Bearer\s+(.+?)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1]
  if (bearer !== undefined) candidates.push(bearer)
  for (const address of [request.url, options.url]) {
    if (address === undefined || !URL.canParse(address)) continue
    for (const value of new URL(address).searchParams.getAll(param)) candidates.push(value)
  }
  if (candidates.length === 0) {
    throw new LeadCallError('INVALID_SIGNATURE', {
      message: `The CloudTalk webhook carries no secret (expected the ${header} header, a Bearer authorization or the ${param} query parameter)`,
    })
  }
  let ok = false
  for (const candidate of candidates) if (await timingSafeEqualText(candidate, options.secret)) ok = true
  if (!ok) throw new LeadCallError('INVALID_SIGNATURE', { message: 'The CloudTalk webhook secret is wrong' })
}

/** What {@link readCloudTalkWebhookRequest} read. */
export interface CloudTalkWebhookRequest {
  /** The JSON object of the body (or the query parameters of a body-less request). */
  payload: Record<string, unknown>
  /** The stage named by the `lc_event` query parameter, when present. */
  stage?: string
}

/**
 * Reads a workflow request: its JSON body (a form-encoded body is read as fields too), or, for a
 * GET or an empty body, its query parameters. The secret's and the stage's query parameters are
 * not part of the payload.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` when the body is not a JSON object.
 */
export async function readCloudTalkWebhookRequest(
  request: Request,
  options: { queryParam?: string } = {},
): Promise<CloudTalkWebhookRequest> {
  const url = new URL(request.url)
  const secretParam = options.queryParam ?? DEFAULT_SECRET_PARAM
  const stage = url.searchParams.get(STAGE_PARAM) ?? undefined
  const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
  let payload: Record<string, unknown>
  if (text.trim() === '') {
    payload = {}
    for (const [key, value] of url.searchParams) {
      if (key !== secretParam && key !== STAGE_PARAM) payload[key] = value
    }
  } else if ((request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
    payload = Object.fromEntries(new URLSearchParams(text))
  } else {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'The CloudTalk webhook body is not JSON',
        details: { body: text.slice(0, 500) },
      })
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'The CloudTalk webhook body is not a JSON object',
        details: { body: text.slice(0, 500) },
      })
    }
    payload = json as Record<string, unknown>
  }
  return stage === undefined ? { payload } : { payload, stage }
}

/** The value at a key or dotted path of `payload`. */
function at(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path]
  let current: unknown = payload
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

function pick(
  payload: Record<string, unknown>,
  fields: Readonly<Record<CloudTalkWebhookField, readonly string[]>>,
  field: CloudTalkWebhookField,
): unknown {
  for (const path of fields[field]) {
    const value = at(payload, path)
    if (value !== undefined && value !== null && value !== '') return value
  }
  return undefined
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim()
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

function seconds(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
  return Number.isFinite(number) && number >= 0 ? number : undefined
}

/**
 * Reads a CloudTalk time: ISO 8601, CloudTalk's `YYYY-MM-DD HH:MM:SS` (taken as UTC, as its API
 * documents), or a Unix timestamp in seconds or milliseconds. Returns ISO 8601 in UTC, or
 * `undefined` for anything else.
 */
export function parseCloudTalkTime(value: unknown): string | undefined {
  let ms: number
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d{9,13}(\.\d+)?\s*$/.test(value))) {
    const number = Number(value)
    ms = number > 1e12 ? number : number * 1000
  } else if (typeof value === 'string') {
    const trimmed = value.trim()
    const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/.exec(trimmed)
    ms = Date.parse(local ? `${local[1]}T${local[2]}Z` : trimmed)
  } else {
    return undefined
  }
  if (!Number.isFinite(ms)) return undefined
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

const STAGES: Readonly<Record<string, CloudTalkCallStage>> = {
  started: 'started',
  start: 'started',
  callstarted: 'started',
  initiated: 'started',
  ringing: 'ringing',
  ringingonagent: 'ringing',
  callringingonagent: 'ringing',
  callringing: 'ringing',
  agentringing: 'ringing',
  answered: 'answered',
  callanswered: 'answered',
  ended: 'ended',
  end: 'ended',
  callended: 'ended',
  completed: 'ended',
  hangup: 'ended',
  finished: 'ended',
}

/**
 * Reads a trigger name as the stage it reports: `call_started`, `Call Started` or `started` →
 * `started`; `ringing_on_agent` → `ringing`; `call_answered` → `answered`; `call_ended` → `ended`.
 * Anything else (`call_modified`, `raised_hand`, …) → `undefined`: it carries no call status.
 */
export function parseCloudTalkStage(value: unknown): CloudTalkCallStage | undefined {
  if (typeof value !== 'string') return undefined
  return STAGES[value.toLowerCase().replace(/[^a-z]/g, '')]
}

const OUTCOMES: Readonly<Record<string, CloudTalkCallOutcome>> = {
  answered: 'answered',
  completed: 'answered',
  success: 'answered',
  successful: 'answered',
  missed: 'missed',
  noanswer: 'missed',
  unanswered: 'missed',
  notanswered: 'missed',
  busy: 'busy',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  rejected: 'failed',
  canceled: 'canceled',
  cancelled: 'canceled',
}

/** Reads a call status as an outcome: `answered`, `missed` (also `no_answer`, `unanswered`), `busy`, `failed`, `canceled`. */
export function parseCloudTalkOutcome(value: unknown): CloudTalkCallOutcome | undefined {
  if (typeof value !== 'string') return undefined
  return OUTCOMES[value.toLowerCase().replace(/[^a-z]/g, '')]
}

/** The mapping in force: the defaults with the given facts replaced. @internal */
export function resolveWebhookFields(
  fields: CloudTalkWebhookFieldMap | undefined,
): Readonly<Record<CloudTalkWebhookField, readonly string[]>> {
  const resolved: Record<CloudTalkWebhookField, readonly string[]> = { ...DEFAULT_CLOUDTALK_WEBHOOK_FIELDS }
  for (const [field, paths] of Object.entries(fields ?? {}) as [CloudTalkWebhookField, string | string[]][]) {
    if (paths !== undefined) resolved[field] = typeof paths === 'string' ? [paths] : [...paths]
  }
  return resolved
}

/** Options of {@link readCloudTalkCallNotice}. */
export interface ReadCloudTalkCallNoticeOptions {
  /** Where each fact is; see {@link CloudTalkWebhookFieldMap} (default {@link DEFAULT_CLOUDTALK_WEBHOOK_FIELDS}). */
  fields?: CloudTalkWebhookFieldMap
  /** The stage when the URL names it (`?lc_event=ended`); a body field wins over it. */
  stage?: string
}

/**
 * Turns a workflow request's payload into a {@link CloudTalkCallNotice}, through the field mapping.
 *
 * The stage comes from the mapped `event` field, else from `options.stage`, else from what the
 * payload holds (an end time or a status: `ended`; an answer time: `answered`; else `started`).
 * An `ended` call's outcome comes from the mapped `status`; without one, a talking time above zero
 * or an answer time means `answered`, else `missed`.
 *
 * @returns `undefined` for a request that reports no call progress: a trigger such as Call Modified
 * or Raised Hand, or an incoming or internal call (the mapped `direction`).
 * @throws {LeadCallError} `VALIDATION_FAILED` when the payload holds none of the mapped facts.
 */
export function readCloudTalkCallNotice(
  payload: Record<string, unknown>,
  options: ReadCloudTalkCallNoticeOptions = {},
): CloudTalkCallNotice | undefined {
  const fields = resolveWebhookFields(options.fields)
  const callId = text(pick(payload, fields, 'callId'))
  const agentId = text(pick(payload, fields, 'agentId'))
  const externalNumber = text(pick(payload, fields, 'externalNumber'))
  const event = pick(payload, fields, 'event') ?? options.stage
  if (callId === undefined && externalNumber === undefined && event === undefined) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `The CloudTalk webhook has none of the mapped fields (call id: ${fields.callId.join('/')}, number: ${fields.externalNumber.join('/')}, event: ${fields.event.join('/')})`,
      details: { keys: Object.keys(payload).slice(0, 50) },
    })
  }
  const direction = text(pick(payload, fields, 'direction'))?.toLowerCase()
  if (direction !== undefined && /^(in|incoming|inbound|internal)$/.test(direction)) return undefined

  const statusValue = pick(payload, fields, 'status')
  const startedAt = parseCloudTalkTime(pick(payload, fields, 'startedAt'))
  const answeredAt = parseCloudTalkTime(pick(payload, fields, 'answeredAt'))
  const endedAt = parseCloudTalkTime(pick(payload, fields, 'endedAt'))
  let stage: CloudTalkCallStage | undefined
  if (event !== undefined) {
    stage = parseCloudTalkStage(event)
    if (stage === undefined) return undefined
  } else if (endedAt !== undefined || statusValue !== undefined) stage = 'ended'
  else if (answeredAt !== undefined) stage = 'answered'
  else stage = 'started'

  const notice: CloudTalkCallNotice = { stage, raw: payload }
  if (callId !== undefined) notice.callId = callId
  if (agentId !== undefined) notice.agentId = agentId
  if (externalNumber !== undefined) notice.externalNumber = externalNumber
  const internalNumber = text(pick(payload, fields, 'internalNumber'))
  if (internalNumber !== undefined) notice.internalNumber = internalNumber
  const time = parseCloudTalkTime(pick(payload, fields, 'timestamp'))
  if (time !== undefined) notice.at = time
  if (startedAt !== undefined) notice.startedAt = startedAt
  if (answeredAt !== undefined) notice.answeredAt = answeredAt
  if (endedAt !== undefined) notice.endedAt = endedAt
  const talkSec = seconds(pick(payload, fields, 'talkingTime'))
  if (talkSec !== undefined) notice.talkSec = talkSec
  const durationSec = seconds(pick(payload, fields, 'duration'))
  if (durationSec !== undefined) notice.durationSec = durationSec
  const recordingUrl = text(pick(payload, fields, 'recordingUrl'))
  if (recordingUrl !== undefined && /^https?:\/\//i.test(recordingUrl) && URL.canParse(recordingUrl)) {
    notice.recordingUrl = recordingUrl
  }
  if (stage === 'ended') {
    const outcome = parseCloudTalkOutcome(statusValue)
    notice.outcome =
      outcome ??
      (talkSec !== undefined ? (talkSec > 0 ? 'answered' : 'missed') : answeredAt ? 'answered' : 'missed')
  }
  return notice
}
