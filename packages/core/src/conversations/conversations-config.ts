import { z } from 'zod'

/** Default of {@link ConversationsConfigSchema} `ttlMs`: 7 days. */
export const DEFAULT_CONVERSATION_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** Settings of `app.conversations`. */
export const ConversationsConfigSchema = z.strictObject({
  /** How long a conversation lives after its last message, in ms (default 7 days). */
  ttlMs: z.number().int().min(1000).default(DEFAULT_CONVERSATION_TTL_MS),
  /** The most messages a conversation keeps; older ones are dropped first (default 200). */
  maxMessages: z.number().int().min(2).max(10_000).default(200),
  /** The longest inbound text accepted, in characters (default 4096). */
  maxMessageLength: z.number().int().min(1).max(65_536).default(4096),
  /** Call hot leads at once through `submitLead` when a telephony provider is configured (default true). */
  callHotLeads: z.boolean().default(true),
  /**
   * Delays (ms) before a hand-off the CRM or the call refused is tried again, without waiting for
   * the contact's next message; their count is the number of automatic retries (default 30 s, 2 min,
   * 10 min, 1 h). The retries are durable jobs in storage: a restart, or a crash in the middle of a
   * hand-off, does not lose them. After the last one the lead stays `failed` until the next message.
   */
  handoffRetryMs: z.array(z.number().int().positive()).max(50).default([30_000, 120_000, 600_000, 3_600_000]),
  /** The lead's `source` for leads that come from conversations (default: the channel, e.g. `whatsapp`). */
  source: z.string().min(1).max(100).optional(),
})

/** What the `conversations` option accepts. */
export type ConversationsConfig = z.input<typeof ConversationsConfigSchema>
