import { commonWords } from './common-words.js'
import type { Lexicon } from './lexicon.js'
import { type FoldedText, originalSlice, phraseSource, phrasesRegExp } from './text-fold.js'

/** Finds the person's name in a conversation; see {@link createNameExtractor}. */
export interface NameExtractor {
  /** A name the person gives in a message ("me llamo María", "sono Giulia", "I'm Tom", "thanks, Ann"). */
  fromMessage(message: FoldedText): string | undefined
  /** A name given as the whole reply to a question asking for it ("Marta", "luca bianchi"). */
  fromReply(message: FoldedText): string | undefined
  /** Whether an assistant message (folded) asks for the name. */
  asksForName(folded: string): boolean
}

/**
 * Lower-case words ending like participles, gerunds or trades are not taken for names ("sono
 * passati", "soy tapicero", "sono elettricista").
 */
const VERB_LIKE =
  /(?:[aiu]t[oaie]|[ai]d[oa]s?|ando|endo|iendo|ing|ed|ero|era|ista|ador|adora|iere|iera|aio|aia|tore|trice|ologo|ologa)$/
const TOKEN = /^[\p{L}][\p{L}'-]*/u
const PARTICLES = new Set([
  'de',
  'del',
  'la',
  'las',
  'los',
  'di',
  'da',
  'della',
  'van',
  'von',
  'der',
  'le',
  'mc',
  'o',
])
const SEGMENT_END = /[,.;:!?\n(]|\s[-–—]\s/u

/**
 * Builds the name extractor of the languages in `lexicons`. A name follows an introduction anywhere
 * ("me llamo", "mi chiamo", "my name is"), a weak introduction at the start of a sentence or after
 * a greeting ("soy", "sono", "I'm", "this is"), or closes a message after a sign-off ("Saludos,
 * Pedro"). It is one word, plus up to two more written with a capital ("Ana García"), that is not a
 * common word of any of the languages; a lower-case word after a weak introduction must end the
 * sentence or be followed by a common word ("ciao sono luca volevo…").
 */
export function createNameExtractor(lexicons: readonly Lexicon[]): NameExtractor {
  const common = commonWords(lexicons)

  const all = <K extends keyof Lexicon>(key: K) => lexicons.flatMap((l) => l[key] as readonly string[])
  const alternation = (phrases: readonly string[]) =>
    [...new Set(phrases.map((p) => phraseSource(p)))].sort((a, b) => b.length - a.length).join('|')
  const strong = new RegExp(
    `(?<![\\p{L}\\p{N}'])(?:${alternation(all('nameIntros'))})[\\s,:;-]+(?=\\p{L})`,
    'gu',
  )
  const weak = new RegExp(
    `(?:^|[.!?¡¿,;:\\n]\\s*|(?<![\\p{L}])(?:${alternation(all('greetings'))})[\\s,!.]+)(?:${alternation(all('nameIntrosAtStart'))})[\\s,:;-]+(?=\\p{L})`,
    'gu',
  )
  // "Joanna here", "Marta al habla": a capitalized name before "here" at the start of a sentence.
  const nameHere = new RegExp(
    `(?:^|[.!?¡¿,;:\\n]\\s*|(?<![\\p{L}])(?:${alternation(all('greetings'))})[\\s,!.]+)(?=\\p{L}[\\p{L}'-]*(?:\\s+\\p{L}[\\p{L}'-]*)?\\s+(?:here|aqui|qui|speaking|al habla)(?![\\p{L}]))`,
    'gu',
  )
  const signOff = new RegExp(
    `(?<![\\p{L}])(?:${alternation(all('signOffs'))})[\\s,.!-]+(?=\\p{L}[\\p{L}'\\s-]*[^\\p{L}]*$)`,
    'gu',
  )
  const nameQuestions = phrasesRegExp(all('nameQuestions'), false, 'u')
  const fillers = new RegExp(
    `^(?:(?:si|yes|yeah|ok|okay|vale|claro|certo|ecco|sure|of course|por supuesto|certamente|con|with|${alternation(all('greetings'))}|${alternation(all('nameIntros'))}|${alternation(all('nameIntrosAtStart'))})[\\s,.:!-]*)+`,
    'u',
  )

  const isCommon = (word: string) => common.has(word)

  /** The name starting at folded index `at`, or undefined. */
  function nameAt(
    message: FoldedText,
    at: number,
    needsCapital: boolean,
    lenient: boolean,
  ): string | undefined {
    const text = message.text
    const first = TOKEN.exec(text.slice(at))
    if (!first) return undefined
    const word = first[0].replace(/['-]+$/, '')
    if (word.length < 2 || isCommon(word)) return undefined
    const original = originalSlice(message, at, at + word.length)
    const capital = /^\p{Lu}/u.test(original)
    if (!capital) {
      if (needsCapital) return undefined
      if (!lenient) {
        if (VERB_LIKE.test(word)) return undefined
        const rest = text.slice(at + word.length)
        const next = /^\s*([\p{L}']+)/u.exec(rest)
        const endsHere = /^\s*(?:$|[.,;:!?)\n]|\p{Extended_Pictographic})/u.test(rest)
        if (!endsHere && !(next && isCommon(next[1]!))) return undefined
      }
    }
    // Up to two more capitalized words ("Ana García López"), with particles between them ("María de la Cruz").
    const following: Array<{ folded: string; original: string }> = []
    const rest = /^(?:[ \t]+[\p{L}][\p{L}'-]*){1,6}/u.exec(text.slice(at + word.length))?.[0] ?? ''
    let cursor = at + word.length
    for (const m of rest.matchAll(/[ \t]+([\p{L}][\p{L}'-]*)/gu)) {
      const start = cursor + m[0].length - m[1]!.length
      following.push({ folded: m[1]!, original: originalSlice(message, start, start + m[1]!.length) })
      cursor += m[0].length
    }
    const parts = [original]
    let pending: string[] = []
    for (const next of following) {
      if (parts.length >= 3) break
      if (PARTICLES.has(next.folded) && pending.length < 2) {
        pending.push(next.original)
        continue
      }
      if (!/^\p{Lu}/u.test(next.original) || isCommon(next.folded) || next.folded.length < 2) break
      parts.push(...pending, next.original)
      pending = []
    }
    return [titleCase(parts[0]!), ...parts.slice(1)].join(' ')
  }

  return {
    fromMessage(message) {
      const text = message.text
      for (const m of text.matchAll(strong)) {
        const name = nameAt(message, m.index + m[0].length, false, true)
        if (name) return name
      }
      for (const m of text.matchAll(weak)) {
        const name = nameAt(message, m.index + m[0].length, false, false)
        if (name) return name
      }
      for (const m of text.matchAll(nameHere)) {
        const name = nameAt(message, m.index + m[0].length, true, true)
        if (name) return name
      }
      for (const m of text.matchAll(signOff)) {
        const name = nameAt(message, m.index + m[0].length, true, true)
        if (name) return name
      }
      return undefined
    },
    fromReply(message) {
      const stripped = fillers.exec(message.text)
      const at = stripped ? stripped[0].length : 0
      const segment = message.text.slice(at).split(SEGMENT_END)[0]!.trim()
      const words = segment.split(/\s+/).filter(Boolean)
      if (words.length === 0 || words.length > 3) return undefined
      if (!words.every((w) => /^[\p{L}][\p{L}'-]*$/u.test(w) && !isCommon(w) && w.length >= 2))
        return undefined
      return nameAt(message, at + message.text.slice(at).indexOf(words[0]!), false, true)
    },
    asksForName(folded) {
      return nameQuestions.test(folded)
    },
  }
}

/** "maría" → "María"; names already capitalized stay as written. */
function titleCase(word: string): string {
  return /^\p{Lu}/u.test(word) ? word : word.charAt(0).toUpperCase() + word.slice(1)
}
