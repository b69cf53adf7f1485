import type { LeadRouting } from '../distribution/lead-routing.js'
import type { Lead } from '../domain/lead.js'
import { type ProcessStepName, ProcessStepNameSchema } from '../domain/process-record.js'
import type { LeadCallErrorCode } from '../errors/lead-call-error.js'

/** The steps of a lead process, in order (the domain's `ProcessStepNameSchema`). */
export const PIPELINE_STEPS = ProcessStepNameSchema.options

/** One step of a lead process. */
export type PipelineStep = ProcessStepName

/** Where a lead process stands. Open statuses are `received`, `queued`, `dialing` and `in_call`. */
export type PipelineStatus =
  | 'received'
  | 'queued'
  | 'dialing'
  | 'in_call'
  | 'completed'
  | 'failed'
  | 'rejected'

/** Statuses a process can still move from. */
export const OPEN_STATUSES: ReadonlySet<PipelineStatus> = new Set([
  'received',
  'queued',
  'dialing',
  'in_call',
])

/** The outcome of one step. */
export interface StepOutcome {
  status: 'done' | 'skipped' | 'failed' | 'waiting'
  at: number
  durationMs?: number
  errorCode?: LeadCallErrorCode
  detail?: Record<string, unknown>
}

/** The dial attempt in progress. */
export interface DialAttempt {
  attemptId: string
  agentId: string
  agentName?: string
  reservationId: string
  callId: string
  /**
   * `recorded`: written before the provider was asked (a crash here leaves the outcome unknown);
   * `accepted`: the provider took the request; `ended`: the call ended.
   */
  state: 'recorded' | 'accepted' | 'ended'
  providerCallId?: string
  startedAt: number
  /** Whether the agent's leg answered (the reservation was accepted). */
  agentConnected: boolean
}

/** The durable state of one lead process: every step's outcome is written before the next runs. */
export interface ProcessState {
  processId: string
  status: PipelineStatus
  /** The next step to run (`done` when nothing is left). */
  next: PipelineStep | 'done'
  receivedAt: number
  updatedAt: number
  lead: Lead
  steps: Partial<Record<PipelineStep, StepOutcome>>
  /** Agents dialed for this lead (a failed agent is never dialed again for it). */
  tried: string[]
  /** Where the lead may go (pool, required skills), decided when it was received. */
  routing?: LeadRouting
  /** Dial attempts made (agent or lead failures both count). */
  dials: number
  /** Re-dials of the lead after it did not answer. */
  redials: number
  /** Dial requests the provider refused for reasons other than the agent (retried further apart). */
  refusals?: number
  attempt?: DialAttempt
  contact?: { status: 'pending' | 'synced' | 'failed'; contactId?: string; tries: number; error?: string }
  queued?: { reason: LeadCallErrorCode; since: number; until?: number }
  error?: { code: LeadCallErrorCode; message: string }
  /** Outcome of the last call. */
  call?: { status: string; agentId?: string; talkSec?: number; answeredAt?: number }
  /** Keys that must be released when the process closes. */
  openKey?: string
}
