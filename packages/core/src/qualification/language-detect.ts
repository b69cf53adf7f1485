import type { Lexicon } from './lexicon.js'
import { fold } from './text-fold.js'

/** The language a conversation is written in, as {@link createLanguageDetector} found it. */
export interface DetectedLanguage {
  /** ISO 639-1 code, or the fallback when nothing was recognized. */
  language: string
  /** 0–1: the share of the recognized marker words that belong to the winning language. */
  certainty: number
}

const WORDS = /[\p{L}']+/gu
/** Letters and marks only one of the languages uses, counted as extra markers. */
const HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/[ñ¿¡]/gu, 'es'],
  [/[àèìòù]/gu, 'it'],
]

/**
 * Builds a detector that tells the language of a text from its marker words (see
 * {@link Lexicon.markers}): the language with the most marker occurrences wins; `ñ`, `¿`, `¡` count
 * for Spanish and grave accents for Italian. Returns `fallback` when no marker is found.
 */
export function createLanguageDetector(
  lexicons: readonly Lexicon[],
): (text: string, fallback: string) => DetectedLanguage {
  const owner = new Map<string, string | null>()
  for (const lexicon of lexicons) {
    for (const marker of lexicon.markers) {
      const key = fold(marker)
      const previous = owner.get(key)
      // A marker two languages share tells nothing.
      owner.set(key, previous === undefined || previous === lexicon.language ? lexicon.language : null)
    }
  }
  const languages = lexicons.map((l) => l.language)
  return (text, fallback) => {
    const scores = new Map<string, number>(languages.map((l) => [l, 0]))
    for (const [hint, language] of HINTS) {
      const count = text.match(hint)?.length ?? 0
      if (count > 0 && scores.has(language)) scores.set(language, (scores.get(language) ?? 0) + 2 * count)
    }
    for (const word of fold(text).match(WORDS) ?? []) {
      const language = owner.get(word)
      if (language) scores.set(language, (scores.get(language) ?? 0) + 1)
    }
    let best = fallback
    let bestScore = 0
    let total = 0
    for (const [language, score] of scores) {
      total += score
      if (score > bestScore) {
        best = language
        bestScore = score
      }
    }
    return { language: best, certainty: total === 0 ? 0 : bestScore / total }
  }
}
