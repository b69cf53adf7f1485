import type { CountryCode } from '../domain/phone.js'

/**
 * The words of one language the rule classifier knows. Phrases are written naturally (accents,
 * capitals) and folded when compiled; matching is always on whole words.
 */
export interface Lexicon {
  /** ISO 639-1 code. */
  readonly language: string
  /** Words frequent in the language and rare in the others, to detect it. */
  readonly markers: readonly string[]
  /** The country numbers without an international prefix belong to, by default. */
  readonly phoneCountry: CountryCode
  /** The currency of an amount written without one. */
  readonly currency: string
  /** Phrases a name follows anywhere ("me llamo", "my name is"). */
  readonly nameIntros: readonly string[]
  /** Phrases a name follows at the start of a sentence or after a greeting ("soy", "sono", "I'm"). */
  readonly nameIntrosAtStart: readonly string[]
  /** Sign-offs a name may follow at the end of a message ("saludos", "grazie", "thanks"). */
  readonly signOffs: readonly string[]
  /** Greetings ("hola", "ciao", "hi"). */
  readonly greetings: readonly string[]
  /** Common words that can follow a name intro without being a name ("interesado", "looking"). */
  readonly notNames: readonly string[]
  /** Phrases of an assistant message asking for the name. */
  readonly nameQuestions: readonly string[]
  /** Phrases of an assistant message asking for the budget. */
  readonly budgetQuestions: readonly string[]
  /** Words an amount follows when it is a budget ("presupuesto", "hasta", "up to"). */
  readonly budgetWords: readonly string[]
  /** Number words and their values; `100` and `1000` multiply what precedes them. */
  readonly numberWords: Readonly<Record<string, number>>
  /** Parts of number words written as one ("duemilacinquecento", "veinticinco"). */
  readonly numberMorphemes: Readonly<Record<string, number>>
  /** The word joining number words ("y", "e", "and"). */
  readonly numberJoiner: string
  /** Words after an amount that make it a quantity, not money ("cm", "plazas", "posti"). */
  readonly units: readonly string[]
  /** Clear urgency: today, this week, urgent. */
  readonly urgencyHigh: readonly string[]
  /** Some urgency: next week, this month, soon. */
  readonly urgencyMedium: readonly string[]
  /** No hurry: next year, just looking. */
  readonly urgencyLow: readonly string[]
  /** Words that negate the urgency right after them ("no", "not", "non"). */
  readonly negations: readonly string[]
  /** Support: order status, complaint, warranty, delivery of a purchase, return, a defect. */
  readonly support: readonly string[]
  /**
   * A past purchase mentioned ("lo compré", "ho comprato", "I bought"): support, unless the message
   * also asks for something new to buy ("I bought a sofa from you, now I'd like the armchair").
   */
  readonly pastPurchase: readonly string[]
  /** Wrong numbers, spam, "not interested", job seekers, vendors: no sales interest at all. */
  readonly noise: readonly string[]
}

/** The weekdays of a language, folded, for urgency phrases such as "para el viernes". */
export function withDays(prefixes: readonly string[], days: readonly string[]): string[] {
  return prefixes.flatMap((prefix) => days.map((day) => `${prefix} ${day}`))
}
