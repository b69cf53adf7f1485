import { z } from 'zod'
import { CallStatusSchema } from './call-session.js'

/** What a call event reports: the call status it reached (every status but `queued`, which is leadcall's own). */
export const CallEventTypeSchema = CallStatusSchema.exclude(['queued'])
/** What a call event reports, see {@link CallEventTypeSchema}. */
export type CallEventType = z.infer<typeof CallEventTypeSchema>

/** Who or what answered a call, as the provider's answering machine detection tells. */
export const AnsweredBySchema = z.enum(['human', 'machine', 'unknown'])
/** Who or what answered a call, see {@link AnsweredBySchema}. */
export type AnsweredBy = z.infer<typeof AnsweredBySchema>

/**
 * Zod schema of a call event as telephony adapters report it, whatever the provider: the status the
 * call reached and what came with it. Adapters map their provider's webhooks and streams to it.
 */
export const CallEventSchema = z.object({
  /** The provider that reported the event (e.g. `twilio`, `cloudtalk`). */
  provider: z.string().min(1).max(100),
  /** The status the call reached. */
  type: CallEventTypeSchema,
  /** The provider's id of the call. */
  providerCallId: z.string().min(1).max(256).optional(),
  /** leadcall's id of the call attempt, when the provider echoes it back. */
  attemptId: z.string().min(1).max(128).optional(),
  /** The lead process, when the provider echoes it back. */
  processId: z.string().min(1).max(128).optional(),
  /** When the status was reached, by the provider's clock (ISO 8601, UTC). */
  at: z.iso.datetime(),
  /** Call duration the provider reports, in seconds. */
  durationSec: z.number().min(0).optional(),
  /** Why the call ended, as the provider tells it (e.g. `NORMAL_CLEARING`). */
  hangupCause: z.string().max(200).optional(),
  /** SIP response code of the call's end, when known (e.g. 486 for busy). */
  sipCode: z.number().int().min(100).max(699).optional(),
  /** Where the recording can be fetched. */
  recordingUrl: z.url().optional(),
  /** Who or what answered, when the provider detects it. */
  answeredBy: AnsweredBySchema.optional(),
  /**
   * Which leg the event is about, when the provider tells them apart: a `no_answer` of the agent's
   * leg sends the lead to the next agent, one of the lead's leg re-dials the lead later.
   */
  party: z.enum(['agent', 'lead']).optional(),
  /** The provider's payload, for debugging; never needed to process the event. */
  raw: z.unknown().optional(),
  /** The provider's ordering of its events for the call, when it gives one. */
  sequence: z.number().optional(),
})
/** A call event reported by a telephony adapter, see {@link CallEventSchema}. */
export type CallEvent = z.infer<typeof CallEventSchema>
