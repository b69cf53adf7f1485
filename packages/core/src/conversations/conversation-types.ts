import type { CrmLeadResult } from '../crm/crm-adapter.js'
import type { LeadCallErrorCode } from '../errors/lead-call-error.js'
import type { SubmitLeadResult } from '../pipeline/lead-pipeline.js'
import type { Classification, LeadQuality, NextAction } from '../qualification/classification.js'
import type { ConversationMessage } from '../qualification/classifier.js'

/** An inbound message, as a channel (WhatsApp through Twilio, SMS, a web chat) delivers it. */
export interface InboundMessage {
  /** The sender's phone: E.164, a national number, or a channel address such as `whatsapp:+34…`. */
  from: string
  /** The text (may be empty for a media-only message). */
  text: string
  /** The channel's message id (Twilio `MessageSid`): a message seen before is ignored. */
  id?: string
  /** The channel, e.g. `whatsapp` (default `whatsapp`). */
  channel?: string
  /** The sender's profile name, when the channel shares it (WhatsApp `ProfileName`). */
  profileName?: string
  /** When it was sent (default: when it was received). */
  at?: Date | string
}

/** Where a conversation stands. */
export type ConversationStatus = 'active' | 'completed' | 'transferred'

/** What became of the lead a conversation produced. */
export interface ConversationLead {
  /** `pending` while the CRM and the call are being reached, `created` once done, `failed` if they refused. */
  status: 'pending' | 'created' | 'failed'
  /** The quality it was created with. */
  quality: LeadQuality
  /** When the conversation decided to create it (ISO 8601). */
  decidedAt: string
  /** The CRM record, when a CRM is configured. */
  crm?: CrmLeadResult
  /** The lead process of the immediate call, when it was hot and calling is configured. */
  call?: { processId: string; status: SubmitLeadResult['status'] | 'duplicate' }
  /**
   * Why it failed, when it did. It is tried again by itself after each delay of
   * `conversations.handoffRetryMs`, and with every next message of the contact.
   */
  error?: { code: LeadCallErrorCode; message: string }
  /** How many times it was tried. */
  attempts: number
  /** When it is tried again by itself (ISO 8601), while it has failed and retries are left. */
  retryAt?: string
}

/** A conversation as stored: one per contact phone, expiring after the configured TTL of silence. */
export interface Conversation {
  /** The contact's phone in E.164: the conversation's key. */
  phone: string
  /** The channel it runs on. */
  channel: string
  /** Where it stands. */
  status: ConversationStatus
  /** The contact's profile name, when the channel shared it. */
  profileName?: string
  /** When the first message arrived (ISO 8601). */
  startedAt: string
  /** When the last message arrived or was sent (ISO 8601). */
  updatedAt: string
  /** The whole history, oldest first: the contact's messages and the replies sent. */
  messages: ConversationMessage[]
  /** The decision after the last inbound message. */
  classification?: Classification
  /** The lead it produced, once the classifier said `create_lead`. */
  lead?: ConversationLead
}

/** What {@link ConversationsApi.receive} returns. */
export interface ReceiveResult {
  /** True when the message id was seen before: nothing changed and nothing is to be sent. */
  duplicate: boolean
  /** The reply to send back, or none. */
  reply?: string
  /** The decision after this message (absent for a duplicate). */
  classification?: Classification
  /** The conversation after this message. */
  conversation: Conversation | null
}

/** Options of {@link ConversationsApi} calls that wait on I/O. */
export interface ConversationCallOptions {
  /** Cancels the call while it waits on storage, the classifier, the CRM or the pipeline. */
  signal?: AbortSignal
}

/** A period of {@link ConversationsApi.analytics}. */
export interface ConversationAnalyticsQuery extends ConversationCallOptions {
  /** Start of the period (inclusive; default: 30 days before `to`). */
  from?: Date | string
  /** End of the period (inclusive; default: now). */
  to?: Date | string
}

/** Conversation analytics over a period, see {@link ConversationsApi.analytics}. */
export interface ConversationAnalytics {
  /** The period, as UTC days (`YYYY-MM-DD`). */
  period: { from: string; to: string }
  /** Conversations started in the period. */
  started: number
  /** Conversations that produced a lead in the period. */
  completed: number
  /** Conversations handed to support in the period. */
  transferred: number
  /** Conversations alive now (not expired) that neither produced a lead nor went to support. */
  active: number
  /** `completed / started` over the period (0 when none started). */
  conversionRate: number
  /** Mean time from a conversation's first message to its lead, in ms (null when none). */
  averageMsToLead: number | null
  /** Inbound messages classified in the period. */
  messages: number
  /** Classifications by quality (each inbound message counts once) and their shares. */
  quality: Record<LeadQuality, { count: number; share: number }>
  /** Leads created in the period by their quality. */
  leadsByQuality: Record<LeadQuality, number>
  /** Next actions decided (each inbound message counts once) and their shares. */
  nextActions: Record<NextAction, { count: number; share: number }>
  /** Classifications answered by a fallback because an LLM classifier failed. */
  fallbacks: number
}

/** Conversations: per-contact qualification over a messaging channel, see `app.conversations`. */
export interface ConversationsApi {
  /**
   * Takes one inbound message: ignores it when its id was seen before; otherwise appends it,
   * classifies the conversation, stores the decision and the reply, and returns the reply to send.
   * On `create_lead` the lead goes to the CRM (when one is configured) and, when it is hot and
   * calling is configured, through `submitLead` for an immediate call — once per conversation.
   *
   * @throws {LeadCallError} `MISSING_PHONE` / `INVALID_PHONE` for a bad sender, `VALIDATION_FAILED`
   * for an empty or oversized message.
   */
  receive(message: InboundMessage, options?: ConversationCallOptions): Promise<ReceiveResult>
  /** The conversation of a phone (any format the app's default country reads), or `null`. */
  get(phone: string, options?: ConversationCallOptions): Promise<Conversation | null>
  /** The messages of a conversation, oldest first (empty when there is none). */
  history(phone: string, options?: ConversationCallOptions): Promise<Conversation['messages']>
  /** Forgets a conversation (its next message starts a new one). Resolves true when there was one. */
  reset(phone: string, options?: ConversationCallOptions): Promise<boolean>
  /** Conversation analytics over a period, read from counters kept as messages arrive. */
  analytics(query?: ConversationAnalyticsQuery): Promise<ConversationAnalytics>
}
