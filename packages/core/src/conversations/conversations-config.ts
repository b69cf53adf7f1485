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
  /** The lead's `source` for leads that come from conversations (default: the channel, e.g. `whatsapp`). */
  source: z.string().min(1).max(100).optional(),
})

/** What the `conversations` option accepts. */
export type ConversationsConfig = z.input<typeof ConversationsConfigSchema>
