import { fold, phraseKey } from './text-fold.js'

/** One phrase found by a {@link TermMatcher}. */
export interface TermMatch<G extends string> {
  /** The group it belongs to. */
  group: G
  /** The phrase as configured (folded, single spaces), to look up what it means. */
  key: string
  /** Start in the folded text. */
  start: number
  /** End in the folded text (exclusive). */
  end: number
}

/** Finds the phrases of several groups in a folded text; see {@link createTermMatcher}. */
export type TermMatcher<G extends string> = (folded: string) => Array<TermMatch<G>>

/** The phrases of one group of a {@link createTermMatcher} and whether a final `s`/`es` is accepted. */
export interface TermGroup {
  /** The phrases, written naturally (they are folded); a `*` stands for up to four words. */
  phrases: readonly string[]
  /** Whether "sofás" matches "sofá". */
  plural?: boolean
}

interface Phrase {
  key: string
  words: readonly string[]
}

interface Word {
  text: string
  start: number
  end: number
  /** Whether only spaces, hyphens or an apostrophe separate it from the previous word. */
  joined: boolean
}

const WORD = /[\p{L}\p{N}]+/gu
const JOIN = /^[\s'-]+$/
const WILDCARD = '*'
const MAX_SKIPPED = 4

/** The words of a phrase, folded; `*` kept as a word of its own. */
function phraseWords(phrase: string): string[] {
  return fold(phrase).match(/[\p{L}\p{N}]+|\*/gu) ?? []
}

/** The words of a folded text with their offsets. */
function words(folded: string): Word[] {
  const out: Word[] = []
  let previousEnd = -1
  for (const m of folded.matchAll(WORD)) {
    const start = m.index
    out.push({
      text: m[0],
      start,
      end: start + m[0].length,
      joined: previousEnd >= 0 && JOIN.test(folded.slice(previousEnd, start)),
    })
    previousEnd = start + m[0].length
  }
  return out
}

/**
 * Compiles groups of phrases once into an index by first word; the matcher splits a text into
 * words once and returns every whole-word match of every group (in each group the longest phrase
 * wins at each position, and matches do not overlap). A match lying inside a longer match of another
 * group is dropped: "no me interesa" (not interested) hides "me interesa" (interested), "not urgent"
 * hides "urgent", "guaranteed returns" hides "returns". The words of a phrase may be separated by
 * spaces, hyphens or an apostrophe ("l'ordine", "i'm").
 */
export function createTermMatcher<G extends string>(groups: Readonly<Record<G, TermGroup>>): TermMatcher<G> {
  const compiled = (Object.entries(groups) as Array<[G, TermGroup]>).map(([group, { phrases, plural }]) => {
    const index = new Map<string, Phrase[]>()
    for (const phrase of phrases) {
      const list = phraseWords(phrase)
      if (list.length === 0 || list[0] === WILDCARD) continue
      const entry = { key: phraseKey(phrase), words: list }
      const bucket = index.get(list[0]!)
      if (bucket) bucket.push(entry)
      else index.set(list[0]!, [entry])
    }
    for (const bucket of index.values()) bucket.sort((a, b) => b.words.length - a.words.length)
    return { group, index, plural: plural ?? false }
  })

  return (folded) => {
    const text = words(folded)
    const found: Array<TermMatch<G>> = []
    for (const { group, index, plural } of compiled) {
      let i = 0
      while (i < text.length) {
        let best: { phrase: Phrase; end: number } | undefined
        for (const first of candidatesOf(text[i]!.text, plural)) {
          for (const phrase of index.get(first) ?? []) {
            const end = matchFrom(phrase.words, 0, text, i, plural, true)
            if (end !== -1 && (best === undefined || end > best.end)) best = { phrase, end }
          }
        }
        if (best) {
          found.push({ group, key: best.phrase.key, start: text[i]!.start, end: text[best.end - 1]!.end })
          i = best.end
        } else {
          i++
        }
      }
    }
    return found.filter(
      (a) =>
        !found.some(
          (b) =>
            b.group !== a.group && b.start <= a.start && b.end >= a.end && b.end - b.start > a.end - a.start,
        ),
    )
  }
}

/** The first words a text word can stand for: itself, and without a plural ending when allowed. */
function candidatesOf(word: string, plural: boolean): string[] {
  if (!plural || !word.endsWith('s')) return [word]
  return word.endsWith('es') ? [word, word.slice(0, -1), word.slice(0, -2)] : [word, word.slice(0, -1)]
}

/**
 * Matches `phrase` from its word `p` against the text from word `t`; returns the index after the
 * last text word matched, or -1. Only the phrase's last word may carry a plural ending.
 */
function matchFrom(
  phrase: readonly string[],
  p: number,
  text: readonly Word[],
  t: number,
  plural: boolean,
  first: boolean,
): number {
  if (p === phrase.length) return t
  const word = phrase[p]!
  if (word === WILDCARD) {
    for (let skip = 0; skip <= MAX_SKIPPED; skip++) {
      if (skip > 0 && (t + skip - 1 >= text.length || !text[t + skip - 1]!.joined)) return -1
      const end = matchFrom(phrase, p + 1, text, t + skip, plural, false)
      if (end !== -1) return end
    }
    return -1
  }
  const candidate = text[t]
  if (!candidate || (!first && !candidate.joined)) return -1
  const last = p === phrase.length - 1
  const same =
    candidate.text === word ||
    (last && plural && (candidate.text === `${word}s` || candidate.text === `${word}es`))
  return same ? matchFrom(phrase, p + 1, text, t + 1, plural, false) : -1
}
