/**
 * The Twilio telephony provider: {@link twilio}.
 *
 * @module
 */

import { Buffer } from 'node:buffer'
import { setMaxListeners } from 'node:events'
import {
  type CallEvent,
  type DialRequest,
  type DialResult,
  LeadCallError,
  type ProviderCallOptions,
  type TelephonyCapabilities,
  type TelephonyProviderV1,
  type ValidationIssue,
  validationError,
  type WebhookOptions,
} from '@leadcall/core/provider'
import { createTwilioApi, type ResolvedCredentials } from './twilio-api.js'
import {
  boolean,
  checkFields,
  type Field,
  func,
  httpUrl,
  matching,
  numberIn,
  oneOf,
  optional,
  text,
} from './twilio-checks.js'
import { createRateLimiter } from './twilio-rate-limiter.js'
import type { TwilioCallStatus } from './twilio-schemas.js'
import { ACCOUNT_SID, CALL_SID } from './twilio-sids.js'
import {
  candidateUrls,
  mapAnsweredBy,
  parseTwilioStatusCallback,
  QUERY,
  verifyTwilioRequest,
} from './twilio-webhook.js'
import { parseTwilioWhatsAppMessage, type TwilioWhatsAppMessage } from './twilio-whatsapp.js'
import { type NumberAttributes, type TwimlDial, type TwimlResponse, twiml } from './twiml.js'

/** Credentials of an account's Auth Token (also used to verify webhook signatures). */
export interface TwilioAuthTokenCredentials {
  /** The Account SID (`AC…`). Default: `TWILIO_ACCOUNT_SID`. */
  accountSid?: string
  /** The account's Auth Token. Default: `TWILIO_AUTH_TOKEN`. */
  authToken?: string
  /** Not used with an Auth Token. */
  apiKey?: undefined
  /** Not used with an Auth Token. */
  apiSecret?: undefined
}

/**
 * Credentials of an API Key (recommended for REST calls: revocable, one per service). Twilio signs
 * webhooks with the account's Auth Token, never with the key, so give `authToken` too to verify
 * them; without it the provider declares `signedWebhooks: false` and cannot refuse forged ones.
 */
export interface TwilioApiKeyCredentials {
  /** The Account SID (`AC…`) the key belongs to. Default: `TWILIO_ACCOUNT_SID`. */
  accountSid?: string
  /** The API Key SID (`SK…`). Default: `TWILIO_API_KEY`. */
  apiKey: string
  /** The API Key's secret. Default: `TWILIO_API_SECRET`. */
  apiSecret: string
  /** The account's Auth Token, only to verify webhook signatures. Default: `TWILIO_AUTH_TOKEN`. */
  authToken?: string
}

/** One of the two ways to authenticate, see {@link TwilioAuthTokenCredentials} and {@link TwilioApiKeyCredentials}. */
export type TwilioCredentials = TwilioAuthTokenCredentials | TwilioApiKeyCredentials

/** How a Twilio call connects the agent and the lead. */
export type TwilioDialMode = 'agent_first' | 'lead_first'

