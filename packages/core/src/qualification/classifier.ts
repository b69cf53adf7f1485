import type { Classification } from './classification.js'

/** One message of a conversation, as a classifier reads it. */
export interface ConversationMessage {
  /** `user` is the prospect; `assistant` is what was sent back (questions). */
  role: 'user' | 'assistant'
  /** The text. */
  text: string
  /** When it was sent (ISO 8601), if known. */
  at?: string
  /** The channel's message id (Twilio `MessageSid`), if known. */
  id?: string
}

/** What is already known about the person before reading the messages. */
export interface KnownContact {
  /** Their name, e.g. a WhatsApp profile name. */
  name?: string
  /** The phone they write from (E.164). */
  phone?: string
  /** Their email. */
  email?: string
  /** Their city. */
  city?: string
}

/** The input of {@link ClassifierV1.classify}. */
export interface ClassifyInput {
  /** The conversation so far, oldest first. At least one message. */
  messages: readonly ConversationMessage[]
  /** What is already known about the person (from the channel or a CRM). */
  lead?: KnownContact
  /** The conversation's language (ISO 639-1) when known; otherwise the classifier detects it. */
  language?: string
}

/** Options of {@link ClassifierV1.classify}. */
export interface ClassifyOptions {
  /** Cancels the classification; an LLM classifier aborts its request. */
  signal?: AbortSignal
}

/**
 * The classifier specification: reads a conversation (or a lead) and decides, by the rubric of
 * docs/qualification.md, how good the lead is and what to ask next.
 *
 * `ruleClassifier()` is the default (deterministic, no network); `openaiClassifier()` from
 * `@leadcall/openai` and `geminiClassifier()` from `@leadcall/gemini` ask an LLM and fall back to the
 * rules. Implement it to plug in any other model.
 */
export interface ClassifierV1 {
  /** The specification version this classifier implements. */
  readonly specificationVersion: 'v1'
  /** A short name reported in `Classification.classifier`, e.g. `rules`. */
  readonly name: string
  /**
   * Classifies a conversation. Resolves with a valid {@link Classification}; rejects with a
   * `LeadCallError` (`VALIDATION_FAILED`) for an input without messages, or with the signal's
   * reason when aborted. LLM classifiers never reject for a vendor failure: they fall back.
   */
  classify(input: ClassifyInput, options?: ClassifyOptions): Promise<Classification>
}
