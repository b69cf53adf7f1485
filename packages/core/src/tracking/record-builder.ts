/**
 * Builds a process's {@link ProcessRecord} from the pipeline's durable state, the previous record
 * and what the events of this round told.
 *
 * The durable state is the truth: every update rebuilds the record from it, so a missed or late
 * event can never leave a record behind, and two rounds that see the same state build the same
 * record. What the state forgets as the process moves on is carried over from the previous record:
 *
 * - every agent the lead was assigned to (`distribute` step, `detail.assignments`);
 * - when the first dial started (`dial` step, `detail.firstDialAt`) and when the lead first
 *   answered (`track` step, `detail.firstAnsweredAt`);
 * - the processing time, set once (received → first dial started, or → the end when never dialed).
 *
 * @internal
 * @module
 */
import { maskEmail, maskPhone } from '../domain/phone.js'
import {
  type ProcessRecord,
  type ProcessStep,
  type ProcessStepStatus,
  toProcessLead,
} from '../domain/process-record.js'
import { PIPELINE_STEPS, type ProcessState, type StepOutcome } from '../pipeline/process-state.js'
import type { ZonedCalendar } from './zoned-calendar.js'

/** What the events handled in one round told about a process. @internal */
export interface EventNotes {
  /** Agents assigned (`agent.assigned`), in order. */
  assigned: { agentId: string; reservationId: string }[]
  /** When the first `call.started` of the round started (ms). */
  dialAt?: number
}

/** One assignment as the record keeps it. @internal */
export interface RecordedAssignment {
  agentId: string
  reservationId: string
}

/** Detail keys tracking adds to the steps. @internal */
export const DETAIL = {
  assignments: 'assignments',
  routing: 'routing',
  firstDialAt: 'firstDialAt',
  firstAnsweredAt: 'firstAnsweredAt',
  contactId: 'contactId',
  callId: 'callId',
  callStatus: 'callStatus',
  talkSec: 'talkSec',
} as const

/** At most this many assignments are kept in a record. */
const MAX_ASSIGNMENTS = 100

/** What the builder needs besides the state. @internal */
export interface BuildContext {
  mask: boolean
  tenant: string
  calendar: ZonedCalendar
  iso: (ms: number) => string
  now: number
}

const CLOSED = new Set(['completed', 'failed', 'rejected'])