/** The settings of {@link twilio}, besides the credentials. */
export interface TwilioSettings {
  /** The caller id of every call: a Twilio number or a verified caller id (E.164). */
  from: string
  /**
   * The public URL Twilio posts call status callbacks to, e.g. the core handler's
   * `https://hooks.example.com/webhooks/twilio`, or the route serving {@link TwilioProvider.webhookHandler}.
   * The adapter adds query parameters naming the call, the leg and the mode; keep them (Twilio
   * signs the whole URL). Behind a proxy, this is the URL as the world sees it.
   */
  statusCallbackUrl: string
  /**
   * The public URL of a route answering {@link TwilioProvider.voiceResponse} (or the one route of
   * `webhookHandler`). When set, calls fetch their TwiML from it when they answer, which lets a
   * lead-first call hang up on an answering machine. When absent (the default), the TwiML travels
   * inline with the create-call request: no route and no extra round trip.
   */
  voiceUrl?: string
  /**
   * The public URL configured as the WhatsApp sender's "when a message comes in" webhook, for
   * signature checks in {@link TwilioProvider.parseWhatsAppMessage} (default: the request's URL and
   * `statusCallbackUrl`'s path with the request's query).
   */
  whatsappUrl?: string
  /** The WhatsApp sender of {@link TwilioProvider.sendWhatsApp}, `whatsapp:+1…` (default: `from` with the prefix). */
  whatsappFrom?: string
  /**
   * `agent_first` (default): call the agent; when the agent answers, `<Dial answerOnBridge>` the
   * lead. `lead_first`: call the lead; when the lead answers, dial the agent.
   */
  mode?: TwilioDialMode
  /** How long the agent's phone rings, in seconds (default 30, 5 to 600). The lead rings for the dial's `timeoutMs`. */
  agentRingTimeoutSec?: number
  /** Record every call (default false); a dial's `record` overrides it. */
  record?: boolean
  /** Where Twilio posts recording notices (`RecordingStatusCallback`); optional, the final status callback carries `RecordingUrl`. */
  recordingStatusCallbackUrl?: string
  /**
   * Answering machine detection on the lead's leg: `true` or `Enable` (returns as soon as it knows),
   * `DetectMessageEnd` (waits for the greeting to end). Default off; a dial's `machineDetection`
   * overrides it.
   */
  machineDetection?: boolean | 'Enable' | 'DetectMessageEnd'
  /** Calls created per second at most, client side (default 1, Twilio's default CPS). */
  callsPerSecond?: number
  /** The longest one REST request may take, in ms (default 10000); past it, `PROVIDER_TIMEOUT`. */
  timeoutMs?: number
  /** How many times a failed GET is retried (default 2). POSTs are never retried. */
  retries?: number
  /** The REST base URL (default `https://api.twilio.com`), e.g. for a regional edge or a mock. */
  baseUrl?: string
  /** The `fetch` to use (default: the global one), for tests and edge runtimes. */
  fetch?: typeof fetch
  /** The provider's name, in events and `agent.providerRefs` (default `twilio`). */
  name?: string
}

/** Options of {@link twilio}: credentials (or their environment variables) and settings. */
export type TwilioOptions = TwilioCredentials & TwilioSettings

/** What to send with {@link TwilioProvider.sendWhatsApp}: a text, media, or an approved template. */
export interface TwilioWhatsAppReply {
  /** The recipient: `whatsapp:+1…` or an E.164 number (the prefix is added). */
  to: string
  /** The text, up to 1600 characters. */
  body?: string
  /** Media URLs to attach. */
  mediaUrl?: readonly string[]
  /** An approved template (`HX…`), needed outside WhatsApp's 24-hour customer-service window. */
  contentSid?: string
  /** The template's variables. */
  contentVariables?: Record<string, string>
  /** The sender (default: `whatsappFrom`). */
  from?: string
  /** Where Twilio posts the message's delivery status. */
  statusCallback?: string
}

/** Callbacks of {@link TwilioProvider.webhookHandler}. */
export interface TwilioWebhookHandlers {
  /** Receives each call event of a status callback, in order; pass `app.handleCallEvent`. */
  onCallEvent?: (event: CallEvent) => unknown
  /**
   * Receives each inbound WhatsApp message; the text returned (or a TwiML document) is the reply,
   * nothing for no reply.
   */
  onWhatsAppMessage?: (
    message: TwilioWhatsAppMessage,
  ) => string | TwimlResponse | undefined | Promise<string | TwimlResponse | undefined>
}

/** The Twilio provider: a {@link TelephonyProviderV1} with Twilio's own extras. */
export interface TwilioProvider extends TelephonyProviderV1 {
  /** Ends a call: `canceled` while queued or ringing, `completed` once answered; an ended call is left alone. */
  hangup(providerCallId: string, options?: ProviderCallOptions): Promise<void>
  /** Verifies a status callback (when an Auth Token is known) and maps it to call events. */
  parseWebhook(request: Request, options?: WebhookOptions): Promise<CallEvent[]>
  /** Verifies `X-Twilio-Signature`; refused when no Auth Token is configured. */
  verifyWebhook(request: Request, options?: WebhookOptions): Promise<void>
  /**
   * Answers Twilio's voice URL request of a call placed with `voiceUrl`: verifies it, then returns
   * the TwiML that dials the other party (`<Dial answerOnBridge>`), or `<Hangup/>` for an
   * answering machine on a lead-first call or a request the adapter did not place. A bad
   * signature gets 401. Mount it as a `(Request) => Promise<Response>` route.
   */
  voiceResponse(request: Request, options?: WebhookOptions): Promise<Response>
  /**
   * One route for everything Twilio sends: voice URL requests (TwiML), status callbacks (to
   * `onCallEvent`, answered 204) and inbound WhatsApp messages (to `onWhatsAppMessage`, answered
   * with its reply as TwiML). Errors are answered with their status and JSON body.
   */
  webhookHandler(handlers: TwilioWebhookHandlers): (request: Request) => Promise<Response>
  /** Verifies an inbound WhatsApp webhook (when an Auth Token is known) and parses it. */
  parseWhatsAppMessage(request: Request, options?: WebhookOptions): Promise<TwilioWhatsAppMessage>
  /** Sends a WhatsApp message with the Messages API (`POST /Messages.json`); never retried. */
  sendWhatsApp(
    reply: TwilioWhatsAppReply,
    options?: ProviderCallOptions,
  ): Promise<{ messageSid: string; status?: string }>
  /** Aborts every request in flight (they reject with `CALL_FAILED`) and refuses new ones. */
  close(): Promise<void>
}

const EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const
const TERMINAL: ReadonlySet<TwilioCallStatus> = new Set([
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
])
const DEFAULT_TIMEOUT_MS = 10_000
const MAX_INLINE_TWIML = 4000

const WHATSAPP_FROM = /^whatsapp:\+?[0-9]{6,16}$/
const E164 = /^\+[1-9]\d{6,14}$/

const OPTION_FIELDS: Readonly<Record<string, Field>> = {
  accountSid: optional(text()),
  authToken: optional(text()),
  apiKey: optional(text()),
  apiSecret: optional(text()),
  from: { check: text(200) },
  statusCallbackUrl: { check: httpUrl },
  voiceUrl: optional(httpUrl),
  whatsappUrl: optional(httpUrl),
  whatsappFrom: optional(matching(WHATSAPP_FROM, 'Expected whatsapp:+E164')),
  mode: optional(oneOf('agent_first', 'lead_first')),
  agentRingTimeoutSec: optional(numberIn({ integer: true, min: 5, max: 600 })),
  record: optional(boolean),
  recordingStatusCallbackUrl: optional(httpUrl),
  machineDetection: optional(oneOf(true, false, 'Enable', 'DetectMessageEnd')),
  callsPerSecond: optional(numberIn({ above: 0, max: 1000 })),
  timeoutMs: optional(numberIn({ integer: true, above: 0, max: 600_000 })),
  retries: optional(numberIn({ integer: true, min: 0, max: 10 })),
  baseUrl: optional(httpUrl),
  fetch: optional(func),
  name: optional(text(100)),
}

/** The parts of a dial request the adapter relies on (the pipeline builds the rest). */
function checkDialRequest(request: DialRequest): void {
  const issues: ValidationIssue[] = []
  checkFields(
    request,
    { attemptId: text(128), processId: text(128), timeoutMs: numberIn({ above: 0 }) },
    issues,
  )
  if (typeof request === 'object' && request !== null) {
    // A missing or non-object agent or lead is reported as "Expected an object" at its path.
    checkFields(request.agent, { id: text() }, issues, { at: 'agent' })
    checkFields(request.lead, { phone: matching(E164, 'Expected an E.164 number') }, issues, { at: 'lead' })
  }
  if (issues.length > 0) throw validationError('dial request', issues)
}

function unsupported(capability: keyof TelephonyCapabilities, what: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', {
    message: `The Twilio adapter does not support ${what}`,
    details: { capability },
    retryable: false,
  })
}

function withQuery(base: string, query: Record<string, string | undefined>): string {
  const url = new URL(base)
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(name, value)
  return url.href
}

function clampSeconds(ms: number): number {
  return Math.min(600, Math.max(5, Math.ceil(ms / 1000)))
}

/** Adds the dial noun for a target: `client:` → `<Client>`, `sip:` → `<Sip>`, else `<Number>`. */
function addNoun(dial: TwimlDial, target: string, attributes: NumberAttributes): void {
  const { statusCallback, statusCallbackEvent, statusCallbackMethod } = attributes
  const progress = { statusCallback, statusCallbackEvent, statusCallbackMethod }
  if (target.startsWith('client:')) dial.client(target.slice('client:'.length), progress)
  else if (target.startsWith('sip:')) dial.sip(target, progress)
  else dial.number(target, attributes)
}

