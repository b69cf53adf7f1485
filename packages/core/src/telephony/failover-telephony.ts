/**
 * A failover set of telephony providers: {@link failoverTelephony}.
 *
 * @module
 */
import type { CallEvent } from '../domain/call-event.js'
import type { Lead } from '../domain/lead.js'
import { LeadCallError, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import type {
  CallEventSink,
  CallLookupResult,
  CircuitState,
  ContactSyncResult,
  DialRequest,
  DialResult,
  ProviderCallOptions,
  TelephonyCapabilities,
  TelephonyCapability,
  TelephonyProviderHealth,
  TelephonyProviderV1,
  WebhookOptions,
} from './telephony-provider.js'

/** Default of {@link FailoverTelephonyOptions.failureThreshold}: 5 failures in a row. */
export const DEFAULT_FAILURE_THRESHOLD = 5
/** Default of {@link FailoverTelephonyOptions.cooldownMs}: 30 s. */
export const DEFAULT_COOLDOWN_MS = 30_000

/** Options of {@link failoverTelephony}; every one is optional. */
export interface FailoverTelephonyOptions {
  /**
   * The set's name (default `failover`): events it hands on carry it as their `provider`, and the
   * pipeline files the calls it places under it. Agents keep their `providerRefs` by member name.
   */
  name?: string
  /** Dial failures in a row that open a provider's circuit (default 5). */
  failureThreshold?: number
  /** How long an open circuit skips its provider before one trial dial may go (ms, default 30 s). */
  cooldownMs?: number
  /** How many dial attempts the set remembers the provider of (default 10,000; the oldest go first). */
  rememberAttempts?: number
  /** The clock, in ms since epoch (default `Date.now`). */
  now?: () => number
  /** Called when a provider's circuit changes state (opens, half-opens, closes). */
  onStateChange?: (health: TelephonyProviderHealth, previous: CircuitState) => void
}

/** Turns one provider's webhook request into call events, see {@link FailoverTelephony.webhooks}. */
export type FailoverWebhookParser = (request: Request) => Promise<CallEvent[]>

/**
 * A set of telephony providers tried in order, each behind a circuit breaker; itself a
 * {@link TelephonyProviderV1}. See {@link failoverTelephony}.
 */
export interface FailoverTelephony extends TelephonyProviderV1 {
  /** The members, primary first. */
  readonly providers: readonly TelephonyProviderV1[]
  /**
   * One webhook parser per member that parses webhooks, keyed by the member's name: pass it as
   * `createHttpHandler(app, { webhooks: telephony.webhooks })` so that `POST /webhooks/<name>`
   * reaches that member and its events come out under the set's name.
   */
  readonly webhooks: Readonly<Record<string, FailoverWebhookParser>>
  /** Each member's circuit: state, failures in a row, last error code and time. */
  health(): TelephonyProviderHealth[]
  /**
   * The name of the member that placed (or may have placed) a dial attempt or a call, by attempt
   * id or by the call id the set returned; `undefined` when the set does not know it.
   */
  placedBy(attemptIdOrCallId: string): string | undefined
  /** Hangs up through the member that placed the call (named by the call id's prefix). */
  hangup(providerCallId: string, options?: ProviderCallOptions): Promise<void>
  /** Dispatches to a member (by the request's path, or by which one verifies it) and relabels its events. */
  parseWebhook(request: Request, options?: WebhookOptions): Promise<CallEvent[]>
  /** Dispatches the check to a member, as {@link FailoverTelephony.parseWebhook} does. */
  verifyWebhook(request: Request, options?: WebhookOptions): Promise<void>
  /** Closes every member. */
  close(): Promise<void>
}

/** Codes that answer about the agent or the input: passed through, never failed over, never counted. */
const PASS_THROUGH: ReadonlySet<LeadCallErrorCode> = new Set<LeadCallErrorCode>([
  'AGENT_NOT_AVAILABLE',
  'AGENT_BUSY',
  'VALIDATION_FAILED',
  'MISSING_PHONE',
  'INVALID_PHONE',
  'DNC_BLOCKED',
  'OUTSIDE_CALLING_HOURS',
  'DUPLICATE_LEAD',
  'NO_AGENTS_AVAILABLE',
])

const MODE_CAPABILITY = {
  agent_first: 'agentFirstDial',
  lead_first: 'leadFirstDial',
  campaign: 'campaignMode',
} as const satisfies Record<NonNullable<DialRequest['mode']>, TelephonyCapability>

const isTelephony = (value: unknown): value is TelephonyProviderV1 =>
  typeof value === 'object' &&
  value !== null &&
  (value as { specificationVersion?: unknown }).specificationVersion === 'v1' &&
  typeof (value as { dial?: unknown }).dial === 'function' &&
  typeof (value as { name?: unknown }).name === 'string'

/** One member and its circuit. */
interface Member {
  provider: TelephonyProviderV1
  name: string
  /** `closed`, or `open` since `openedAt` (half-open once the cool-down passed). */
  tripped: boolean
  openedAt: number
  failures: number
  /** A half-open trial dial is in flight. */
  trial: boolean
  lastErrorCode: LeadCallErrorCode | undefined
  lastErrorAt: number | undefined
  /** The state last reported to `onStateChange`. */
  reported: CircuitState
}

function invalidOptions(message: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', {
    message: `Invalid failover telephony options: ${message}`,
    retryable: false,
  })
}

