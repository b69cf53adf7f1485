import type { Agent } from '../domain/agent.js'
import type { CallEvent } from '../domain/call-event.js'
import type { CallMode } from '../domain/call-session.js'
import type { Lead } from '../domain/lead.js'
import type { LeadCallErrorCode } from '../errors/lead-call-error.js'

/** Options of every provider call that waits on I/O. */
export interface ProviderCallOptions {
  /**
   * Cancels the call: the returned promise rejects promptly (with the signal's reason, or a
   * `LeadCallError`) and the provider leaves no request or timer pending for it.
   */
  signal?: AbortSignal
}

/** Options of {@link TelephonyProviderV1.parseWebhook} and {@link TelephonyProviderV1.verifyWebhook}. */
export interface WebhookOptions extends ProviderCallOptions {
  /**
   * The public URL the provider requested, exactly as the provider knows it, when it differs from
   * `request.url` (a reverse proxy or a tunnel in front of the host rewrites scheme, host or path).
   * URL-based signatures, such as Twilio's, are computed over this URL. Adapters that know the
   * URL they configured use that by default.
   */
  url?: string
}

/**
 * What a provider can do, declared up front; the pipeline and the conformance kit
 * (`telephonyConformance` in `@leadcall/core/testing`) read it.
 *
 * The first six flags are required. The four added later in v1 (`campaignMode`, `recording`,
 * `machineDetection`, `signedWebhooks`) are optional so that providers written before them keep
 * compiling: an absent flag means `false`. Whatever a provider does not declare it refuses with a
 * `LeadCallError` (`VALIDATION_FAILED`, `details.capability` naming the flag) when asked for it,
 * never by silently doing something else.
 */
export interface TelephonyCapabilities {
  /** Calls the agent first, then connects the lead (click-to-call); dial `mode: 'agent_first'`. */
  agentFirstDial: boolean
  /** Calls the lead first, then connects an agent (auto-dialer); dial `mode: 'lead_first'`. */
  leadFirstDial: boolean
  /** Can create or update the lead as a contact at the provider ({@link TelephonyProviderV1.syncContact}). */
  contactSync: boolean
  /** Reports agents' presence, online, on a call… ({@link TelephonyProviderV1.listAgentPresence}). */
  presence: boolean
  /** Can hang up a call in progress ({@link TelephonyProviderV1.hangup}). */
  hangup: boolean
  /** Accepts an idempotency key, so a repeated dial request never places a second call. */
  idempotentDial: boolean
  /**
   * Hands the lead to a provider-side campaign (power or predictive dialer, e.g. CloudTalk
   * campaigns fed by contact tags) instead of dialing at once; dial `mode: 'campaign'`.
   */
  campaignMode?: boolean
  /** Records calls on request (`record: true` in the {@link DialRequest}); events carry `recordingUrl`. */
  recording?: boolean
  /**
   * Detects answering machines on request (`machineDetection: true` in the {@link DialRequest});
   * events carry `answeredBy`.
   */
  machineDetection?: boolean
  /**
   * The provider's webhooks are authenticated (a signature or a shared secret):
   * {@link TelephonyProviderV1.verifyWebhook} is there and refuses a forged or unsigned request
   * with `INVALID_SIGNATURE`, and {@link TelephonyProviderV1.parseWebhook} verifies before parsing.
   */
  signedWebhooks?: boolean
}

/** The name of one flag of {@link TelephonyCapabilities}. */
export type TelephonyCapability = keyof TelephonyCapabilities

/** One dial request: connect this agent and this lead. */
export interface DialRequest {
  /** Unique id of this dial attempt; pass it to the provider as an idempotency key where possible. */
  attemptId: string
  /** The lead process the call belongs to; providers echo it back in events where they can. */
  processId: string
  /** The agent to connect (the provider reads `agent.providerRefs[name]`, else `agent.phone`). */
  agent: Agent
  /** The lead to call. */
  lead: Lead
  /** How long to let the call ring before giving up (ms). */
  timeoutMs: number
  /**
   * How to connect the two (default: the provider's configured mode, usually `agent_first`). A
   * mode the provider does not declare (`agentFirstDial`, `leadFirstDial`, `campaignMode`) is
   * refused with `VALIDATION_FAILED`.
   */
  mode?: CallMode
  /** Caller id to present, when the provider lets you choose. */
  callerId?: string
  /** Records the call; refused with `VALIDATION_FAILED` by a provider without `recording`. */
  record?: boolean
  /**
   * Detects whether a human or a machine answers the lead's leg; refused with `VALIDATION_FAILED`
   * by a provider without `machineDetection`.
   */
  machineDetection?: boolean
}

