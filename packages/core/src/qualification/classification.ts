import { z } from 'zod'

/**
 * How good a lead is, by the qualification rubric (docs/qualification.md):
 * - `hot`: contact known (a name plus the phone it writes from, or an email), a specific product or
 *   need, and a budget or clear urgency;
 * - `warm`: some contact information and a general interest or a specific question, but not hot;
 * - `cold`: only a greeting, a vague message, or no interest at all.
 */
export const LeadQualitySchema = z.enum(['hot', 'warm', 'cold'])
/** How good a lead is, see {@link LeadQualitySchema}. */
export type LeadQuality = z.infer<typeof LeadQualitySchema>

/**
 * What the person wants: `sales` (buy something), `support` (order status, complaint, warranty,
 * delivery, return) or `other`.
 */
export const LeadIntentSchema = z.enum(['sales', 'support', 'other'])
/** What the person wants, see {@link LeadIntentSchema}. */
export type LeadIntent = z.infer<typeof LeadIntentSchema>

/**
 * What to do next with a conversation; the first that applies, in this order:
 * 1. `transfer_to_support` — support intent;
 * 2. `create_lead` — hot, or warm with a name and a specific need after at least one question;
 * 3. `request_contact_info` — the interest is known, the name is not;
 * 4. `ask_about_interest` — the name is known, no product or need;
 * 5. `gather_more_details` — interest and name known, no budget or urgency;
 * 6. `ask_clarifying_question` — nothing usable yet.
 */
export const NextActionSchema = z.enum([
  'transfer_to_support',
  'create_lead',
  'request_contact_info',
  'ask_about_interest',
  'gather_more_details',
  'ask_clarifying_question',
])
/** What to do next with a conversation, see {@link NextActionSchema}. */
export type NextAction = z.infer<typeof NextActionSchema>

/** How soon the person needs it: `high` (today, this week, "urgente", "subito"), `medium`, `low`. */
export const UrgencySchema = z.enum(['high', 'medium', 'low'])
/** How soon the person needs it, see {@link UrgencySchema}. */
export type Urgency = z.infer<typeof UrgencySchema>

/** A budget: an amount and an ISO 4217 currency code. */
export const BudgetSchema = z.strictObject({
  /** The amount, in units of the currency (2000 for "2.000 €"). */
  amount: z.number().nonnegative().finite(),
  /** ISO 4217 code, upper case: `EUR`, `USD`, `GBP`, … */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .describe('ISO 4217 currency code'),
})
/** A budget, see {@link BudgetSchema}. */
export type Budget = z.infer<typeof BudgetSchema>

/** The fields a classifier extracts from a conversation; each is absent when not known. */
export const ExtractedFieldsSchema = z.strictObject({
  /** The person's name as they gave it ("María", "Luca Rossi"). */
  name: z.string().min(1).max(200).optional(),
  /** An email address found in the messages. */
  email: z.string().min(3).max(320).optional(),
  /** A phone number: the one the person writes from, or one found in the messages (E.164 when possible). */
  phone: z.string().min(3).max(40).optional(),
  /** A city, from the configured list. */
  city: z.string().min(1).max(200).optional(),
  /** The specific product or need ("sofá", "divano letto", "corner sofa"). */
  productInterest: z.string().min(1).max(300).optional(),
  /** The budget. */
  budget: BudgetSchema.optional(),
  /** How soon. */
  urgency: UrgencySchema.optional(),
  /** The conversation's language, ISO 639-1 (`es`, `it`, `en`, …). */
  language: z.string().min(2).max(8).optional(),
})
/** The fields a classifier extracts, see {@link ExtractedFieldsSchema}. */
export type ExtractedFields = z.infer<typeof ExtractedFieldsSchema>

/**
 * The fields completeness is measured on, in the order a conversation asks for them. `contact`
 * counts as known with a name plus a phone, or an email.
 */
export const QUALIFICATION_FIELDS = ['name', 'contact', 'productInterest', 'budgetOrUrgency'] as const
/** One of {@link QUALIFICATION_FIELDS}. */
export type QualificationField = (typeof QUALIFICATION_FIELDS)[number]

/** Why a classifier answered with its fallback's result instead of its own. */
export const FallbackReasonSchema = z.enum(['api_error', 'timeout', 'refusal', 'invalid_output'])
/** Why a classifier fell back, see {@link FallbackReasonSchema}. */
export type FallbackReason = z.infer<typeof FallbackReasonSchema>

/** Tokens an LLM classifier spent on one classification. */
export const TokenUsageSchema = z.strictObject({
  /** Prompt tokens. */
  inputTokens: z.number().int().nonnegative(),
  /** Completion tokens. */
  outputTokens: z.number().int().nonnegative(),
  /** Both, as the vendor reported it. */
  totalTokens: z.number().int().nonnegative(),
})
/** Tokens spent, see {@link TokenUsageSchema}. */
export type TokenUsage = z.infer<typeof TokenUsageSchema>

/** The result of {@link ClassifierV1.classify}. */
export const ClassificationSchema = z.strictObject({
  /** hot, warm or cold. */
  quality: LeadQualitySchema,
  /** 0–100: how good the lead is (hot ≥ 70, warm 40–69, cold < 40 by convention). */
  score: z.number().int().min(0).max(100),
  /** 0–1: the share of {@link QUALIFICATION_FIELDS} that are known. */
  completeness: z.number().min(0).max(1),
  /** The {@link QUALIFICATION_FIELDS} still missing, in the order to ask for them. */
  missingFields: z.array(z.enum(QUALIFICATION_FIELDS)),
  /** What was extracted. */
  extracted: ExtractedFieldsSchema,
  /** sales, support or other. */
  intent: LeadIntentSchema,
  /** What to do next. */
  nextAction: NextActionSchema,
  /** The follow-up to send, in the conversation's language ('' when none is needed). */
  question: z.string().max(1000),
  /** The conversation's language, ISO 639-1. */
  language: z.string().min(2).max(8),
  /** 0–1: how sure the classifier is. */
  confidence: z.number().min(0).max(1),
  /** Short reasons for the decision, for people reading the CRM (e.g. "budget 2000 EUR"). */
  reasons: z.array(z.string().max(300)).max(20),
  /** The classifier that produced this result (`rules`, `openai:gpt-4.1-mini`, …). */
  classifier: z.string().min(1),
  /**
   * Present when an LLM classifier could not answer and its fallback (the rule classifier by
   * default) produced this result: which classifier failed, why, and a message without secrets.
   */
  fallback: z
    .strictObject({
      from: z.string(),
      reason: FallbackReasonSchema,
      message: z.string(),
    })
    .optional(),
  /** Tokens spent, for LLM classifiers (also when they fell back after spending some). */
  usage: TokenUsageSchema.optional(),
})
/** The result of a classification, see {@link ClassificationSchema}. */
export type Classification = z.infer<typeof ClassificationSchema>
