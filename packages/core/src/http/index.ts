export { GHL_RETRY_AFTER_SECONDS } from './ghl-routes.js'
export type {
  GoHighLevelPublicKey,
  GoHighLevelSignatureInput,
  GoHighLevelSignatureResult,
} from './ghl-signature.js'
export { verifyGoHighLevelSignature } from './ghl-signature.js'
export type { HealthReport, HealthStatus } from './health-routes.js'
export type { HttpErrorBody, HttpErrorReason, HttpOnlyErrorCode } from './http-errors.js'
export type { HttpHandler } from './http-handler.js'
export {
  createHttpHandler,
  DEFAULT_GHL_MAX_AGE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_IMPORT_BYTES,
} from './http-handler.js'
export type {
  CallEventParser,
  GoHighLevelWebhookOptions,
  HttpHandlerOptions,
  TwilioWhatsAppSource,
  WhatsAppInbound,
  WhatsAppWebhookOptions,
} from './http-options.js'
export { type LeadIntakeOptions, signLeadRequest } from './lead-intake-auth.js'
export type { LeadResponseBody } from './lead-response.js'
