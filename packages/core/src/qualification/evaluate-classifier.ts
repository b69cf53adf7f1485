import { z } from 'zod'
import { LeadCallError } from '../errors/lead-call-error.js'
import { LeadIntentSchema, LeadQualitySchema, NextActionSchema } from './classification.js'
import type { ClassifierV1, ClassifyOptions } from './classifier.js'

/** Zod schema of one labelled conversation of an evaluation set (one line of a JSONL file). */
export const LabelledConversationSchema = z.object({
  /** A unique id, e.g. `es-001`. */
  id: z.string().min(1),
  /** The conversation's language, ISO 639-1. */
  language: z.string().min(2).max(8),
  /** The messages, oldest first. */
  messages: z
    .array(
      z.object({
        /** `user` (the prospect) or `assistant`. */
        role: z.enum(['user', 'assistant']),
        /** The text. */
        text: z.string(),
      }),
    )
    .min(1),
  /** What is known about the person before the messages (e.g. a WhatsApp profile name and phone). */
  lead: z
    .object({
      /** Name. */
      name: z.string().optional(),
      /** Phone. */
      phone: z.string().optional(),
      /** Email. */
      email: z.string().optional(),
      /** City. */
      city: z.string().optional(),
    })
    .optional(),
  /**
   * `dev` for conversations the rules were developed against, `holdout` for conversations written
   * and labelled afterwards and never used to change the rules; absent counts as `dev`.
   */
  split: z.enum(['dev', 'holdout']).optional(),
  /** The labels, by the rubric of docs/qualification.md. */
  expected: z.object({
    /** Expected quality. */
    quality: LeadQualitySchema,
    /** Expected next action. */
    nextAction: NextActionSchema,
    /** Expected intent. */
    intent: LeadIntentSchema,
  }),
})
/** One labelled conversation, see {@link LabelledConversationSchema}. */
export type LabelledConversation = z.infer<typeof LabelledConversationSchema>

/** Counts of (expected, actual) pairs: `matrix[expected][actual]`. */
export type ConfusionMatrix = Record<string, Record<string, number>>

/** The labelled fields an evaluation compares. */
export type EvaluatedField = 'quality' | 'nextAction' | 'intent'

/** Share of correct answers (0–1) for each labelled field. */
export interface FieldAccuracy {
  /** Quality accuracy. */
  quality: number
  /** Next-action accuracy. */
  nextAction: number
  /** Intent accuracy. */
  intent: number
}

/** The result of {@link evaluateClassifier}. */
export interface ClassifierEvaluation {
  /** How many conversations were classified. */
  total: number
  /** Accuracy over the whole set. */
  accuracy: FieldAccuracy
  /** Accuracy and count per language of the set. */
  byLanguage: Record<string, FieldAccuracy & { total: number }>
  /** Confusion matrices, expected → actual. */
  confusion: Record<EvaluatedField, ConfusionMatrix>
  /** Every wrong answer. */
  mistakes: Array<{ id: string; field: EvaluatedField; expected: string; actual: string }>
  /** Wall time of the classifications, in milliseconds. */
  elapsedMs: number
}

const FIELDS: readonly EvaluatedField[] = ['quality', 'nextAction', 'intent']

/**
 * Parses an evaluation set written as JSON lines (blank lines are skipped).
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` naming the first line that is not a valid
 * {@link LabelledConversation}, or when two conversations share an id.
 */
export function parseLabelledConversations(jsonl: string): LabelledConversation[] {
  const out: LabelledConversation[] = []
  const ids = new Set<string>()
  jsonl.split('\n').forEach((line, index) => {
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (error) {
      throw new LeadCallError('VALIDATION_FAILED', { message: `Line ${index + 1} is not JSON`, cause: error })
    }
    const parsed = LabelledConversationSchema.safeParse(value)
    if (!parsed.success) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `Line ${index + 1} is not a labelled conversation`,
        details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      })
    }
    if (ids.has(parsed.data.id)) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `Line ${index + 1}: duplicate id ${parsed.data.id}`,
      })
    }
    ids.add(parsed.data.id)
    out.push(parsed.data)
  })
  return out
}

/**
 * Classifies every conversation of a labelled set, one after the other, and compares the answers
 * with the labels: accuracy overall and per language, confusion matrices and the list of mistakes.
 * Works with any {@link ClassifierV1}, so rule and LLM classifiers are measured on the same set.
 */
export async function evaluateClassifier(
  classifier: ClassifierV1,
  conversations: readonly LabelledConversation[],
  options: ClassifyOptions = {},
): Promise<ClassifierEvaluation> {
  const confusion: Record<EvaluatedField, ConfusionMatrix> = { quality: {}, nextAction: {}, intent: {} }
  const correct: Record<EvaluatedField, number> = { quality: 0, nextAction: 0, intent: 0 }
  const languages: Record<string, Record<EvaluatedField, number> & { total: number }> = {}
  const mistakes: ClassifierEvaluation['mistakes'] = []
  const started = performance.now()
  for (const conversation of conversations) {
    const result = await classifier.classify(
      {
        messages: conversation.messages,
        ...(conversation.lead ? { lead: conversation.lead } : {}),
      },
      options,
    )
    languages[conversation.language] ??= { total: 0, quality: 0, nextAction: 0, intent: 0 }
    const language = languages[conversation.language]!
    language.total++
    for (const field of FIELDS) {
      const expected = conversation.expected[field]
      const actual = result[field]
      confusion[field][expected] ??= {}
      const row = confusion[field][expected]
      row[actual] = (row[actual] ?? 0) + 1
      if (expected === actual) {
        correct[field]++
        language[field]++
      } else {
        mistakes.push({ id: conversation.id, field, expected, actual })
      }
    }
  }
  const elapsedMs = performance.now() - started
  const total = conversations.length
  const share = (n: number, of: number) => (of === 0 ? 0 : n / of)
  const byLanguage: ClassifierEvaluation['byLanguage'] = {}
  for (const [language, counts] of Object.entries(languages)) {
    byLanguage[language] = {
      total: counts.total,
      quality: share(counts.quality, counts.total),
      nextAction: share(counts.nextAction, counts.total),
      intent: share(counts.intent, counts.total),
    }
  }
  return {
    total,
    accuracy: {
      quality: share(correct.quality, total),
      nextAction: share(correct.nextAction, total),
      intent: share(correct.intent, total),
    },
    byLanguage,
    confusion,
    mistakes,
    elapsedMs,
  }
}
