/**
 * CloudTalk adapter for leadcall: click-to-call (CloudTalk rings the agent, then the lead) or
 * campaign mode (the lead's contact gets the agent's campaign tag), contact sync (single and
 * bulk), agents' presence, and call events from CloudTalk's Workflow Automation requests,
 * correlated to leadcall's dial attempts, with the call history as a fallback.
 *
 * - {@link cloudtalk} creates the telephony provider to pass to `createLeadCall({ telephony })`;
 * - {@link cloudtalkCrm} writes qualified leads to CloudTalk contacts as a CRM adapter
 *   (`createLeadCall({ crm })`), with notes on updates;
 * - {@link createCloudTalkRateLimiter} makes the limiter of a company's 60 requests a minute,
 *   to share between providers;
 * - {@link verifyCloudTalkWebhookSecret} and {@link readCloudTalkCallNotice} check and read
 *   workflow requests;
 * - {@link parseCloudTalkAgents}, {@link mapCloudTalkPresence} and the envelope schemas read
 *   CloudTalk's answers.
 *
 * @packageDocumentation
 */

export { CloudTalkApiError } from './cloudtalk-api.js'
export {
  CLOUDTALK_BULK_MAX_ACTIONS,
  type CloudTalkBulkSyncOptions,
  type CloudTalkBulkSyncResult,
} from './cloudtalk-contacts.js'
export {
  type CloudTalkCrm,
  type CloudTalkCrmOptions,
  cloudtalkCrm,
  cloudtalkCrmNote,
} from './cloudtalk-crm.js'
export {
  type CloudTalkAgent,
  CloudTalkAgentItemSchema,
  CloudTalkAgentSchema,
  CloudTalkAgentsEnvelopeSchema,
  type CloudTalkAgentsPage,
  type CloudTalkAvailabilityStatus,
  CloudTalkAvailabilityStatusSchema,
  type CloudTalkErrorEnvelope,
  CloudTalkErrorEnvelopeSchema,
  type CloudTalkMappedStatus,
  type CloudTalkStatusEnvelope,
  CloudTalkStatusEnvelopeSchema,
  cloudTalkCollectionEnvelope,
  cloudTalkItemEnvelope,
  mapCloudTalkAvailability,
  parseCloudTalkAgents,
} from './cloudtalk-envelope.js'
export { type CloudTalkPresenceAgent, mapCloudTalkPresence } from './cloudtalk-presence.js'
export * from './cloudtalk-provider.js'
export {
  type CloudTalkRateLimiter,
  type CloudTalkRateLimiterOptions,
  type CloudTalkRequestPriority,
  createCloudTalkRateLimiter,
  parseCloudTalkResetTime,
} from './cloudtalk-rate-limiter.js'
export {
  type CloudTalkCdr,
  CloudTalkCdrSchema,
} from './cloudtalk-schemas.js'
export {
  type CloudTalkCallNotice,
  type CloudTalkCallOutcome,
  type CloudTalkCallStage,
  type CloudTalkWebhookField,
  type CloudTalkWebhookFieldMap,
  type CloudTalkWebhookRequest,
  type CloudTalkWebhookSecretOptions,
  DEFAULT_CLOUDTALK_WEBHOOK_FIELDS,
  DEFAULT_SECRET_HEADER,
  DEFAULT_SECRET_PARAM,
  parseCloudTalkOutcome,
  parseCloudTalkStage,
  parseCloudTalkTime,
  type ReadCloudTalkCallNoticeOptions,
  readCloudTalkCallNotice,
  readCloudTalkWebhookRequest,
  STAGE_PARAM,
  verifyCloudTalkWebhookSecret,
} from './cloudtalk-webhook.js'
