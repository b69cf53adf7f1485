/** Key layout of conversation state within a tenant namespace. */
export const conversationKeys = {
  /** A conversation, by the contact's E.164 phone. */
  conversation: (phone: string) => `conv:${phone}`,
  conversationPrefix: 'conv:',
  /** A message id seen on a channel (de-duplication of redeliveries). */
  seenMessage: (channel: string, id: string) => `conv-msg:${channel}:${id}`,
  /** A counter of conversation analytics for one UTC day. */
  counter: (day: string, metric: string) => `conv-stats:${day}:${metric}`,
} as const
