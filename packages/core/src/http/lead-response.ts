/**
 * The HTTP answer to a submitted lead.
 *
 * @module
 */
import { ERROR_STATUS, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import type { SubmitLeadResult } from '../pipeline/lead-pipeline.js'
import type { PipelineStatus } from '../pipeline/process-state.js'

/**
 * The JSON body of `POST /leads` and `POST /leads/ghl`: the body the systems leadcall replaces
 * answered with (`success`, `message`, `processId`, `selectedAgent`, `steps`), plus the process
 * status, the queue position when queued, and `error` when the lead failed or waits.
 */
export interface LeadResponseBody {
  /** True unless the lead was rejected or failed (a queued lead is not lost: true). */
  success: boolean
  /** What happened, in plain words. */
  message: string
  /** The lead process, for `GET /processes/:id`. */
  processId: string
  /** Where the process stands. */
  status: PipelineStatus
  /** The agent chosen for the lead, or `null`. */
  selectedAgent: { id: string; name: string } | null
  /** Each step's outcome so far. */
  steps: SubmitLeadResult['steps']
  /** 1-based position in the queue, when queued. */
  queuePosition?: number
  /** True when this was a redelivery of a lead already received (the first result is shown). */
  duplicate?: boolean
  /** Why the lead failed or waits. */
  error?: { code: LeadCallErrorCode; message: string }
}

const FAILED: ReadonlySet<PipelineStatus> = new Set(['failed', 'rejected'])

/** Why a queued lead waits, from the step that is waiting (e.g. ` (NO_AGENTS_AVAILABLE)`). */
function waitingReason(result: SubmitLeadResult): string {
  const waiting = Object.values(result.steps).find((step) => step?.status === 'waiting' && step.errorCode)
  return waiting?.errorCode ? ` (${waiting.errorCode})` : ''
}

function messageOf(result: SubmitLeadResult): string {
  const why = result.error ? `: ${result.error.message}` : ''
  let message: string
  switch (result.status) {
    case 'dialing':
      message = `Calling ${result.agent ? `agent ${result.agent.name}` : 'an agent'}`
      break
    case 'in_call':
      message = 'The call is in progress'
      break
    case 'completed':
      message = 'The call has ended'
      break
    case 'queued':
      message = `Lead queued${why || waitingReason(result)}`
      break
    case 'received':
      message = 'Lead received'
      break
    default:
      message = result.error?.message ?? `Lead ${result.status}`
  }
  return result.duplicate ? `Lead already received (${message})` : message
}

/** The response body of a submitted lead, see {@link LeadResponseBody}. */
export function leadResponseBody(result: SubmitLeadResult): LeadResponseBody {
  const body: LeadResponseBody = {
    success: !FAILED.has(result.status),
    message: messageOf(result),
    processId: result.processId,
    status: result.status,
    selectedAgent: result.agent ?? null,
    steps: result.steps,
  }
  if (result.queuePosition !== undefined) body.queuePosition = result.queuePosition
  if (result.duplicate) body.duplicate = true
  if (result.error) body.error = result.error
  return body
}

/**
 * The HTTP status of a submitted lead: 200 once dialing (or further), 202 when queued or still
 * being processed, the error code's status when it was rejected or failed (e.g. 403 for
 * `DNC_BLOCKED`).
 */
export function leadResponseStatus(result: SubmitLeadResult): number {
  switch (result.status) {
    case 'dialing':
    case 'in_call':
    case 'completed':
      return 200
    case 'queued':
    case 'received':
      return 202
    default:
      return result.error ? ERROR_STATUS[result.error.code] : 500
  }
}
