import { z } from 'zod'
import { LeadCallError } from '../errors/lead-call-error.js'
import type { CallEvent } from './call-event.js'
import { LeadCallErrorCodeSchema } from './error-code.js'

/**
 * The normalized status of a call, whatever the provider: `queued → initiated → ringing → answered
 * → completed`, or one of the other endings `no_answer`, `busy`, `failed`, `canceled`.
 */
export const CallStatusSchema = z.enum([
  'queued',
  'initiated',
  'ringing',
  'answered',
  'completed',
  'no_answer',
  'busy',
  'failed',
  'canceled',
])
/** The normalized status of a call, see {@link CallStatusSchema}. */
export type CallStatus = z.infer<typeof CallStatusSchema>

/**
 * The statuses each status may move to. Events may be lost or skipped, so a call may jump ahead
 * (`initiated → answered`, `ringing → completed` when the `answered` event never came); it never
 * moves back. `no_answer`, `busy` and `canceled` can only end a call that was not answered; an
 * answered call ends `completed` or `failed`. The endings have no way out.
 */
export const CALL_TRANSITIONS = {
  /** Waiting to be placed: anything may follow. */
  queued: ['initiated', 'ringing', 'answered', 'completed', 'no_answer', 'busy', 'failed', 'canceled'],
  /** Placed by the provider. */
  initiated: ['ringing', 'answered', 'completed', 'no_answer', 'busy', 'failed', 'canceled'],
  /** The called phone rings. */
  ringing: ['answered', 'completed', 'no_answer', 'busy', 'failed', 'canceled'],
  /** Answered: only `completed` or `failed` may follow. */
  answered: ['completed', 'failed'],
  /** Ended after an answer. */
  completed: [],
  /** Not answered in time. */
  no_answer: [],
  /** The line was busy. */
  busy: [],
  /** Could not be placed, or dropped by an error. */
  failed: [],
  /** Canceled before it was answered. */
  canceled: [],
} as const satisfies Record<CallStatus, readonly CallStatus[]>

/** The statuses that end a call: no transition leaves them. */
export const TERMINAL_CALL_STATUSES = [
  'completed',
  'no_answer',
  'busy',
  'failed',
  'canceled',
] as const satisfies readonly CallStatus[]
/** A status that ends a call, see {@link TERMINAL_CALL_STATUSES}. */
export type TerminalCallStatus = (typeof TERMINAL_CALL_STATUSES)[number]

/** True when `status` ends the call (no transition leaves it). */
export function isTerminalCallStatus(status: CallStatus): status is TerminalCallStatus {
  return CALL_TRANSITIONS[status].length === 0
}

/** True when a call in status `from` may move to `to` (see {@link CALL_TRANSITIONS}). */
export function canTransitionCall(from: CallStatus, to: CallStatus): boolean {
  return (CALL_TRANSITIONS[from] as readonly CallStatus[]).includes(to)
}

/** How a call connects the lead and the agent. */
export const CallModeSchema = z.enum(['agent_first', 'lead_first', 'campaign'])
/** How a call connects the lead and the agent, see {@link CallModeSchema}. */
export type CallMode = z.infer<typeof CallModeSchema>

/** One status a call went through, and when. */
export const CallHistoryEntrySchema = z.object({
  /** The status reached. */
  status: CallStatusSchema,
  /** When the status was reached (ISO 8601, UTC). */
  at: z.iso.datetime(),
})
/** One status a call went through, see {@link CallHistoryEntrySchema}. */
export type CallHistoryEntry = z.infer<typeof CallHistoryEntrySchema>

/** Zod schema of one call attempt of a lead process, with its normalized status and history. */
export const CallSessionSchema = z.object({
  /** leadcall's id of the call. */
  id: z.string().min(1).max(128),
  /** The lead process the call belongs to. */
  processId: z.string().min(1).max(128),
  /** The lead called. */
  leadId: z.string().min(1).max(128),
  /** The agent connected, when known. */
  agentId: z.string().min(1).max(128).optional(),
  /** The telephony provider placing the call (e.g. `twilio`). */
  provider: z.string().min(1).max(100),
  /** The provider's id of the call, once it gave one. */
  providerCallId: z.string().min(1).max(256).optional(),
  /** Id of the dial attempt, unique per try (retries get new ones); providers echo it back. */
  attemptId: z.string().min(1).max(128),
  /** Calls are placed by leadcall. */
  direction: z.literal('outbound'),
  /** How the call connects the lead and the agent. */
  mode: CallModeSchema,
  /** The current status. */
  status: CallStatusSchema,
  /** When the call was queued (ISO 8601, UTC). */
  createdAt: z.iso.datetime(),
  /** When the provider started the call. */
  initiatedAt: z.iso.datetime().optional(),
  /** When the called phone started ringing. */
  ringingAt: z.iso.datetime().optional(),
  /** When the call was answered. */
  answeredAt: z.iso.datetime().optional(),
  /** When the call ended, whatever the ending. */
  endedAt: z.iso.datetime().optional(),
  /** Whole call duration in seconds, as the provider reports it or from start to end. */
  durationSec: z.number().min(0).optional(),
  /** Seconds from answer to end (0 for unanswered calls). */
  talkSec: z.number().min(0).optional(),
  /** Why the call ended, as the provider tells it. */
  hangupCause: z.string().max(200).optional(),
  /** Where the recording can be fetched. */
  recordingUrl: z.url().optional(),
  /** The leadcall error code of a failed call. */
  errorCode: LeadCallErrorCodeSchema.optional(),
  /** Every status the call reached, oldest first. */
  history: z.array(CallHistoryEntrySchema),
})
/** One call attempt of a lead process, see {@link CallSessionSchema}. */
export type CallSession = z.infer<typeof CallSessionSchema>