function env(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name]
  return value === undefined || value === '' ? undefined : value
}

function xml(document: TwimlResponse, status = 200): Response {
  return new Response(document.toString(), { status, headers: { 'content-type': 'text/xml; charset=utf-8' } })
}

function errorResponse(error: unknown): Response {
  const lead = LeadCallError.isInstance(error)
    ? error
    : new LeadCallError('VALIDATION_FAILED', { message: 'The request could not be handled' })
  return new Response(JSON.stringify(lead.toJSON()), {
    status: lead.status,
    headers: { 'content-type': 'application/json' },
  })
}

/**
 * Creates the Twilio telephony provider: calls through Twilio's REST API (ky, no `twilio`
 * package), status callbacks mapped to call events, TwiML, `X-Twilio-Signature` checks and
 * WhatsApp messages.
 *
 * Credentials come from the options, else from `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` (or
 * `TWILIO_API_KEY` and `TWILIO_API_SECRET`); they are read when first needed, so a missing one
 * fails the first call with a `VALIDATION_FAILED` naming the option and the variable. They never
 * appear in errors.
 *
 * @example
 * ```ts
 * import { createHttpHandler, createLeadCall } from '@leadcall/core'
 * import { twilio } from '@leadcall/twilio'
 *
 * const telephony = twilio({
 *   accountSid: process.env.TWILIO_ACCOUNT_SID,
 *   authToken: process.env.TWILIO_AUTH_TOKEN,
 *   from: '+14155550000',
 *   statusCallbackUrl: 'https://hooks.example.com/webhooks/twilio',
 * })
 * const app = createLeadCall({ telephony })
 * const handler = createHttpHandler(app, { webhooks: { twilio: (request) => telephony.parseWebhook(request) } })
 * ```
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for invalid options (every problem listed).
 */
