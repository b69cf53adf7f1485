import type { CrmAdapterV1 } from '../crm/crm-adapter.js'
import type { Lead } from '../domain/lead.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import type { SubmitLeadOptions, SubmitLeadResult } from '../pipeline/lead-pipeline.js'
import type { Classification } from '../qualification/classification.js'
import type { Conversation, ConversationLead } from './conversation-types.js'

/** What the hand-off of a qualified conversation needs. */
export interface HandoffDeps {
  crm: CrmAdapterV1 | undefined
  /** Present when hot leads are called at once (telephony configured and `callHotLeads`). */
  submitLead: ((input: unknown, options?: SubmitLeadOptions) => Promise<SubmitLeadResult>) | undefined
  normalizeLead: (input: unknown) => Lead
  source: string | undefined
}

/** The lead input a conversation produces, in the generic JSON lead shape `submitLead` accepts. */
export function conversationLeadInput(
  conversation: Conversation,
  classification: Classification,
  source: string | undefined,
): Record<string, unknown> {
  const extracted = classification.extracted
  const custom: Record<string, string | number | boolean> = {
    quality: classification.quality,
    score: classification.score,
    intent: classification.intent,
  }
  if (extracted.productInterest !== undefined) custom.productInterest = extracted.productInterest
  if (extracted.budget !== undefined) {
    custom.budgetAmount = extracted.budget.amount
    custom.budgetCurrency = extracted.budget.currency
  }
  if (extracted.urgency !== undefined) custom.urgency = extracted.urgency
  if (extracted.city !== undefined) custom.city = extracted.city
  custom.language = classification.language
  const input: Record<string, unknown> = {
    phone: conversation.phone,
    source: source ?? conversation.channel,
    priority: classification.quality === 'hot' ? 'high' : 'normal',
    tags: [conversation.channel, classification.quality],
    custom,
  }
  const name = extracted.name ?? conversation.profileName
  if (name !== undefined) input.name = name
  if (extracted.email !== undefined) input.email = extracted.email
  return input
}

/** A readable summary of a conversation for a CRM record: the analysis, then the transcript. */
export function summarizeConversation(conversation: Conversation, classification: Classification): string {
  const extracted = classification.extracted
  const lines = [
    `Quality: ${classification.quality} (score ${classification.score}/100, by ${classification.classifier})`,
    `Intent: ${classification.intent}; next action: ${classification.nextAction}`,
  ]
  if (extracted.productInterest !== undefined) lines.push(`Interest: ${extracted.productInterest}`)
  if (extracted.budget !== undefined)
    lines.push(`Budget: ${extracted.budget.amount} ${extracted.budget.currency}`)
  if (extracted.urgency !== undefined) lines.push(`Urgency: ${extracted.urgency}`)
  if (classification.reasons.length > 0) lines.push(`Reasons: ${classification.reasons.join('; ')}`)
  lines.push('', `Conversation (${conversation.channel}, since ${conversation.startedAt}):`)
  for (const message of conversation.messages)
    lines.push(`${message.role === 'user' ? 'Contact' : 'Reply'}: ${message.text}`)
  return lines.join('\n')
}

/**
 * Writes a qualified conversation's lead to the CRM and, when it is hot and calling is on, submits
 * it for an immediate call. Each part done before is not repeated (a retry after a failure picks up
 * where it stopped); `submitLead` carries an idempotency key per conversation, so a crash between
 * the call and the record of it never dials twice.
 */
export async function handOff(
  deps: HandoffDeps,
  conversation: Conversation,
  lead: ConversationLead,
  signal: AbortSignal | undefined,
): Promise<ConversationLead> {
  const classification = conversation.classification
  if (classification === undefined) return lead
  const next: ConversationLead = { ...lead, attempts: lead.attempts + 1 }
  delete next.error
  try {
    const input = conversationLeadInput(conversation, classification, deps.source)
    if (deps.crm !== undefined && next.crm === undefined) {
      next.crm = await deps.crm.upsertLead(
        {
          lead: deps.normalizeLead(input),
          qualification: classification,
          summary: summarizeConversation(conversation, classification),
        },
        { signal },
      )
    }
    if (deps.submitLead !== undefined && lead.quality === 'hot' && next.call === undefined) {
      try {
        const result = await deps.submitLead(input, {
          idempotencyKey: `conversation:${conversation.phone}:${conversation.startedAt}`,
          signal,
        })
        next.call = { processId: result.processId, status: result.status }
      } catch (error) {
        // The contact is already being called by an open process: that is the call.
        if (!(LeadCallError.isInstance(error) && error.code === 'DUPLICATE_LEAD')) throw error
        const processId = (error.details as { processId?: unknown } | undefined)?.processId
        next.call = { processId: typeof processId === 'string' ? processId : '', status: 'duplicate' }
      }
    }
    next.status = 'created'
  } catch (error) {
    signal?.throwIfAborted()
    const failure = LeadCallError.isInstance(error)
      ? error
      : new LeadCallError('CONTACT_CREATION_FAILED', {
          message: 'The lead could not be handed off',
          cause: error,
        })
    next.status = 'failed'
    next.error = { code: failure.code, message: failure.message }
  }
  return next
}
