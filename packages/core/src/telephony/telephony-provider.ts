import type { Agent } from '../domain/agent.js'
import type { CallEvent } from '../domain/call-event.js'
import type { Lead } from '../domain/lead.js'

/** Options of every provider call that waits on I/O. */
export interface ProviderCallOptions {
  signal?: AbortSignal
}

/** What a provider can do, declared up front; the pipeline and the conformance kit read it. */
export interface TelephonyCapabilities {
  /** Calls the agent first, then connects the lead (click-to-call). */
  agentFirstDial: boolean
  /** Calls the lead first, then connects an agent (auto-dialer). */
  leadFirstDial: boolean
  /** Can create or update the lead as a contact at the provider. */
  contactSync: boolean
  /** Reports agents' presence (online, on a call, …). */
  presence: boolean
  /** Can hang up a call in progress. */
  hangup: boolean
  /** Accepts an idempotency key, so a repeated dial request never places a second call. */
  idempotentDial: boolean
}

/** One dial request: connect this agent and this lead. */
export interface DialRequest {
  /** Unique id of this dial attempt; pass it to the provider as an idempotency key where possible. */
  attemptId: string
  processId: string
  agent: Agent
  lead: Lead
  /** How long to let the call ring before giving up (ms). */
  timeoutMs: number
  /** Caller id to present, when the provider lets you choose. */
  callerId?: string
  record?: boolean
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
  contactId: string
  /** True when an existing contact was updated rather than created. */
  updated?: boolean
}

/** One agent's presence as a provider reports it. */
export interface AgentPresenceReport {
  /** The agent's id at the provider (matched with `agent.providerRefs[provider.name]`). */
  providerAgentId: string
  status: 'available' | 'on_call' | 'offline' | 'away'
}

/** Where a provider delivers the call events it observes by itself (simulators, sockets). */
export type CallEventSink = (event: CallEvent) => void | Promise<void>

/**
 * Version 1 of the telephony provider specification: what the lead pipeline asks of a provider.
 * Every adapter (`@leadcall/cloudtalk`, `@leadcall/twilio`, `@leadcall/asterisk`) and the
 * simulator implement it. An operation the provider cannot do is refused with a `LeadCallError`,
 * never silently skipped; `capabilities` says which are there.
 */
export interface TelephonyProviderV1 {
  readonly specificationVersion: 'v1'
  /** The provider's name, e.g. `cloudtalk`; keys `agent.providerRefs`. */
  readonly name: string
  readonly capabilities: TelephonyCapabilities
  /**
   * Starts a call between the agent and the lead. Resolves once the provider accepted the request;
   * the call's progress arrives as {@link CallEvent}s. Throws a `LeadCallError`: `AGENT_NOT_AVAILABLE`,
   * `AGENT_BUSY`, `CALL_FAILED`, `PROVIDER_TIMEOUT`, `RATE_LIMITED`, `VALIDATION_FAILED`.
   */
  dial(request: DialRequest, options?: ProviderCallOptions): Promise<DialResult>
  /** Ends a call in progress. */
  hangup?(providerCallId: string, options?: ProviderCallOptions): Promise<void>
  /** Creates or updates the lead as a contact at the provider. */
  syncContact?(lead: Lead, options?: ProviderCallOptions): Promise<ContactSyncResult>
  /** The agents' presence as the provider sees it. */
  listAgentPresence?(options?: ProviderCallOptions): Promise<AgentPresenceReport[]>
  /**
   * Gives the provider a sink for the events it observes by itself (a socket, a simulator).
   * Providers that learn of events through webhooks leave it out: the host passes those to
   * `app.handleCallEvent`.
   */
  connect?(sink: CallEventSink): void
  /** Releases timers and connections. */
  close?(): Promise<void>
}