/** The provider's answer to a dial request. */
export interface DialResult {
  /** The provider's id of the call, when it returns one (some correlate later from webhooks). */
  providerCallId?: string
  /** The provider's raw answer, kept for troubleshooting. */
  raw?: unknown
}

/** A contact as synced to a provider or CRM. */
export interface ContactSyncResult {
  /** The contact's id at the provider. */
  contactId: string
  /** True when an existing contact was updated rather than created. */
  updated?: boolean
}

/** One agent's presence as a provider reports it. */
export interface AgentPresenceReport {
  /** The agent's id at the provider (matched with `agent.providerRefs[provider.name]`). */
  providerAgentId: string
  /** The provider's status mapped to leadcall's: free to take a call, on one, logged out, or paused. */
  status: 'available' | 'on_call' | 'offline' | 'away'
}

/**
 * What a provider knows of a dial attempt whose answer was lost (the request timed out after it
 * was sent), see {@link TelephonyProviderV1.lookupCall}.
 *
 * - `placed`: the provider placed a call for the attempt (with its id when known);
 * - `not_placed`: the provider is sure it placed none, and never will for this attempt;
 * - `unknown`: the provider cannot tell (yet): the call may still appear.
 */
export type CallLookupResult =
  | {
      /** The provider placed a call for the attempt. */
      status: 'placed'
      /** The provider's id of the call, when it knows it. */
      providerCallId?: string
    }
  | {
      /** The provider is sure it placed no call for the attempt. */
      status: 'not_placed'
    }
  | {
      /** The provider cannot tell. */
      status: 'unknown'
    }

/** The state of a provider's circuit breaker, see {@link TelephonyProviderHealth}. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/**
 * How one provider is doing, as a failover set (`failoverTelephony`) sees it through its circuit
 * breaker; `GET /health` lists these under `providers`.
 */
export interface TelephonyProviderHealth {
  /** The provider's name. */
  name: string
  /**
   * `closed`: dials go to the provider; `open`: it failed too often in a row and is skipped until
   * its cool-down ends; `half-open`: the cool-down ended and one trial dial decides.
   */
  state: CircuitState
  /** Dial failures in a row (refusals and timeouts; answers about the agent or input are not counted). */
  consecutiveFailures: number
  /** The error code of the last failure, if any. */
  lastErrorCode?: LeadCallErrorCode
  /** When the last failure happened (ISO 8601). */
  lastErrorAt?: string
  /** While `open` or `half-open`: when the circuit opened (ISO 8601). */
  openedAt?: string
  /** While `open`: when the cool-down ends and a trial dial may go (ISO 8601). */
  retryAt?: string
}

/** Where a provider delivers the call events it observes by itself (simulators, sockets). */
export type CallEventSink = (event: CallEvent) => void | Promise<void>

/**
 * Version 1 of the telephony provider specification: what the lead pipeline asks of a provider.
 * Every adapter (`@leadcall/cloudtalk`, `@leadcall/twilio`, `@leadcall/asterisk`) and the
 * simulator implement it, and every adapter runs `telephonyConformance` from
 * `@leadcall/core/testing`.
 *
 * An operation the provider cannot do is refused with a `LeadCallError` (`VALIDATION_FAILED` with
 * `details.capability`), never silently skipped; `capabilities` says which are there. Optional
 * methods may also be left out when their capability is `false`. Secrets (tokens, passwords) never
 * appear in an error's message, details or `cause`.
 *
 * Events reach leadcall one of two ways, both normalized to {@link CallEvent}s:
 * - **webhooks** (Twilio, CloudTalk): the host routes the provider's HTTP requests to
 *   {@link TelephonyProviderV1.parseWebhook} (e.g. through `createHttpHandler`'s `webhooks`
 *   option) and applies the events with `app.handleCallEvent`;
 * - **sockets** (Asterisk ARI): the provider pushes them to the sink given to
 *   {@link TelephonyProviderV1.connect}.
 *
 * Either way the same delivery repeated gives events with the same identity (provider, call id,
 * party, type, `sequence`), so duplicates are recognised, and events of one call come in the order
 * the provider reported them.
 */