/** Builds the record of `state`. @internal */
export function buildRecord(
  prev: ProcessRecord | undefined,
  state: ProcessState,
  notes: EventNotes,
  ctx: BuildContext,
): ProcessRecord {
  const { iso } = ctx
  const closed = CLOSED.has(state.status)
  const zoned = ctx.calendar.at(state.receivedAt)
  const prevSteps = new Map(prev?.steps.map((s) => [s.name, s]))

  // Milestones, each set once.
  const firstDialAt =
    stepDetail(prevSteps.get('dial'), DETAIL.firstDialAt) ??
    (notes.dialAt !== undefined
      ? iso(notes.dialAt)
      : state.steps.dial?.status === 'done'
        ? iso(startOf(state.steps.dial))
        : undefined)
  const firstAnsweredAt =
    stepDetail(prevSteps.get('track'), DETAIL.firstAnsweredAt) ??
    (state.call?.answeredAt !== undefined && Number.isFinite(state.call.answeredAt)
      ? iso(state.call.answeredAt)
      : undefined)

  const assignments = mergeAssignments(prevSteps.get('distribute'), notes, state)

  const steps: ProcessStep[] = []
  for (const name of PIPELINE_STEPS) {
    const outcome = state.steps[name]
    let step: ProcessStep | undefined = outcome ? toStep(name, outcome, iso, ctx.mask) : undefined
    const extra: Record<string, unknown> = {}
    if (name === 'contactSync' && state.contact?.contactId) extra[DETAIL.contactId] = state.contact.contactId
    if (name === 'distribute' && assignments.length > 0) extra[DETAIL.assignments] = assignments
    if (name === 'distribute' && state.routing !== undefined) extra[DETAIL.routing] = state.routing
    if (name === 'dial') {
      if (firstDialAt !== undefined) extra[DETAIL.firstDialAt] = firstDialAt
      if (step && state.attempt) extra[DETAIL.callId] = state.attempt.callId
    }
    if (name === 'track') {
      if (state.call) {
        extra[DETAIL.callStatus] = state.call.status
        if (state.call.talkSec !== undefined) extra[DETAIL.talkSec] = state.call.talkSec
      }
      if (firstAnsweredAt !== undefined) extra[DETAIL.firstAnsweredAt] = firstAnsweredAt
      if (!step && state.call?.status === 'answered') {
        // The call is on and has no outcome yet: the step runs.
        step = { name, status: 'running' }
        if (state.call.answeredAt !== undefined) step.startedAt = iso(state.call.answeredAt)
      }
    }
    if (!step) {
      if (Object.keys(extra).length === 0) continue
      step = { name, status: 'pending' }
    }
    if (Object.keys(extra).length > 0) step.detail = { ...step.detail, ...extra }
    steps.push(step)
  }

  const record: ProcessRecord = {
    processId: state.processId,
    type: prev?.type ?? 'lead',
    timestamp: iso(state.receivedAt),
    updatedAt: iso(ctx.now),
    status: state.status,
    // The lead never changes but for its priority: masking (a phone parse) is done once.
    lead:
      prev && prev.lead.id === state.lead.id
        ? { ...prev.lead, priority: state.lead.priority }
        : toProcessLead(state.lead, { mask: ctx.mask }),
    steps,
    attempts: state.dials,
    metadata: {
      dayOfWeek: zoned.weekday,
      hourOfDay: zoned.hour,
      source: state.lead.source,
      tenant: ctx.tenant,
    },
  }
  if (closed) {
    record.success = state.status === 'completed'
    record.finalStatus = state.call?.status ?? state.status
  }
  const processing =
    prev?.processingTimeMs ??
    (firstDialAt !== undefined
      ? Date.parse(firstDialAt) - state.receivedAt
      : closed
        ? state.updatedAt - state.receivedAt
        : undefined)
  if (processing !== undefined) record.processingTimeMs = Math.max(0, processing)
  const agent = state.attempt
    ? { id: state.attempt.agentId, name: state.attempt.agentName ?? state.attempt.agentId }
    : prev?.agent
  if (agent) record.agent = agent
  const contactId = state.contact?.contactId ?? prev?.contactId
  if (contactId) record.contactId = contactId
  const callId = state.steps.dial && state.attempt ? state.attempt.callId : prev?.callId
  if (callId) record.callId = callId
  if (state.error) {
    record.errorCode = state.error.code
    const message = ctx.mask ? scrubPii(state.error.message) : state.error.message
    record.errorMessage = message.slice(0, 2000)
  }
  return record
}

/** True when two records differ in more than `updatedAt`. @internal */
export function recordChanged(prev: ProcessRecord | undefined, next: ProcessRecord): boolean {
  if (!prev) return true
  // Cheap fields first; the steps, the bulk of a record, last.
  if (
    prev.status !== next.status ||
    prev.attempts !== next.attempts ||
    prev.success !== next.success ||
    prev.finalStatus !== next.finalStatus ||
    prev.processingTimeMs !== next.processingTimeMs ||
    prev.agent?.id !== next.agent?.id ||
    prev.agent?.name !== next.agent?.name ||
    prev.contactId !== next.contactId ||
    prev.callId !== next.callId ||
    prev.errorCode !== next.errorCode ||
    prev.errorMessage !== next.errorMessage ||
    prev.steps.length !== next.steps.length
  ) {
    return true
  }
  const rest = (r: ProcessRecord) => JSON.stringify([r.lead, r.metadata, r.type, r.timestamp])
  if (rest(prev) !== rest(next)) return true
  for (let i = 0; i < prev.steps.length; i++) {
    const a = prev.steps[i]!
    const b = next.steps[i]!
    if (
      a.name !== b.name ||
      a.status !== b.status ||
      a.startedAt !== b.startedAt ||
      a.endedAt !== b.endedAt ||
      a.durationMs !== b.durationMs ||
      a.errorCode !== b.errorCode ||
      JSON.stringify(a.detail) !== JSON.stringify(b.detail)
    ) {
      return true
    }
  }
  return false
}

