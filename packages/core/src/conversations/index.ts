export type {
  Conversation,
  ConversationAnalytics,
  ConversationAnalyticsQuery,
  ConversationCallOptions,
  ConversationLead,
  ConversationStatus,
  ConversationsApi,
  InboundMessage,
  ReceiveResult,
} from './conversation-types.js'
export {
  type ConversationsConfig,
  ConversationsConfigSchema,
  DEFAULT_CONVERSATION_TTL_MS,
} from './conversations-config.js'
