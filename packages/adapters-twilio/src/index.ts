/**
 * Twilio adapter for leadcall: Twilio Voice (bridged agent ↔ lead calls, status callbacks, TwiML)
 * and Twilio WhatsApp inbound.
 *
 * This release ships the webhook signature check ({@link verifyTwilioSignature},
 * {@link computeTwilioSignature}); the `twilio({...})` telephony factory lands next.
 *
 * @packageDocumentation
 */

export {
  type ComputeTwilioSignatureInput,
  computeTwilioSignature,
  type TwilioParams,
  type VerifyTwilioSignatureInput,
  verifyTwilioSignature,
} from './twilio-signature.js'
