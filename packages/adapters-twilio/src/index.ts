/**
 * Twilio adapter for leadcall: Twilio Voice (bridged agent ↔ lead calls, status callbacks, TwiML,
 * `X-Twilio-Signature` verification) and Twilio WhatsApp inbound messages and replies.
 *
 * - {@link twilio} creates the telephony provider to pass to `createLeadCall({ telephony })`;
 * - {@link twiml} builds escaped TwiML documents;
 * - {@link verifyTwilioSignature} and {@link computeTwilioSignature} check and compute signatures;
 * - {@link parseTwilioStatusCallback} and {@link parseTwilioWhatsAppMessage} read Twilio's webhooks.
 *
 * The zod schemas of Twilio's REST resources (`TwilioCallSchema`, …) live in
 * `@leadcall/twilio/schemas`: importing this entry does not load zod, ky or the rest of
 * `@leadcall/core` (the adapter imports `@leadcall/core/provider`), and the REST client loads
 * what it needs with its first request.
 *
 * @packageDocumentation
 */

export { TwilioApiError } from './twilio-api.js'
export * from './twilio-provider.js'
export { createRateLimiter, type RateLimiter } from './twilio-rate-limiter.js'
export type { TwilioCall, TwilioCallStatus, TwilioMessage } from './twilio-schemas.js'
export {
  type ComputeTwilioSignatureInput,
  computeTwilioSignature,
  type TwilioParams,
  type VerifyTwilioSignatureInput,
  verifyTwilioSignature,
} from './twilio-signature.js'
export {
  mapAnsweredBy,
  type ParseTwilioStatusCallbackOptions,
  parseTwilioStatusCallback,
  type TwilioWebhookRequest,
  type VerifyTwilioRequestOptions,
  verifyTwilioRequest,
} from './twilio-webhook.js'
export * from './twilio-whatsapp.js'
export * from './twiml.js'