export function twilio(options: TwilioOptions): TwilioProvider {
  const issues: ValidationIssue[] = []
  checkFields(options, OPTION_FIELDS, issues, { strict: true })
  if (issues.length > 0) throw validationError('Twilio options', issues)
  const settings = options
  const name = settings.name ?? 'twilio'
  const defaultMode: TwilioDialMode = settings.mode ?? 'agent_first'
  const agentRingSec = settings.agentRingTimeoutSec ?? 30
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const baseUrl = (settings.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '')
  const explicitKey = settings.apiKey !== undefined || settings.apiSecret !== undefined
  const webhookToken = settings.authToken ?? env('TWILIO_AUTH_TOKEN')
  const defaultAmd = settings.machineDetection === true ? 'Enable' : settings.machineDetection || undefined
  const limiter = createRateLimiter(settings.callsPerSecond ?? 1)
  const closer = new AbortController()
  // Every request in flight listens to it (one listener each, removed when it ends): no limit.
  setMaxListeners(0, closer.signal)
  let resolved: ResolvedCredentials | undefined

  function credentials(): ResolvedCredentials {
    if (resolved) return resolved
    const accountSid = settings.accountSid ?? env('TWILIO_ACCOUNT_SID')
    if (accountSid === undefined) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'Twilio needs an Account SID: pass accountSid or set TWILIO_ACCOUNT_SID',
        retryable: false,
      })
    }
    if (!ACCOUNT_SID.test(accountSid)) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'The Twilio Account SID must be AC followed by 32 hex digits',
        retryable: false,
      })
    }
    // Explicit options first (an API Key, else an Auth Token), then the environment likewise.
    let apiKey: string | undefined
    let apiSecret: string | undefined
    let authToken: string | undefined
    if (explicitKey) {
      apiKey = settings.apiKey
      apiSecret = settings.apiSecret
      if (apiKey === undefined || apiSecret === undefined) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'Twilio API Key credentials need both apiKey and apiSecret',
          retryable: false,
        })
      }
    } else if (settings.authToken !== undefined) {
      authToken = settings.authToken
    } else if (env('TWILIO_API_KEY') !== undefined && env('TWILIO_API_SECRET') !== undefined) {
      apiKey = env('TWILIO_API_KEY')
      apiSecret = env('TWILIO_API_SECRET')
    } else {
      authToken = env('TWILIO_AUTH_TOKEN')
    }
    if (apiKey !== undefined && apiSecret !== undefined) {
      resolved = { accountSid, username: apiKey, password: apiSecret }
    } else if (authToken !== undefined) {
      resolved = { accountSid, username: accountSid, password: authToken }
    } else {
      throw new LeadCallError('VALIDATION_FAILED', {
        message:
          'Twilio needs credentials: pass authToken (or apiKey and apiSecret), or set TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)',
        retryable: false,
      })
    }
    return resolved
  }

  function secrets(): string[] {
    const list: string[] = []
    if (webhookToken) list.push(webhookToken)
    if (settings.apiSecret) list.push(settings.apiSecret)
    if (resolved) {
      list.push(resolved.password)
      list.push(Buffer.from(`${resolved.username}:${resolved.password}`).toString('base64'))
    }
    return list
  }

  const api = createTwilioApi({
    baseUrl,
    timeoutMs,
    retries: settings.retries ?? 2,
    credentials,
    secrets,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    // Twilio's Retry-After holds every request of this provider, not only call creation.
    beforeRequest: (signal) => limiter.whenUnpaused(signal),
    onRetryAfter: (ms) => limiter.pauseUntil(Date.now() + ms),
  })

  /** The caller's signal combined with the provider's own, which `close()` aborts. */
  function signalOf(options: ProviderCallOptions | undefined): AbortSignal {
    const own = options?.signal
    own?.throwIfAborted()
    if (closer.signal.aborted) throw closer.signal.reason
    return own ? AbortSignal.any([own, closer.signal]) : closer.signal
  }

  function statusUrl(leg: 'agent' | 'lead', mode: TwilioDialMode, request: DialRequest): string {
    return withQuery(settings.statusCallbackUrl, {
      [QUERY.leg]: leg,
      [QUERY.mode]: mode,
      [QUERY.attempt]: request.attemptId,
      [QUERY.process]: request.processId,
    })
  }

  interface Bridge {
    mode: TwilioDialMode
    target: string
    ringSec: number
    callerId: string
    childStatusUrl: string
    amd: 'Enable' | 'DetectMessageEnd' | undefined
  }

  /** The TwiML that, once the first party answers, dials the second one. */
  function bridgeTwiml(bridge: Bridge): TwimlResponse {
    return twiml().dial(
      (dial) =>
        addNoun(dial, bridge.target, {
          statusCallback: bridge.childStatusUrl,
          statusCallbackEvent: EVENTS,
          statusCallbackMethod: 'POST',
          ...(bridge.amd && bridge.mode === 'agent_first'
            ? {
                machineDetection: bridge.amd,
                amdStatusCallback: bridge.childStatusUrl,
                amdStatusCallbackMethod: 'POST',
              }
            : {}),
        }),
      { answerOnBridge: true, timeout: bridge.ringSec, callerId: bridge.callerId },
    )
  }

  function agentTarget(request: DialRequest): string {
    const target = request.agent.providerRefs?.[name] ?? request.agent.phone
    if (target === undefined || target === '') {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `The agent has neither a phone nor agent.providerRefs.${name} to call`,
        details: { issues: [{ path: 'agent.phone', message: 'Required by the Twilio adapter' }] },
        retryable: false,
      })
    }
    return target
  }

  function buildCall(request: DialRequest): URLSearchParams {
    const mode = request.mode ?? defaultMode
    if (mode === 'campaign')
      throw unsupported('campaignMode', 'campaign mode (Twilio has no provider-side campaigns)')
    checkDialRequest(request)
    const agent = agentTarget(request)
    const lead = request.lead.phone
    const leadRingSec = clampSeconds(request.timeoutMs)
    const firstLeg = mode === 'agent_first' ? 'agent' : 'lead'
    const secondLeg = mode === 'agent_first' ? 'lead' : 'agent'
    const callerId = request.callerId ?? settings.from
    const amd =
      request.machineDetection === false
        ? undefined
        : request.machineDetection === true
          ? (defaultAmd ?? 'Enable')
          : defaultAmd
    const bridge: Bridge = {
      mode,
      target: mode === 'agent_first' ? lead : agent,
      ringSec: mode === 'agent_first' ? leadRingSec : agentRingSec,
      callerId,
      childStatusUrl: statusUrl(secondLeg, mode, request),
      amd,
    }

    const form = new URLSearchParams()
    form.set('To', mode === 'agent_first' ? agent : lead)
    form.set('From', callerId)
    if (settings.voiceUrl) {
      form.set(
        'Url',
        withQuery(settings.voiceUrl, {
          [QUERY.kind]: 'voice',
          [QUERY.leg]: firstLeg,
          [QUERY.mode]: mode,
          [QUERY.attempt]: request.attemptId,
          [QUERY.process]: request.processId,
          [QUERY.target]: bridge.target,
          [QUERY.ring]: String(bridge.ringSec),
          [QUERY.amd]: amd && mode === 'agent_first' ? amd : undefined,
        }),
      )
      form.set('Method', 'POST')
    } else {
      const document = bridgeTwiml(bridge).toString()
      if (document.length > MAX_INLINE_TWIML) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: `The call's TwiML is longer than Twilio's ${MAX_INLINE_TWIML} characters: set voiceUrl`,
          retryable: false,
        })
      }
      form.set('Twiml', document)
    }
    form.set('StatusCallback', statusUrl(firstLeg, mode, request))
    form.set('StatusCallbackMethod', 'POST')
    for (const event of EVENTS) form.append('StatusCallbackEvent', event)
    form.set('Timeout', String(mode === 'agent_first' ? agentRingSec : leadRingSec))
    if (request.record ?? settings.record ?? false) {
      form.set('Record', 'true')
      if (settings.recordingStatusCallbackUrl) {
        form.set('RecordingStatusCallback', settings.recordingStatusCallbackUrl)
        form.set('RecordingStatusCallbackMethod', 'POST')
        form.append('RecordingStatusCallbackEvent', 'completed')
      }
    }
    if (amd && mode === 'lead_first') form.set('MachineDetection', amd)
    return form
  }

  async function verified(
    request: Request,
    options: WebhookOptions | undefined,
    configured: (string | undefined)[],
  ) {
    options?.signal?.throwIfAborted()
    return verifyTwilioRequest(request, {
      authToken: webhookToken,
      urls: candidateUrls(request, configured, options?.url),
    })
  }

  const statusUrls = [settings.statusCallbackUrl, settings.voiceUrl]

  async function voiceResponse(request: Request, options?: WebhookOptions): Promise<Response> {
    try {
      const { params, url } = await verified(request, options, [
        settings.voiceUrl,
        settings.statusCallbackUrl,
      ])
      const query = url.searchParams
      const target = query.get(QUERY.target)
      const mode = query.get(QUERY.mode)
      const attemptId = query.get(QUERY.attempt)
      const processId = query.get(QUERY.process)
      if (!target || (mode !== 'agent_first' && mode !== 'lead_first') || !attemptId || !processId) {
        // Not a call this adapter placed (e.g. someone calling the number back).
        return xml(twiml().hangup())
      }
      if (mode === 'lead_first' && mapAnsweredBy(params.get('AnsweredBy')) === 'machine') {
        return xml(twiml().hangup())
      }
      const ring = Number(query.get(QUERY.ring))
      const amd = query.get(QUERY.amd)
      const from = params.get('From')
      const document = bridgeTwiml({
        mode,
        target,
        ringSec: Number.isInteger(ring) && ring >= 5 && ring <= 600 ? ring : 30,
        callerId: from && !from.startsWith('client:') ? from : settings.from,
        childStatusUrl: withQuery(settings.statusCallbackUrl, {
          [QUERY.leg]: mode === 'agent_first' ? 'lead' : 'agent',
          [QUERY.mode]: mode,
          [QUERY.attempt]: attemptId,
          [QUERY.process]: processId,
        }),
        amd: amd === 'Enable' || amd === 'DetectMessageEnd' ? amd : undefined,
      })
      return xml(document)
    } catch (error) {
      return errorResponse(error)
    }
  }

  const capabilities: TelephonyCapabilities = Object.freeze({
    agentFirstDial: true,
    leadFirstDial: true,
    contactSync: false,
    presence: false,
    hangup: true,
    idempotentDial: false,
    campaignMode: false,
    recording: true,
    machineDetection: true,
    signedWebhooks: webhookToken !== undefined,
  })

  const provider: TwilioProvider = {
    specificationVersion: 'v1',
    name,
    capabilities,

    async dial(request: DialRequest, options?: ProviderCallOptions): Promise<DialResult> {
      const signal = signalOf(options)
      const form = buildCall(request)
      await limiter.acquire(signal)
      const call = await api.createCall(form, signal)
      return { providerCallId: call.sid, raw: call }
    },

    async hangup(providerCallId: string, options?: ProviderCallOptions): Promise<void> {
      const signal = signalOf(options)
      if (!CALL_SID.test(providerCallId)) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'A Twilio call id is CA followed by 32 hex digits',
          details: { issues: [{ path: 'providerCallId', message: 'Expected a Call SID' }] },
        })
      }
      const call = await api.fetchCall(providerCallId, signal)
      if (call.status !== undefined && TERMINAL.has(call.status)) return
      const completed = new URLSearchParams({ Status: 'completed' })
      if (call.status === 'in-progress') {
        await api.updateCall(providerCallId, completed, signal)
        return
      }
      const updated = await api.updateCall(
        providerCallId,
        new URLSearchParams({ Status: 'canceled' }),
        signal,
      )
      // Answered between the fetch and the cancel: canceling does not end it, completing does.
      if (updated.status === 'in-progress') await api.updateCall(providerCallId, completed, signal)
    },

    async parseWebhook(request: Request, options?: WebhookOptions): Promise<CallEvent[]> {
      const { params, url } = await verified(request, options, statusUrls)
      return parseTwilioStatusCallback(params, url, { provider: name })
    },

    async verifyWebhook(request: Request, options?: WebhookOptions): Promise<void> {
      if (webhookToken === undefined) {
        throw unsupported(
          'signedWebhooks',
          'webhook verification without the account Auth Token (set authToken)',
        )
      }
      await verified(request, options, [...statusUrls, settings.whatsappUrl])
    },

    voiceResponse,

    webhookHandler(handlers: TwilioWebhookHandlers) {
      return async (request: Request): Promise<Response> => {
        const url = new URL(request.url)
        if (url.searchParams.get(QUERY.kind) === 'voice') return voiceResponse(request)
        try {
          const form =
            request.method === 'GET' ? url.searchParams : new URLSearchParams(await request.clone().text())
          if (form.has('MessageSid') && !form.has('CallSid')) {
            const message = await provider.parseWhatsAppMessage(request)
            const reply = await handlers.onWhatsAppMessage?.(message)
            return xml(typeof reply === 'string' ? twiml().message(reply) : (reply ?? twiml()))
          }
          const events = await provider.parseWebhook(request)
          for (const event of events) await handlers.onCallEvent?.(event)
          return new Response(null, { status: 204 })
        } catch (error) {
          return errorResponse(error)
        }
      }
    },

    async parseWhatsAppMessage(request: Request, options?: WebhookOptions): Promise<TwilioWhatsAppMessage> {
      const { params } = await verified(request, options, [settings.whatsappUrl, settings.statusCallbackUrl])
      return parseTwilioWhatsAppMessage(params)
    },

    async sendWhatsApp(reply: TwilioWhatsAppReply, options?: ProviderCallOptions) {
      const signal = signalOf(options)
      const address = (value: string): string => (value.startsWith('whatsapp:') ? value : `whatsapp:${value}`)
      const body = reply.body ?? ''
      if (body === '' && (reply.mediaUrl?.length ?? 0) === 0 && reply.contentSid === undefined) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'A WhatsApp message needs a body, media or a contentSid',
        })
      }
      if (body.length > 1600) {
        throw new LeadCallError('VALIDATION_FAILED', {
          message: 'A WhatsApp message body is at most 1600 characters',
        })
      }
      const form = new URLSearchParams()
      form.set('To', address(reply.to))
      form.set('From', address(reply.from ?? settings.whatsappFrom ?? settings.from))
      if (body !== '') form.set('Body', body)
      for (const media of reply.mediaUrl ?? []) form.append('MediaUrl', media)
      if (reply.contentSid !== undefined) form.set('ContentSid', reply.contentSid)
      if (reply.contentVariables !== undefined)
        form.set('ContentVariables', JSON.stringify(reply.contentVariables))
      if (reply.statusCallback !== undefined) form.set('StatusCallback', reply.statusCallback)
      const message = await api.createMessage(form, signal)
      return message.status
        ? { messageSid: message.sid, status: message.status }
        : { messageSid: message.sid }
    },

    async close(): Promise<void> {
      if (closer.signal.aborted) return
      closer.abort(
        new LeadCallError('CALL_FAILED', { message: 'The Twilio provider is closed', retryable: false }),
      )
    },
  }
  return provider
}
