import type { AgentStatus } from '../domain/agent.js'
import type { LeadCallErrorCode } from '../errors/lead-call-error.js'

/** Where a change of agent status came from. */
export type StatusSource = 'api' | 'provider' | 'system'

/** Payload of `agent.status`. */
export interface AgentStatusEvent {
  agentId: string
  status: AgentStatus
  previous: AgentStatus | null
  source: StatusSource
  /** Why the status changed, when the system changed it (e.g. `max_no_answer`). */
  reason?: string
  at: string
}

/** Payload of `agent.upserted`. */
export interface AgentUpsertedEvent {
  agentId: string
  created: boolean
  at: string
}

/** Payload of `agent.removed`. */
export interface AgentRemovedEvent {
  agentId: string
  at: string
}

/** Payload of `lead.received`. */
export interface LeadReceivedEvent {
  processId: string
  leadId: string
  source: string
  priority: string
  at: string
}

/** Payload of `lead.queued`. */
export interface LeadQueuedEvent {
  processId: string
  /** Why the lead waits (e.g. `NO_AGENTS_AVAILABLE`, `OUTSIDE_CALLING_HOURS`). */
  reason: LeadCallErrorCode
  position?: number
  at: string
}

/** Payload of `agent.assigned`: an agent was reserved for a lead. */
export interface AgentAssignedEvent {
  processId: string
  agentId: string
  /** The reservation's id, for `accept`, `reject` and `complete`. */
  reservationId: string
  strategy: string
  attempt: number
  /** When the reservation times out unless accepted (ISO 8601). */
  expiresAt: string
  /** The offer group, when the lead was offered to several agents at once. */
  group?: string
  at: string
}

/** Payload of the `reservation.*` events. */
export interface ReservationEvent {
  reservationId: string
  processId: string
  agentId: string
  attempt: number
  /** The error code that ended it (`reservation.rejected`, `reservation.timed_out`). */
  code?: LeadCallErrorCode
  /** Why, in plain words. */
  reason?: string
  /**
   * `reservation.completed` only: when the agent can be offered again after its wrap-up time (ISO
   * 8601). Absent when there is no wrap-up: the agent is free at once.
   */
  availableAt?: string
  at: string
}

/** Payload of `call.started`. */
export interface CallStartedEvent {
  processId: string
  callId: string
  agentId?: string
  provider: string
  at: string
}

/** Payload of `call.status`. */
export interface CallStatusEvent {
  processId: string
  callId: string
  status: string
  previous: string | null
  at: string
}

/** Payload of `lead.completed`. */
export interface LeadCompletedEvent {
  processId: string
  agentId?: string
  callStatus?: string
  at: string
}

/** Payload of `lead.failed`. */
export interface LeadFailedEvent {
  processId: string
  code: LeadCallErrorCode
  message: string
  at: string
}

/** Payload of `import.progress`: a CSV import moving on. */
export interface ImportProgressEvent {
  importId: string
  /** Rows read so far (header excluded). */
  rows: number
  accepted: number
  queued: number
  rejected: number
  duplicates: number
  done: boolean
}

/** Payload of `conversation.message`: an inbound message was classified. */
export interface ConversationMessageEvent {
  /** The contact's phone, masked unless PII masking is off. */
  contact: string
  channel: string
  quality: 'hot' | 'warm' | 'cold'
  nextAction: string
  /** The classifier that decided. */
  classifier: string
  at: string
}

/** Payload of `conversation.lead`: a qualified conversation's lead was handed off, or failed to be. */
export interface ConversationLeadEvent {
  /** The contact's phone, masked unless PII masking is off. */
  contact: string
  /** `failed` leads are retried with the contact's next message. */
  status: 'created' | 'failed'
  quality: 'hot' | 'warm' | 'cold'
  /** The CRM record, when a CRM is configured. */
  crmId?: string
  /** The lead process of the immediate call, for hot leads when calling is configured. */
  processId?: string
  error?: { code: LeadCallErrorCode; message: string }
  at: string
}

/** Payload of `listener.error`: a listener threw; the error was caught so the pipeline goes on. */
export interface ListenerErrorEvent {
  event: string
  error: unknown
}

/**
 * Every event leadcall emits, by name, with its payload. Subscribe with `app.on(name, handler)`.
 */
export interface LeadCallEventMap {
  'lead.received': LeadReceivedEvent
  'lead.queued': LeadQueuedEvent
  'agent.assigned': AgentAssignedEvent
  'reservation.accepted': ReservationEvent
  'reservation.rejected': ReservationEvent
  'reservation.timed_out': ReservationEvent
  'reservation.withdrawn': ReservationEvent
  'reservation.completed': ReservationEvent
  'call.started': CallStartedEvent
  'call.status': CallStatusEvent
  'lead.completed': LeadCompletedEvent
  'lead.failed': LeadFailedEvent
  'agent.status': AgentStatusEvent
  'agent.upserted': AgentUpsertedEvent
  'agent.removed': AgentRemovedEvent
  'import.progress': ImportProgressEvent
  'conversation.message': ConversationMessageEvent
  'conversation.lead': ConversationLeadEvent
  'listener.error': ListenerErrorEvent
}

/** The name of a leadcall event. */
export type LeadCallEventName = keyof LeadCallEventMap

/** A handler of event `K`. */
export type LeadCallListener<K extends LeadCallEventName> = (payload: LeadCallEventMap[K]) => void
