/**
 * The Asterisk telephony provider: {@link asterisk}.
 *
 * @module
 */

import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import {
  type Agent,
  type AgentPresenceReport,
  type CallEvent,
  type CallEventSink,
  type CallEventType,
  type CallLookupResult,
  type ContactSyncResult,
  type DialRequest,
  type DialResult,
  type Lead,
  LeadCallError,
  type ProviderCallOptions,
  silentLogger,
  type TelephonyCapabilities,
  type TelephonyProviderV1,
  validationError,
} from '@leadcall/core/provider'
import { z } from 'zod'
import { type AriCredentials, basicAuthorization, createAriApi } from './ari-api.js'
import { createAriEventSocket } from './ari-event-socket.js'
import { callEndStatus, type HangupCauseOutcome, mapHangupCause } from './ari-hangup-cause.js'
import { endpointReports } from './ari-presence.js'
import { type AriEvent, AriEventSchema, ariTimestamp } from './ari-schemas.js'
import { type AsteriskOptions, resolveSettings } from './asterisk-options.js'

/** The Asterisk provider: a {@link TelephonyProviderV1} that holds the ARI events WebSocket itself. */
export interface AsteriskProvider extends TelephonyProviderV1 {
  /**
   * Ends a call: hangs up both legs (`DELETE /channels/{id}`, `reason=normal`) and destroys its
   * bridge. Legs or a bridge already gone are left alone; an id leadcall did not create is refused
   * with `VALIDATION_FAILED`.
   */
  hangup(providerCallId: string, options?: ProviderCallOptions): Promise<void>
  /** Refused: Asterisk has no contact store (`VALIDATION_FAILED`, `details.capability: 'contactSync'`). */
  syncContact(lead: Lead, options?: ProviderCallOptions): Promise<ContactSyncResult>
  /** The presence of every endpoint Asterisk knows (`GET /endpoints`), see the README's table. */
  listAgentPresence(options?: ProviderCallOptions): Promise<AgentPresenceReport[]>
  /**
   * What became of an attempt whose dial timed out: `placed` while one of its legs' channels exists
   * in ARI (any process can ask: the ids come from the attempt) or when this process saw the call's
   * events; otherwise `unknown` (an ended channel leaves no trace), never `not_placed`.
   */
  lookupCall(attemptId: string, options?: ProviderCallOptions): Promise<CallLookupResult>
  /** Sets where call events go (events seen before are delivered at once) and opens the events WebSocket. */
  connect(sink: CallEventSink): void
  /** True while the events WebSocket is open. */
  readonly connected: boolean
  /**
   * Stops for good: aborts requests in flight, closes the WebSocket, cancels every timer, and hangs
   * up the legs of calls whose lead has not answered yet (nobody would bridge them any more). Calls
   * already connected stay up in their bridge.
   */
  close(): Promise<void>
}

type Role = 'agent' | 'lead'

/** Whether a leg's originate was sent and accepted. */
type Originated = 'no' | 'pending' | 'unknown' | 'yes'

interface Leg {
  readonly role: Role
  readonly channelId: string
  originated: Originated
  /** Which frame first reported the leg up (answered). */
  up?: 'state' | 'stasis' | 'reconciled'
  /** StasisStart handled (bridging started). */
  stasis: boolean
  /** ChannelDestroyed seen (or the channel found gone). */
  ended: boolean
  /** The event types reported for the leg, for the reconciliation after a reconnect. */
  reported: Set<CallEventType>
}

interface TrackedCall {
  readonly id: string
  readonly attemptId: string
  readonly processId: string
  readonly agent: Leg
  readonly lead: Leg
  readonly leadDial: {
    endpoint: string
    callerId?: string
    ringSec: number
    variables: Record<string, string>
  }
  bridge: 'none' | 'creating' | 'created' | 'failed'
  bridgeCreation?: Promise<unknown>
  /** The leg that left first (its ending is the call's), or `leadcall` for a failure the adapter reported. */
  firstLeft?: Role | 'leadcall'
  tearingDown: boolean
  tornDown: boolean
  teardown?: Promise<void>
  /** Side effects of the call (bridging, dialing the lead, tear-down), one after the other. */
  work: Promise<void>
  forgotten: boolean
}

const ID_PREFIX = 'leadcall-'
const CALL_ID = /^leadcall-[A-Za-z0-9_.-]{1,48}$/
const SAFE_TOKEN = /^[A-Za-z0-9_.-]{1,48}$/
const ORPHAN = /^leadcall-[A-Za-z0-9_.-]{1,48}-(agent|lead)$/
const DIAL_STRING = /^[^\s&,'"<>|\\/]+\/[^\s&,'"<>|\\]+$/
const MAX_BUFFERED_EVENTS = 1000

const DialRequestCheck = z.object({
  attemptId: z.string().min(1).max(128),
  processId: z.string().min(1).max(128),
  timeoutMs: z.number().positive(),
  agent: z.object({ id: z.string().min(1) }),
  lead: z.object({
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'Expected an E.164 number'),
    fullName: z.string().optional(),
  }),
})