/** What {@link createCallSession} needs. */
export interface NewCallSession {
  /** leadcall's id of the call. */
  id: string
  /** The lead process the call belongs to. */
  processId: string
  /** The lead called. */
  leadId: string
  /** The agent connected, when already chosen. */
  agentId?: string
  /** The telephony provider placing the call. */
  provider: string
  /** Id of the dial attempt. */
  attemptId: string
  /** How the call connects the lead and the agent. */
  mode: CallMode
  /** When the call is queued (ISO 8601, UTC). */
  at: string
}

/** A new call session, `queued`, with its first history entry. */
export function createCallSession(init: NewCallSession): CallSession {
  const session: CallSession = {
    id: init.id,
    processId: init.processId,
    leadId: init.leadId,
    provider: init.provider,
    attemptId: init.attemptId,
    direction: 'outbound',
    mode: init.mode,
    status: 'queued',
    createdAt: init.at,
    history: [{ status: 'queued', at: init.at }],
  }
  if (init.agentId !== undefined) session.agentId = init.agentId
  return session
}

/**
 * What {@link transitionCallSession} applies: a {@link CallEvent}, or just a status and a time for
 * the transitions leadcall makes itself.
 */
export type CallSessionUpdate = Pick<CallEvent, 'type' | 'at'> & Partial<Omit<CallEvent, 'type' | 'at'>>

/** The result of {@link transitionCallSession}. */
export interface CallTransitionResult {
  /** The session after the event: a new object when it changed, the same one when it did not. */
  session: CallSession
  /** False when the event was a duplicate or came too late and was ignored. */
  changed: boolean
}

function secondsBetween(from: string | undefined, to: string): number | undefined {
  if (from === undefined) return undefined
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000
  return Number.isFinite(seconds) ? Math.max(0, Math.round(seconds)) : undefined
}

function checkSameCall(session: CallSession, event: CallSessionUpdate): void {
  const mismatched = (['providerCallId', 'attemptId', 'processId'] as const).filter(
    (key) => event[key] !== undefined && session[key] !== undefined && event[key] !== session[key],
  )
  if (mismatched.length > 0) {
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `Invalid call event: ${mismatched.join(', ')} does not match the call session`,
      details: { issues: mismatched.map((path) => ({ path, message: 'Does not match the call session' })) },
    })
  }
}

/**
 * Applies a call event to a session, without changing the session given. An allowed transition
 * (see {@link CALL_TRANSITIONS}) sets the status, its timestamp (`initiatedAt`, `ringingAt`,
 * `answeredAt`, `endedAt`) and history entry; an ending also sets `durationSec` (the provider's, or
 * from start to end), `talkSec`, `hangupCause`, `recordingUrl` and, for `failed`, the error code
 * `CALL_FAILED`. The provider's call id is adopted if the session had none.
 *
 * Duplicates and late, out-of-order events (`ringing` after `answered`, anything after an ending)
 * are ignored: the same session comes back with `changed: false`.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` when the event's `providerCallId`, `attemptId` or
 * `processId` belongs to another call.
 */
export function transitionCallSession(session: CallSession, event: CallSessionUpdate): CallTransitionResult {
  checkSameCall(session, event)
  const to = event.type
  if (!canTransitionCall(session.status, to)) return { session, changed: false }

  const next: CallSession = {
    ...session,
    status: to,
    history: [...session.history, { status: to, at: event.at }],
  }
  if (next.providerCallId === undefined && event.providerCallId !== undefined) {
    next.providerCallId = event.providerCallId
  }
  if (to === 'initiated') next.initiatedAt = event.at
  else if (to === 'ringing') next.ringingAt = event.at
  else if (to === 'answered') next.answeredAt = event.at
  else {
    next.endedAt = event.at
    const duration = event.durationSec ?? secondsBetween(next.initiatedAt ?? next.createdAt, event.at)
    if (duration !== undefined) next.durationSec = duration
    const talk =
      next.answeredAt !== undefined
        ? secondsBetween(next.answeredAt, event.at)
        : to === 'completed'
          ? undefined
          : 0
    if (talk !== undefined) next.talkSec = talk
    if (event.hangupCause !== undefined) next.hangupCause = event.hangupCause
    if (event.recordingUrl !== undefined) next.recordingUrl = event.recordingUrl
    if (to === 'failed' && next.errorCode === undefined) next.errorCode = 'CALL_FAILED'
  }
  return { session: next, changed: true }
}
