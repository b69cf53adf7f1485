/**
 * CloudTalk adapter for leadcall: telephony (click-to-call, direct dial or tag/campaign mode),
 * contact sync and agent presence over the CloudTalk REST API.
 *
 * This release ships the response envelopes and the agents list: zod schemas of CloudTalk's
 * `responseData` envelopes, {@link parseCloudTalkAgents} and {@link mapCloudTalkAvailability}.
 * The `cloudtalk({...})` factory lands next.
 *
 * @packageDocumentation
 */

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