export interface TelephonyProviderV1 {
  /** The specification this provider implements; a later `TelephonyProviderV2` will say `'v2'`. */
  readonly specificationVersion: 'v1'
  /** The provider's name, e.g. `cloudtalk`; keys `agent.providerRefs`. */
  readonly name: string
  /** What the provider can do; see {@link TelephonyCapabilities}. */
  readonly capabilities: TelephonyCapabilities
  /**
   * Starts a call between the agent and the lead. Resolves once the provider accepted the request;
   * the call's progress arrives as {@link CallEvent}s. Throws a `LeadCallError`: `AGENT_NOT_AVAILABLE`,
   * `AGENT_BUSY`, `CALL_FAILED`, `PROVIDER_TIMEOUT` (no answer in time: the call may have been
   * placed), `RATE_LIMITED`, `VALIDATION_FAILED` (including a mode, recording or machine detection
   * the provider does not declare). Never retried by the provider itself: a repeated request could
   * place a second call.
   */
  dial(request: DialRequest, options?: ProviderCallOptions): Promise<DialResult>
  /**
   * Ends a call: cancels it while it is queued or ringing, hangs it up once answered. A call that
   * already ended is left alone. Present when `capabilities.hangup`.
   */
  hangup?(providerCallId: string, options?: ProviderCallOptions): Promise<void>
  /** Creates or updates the lead as a contact at the provider. Present when `capabilities.contactSync`. */
  syncContact?(lead: Lead, options?: ProviderCallOptions): Promise<ContactSyncResult>
  /**
   * The agents' presence as the provider sees it, its statuses mapped to
   * {@link AgentPresenceReport}'s. Present when `capabilities.presence`.
   */
  listAgentPresence?(options?: ProviderCallOptions): Promise<AgentPresenceReport[]>
  /**
   * Turns one webhook request of the provider into normalized call events, in the order the
   * provider reported them; a request that carries no call status (e.g. a recording notice) gives
   * `[]`. When `capabilities.signedWebhooks`, it verifies the request first, exactly as
   * {@link TelephonyProviderV1.verifyWebhook} does. It reads the request's body, so pass a clone to
   * read it again.
   *
   * @throws {LeadCallError} `INVALID_SIGNATURE` (401) for a forged or unsigned request,
   * `VALIDATION_FAILED` for a payload that is not the provider's.
   */
  parseWebhook?(request: Request, options?: WebhookOptions): Promise<CallEvent[]>
  /**
   * Checks that a webhook request comes from the provider (its signature or shared secret),
   * without parsing it. Present and working when `capabilities.signedWebhooks`. Reads a clone of
   * the request, so the request can still be parsed afterwards.
   *
   * @throws {LeadCallError} `INVALID_SIGNATURE` (401) when the request is forged, tampered with or
   * unsigned.
   */
  verifyWebhook?(request: Request, options?: WebhookOptions): Promise<void>
  /**
   * Tells what became of a dial attempt whose `dial` rejected with `PROVIDER_TIMEOUT` (the request
   * was sent, the answer was lost). Optional: a provider that can look its calls up by attempt
   * (e.g. by the idempotency key or a tag it sent) implements it, so that a failover set can
   * reconcile the attempt instead of surfacing the timeout. It answers `unknown` rather than
   * guessing, and never places a call.
   */
  lookupCall?(attemptId: string, options?: ProviderCallOptions): Promise<CallLookupResult>
  /**
   * The health of the provider, or of each member of a set (`failoverTelephony`), for
   * `GET /health`. Optional.
   */
  health?(): TelephonyProviderHealth[]
  /**
   * Gives the provider a sink for the events it observes by itself (a socket, a simulator).
   * Providers that learn of events through webhooks leave it out: the host passes those to
   * `app.handleCallEvent`.
   */
  connect?(sink: CallEventSink): void
  /** Releases timers and connections. */
  close?(): Promise<void>
}