function checkInteger(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min) throw invalidOptions(`${name} must be an integer ≥ ${min}`)
  return value
}

/** The capabilities a dial request needs. */
function needs(request: DialRequest): TelephonyCapability[] {
  const list: TelephonyCapability[] = []
  if (request.mode !== undefined) list.push(MODE_CAPABILITY[request.mode])
  if (request.record) list.push('recording')
  if (request.machineDetection) list.push('machineDetection')
  return list
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Composes telephony providers into one that fails over: dials go to the first member whose
 * circuit admits them, in order, and move to the next only when the provider provably placed no
 * call. It implements {@link TelephonyProviderV1}, so `createLeadCall({ telephony: [primary,
 * secondary] })` (which wraps the array with this) or `createLeadCall({ telephony:
 * failoverTelephony([primary, secondary], options) })` work alike.
 *
 * A dial's error decides what happens next:
 *
 * - `CALL_FAILED`, `RATE_LIMITED` (and any other refusal, or an error that is not a
 *   `LeadCallError`, such as a network error before the request went out): the member placed no
 *   call; the failure is counted and the next member is tried;
 * - `AGENT_NOT_AVAILABLE`, `AGENT_BUSY`, `VALIDATION_FAILED` (and the other codes about the agent,
 *   the lead or the input): an answer, not a provider failure; thrown as is, not counted, no
 *   failover;
 * - `PROVIDER_TIMEOUT`: the request was sent and the answer lost, so the call may exist. It is
 *   counted, and never dialed again elsewhere blindly: when the member implements `lookupCall`, the
 *   set asks it: `placed` resolves the dial with that call, `not_placed` fails over, `unknown` (or
 *   no `lookupCall`) rethrows the `PROVIDER_TIMEOUT`, which the pipeline settles with its no-answer
 *   timeout;
 * - the caller's abort: rethrown, not counted.
 *
 * Each member has a circuit breaker: `failureThreshold` failures in a row open it and the member
 * is skipped; after `cooldownMs` it is half-open and one trial dial goes to it (others skip it
 * meanwhile); the trial's success closes it, its failure opens it again. When every eligible
 * member is skipped, `dial` rejects with `CALL_FAILED` (`details.providers`: their health), which
 * the pipeline retries later.
 *
 * Call ids the set returns and the events it hands on are qualified: `providerCallId` is
 * `<member name>:<member's call id>` (so `hangup` reaches the member that placed the call, even
 * after a restart) and `provider` is the set's name. Route webhooks through the set —
 * `webhooks: telephony.webhooks` of `createHttpHandler`, or `parseWebhook`, which picks the member
 * named by a path segment of the request (`/webhooks/twilio`), else the only member that parses
 * webhooks, else the one whose `verifyWebhook` accepts the request.
 *
 * Capabilities are what the set can do: a dial mode, `recording`, `machineDetection`,
 * `contactSync` and `hangup` when some member declares them (a dial that asks for one goes only to
 * members declaring it); `idempotentDial` when every member declares it; `signedWebhooks` when
 * every member that parses webhooks declares it; `presence` never (each member's agent ids differ:
 * poll the members' `listAgentPresence` yourself). `connect(sink)` connects every member.
 *
 * @example
 * ```ts
 * import { createHttpHandler, createLeadCall, failoverTelephony } from '@leadcall/core'
 *
 * const telephony = failoverTelephony([twilio({ ... }), cloudtalk({ ... })], { cooldownMs: 60_000 })
 * const app = createLeadCall({ telephony })
 * const handler = createHttpHandler(app, { webhooks: telephony.webhooks })
 * telephony.health() // [{ name: 'twilio', state: 'closed', consecutiveFailures: 0 }, …]
 * ```
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for no providers, a value that is not a provider,
 * two members with the same name, or an invalid option.
 */
export function failoverTelephony(
  providers: readonly TelephonyProviderV1[],
  options: FailoverTelephonyOptions = {},
): FailoverTelephony {
  if (!Array.isArray(providers) || providers.length === 0) throw invalidOptions('give at least one provider')
  providers.forEach((provider, index) => {
    if (!isTelephony(provider)) throw invalidOptions(`providers[${index}] is not a TelephonyProviderV1`)
  })
  const names = providers.map((provider) => provider.name)
  const duplicate = names.find((name, index) => names.indexOf(name) !== index)
  if (duplicate !== undefined) throw invalidOptions(`two providers are named "${duplicate}"`)
  const name = options.name ?? 'failover'
  if (typeof name !== 'string' || name.length === 0 || name.length > 100)
    throw invalidOptions('name must be 1 to 100 characters')
  const threshold = checkInteger(options.failureThreshold, DEFAULT_FAILURE_THRESHOLD, 'failureThreshold', 1)
  const cooldownMs = checkInteger(options.cooldownMs, DEFAULT_COOLDOWN_MS, 'cooldownMs', 0)
  const rememberLimit = checkInteger(options.rememberAttempts, 10_000, 'rememberAttempts', 1)
  const now = options.now ?? (() => Date.now())

  const members: Member[] = providers.map((provider) => ({
    provider,
    name: provider.name,
    tripped: false,
    openedAt: 0,
    failures: 0,
    trial: false,
    lastErrorCode: undefined,
    lastErrorAt: undefined,
    reported: 'closed',
  }))
  const byName = new Map(members.map((member) => [member.name, member]))
  /** Attempt id → the member that placed (or may have placed) it, oldest first. */
  const placed = new Map<string, Member>()

  // ------------------------------------------------------------------ the circuit breaker

  function stateOf(member: Member, at: number): CircuitState {
    if (!member.tripped) return 'closed'
    return at >= member.openedAt + cooldownMs ? 'half-open' : 'open'
  }

  function healthOf(member: Member, at: number): TelephonyProviderHealth {
    const state = stateOf(member, at)
    const health: TelephonyProviderHealth = {
      name: member.name,
      state,
      consecutiveFailures: member.failures,
    }
    if (member.lastErrorCode !== undefined) health.lastErrorCode = member.lastErrorCode
    if (member.lastErrorAt !== undefined) health.lastErrorAt = new Date(member.lastErrorAt).toISOString()
    if (member.tripped) health.openedAt = new Date(member.openedAt).toISOString()
    if (state === 'open') health.retryAt = new Date(member.openedAt + cooldownMs).toISOString()
    return health
  }

  /** Tells `onStateChange` when the member's state differs from the one last told. */
  function report(member: Member): void {
    const at = now()
    const state = stateOf(member, at)
    if (state === member.reported) return
    const previous = member.reported
    member.reported = state
    try {
      options.onStateChange?.(healthOf(member, at), previous)
    } catch {
      // A listener's error must not change a dial's outcome.
    }
  }

  /** Whether a dial may go to the member now; a half-open member takes one trial at a time. */
  function admit(member: Member): boolean {
    const state = stateOf(member, now())
    if (state === 'closed') return true
    if (state === 'open' || member.trial) return false
    member.trial = true
    report(member)
    return true
  }

  function succeeded(member: Member): void {
    member.tripped = false
    member.failures = 0
    member.trial = false
    report(member)
  }

  function failed(member: Member, code: LeadCallErrorCode): void {
    const at = now()
    member.failures++
    member.lastErrorCode = code
    member.lastErrorAt = at
    if (member.trial || (!member.tripped && member.failures >= threshold)) {
      member.tripped = true
      member.openedAt = at
    }
    member.trial = false
    report(member)
  }

  /** An answer that says nothing of the provider's health: a trial in flight ends undecided. */
  function neutral(member: Member): void {
    member.trial = false
  }

  // ------------------------------------------------------------------ which member placed what

  function remember(attemptId: string, member: Member): void {
    placed.delete(attemptId)
    placed.set(attemptId, member)
    while (placed.size > rememberLimit) {
      const oldest = placed.keys().next().value
      if (oldest === undefined) break
      placed.delete(oldest)
    }
  }

  /** `twilio:CA…` → the member `twilio` and `CA…` (the longest member name that prefixes it). */
  function splitCallId(callId: string): { member: Member; id: string } | undefined {
    let found: Member | undefined
    for (const member of members) {
      if (callId.startsWith(`${member.name}:`) && (!found || member.name.length > found.name.length))
        found = member
    }
    return found ? { member: found, id: callId.slice(found.name.length + 1) } : undefined
  }

  function qualifyId(member: Member, id: string): string {
    return `${member.name}:${id}`
  }

  function qualifyEvent(member: Member, event: CallEvent): CallEvent {
    const out: CallEvent = { ...event, provider: name }
    if (event.providerCallId !== undefined) out.providerCallId = qualifyId(member, event.providerCallId)
    if (event.attemptId !== undefined && !placed.has(event.attemptId)) remember(event.attemptId, member)
    return out
  }

  function qualifyResult(member: Member, result: DialResult): DialResult {
    return result.providerCallId === undefined
      ? result
      : { ...result, providerCallId: qualifyId(member, result.providerCallId) }
  }

  // ------------------------------------------------------------------ dial

  /** What to do with a member's dial error. */
  function classify(
    error: unknown,
    signal: AbortSignal | undefined,
  ): 'abort' | 'answer' | 'timeout' | 'refused' {
    if (signal?.aborted) return 'abort'
    if (!LeadCallError.isInstance(error)) return 'refused'
    if (error.code === 'PROVIDER_TIMEOUT') return 'timeout'
    return PASS_THROUGH.has(error.code) ? 'answer' : 'refused'
  }

  /** Asks the member what became of a timed-out attempt; `unknown` when it cannot tell. */
  async function reconcile(member: Member, attemptId: string, signal: AbortSignal | undefined) {
    if (!member.provider.lookupCall) return { status: 'unknown' } as const
    try {
      return await member.provider.lookupCall(attemptId, signal ? { signal } : undefined)
    } catch {
      return { status: 'unknown' } as const
    }
  }

  async function dial(request: DialRequest, callOptions?: ProviderCallOptions): Promise<DialResult> {
    const signal = callOptions?.signal
    signal?.throwIfAborted()
    const required = needs(request)
    const eligible = members.filter((member) =>
      required.every((flag) => member.provider.capabilities[flag] === true),
    )
    if (eligible.length === 0) {
      const missing = required.find((flag) => !members.some((m) => m.provider.capabilities[flag] === true))
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `No provider of the failover set supports ${missing ?? required.join(' and ')}`,
        details: { capability: missing ?? required[0] },
        retryable: false,
      })
    }
    const refusals: { provider: string; code: LeadCallErrorCode; message: string }[] = []
    let lastError: unknown
    for (const member of eligible) {
      if (!admit(member)) continue
      let outcome: DialResult
      try {
        outcome = await member.provider.dial(request, callOptions)
      } catch (error) {
        const kind = classify(error, signal)
        if (kind === 'abort' || kind === 'answer') {
          neutral(member)
          throw error
        }
        const code = LeadCallError.isInstance(error) ? error.code : 'CALL_FAILED'
        failed(member, code)
        if (kind === 'timeout') {
          // The call may exist: never placed again elsewhere unless the member proves it is not.
          remember(request.attemptId, member)
          const found: CallLookupResult = await reconcile(member, request.attemptId, signal)
          if (found.status === 'placed') {
            return found.providerCallId === undefined
              ? {}
              : { providerCallId: qualifyId(member, found.providerCallId) }
          }
          if (found.status === 'unknown') throw error
          placed.delete(request.attemptId)
        }
        refusals.push({ provider: member.name, code, message: messageOf(error) })
        lastError = error
        continue
      }
      succeeded(member)
      remember(request.attemptId, member)
      return qualifyResult(member, outcome)
    }
    if (refusals.length === 0) {
      const at = now()
      throw new LeadCallError('CALL_FAILED', {
        message: `No telephony provider can take the call: every circuit is open (${eligible.map((m) => m.name).join(', ')})`,
        details: { providers: eligible.map((member) => healthOf(member, at)) },
        retryable: true,
      })
    }
    if (refusals.length === 1) throw lastError
    const last = refusals[refusals.length - 1] as (typeof refusals)[number]
    throw new LeadCallError(last.code, {
      message: `No telephony provider placed the call: ${refusals.map((r) => `${r.provider}: ${r.message}`).join('; ')}`,
      details: { attempts: refusals.map(({ provider, code }) => ({ provider, code })) },
      cause: lastError,
    })
  }

  // ------------------------------------------------------------------ webhooks

  const parsers = members.filter((member) => typeof member.provider.parseWebhook === 'function')

  /** The member a webhook request is for: a path segment naming it, the only parser, or the verifier. */
  async function memberOf(request: Request, webhookOptions: WebhookOptions | undefined): Promise<Member> {
    const segments = new URL(webhookOptions?.url ?? request.url).pathname.split('/').map((segment) => {
      try {
        return decodeURIComponent(segment)
      } catch {
        return segment
      }
    })
    for (let i = segments.length - 1; i >= 0; i--) {
      const member = byName.get(segments[i] ?? '')
      if (member) return member
    }
    if (parsers.length === 1 && parsers[0]) return parsers[0]
    for (const member of parsers) {
      if (!member.provider.verifyWebhook || member.provider.capabilities.signedWebhooks !== true) continue
      try {
        await member.provider.verifyWebhook(request.clone(), webhookOptions)
        return member
      } catch {
        // Not this member's request (or forged): try the next.
      }
    }
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `The webhook request names no provider of the failover set (${names.join(', ')}) and none verifies it`,
    })
  }

  function noWebhooks(member: Member, what: string): LeadCallError {
    return new LeadCallError('VALIDATION_FAILED', {
      message: `Provider "${member.name}" of the failover set does not ${what}`,
      details: { capability: 'signedWebhooks' satisfies TelephonyCapability },
      retryable: false,
    })
  }

  async function parseWith(member: Member, request: Request, webhookOptions?: WebhookOptions) {
    if (!member.provider.parseWebhook) throw noWebhooks(member, 'parse webhooks')
    const events = await member.provider.parseWebhook(request, webhookOptions)
    return events.map((event) => qualifyEvent(member, event))
  }

  const webhooks: Record<string, FailoverWebhookParser> = {}
  for (const member of parsers) webhooks[member.name] = (request) => parseWith(member, request)

  // ------------------------------------------------------------------ capabilities

  const some = (flag: TelephonyCapability): boolean =>
    members.some((member) => member.provider.capabilities[flag] === true)
  const capabilities: TelephonyCapabilities = Object.freeze({
    agentFirstDial: some('agentFirstDial'),
    leadFirstDial: some('leadFirstDial'),
    contactSync: some('contactSync'),
    presence: false,
    hangup: some('hangup'),
    idempotentDial: members.every((member) => member.provider.capabilities.idempotentDial === true),
    campaignMode: some('campaignMode'),
    recording: some('recording'),
    machineDetection: some('machineDetection'),
    signedWebhooks:
      parsers.length > 0 && parsers.every((member) => member.provider.capabilities.signedWebhooks === true),
  })

  const set: FailoverTelephony = {
    specificationVersion: 'v1',
    name,
    capabilities,
    providers: Object.freeze([...providers]),
    webhooks: Object.freeze(webhooks),
    dial,

    async hangup(providerCallId: string, callOptions?: ProviderCallOptions): Promise<void> {
      callOptions?.signal?.throwIfAborted()
      const split = splitCallId(providerCallId)
      if (!split) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: `A call id of the failover set starts with its provider's name (${names.map((n) => `${n}:`).join(', ')})`,
          details: { issues: [{ path: 'providerCallId', message: 'Unknown provider prefix' }] },
          retryable: false,
        })
      }
      const { member, id } = split
      if (!member.provider.hangup || member.provider.capabilities.hangup !== true) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: `Provider "${member.name}" of the failover set cannot hang up calls`,
          details: { capability: 'hangup' satisfies TelephonyCapability },
          retryable: false,
        })
      }
      await member.provider.hangup(id, callOptions)
    },

    async parseWebhook(request: Request, webhookOptions?: WebhookOptions): Promise<CallEvent[]> {
      return parseWith(await memberOf(request, webhookOptions), request, webhookOptions)
    },

    async verifyWebhook(request: Request, webhookOptions?: WebhookOptions): Promise<void> {
      const member = await memberOf(request, webhookOptions)
      if (!member.provider.verifyWebhook) throw noWebhooks(member, 'verify webhooks')
      await member.provider.verifyWebhook(request, webhookOptions)
    },

    health(): TelephonyProviderHealth[] {
      const at = now()
      return members.map((member) => {
        report(member)
        return healthOf(member, at)
      })
    },

    placedBy(attemptIdOrCallId: string): string | undefined {
      return placed.get(attemptIdOrCallId)?.name ?? splitCallId(attemptIdOrCallId)?.member.name
    },

    async close(): Promise<void> {
      const results = await Promise.allSettled(members.map((member) => member.provider.close?.()))
      const failure = results.find((result) => result.status === 'rejected')
      if (failure) throw failure.reason
    },
  }

  const syncers = members.filter(
    (member) => member.provider.capabilities.contactSync === true && member.provider.syncContact,
  )
  if (syncers.length > 0) {
    /** Syncs with the first member that syncs contacts and whose circuit is not open. */
    set.syncContact = (lead: Lead, callOptions?: ProviderCallOptions): Promise<ContactSyncResult> => {
      const at = now()
      const member = syncers.find((m) => stateOf(m, at) !== 'open') ?? (syncers[0] as Member)
      return (member.provider.syncContact as NonNullable<TelephonyProviderV1['syncContact']>)(
        lead,
        callOptions,
      )
    }
  }
  if (members.some((member) => member.provider.lookupCall)) {
    set.lookupCall = async (attemptId: string, callOptions?: ProviderCallOptions) => {
      const member = placed.get(attemptId)
      if (!member?.provider.lookupCall) return { status: 'unknown' }
      const found = await member.provider.lookupCall(attemptId, callOptions)
      return found.status === 'placed' && found.providerCallId !== undefined
        ? { status: 'placed', providerCallId: qualifyId(member, found.providerCallId) }
        : found
    }
  }
  if (members.some((member) => member.provider.connect)) {
    set.connect = (sink: CallEventSink): void => {
      for (const member of members) member.provider.connect?.((event) => sink(qualifyEvent(member, event)))
    }
  }
  return set
}