/**
 * The call id (the bridge's id, the `providerCallId`) of a dial attempt: `leadcall-<attemptId>`,
 * or `leadcall-` and a SHA-256 prefix of the attempt id when it is longer than 48 characters or has
 * characters other than letters, digits, `_`, `.`, `-`. The legs are `<callId>-agent` and
 * `<callId>-lead`. Deterministic, so a repeated dial of one attempt meets the existing channel
 * (ARI answers 409) instead of ringing a phone twice.
 *
 * @internal
 */
export function callIdOf(attemptId: string): string {
  const token = SAFE_TOKEN.test(attemptId)
    ? attemptId
    : createHash('sha256').update(attemptId).digest('hex').slice(0, 32)
  return `${ID_PREFIX}${token}`
}

/** The agent leg's channel id of a call. @internal */
export const agentChannelOf = (callId: string): string => `${callId}-agent`
/** The lead leg's channel id of a call. @internal */
export const leadChannelOf = (callId: string): string => `${callId}-lead`

function env(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name]
  return value === undefined || value === '' ? undefined : value
}

function unsupported(capability: keyof TelephonyCapabilities, what: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', {
    message: `The Asterisk adapter does not support ${what}`,
    details: { capability },
    retryable: false,
  })
}

function invalidDial(path: string, message: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', {
    message: `Invalid dial request: ${path}: ${message}`,
    details: { issues: [{ path, message }] },
    retryable: false,
  })
}

