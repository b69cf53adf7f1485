/**
 * Zod schemas of what Twilio's REST API answers, lenient on what Twilio may add or leave null
 * (from `twilio_api_v2010.json`, `api.v2010.account.call` and `api.v2010.account.message`).
 *
 * @module
 */
import { z } from 'zod'
import { CALL_SID, MESSAGE_SID } from './twilio-sids.js'

/** The `status` of a Call resource (`call_enum_status`). */
export const TwilioCallStatusSchema = z.enum([
  'queued',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
])
/** The `status` of a Call resource, see {@link TwilioCallStatusSchema}. */
export type TwilioCallStatus = z.infer<typeof TwilioCallStatusSchema>

/**
 * A Call resource as Twilio returns it from create, fetch and update. Only `sid` is required; the
 * other fields are kept when present (nullable per the spec) and unknown ones are passed through.
 */
export const TwilioCallSchema = z.looseObject({
  /** The call's SID. */
  sid: z.string().regex(CALL_SID),
  /** The account that owns the call. */
  account_sid: z.string().nullish(),
  /** The parent call, for a leg created by `<Dial>`. */
  parent_call_sid: z.string().nullish(),
  /** Where the call goes. */
  to: z.string().nullish(),
  /** The caller id. */
  from: z.string().nullish(),
  /** The call's status; an unknown value is kept as `undefined` rather than failing. */
  status: TwilioCallStatusSchema.optional().catch(undefined),
  /** `outbound-api` for calls created through the API. */
  direction: z.string().nullish(),
  /** Seconds, as a string, once the call ended. */
  duration: z.string().nullish(),
  /** `human`, `machine_start`, …, with answering machine detection. */
  answered_by: z.string().nullish(),
  /** When the call started (RFC 2822). */
  start_time: z.string().nullish(),
  /** When the call ended (RFC 2822). */
  end_time: z.string().nullish(),
})
/** A Call resource, see {@link TwilioCallSchema}. */
export type TwilioCall = z.infer<typeof TwilioCallSchema>

/** A Message resource as Twilio returns it from `POST /Messages.json` (lenient, like {@link TwilioCallSchema}). */
export const TwilioMessageSchema = z.looseObject({
  /** The message's SID (`SM…` or `MM…`). */
  sid: z.string().regex(MESSAGE_SID),
  /** `queued`, `sending`, `sent`, `delivered`, `read` (WhatsApp), `failed`, … */
  status: z.string().nullish(),
  /** The recipient, `whatsapp:+…` for WhatsApp. */
  to: z.string().nullish(),
  /** The sender. */
  from: z.string().nullish(),
})
/** A Message resource, see {@link TwilioMessageSchema}. */
export type TwilioMessage = z.infer<typeof TwilioMessageSchema>

/** Twilio's error body: `{ code, message, more_info, status }`. */
export const TwilioErrorBodySchema = z.looseObject({
  /** Twilio's error code, e.g. 21211 (invalid `To`), 20429 (too many requests). */
  code: z.number().int().nullish(),
  /** Twilio's explanation. */
  message: z.string().nullish(),
  /** A link to the error's documentation. */
  more_info: z.string().nullish(),
  /** The HTTP status. */
  status: z.number().int().nullish(),
})