/** Whether a record's process is still open. @internal */
export function isOpen(record: ProcessRecord): boolean {
  return !CLOSED.has(record.status) && record.status !== 'duplicate'
}

/** A string detail of a step. @internal */
export function stepDetail(step: ProcessStep | undefined, key: string): string | undefined {
  const value = step?.detail?.[key]
  return typeof value === 'string' ? value : undefined
}

/** The assignments a record keeps. @internal */
export function assignmentsOf(record: ProcessRecord): RecordedAssignment[] {
  const step = record.steps.find((s) => s.name === 'distribute')
  const value = step?.detail?.[DETAIL.assignments]
  return Array.isArray(value) ? (value as RecordedAssignment[]) : []
}

function mergeAssignments(
  prevStep: ProcessStep | undefined,
  notes: EventNotes,
  state: ProcessState,
): RecordedAssignment[] {
  const prev = prevStep?.detail?.[DETAIL.assignments]
  const out: RecordedAssignment[] = Array.isArray(prev) ? [...(prev as RecordedAssignment[])] : []
  const seen = new Set(out.map((a) => a.reservationId))
  const add = (agentId: string, reservationId: string) => {
    if (seen.has(reservationId) || out.length >= MAX_ASSIGNMENTS) return
    seen.add(reservationId)
    out.push({ agentId, reservationId })
  }
  for (const a of notes.assigned) add(a.agentId, a.reservationId)
  // The current attempt counts even when its event went to another process's tracker.
  if (state.attempt) add(state.attempt.agentId, state.attempt.reservationId)
  return out
}

const STEP_STATUS: Record<StepOutcome['status'], ProcessStepStatus> = {
  done: 'done',
  skipped: 'skipped',
  failed: 'failed',
  waiting: 'running',
}

function startOf(outcome: StepOutcome): number {
  return outcome.at - (outcome.durationMs ?? 0)
}

function toStep(
  name: ProcessStep['name'],
  outcome: StepOutcome,
  iso: (ms: number) => string,
  mask: boolean,
): ProcessStep {
  const step: ProcessStep = { name, status: STEP_STATUS[outcome.status], startedAt: iso(startOf(outcome)) }
  if (outcome.status !== 'waiting') step.endedAt = iso(outcome.at)
  if (outcome.durationMs !== undefined) step.durationMs = Math.max(0, outcome.durationMs)
  if (outcome.errorCode !== undefined) step.errorCode = outcome.errorCode
  if (outcome.detail !== undefined) {
    const detail: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(outcome.detail)) {
      if (value === undefined) continue
      detail[key] = mask && typeof value === 'string' ? scrubPii(value) : value
    }
    step.detail = detail
  }
  return step
}

const EMAIL_RE = /[^\s@<>()"',;:]+@[^\s@<>()"',;:]+\.[A-Za-z]{2,}/g
/** International numbers (leadcall keeps phones in E.164, so a leaked one starts with `+`). */
const PHONE_RE = /\+\d[\d ().-]{6,}\d/g

/**
 * Masks what looks like an e-mail address or an international phone number (`+` and digits) in
 * free text, as leadcall masks them in records, logs and errors: for adapters quoting a vendor's
 * message.
 *
 * @example
 * ```ts
 * scrubPii("The 'To' number +34600111077 is not valid") // "The 'To' number +34600****077 is not valid"
 * ```
 */
export function scrubPii(text: string): string {
  return text
    .replace(EMAIL_RE, (email) => maskEmail(email))
    .replace(PHONE_RE, (phone) => {
      return maskPhone(`+${phone.replace(/\D/g, '')}`)
    })
}