/** A caller-id name without the characters that would end its quoting. */
function callerName(name: string | undefined): string {
  return (name ?? '')
    .replace(/["<>\\\r\n\0]/g, '')
    .trim()
    .slice(0, 80)
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Creates the Asterisk telephony provider: it dials over the Asterisk REST Interface (ky) and
 * follows the calls over ARI's events WebSocket (`ws`), as a Stasis application.
 *
 * A dial creates a mixing bridge and originates the agent's leg into the application; when the
 * agent answers (`StasisStart`), the leg joins the bridge and the lead's leg is originated with
 * the agent's channel as `originator`; when the lead answers, it joins the bridge too. When either
 * leg leaves, the other is hung up and the bridge destroyed. Channel states and `ChannelDestroyed`
 * causes become {@link CallEvent}s (`party` `agent` or `lead`) for the sink given to `connect`
 * (`createLeadCall` connects it). After a dropped WebSocket the provider reconnects with backoff and
 * jitter, then compares its calls with `GET /channels` and `GET /bridges` and reports what ended
 * meanwhile.
 *
 * The URL and credentials come from the options, else from `ASTERISK_ARI_URL`,
 * `ASTERISK_ARI_USERNAME` and `ASTERISK_ARI_PASSWORD`; they are read when first needed, so a missing
 * one fails the first call with a `VALIDATION_FAILED` naming the option and the variable. They never
 * appear in errors.
 *
 * @example
 * ```ts
 * import { createLeadCall, memoryStorage } from '@leadcall/core'
 * import { asterisk } from '@leadcall/asterisk'
 *
 * const app = createLeadCall({
 *   storage: memoryStorage(),
 *   telephony: asterisk({
 *     url: 'http://pbx.internal:8088',
 *     username: 'leadcall',
 *     password: process.env.ASTERISK_ARI_PASSWORD,
 *     app: 'leadcall',
 *     endpoints: { agent: 'PJSIP/{ext}', lead: 'PJSIP/{number}@trunk' },
 *     callerId: '+14155550000',
 *   }),
 * })
 * await app.agents.upsert({ id: 'alice', name: 'Alice', status: 'available', providerRefs: { asterisk: '1001' } })
 * ```
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for invalid options (every problem listed).
 */
export function asterisk(options: AsteriskOptions): AsteriskProvider {
  const settings = resolveSettings(options)
  const { name, app, timeoutMs, agentTemplate, leadTemplate, agentPhoneTemplate } = settings
  const logger = settings.logger ?? silentLogger
  const closer = new AbortController()
  // Every request in flight listens to it (one listener each, removed when it ends): no limit.
  setMaxListeners(0, closer.signal)
  const calls = new Map<string, TrackedCall>()
  const channels = new Map<string, { call: TrackedCall; role: Role }>()
  let resolved: AriCredentials | undefined
  let sink: CallEventSink | undefined
  let buffered: CallEvent[] = []
  let delivering: Promise<void> = Promise.resolve()
  let closed = false

  function credentials(): AriCredentials {
    if (resolved) return resolved
    const url = settings.url ?? env('ASTERISK_ARI_URL')
    const username = settings.username ?? env('ASTERISK_ARI_USERNAME')
    const password = settings.password ?? env('ASTERISK_ARI_PASSWORD')
    const missing = [
      url === undefined ? 'url (ASTERISK_ARI_URL)' : undefined,
      username === undefined ? 'username (ASTERISK_ARI_USERNAME)' : undefined,
      password === undefined ? 'password (ASTERISK_ARI_PASSWORD)' : undefined,
    ].filter((item) => item !== undefined)
    if (url === undefined || username === undefined || password === undefined) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `Asterisk ARI needs ${missing.join(', ')}: pass the option or set the environment variable`,
        retryable: false,
      })
    }
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      parsed = new URL('invalid:')
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'The ARI url must be an http(s) URL, e.g. http://pbx.internal:8088',
        retryable: false,
      })
    }
    parsed.search = ''
    parsed.hash = ''
    parsed.username = ''
    parsed.password = ''
    const path = parsed.pathname.replace(/\/+$/, '')
    parsed.pathname = path.endsWith('/ari') ? path : `${path}/ari`
    resolved = { baseUrl: parsed.href.replace(/\/+$/, ''), username, password }
    return resolved
  }

  function secrets(): string[] {
    const list: string[] = []
    const password = settings.password ?? resolved?.password
    if (password) list.push(password)
    if (resolved) {
      list.push(`${resolved.username}:${resolved.password}`)
      list.push(Buffer.from(`${resolved.username}:${resolved.password}`).toString('base64'))
    }
    return list
  }

  const api = createAriApi({
    timeoutMs,
    retries: settings.retries,
    credentials,
    secrets,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  })

  const socket = createAriEventSocket({
    url: () => {
      const ws = new URL(`${credentials().baseUrl}/events`)
      ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:'
      ws.searchParams.set('app', app)
      ws.searchParams.set('subscribeAll', String(settings.subscribeAll))
      return ws.href
    },
    headers: () => ({ Authorization: basicAuthorization(credentials()) }),
    handshakeTimeoutMs: settings.connectTimeoutMs,
    keepAliveMs: settings.keepAliveMs,
    backoff: settings.reconnect,
    logger,
    onMessage,
    onOpen: ({ reconnected }) => {
      if (settings.onPresence && !settings.subscribeAll && agentTemplate.technology) {
        api.subscribe(app, `endpoint:${agentTemplate.technology}`, closer.signal).catch((error: unknown) => {
          if (!closed) logger.warn({ err: errorText(error) }, 'ARI: endpoint subscription failed')
        })
      }
      if (reconnected) {
        reconcile().catch((error: unknown) => {
          if (!closed) logger.warn({ err: errorText(error) }, 'ARI: reconciliation after reconnect failed')
        })
      }
    },
  })

  /** The caller's signal combined with the provider's own, which `close()` aborts. */
  function signalOf(options: ProviderCallOptions | undefined): AbortSignal {
    const own = options?.signal
    own?.throwIfAborted()
    if (closer.signal.aborted) throw closer.signal.reason
    return own ? AbortSignal.any([own, closer.signal]) : closer.signal
  }

  // ------------------------------------------------------------------ events out

  function deliver(event: CallEvent): void {
    if (closed) return
    const target = sink
    if (!target) {
      buffered.push(event)
      if (buffered.length > MAX_BUFFERED_EVENTS) buffered.shift()
      return
    }
    // One after the other, so a slow sink never sees a call's events out of order.
    delivering = delivering
      .then(() => target(event))
      .then(
        () => undefined,
        (error: unknown) => logger.error({ err: errorText(error) }, 'ARI: the call event sink threw'),
      )
  }

  function report(
    call: TrackedCall,
    leg: Leg,
    type: CallEventType,
    at: string,
    extra: Partial<CallEvent> = {},
  ): void {
    leg.reported.add(type)
    deliver({
      provider: name,
      type,
      providerCallId: call.id,
      attemptId: call.attemptId,
      processId: call.processId,
      party: leg.role,
      at,
      ...extra,
    })
  }

  /** How a leg's ending reads as the call's ending. */
  function endingOf(call: TrackedCall, role: Role, cause: number): HangupCauseOutcome {
    if (role === 'lead') return callEndStatus({ cause, answered: call.lead.up !== undefined })
    if (call.agent.up === undefined) return callEndStatus({ cause, answered: false })
    // The agent had answered: the call is over after a conversation, or before the lead answered.
    const { reason } = mapHangupCause(cause)
    return { status: call.lead.up === undefined ? 'canceled' : 'completed', reason }
  }

  /** The ending of a leg found gone after a reconnect, whose cause nobody told. */
  function missingEnding(call: TrackedCall, role: Role): CallEventType {
    const leg = role === 'agent' ? call.agent : call.lead
    if (leg.up === undefined) return 'failed'
    if (role === 'lead') return 'completed'
    return call.lead.up === undefined ? 'canceled' : 'completed'
  }

  // ------------------------------------------------------------------ call tracking

  function track(callId: string, request: DialRequest, leadEndpoint: string): TrackedCall {
    const leg = (role: Role, channelId: string): Leg => ({
      role,
      channelId,
      originated: 'no',
      stasis: false,
      ended: false,
      reported: new Set(),
    })
    const callerId = request.callerId ?? settings.callerId
    const call: TrackedCall = {
      id: callId,
      attemptId: request.attemptId,
      processId: request.processId,
      agent: leg('agent', agentChannelOf(callId)),
      lead: leg('lead', leadChannelOf(callId)),
      leadDial: {
        endpoint: leadEndpoint,
        ...(callerId === undefined ? {} : { callerId }),
        ringSec: Math.min(600, Math.max(1, Math.ceil(request.timeoutMs / 1000))),
        variables: {
          LEADCALL_ATTEMPT_ID: request.attemptId,
          LEADCALL_PROCESS_ID: request.processId,
          LEADCALL_ROLE: 'lead',
          LEADCALL_AGENT_ID: request.agent.id,
        },
      },
      bridge: 'none',
      tearingDown: false,
      tornDown: false,
      work: Promise.resolve(),
      forgotten: false,
    }
    calls.set(callId, call)
    channels.set(call.agent.channelId, { call, role: 'agent' })
    channels.set(call.lead.channelId, { call, role: 'lead' })
    return call
  }

  function forget(call: TrackedCall): void {
    call.forgotten = true
    if (calls.get(call.id) === call) calls.delete(call.id)
    for (const leg of [call.agent, call.lead])
      if (channels.get(leg.channelId)?.call === call) channels.delete(leg.channelId)
  }

  function maybeForget(call: TrackedCall): void {
    const done = (leg: Leg): boolean => leg.ended || leg.originated === 'no'
    if (call.tornDown && done(call.agent) && done(call.lead)) forget(call)
  }

  /** Runs a side effect of the call after the previous ones; the result is the effect's own. */
  function run<T>(call: TrackedCall, effect: () => Promise<T>): Promise<T> {
    const result = call.work.then(effect)
    call.work = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }

  function logFailure(what: string, call: TrackedCall) {
    return (error: unknown): void => {
      if (!closed) logger.warn({ callId: call.id, err: errorText(error) }, `ARI: ${what} failed`)
    }
  }

  /** Ends the call as failed (when nothing ended it yet) and tears it down. */
  function fail(call: TrackedCall, leg: Leg, reason: string, error?: unknown): void {
    if (closed) return
    logger.warn({ callId: call.id, party: leg.role, reason, err: errorText(error) }, 'ARI: call failed')
    if (call.firstLeft === undefined) {
      call.firstLeft = 'leadcall'
      report(call, leg, 'failed', new Date().toISOString(), {
        hangupCause: reason,
        ...(error === undefined ? {} : { raw: { error: errorText(error) } }),
      })
    }
    teardown(call).catch(logFailure('tear-down', call))
  }

  /** Hangs up the legs still up and destroys the bridge, once (again only after a failed attempt). */
  function teardown(call: TrackedCall): Promise<void> {
    if (call.tearingDown && call.teardown) return call.teardown
    call.tearingDown = true
    call.teardown = run(call, async () => {
      const errors: unknown[] = []
      const legs = [call.lead, call.agent].filter(
        (leg) => !leg.ended && (leg.originated === 'yes' || leg.originated === 'unknown'),
      )
      await Promise.all(
        legs.map(async (leg) => {
          try {
            if ((await api.hangup(leg.channelId, closer.signal)) === 'not_found') leg.ended = true
          } catch (error) {
            errors.push(error)
          }
        }),
      )
      if (call.bridge !== 'none') {
        try {
          await api.destroyBridge(call.id, closer.signal)
        } catch (error) {
          errors.push(error)
        }
      }
      if (errors.length > 0) {
        // Let a later trigger (a frame, a hang-up) try again.
        call.tearingDown = false
        throw errors[0]
      }
      call.tornDown = true
      maybeForget(call)
    })
    return call.teardown
  }

  async function ensureBridge(call: TrackedCall): Promise<boolean> {
    if (call.bridge === 'created') return true
    if (call.bridge === 'creating' && call.bridgeCreation) {
      try {
        await call.bridgeCreation
        return true
      } catch {
        // Created again below.
      }
    }
    try {
      call.bridge = 'creating'
      await api.createBridge(call.id, call.id, closer.signal)
      call.bridge = 'created'
      return true
    } catch (error) {
      call.bridge = 'failed'
      logFailure('bridge creation', call)(error)
      return false
    }
  }

  function onAgentAnswered(call: TrackedCall): void {
    run(call, async () => {
      if (call.tearingDown || closed) return
      const adding = ensureBridge(call).then((ok) => {
        if (!ok) throw new Error('the bridge could not be created')
        return api.addChannel(call.id, call.agent.channelId, closer.signal)
      })
      const dialing = originateLead(call)
      const [added, dialed] = await Promise.allSettled([adding, dialing])
      if (closed) return
      if (added.status === 'rejected') {
        fail(call, call.agent, 'bridge_failed', added.reason)
        return
      }
      if (dialed.status === 'rejected') {
        const error = dialed.reason
        if (LeadCallError.isInstance(error) && error.code === 'PROVIDER_TIMEOUT') {
          // The lead's phone may ring: its events (or a reconnect's reconciliation) tell.
          logFailure('originating the lead', call)(error)
          return
        }
        fail(call, call.lead, 'originate_failed', error)
      }
    }).catch(logFailure('connecting the agent', call))
  }

  async function originateLead(call: TrackedCall): Promise<void> {
    const leg = call.lead
    if (leg.originated !== 'no') return
    leg.originated = 'pending'
    try {
      await api.originate(
        'originate lead leg',
        leg.channelId,
        {
          endpoint: call.leadDial.endpoint,
          app,
          appArgs: `leadcall,lead,${call.id}`,
          ...(call.leadDial.callerId === undefined ? {} : { callerId: call.leadDial.callerId }),
          timeout: call.leadDial.ringSec,
          originator: call.agent.channelId,
        },
        call.leadDial.variables,
        closer.signal,
      )
      leg.originated = 'yes'
    } catch (error) {
      leg.originated = LeadCallError.isInstance(error) && error.code === 'PROVIDER_TIMEOUT' ? 'unknown' : 'no'
      throw error
    }
  }

  function onLeadAnswered(call: TrackedCall): void {
    run(call, async () => {
      if (call.tearingDown || closed) return
      if (!(await ensureBridge(call))) {
        fail(call, call.lead, 'bridge_failed')
        return
      }
      try {
        await api.addChannel(call.id, call.lead.channelId, closer.signal)
      } catch (error) {
        fail(call, call.lead, 'bridge_failed', error)
      }
    }).catch(logFailure('connecting the lead', call))
  }

  // ------------------------------------------------------------------ events in

  function onMessage(text: string): void {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      logger.warn({ frame: text.slice(0, 200) }, 'ARI: a WebSocket frame is not JSON')
      return
    }
    const parsed = AriEventSchema.safeParse(json)
    if (!parsed.success) {
      logger.warn({ frame: text.slice(0, 200) }, 'ARI: a WebSocket frame is not an ARI event')
      return
    }
    try {
      onEvent(parsed.data)
    } catch (error) {
      logger.error({ err: errorText(error), type: parsed.data.type }, 'ARI: handling an event failed')
    }
  }

  function onEvent(event: AriEvent): void {
    if (closed) return
    if (event.type === 'EndpointStateChange') {
      if (event.endpoint && settings.onPresence) {
        try {
          settings.onPresence(endpointReports(event.endpoint, agentTemplate))
        } catch (error) {
          logger.error({ err: errorText(error) }, 'ARI: onPresence threw')
        }
      }
      return
    }
    if (event.type === 'ApplicationReplaced') {
      logger.error(
        { app },
        'ARI: another connection took over the Stasis application; give each process its own app name',
      )
      return
    }
    if (event.type === 'BridgeDestroyed') {
      const call = event.bridge ? calls.get(event.bridge.id) : undefined
      if (call && !call.tearingDown) teardown(call).catch(logFailure('tear-down', call))
      return
    }
    const channel = event.channel
    if (!channel) return
    const ref = channels.get(channel.id)
    if (!ref) {
      // A leg of leadcall's entering this app that no call knows: a restart lost it. (With
      // subscribeAll the app also sees other apps' channels: leave those alone.)
      if (
        event.type === 'StasisStart' &&
        !settings.subscribeAll &&
        event.args?.[0] === 'leadcall' &&
        ORPHAN.test(channel.id)
      )
        orphan(channel.id)
      return
    }
    const { call, role } = ref
    const leg = role === 'agent' ? call.agent : call.lead
    if (leg.originated === 'no' || leg.originated === 'pending') leg.originated = 'yes'
    const at = ariTimestamp(event.timestamp) ?? new Date().toISOString()
    const raw = { ari: event }
    switch (event.type) {
      case 'ChannelCreated':
        report(call, leg, 'initiated', at, { raw })
        return
      case 'ChannelStateChange': {
        const state = channel.state
        if (state === 'Ring' || state === 'Ringing') report(call, leg, 'ringing', at, { raw })
        else if (state === 'Up') {
          leg.up ??= 'state'
          // The agent answering gives no event of its own: the lead's leg ringing reports it.
          if (role === 'lead' && leg.up === 'state') report(call, leg, 'answered', at, { raw })
        }
        return
      }
      case 'StasisStart':
        leg.up ??= 'stasis'
        if (role === 'lead' && leg.up === 'stasis') report(call, leg, 'answered', at, { raw })
        if (!leg.stasis) {
          leg.stasis = true
          if (role === 'agent') onAgentAnswered(call)
          else onLeadAnswered(call)
        }
        return
      case 'StasisEnd':
        call.firstLeft ??= role
        teardown(call).catch(logFailure('tear-down', call))
        return
      case 'ChannelDestroyed': {
        leg.ended = true
        call.firstLeft ??= role
        if (call.firstLeft === role) {
          const { status, reason } = endingOf(call, role, event.cause ?? -1)
          const sipCode = event.tech_cause
          report(call, leg, status, at, {
            hangupCause: reason,
            ...(sipCode !== undefined && sipCode >= 100 && sipCode <= 699 ? { sipCode } : {}),
            raw,
          })
        }
        if (call.tornDown) maybeForget(call)
        else teardown(call).catch(logFailure('tear-down', call))
        return
      }
      default:
        return
    }
  }

  /** Hangs up a leg of leadcall's that no call knows any more. */
  function orphan(channelId: string): void {
    logger.warn({ channelId }, 'ARI: hanging up a leadcall channel no call knows')
    api.hangup(channelId, closer.signal).catch((error: unknown) => {
      if (!closed) logger.warn({ channelId, err: errorText(error) }, 'ARI: hanging up an orphan failed')
    })
  }

  /** After a reconnect: what ended, rang or answered while the socket was down. */
  async function reconcile(): Promise<void> {
    const live = [...calls.values()]
    if (live.length === 0) return
    const [now, bridges] = await Promise.all([
      api.listChannels(closer.signal),
      api.listBridges(closer.signal),
    ])
    if (closed) return
    const byId = new Map(now.map((channel) => [channel.id, channel]))
    const bridgeIds = new Set(bridges.map((bridge) => bridge.id))
    const at = new Date().toISOString()
    for (const call of live) {
      if (call.forgotten) continue
      for (const leg of [call.agent, call.lead]) {
        if (leg.ended || leg.originated === 'no' || leg.originated === 'pending') continue
        const snapshot = byId.get(leg.channelId)
        if (!snapshot) {
          leg.ended = true
          if (call.firstLeft === undefined) {
            call.firstLeft = leg.role
            report(call, leg, missingEnding(call, leg.role), at, {
              hangupCause: 'ended_while_disconnected',
              raw: { reconciled: true },
            })
          }
          continue
        }
        leg.originated = 'yes'
        const raw = { reconciled: true, channel: snapshot }
        if (
          (snapshot.state === 'Ring' || snapshot.state === 'Ringing') &&
          !leg.reported.has('ringing') &&
          !leg.reported.has('answered')
        ) {
          report(call, leg, 'ringing', at, { raw })
        }
        if (snapshot.state === 'Up') {
          leg.up ??= 'reconciled'
          if (leg.role === 'lead' && !leg.reported.has('answered')) report(call, leg, 'answered', at, { raw })
          if (!leg.stasis) {
            leg.stasis = true
            if (leg.role === 'agent') onAgentAnswered(call)
            else onLeadAnswered(call)
          }
        }
      }
      const anyEnded = call.agent.ended || call.lead.ended
      const bridgeGone = call.bridge === 'created' && !bridgeIds.has(call.id)
      if ((anyEnded || bridgeGone) && !call.tornDown) teardown(call).catch(logFailure('tear-down', call))
      else maybeForget(call)
    }
  }

  // ------------------------------------------------------------------ dialing

  function agentEndpointOf(agent: Agent): string {
    const ref = agent.providerRefs?.[name]
    if (ref !== undefined) {
      if (ref.includes('/')) {
        if (!DIAL_STRING.test(ref))
          throw invalidDial(`agent.providerRefs.${name}`, 'not a usable dial string, e.g. PJSIP/1001')
        return ref
      }
      try {
        return agentTemplate.expand({ ext: ref })
      } catch (error) {
        throw invalidDial(`agent.providerRefs.${name}`, errorText(error))
      }
    }
    if (agent.phone) {
      try {
        return agentPhoneTemplate.expand({ number: agent.phone, digits: agent.phone.replace(/^\+/, '') })
      } catch (error) {
        throw invalidDial('agent.phone', errorText(error))
      }
    }
    throw invalidDial(`agent.providerRefs.${name}`, `Required: the agent has neither it nor a phone to call`)
  }

  function agentCallerIdOf(lead: Lead): string | undefined {
    const template = settings.agentCallerId
    const leadName = callerName(lead.fullName)
    if (template === undefined) return leadName ? `"${leadName}" <${lead.phone}>` : lead.phone
    if (template === '') return undefined
    return template
      .replaceAll('{name}', leadName)
      .replaceAll('{number}', lead.phone)
      .replaceAll('{digits}', lead.phone.replace(/^\+/, ''))
  }

  async function checkAgentEndpoint(endpoint: string, signal: AbortSignal): Promise<void> {
    const slash = endpoint.indexOf('/')
    const technology = endpoint.slice(0, slash)
    const resource = endpoint.slice(slash + 1)
    // Only plain Technology/resource endpoints have an ARI endpoint to read (not PJSIP/x@y, Local/…).
    if (!technology || !resource || /[@/]/.test(resource) || technology === 'Local') return
    const found = await api.getEndpoint(technology, resource, signal)
    if (found.state !== 'online') {
      throw new LeadCallError('AGENT_NOT_AVAILABLE', {
        message: `The agent's endpoint ${endpoint} is ${found.state ?? 'in an unknown state'} in Asterisk`,
        details: { endpoint, state: found.state ?? null },
      })
    }
    if ((found.channel_ids?.length ?? 0) > 0) {
      throw new LeadCallError('AGENT_BUSY', {
        message: `The agent's endpoint ${endpoint} is already on a call`,
        details: { endpoint, channels: found.channel_ids?.length },
      })
    }
  }

  const capabilities: TelephonyCapabilities = Object.freeze({
    agentFirstDial: true,
    leadFirstDial: false,
    contactSync: false,
    presence: true,
    hangup: true,
    idempotentDial: false,
    campaignMode: false,
    recording: false,
    machineDetection: false,
    signedWebhooks: false,
  })

  const provider: AsteriskProvider = {
    specificationVersion: 'v1',
    name,
    capabilities,

    get connected() {
      return socket.connected
    },

    async dial(request: DialRequest, options?: ProviderCallOptions): Promise<DialResult> {
      const signal = signalOf(options)
      const mode = request.mode ?? 'agent_first'
      if (mode === 'lead_first') throw unsupported('leadFirstDial', 'lead-first dials')
      if (mode === 'campaign') throw unsupported('campaignMode', 'campaign mode (Asterisk has no campaigns)')
      if (request.record) throw unsupported('recording', 'call recording')
      if (request.machineDetection) throw unsupported('machineDetection', 'answering machine detection')
      const checked = DialRequestCheck.safeParse(request)
      if (!checked.success) throw validationError('dial request', checked.error)
      const agentEndpoint = agentEndpointOf(request.agent)
      let leadEndpoint: string
      try {
        leadEndpoint = leadTemplate.expand({
          number: request.lead.phone,
          digits: request.lead.phone.replace(/^\+/, ''),
        })
      } catch (error) {
        throw invalidDial('lead.phone', errorText(error))
      }
      const callId = callIdOf(request.attemptId)
      const existing = calls.get(callId)
      // The same attempt again: its call is already placed, never a second one.
      if (existing && !existing.tearingDown) return { providerCallId: callId }

      await socket.ready(signal, settings.connectTimeoutMs)
      if (settings.checkAgentEndpoint) await checkAgentEndpoint(agentEndpoint, signal)

      const call = track(callId, request, leadEndpoint)
      call.agent.originated = 'pending'
      call.bridge = 'creating'
      const bridging = api.createBridge(callId, callId, signal).then(
        (bridge) => {
          call.bridge = 'created'
          return bridge
        },
        (error: unknown) => {
          call.bridge = 'failed'
          throw error
        },
      )
      call.bridgeCreation = bridging
      const callerId = agentCallerIdOf(request.lead)
      const originating = api.originate(
        'originate agent leg',
        call.agent.channelId,
        {
          endpoint: agentEndpoint,
          app,
          appArgs: `leadcall,agent,${callId}`,
          ...(callerId === undefined ? {} : { callerId }),
          timeout: settings.agentRingTimeoutSec,
        },
        {
          LEADCALL_ATTEMPT_ID: request.attemptId,
          LEADCALL_PROCESS_ID: request.processId,
          LEADCALL_ROLE: 'agent',
          LEADCALL_LEAD_NUMBER: request.lead.phone,
        },
        signal,
      )
      const [bridged, originated] = await Promise.allSettled([bridging, originating])
      if (originated.status === 'rejected') {
        const error = originated.reason
        const unknown =
          signal.aborted || (LeadCallError.isInstance(error) && error.code === 'PROVIDER_TIMEOUT')
        if (unknown) {
          // The phone may ring: keep the call, so its events (or a reconciliation) settle it.
          call.agent.originated = 'unknown'
          throw error
        }
        call.agent.originated = 'no'
        forget(call)
        if (bridged.status === 'fulfilled') {
          api.destroyBridge(callId, closer.signal).catch(logFailure('destroying an unused bridge', call))
        }
        throw error
      }
      if (call.agent.originated === 'pending') call.agent.originated = 'yes'
      if (bridged.status === 'rejected') {
        // Created again when the agent answers.
        logFailure('bridge creation', call)(bridged.reason)
      }
      if (call.tearingDown) {
        // Hung up while the originate was in flight: hang up what it created.
        run(call, () => api.hangup(call.agent.channelId, closer.signal)).catch(logFailure('hang-up', call))
      }
      const channel = originated.value
      return { providerCallId: callId, raw: channel === 'conflict' ? { conflict: true } : channel }
    },

    async hangup(providerCallId: string, options?: ProviderCallOptions): Promise<void> {
      const signal = signalOf(options)
      if (!CALL_ID.test(providerCallId)) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'Not a call id of the Asterisk adapter (leadcall-…)',
          details: { issues: [{ path: 'providerCallId', message: 'Expected leadcall-<attempt>' }] },
          retryable: false,
        })
      }
      const call = calls.get(providerCallId)
      if (call) {
        await abortable(teardown(call), signal)
        return
      }
      // Not tracked here (another process, or a restart): the ids are deterministic.
      await Promise.all([
        api.hangup(leadChannelOf(providerCallId), signal),
        api.hangup(agentChannelOf(providerCallId), signal),
      ])
      await api.destroyBridge(providerCallId, signal)
    },

    async syncContact(_lead: Lead, options?: ProviderCallOptions): Promise<ContactSyncResult> {
      options?.signal?.throwIfAborted()
      throw unsupported('contactSync', 'contact sync (Asterisk has no contact store)')
    },

    async listAgentPresence(options?: ProviderCallOptions): Promise<AgentPresenceReport[]> {
      const signal = signalOf(options)
      const endpoints = await api.listEndpoints(signal)
      const reports = new Map<string, AgentPresenceReport>()
      for (const endpoint of endpoints) {
        for (const report of endpointReports(endpoint, agentTemplate))
          if (!reports.has(report.providerAgentId)) reports.set(report.providerAgentId, report)
      }
      return [...reports.values()]
    },

    async lookupCall(attemptId: string, options?: ProviderCallOptions): Promise<CallLookupResult> {
      const signal = signalOf(options)
      if (typeof attemptId !== 'string' || attemptId.length === 0) throw invalidDial('attemptId', 'Required')
      const callId = callIdOf(attemptId)
      const tracked = calls.get(callId)
      const seen = (leg: Leg) => leg.originated === 'yes' || leg.stasis || leg.reported.size > 0
      if (tracked && (seen(tracked.agent) || seen(tracked.lead))) {
        return { status: 'placed', providerCallId: callId }
      }
      const [agent, lead] = await Promise.all([
        api.getChannel(agentChannelOf(callId), signal),
        api.getChannel(leadChannelOf(callId), signal),
      ])
      if (agent === 'not_found' && lead === 'not_found') return { status: 'unknown' }
      if (tracked?.agent.originated === 'unknown' && agent !== 'not_found') tracked.agent.originated = 'yes'
      return { status: 'placed', providerCallId: callId }
    },

    connect(next: CallEventSink): void {
      if (closed) return
      sink = next
      const pending = buffered
      buffered = []
      for (const event of pending) deliver(event)
      socket.start()
    },

    async close(): Promise<void> {
      if (closed) return
      closed = true
      closer.abort(
        new LeadCallError('CALL_FAILED', { message: 'The Asterisk provider is closed', retryable: false }),
      )
      await socket.close()
      // Calls still being set up would ring or wait forever: nobody bridges them any more.
      const unfinished = [...calls.values()].filter((call) => !call.tornDown && call.lead.up === undefined)
      await Promise.allSettled(
        unfinished.map(async (call) => {
          const signal = AbortSignal.timeout(timeoutMs)
          const legs = [call.lead, call.agent].filter((leg) => !leg.ended && leg.originated !== 'no')
          await Promise.allSettled(legs.map((leg) => api.hangup(leg.channelId, signal)))
          if (call.bridge !== 'none') await api.destroyBridge(call.id, signal)
        }),
      )
      calls.clear()
      channels.clear()
      buffered = []
      sink = undefined
    },
  }
  return provider
}

/** Awaits `promise`, rejecting early with the signal's reason when it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
