import type { Lexicon } from './lexicon.js'
import { fold } from './text-fold.js'

/** Words that are names as often as they are words: never treated as common words. */
const ALSO_NAMES = ['will', 'mark', 'grace', 'rose', 'rosa', 'mar', 'luz', 'sol', 'paz', 'may', 'joy']

/**
 * The common words of the languages in `lexicons`, folded: the words that are never a name or a
 * product on their own (articles, pronouns, greetings, sign-offs, marker words, number words and
 * the words that may follow "soy", "sono" or "I'm" without being a name).
 */
export function commonWords(lexicons: readonly Lexicon[]): Set<string> {
  const common = new Set<string>()
  for (const lexicon of lexicons) {
    for (const list of [lexicon.notNames, lexicon.markers, lexicon.greetings, lexicon.signOffs]) {
      for (const word of list) for (const part of fold(word).split(/\s+/)) common.add(part)
    }
    for (const word of Object.keys(lexicon.numberWords)) common.add(fold(word))
  }
  for (const name of ALSO_NAMES) common.delete(name)
  return common
}

/** The words of time phrases (urgency lists), folded: "next", "week", "mañana", "settimana"… */
export function timeWords(lexicons: readonly Lexicon[]): Set<string> {
  const words = new Set<string>()
  for (const lexicon of lexicons) {
    for (const list of [lexicon.urgencyHigh, lexicon.urgencyMedium, lexicon.urgencyLow]) {
      for (const phrase of list) for (const part of fold(phrase).split(/\s+/)) words.add(part)
    }
  }
  return words
}
