/**
 * Accent- and case-insensitive text for the rule classifier: every matcher works on folded text
 * (NFD, diacritics stripped, lower case, typographic apostrophes made plain), and keeps a map back
 * to the original so that what it extracts ("María", "sofá cama") is returned as written.
 */

const MARKS = /\p{M}/gu
const APOSTROPHES = /[’‘`´]/g

/** Folds a string: NFD, combining marks removed, lower case, typographic apostrophes as `'`. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(MARKS, '').toLowerCase().replace(APOSTROPHES, "'")
}

/** A folded text with, for each of its characters, the index of the original character it came from. */
export interface FoldedText {
  /** The original text. */
  readonly original: string
  /** The folded text. */
  readonly text: string
  /** `offsets[i]` is the index in `original` of folded character `i`; one extra entry for the end. */
  readonly offsets: readonly number[]
}

/** Folds `original` character by character, keeping the offsets back to it. */
export function foldWithOffsets(original: string): FoldedText {
  let text = ''
  const offsets: number[] = []
  let index = 0
  for (const char of original) {
    const code = char.charCodeAt(0)
    const folded =
      code < 128 ? (code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : char) : fold(char)
    for (let k = 0; k < folded.length; k++) offsets.push(index)
    text += folded
    index += char.length
  }
  offsets.push(original.length)
  return { original, text, offsets }
}

/** The original text behind the folded range `[start, end)`. */
export function originalSlice(folded: FoldedText, start: number, end: number): string {
  return folded.original.slice(folded.offsets[start] ?? 0, folded.offsets[end] ?? folded.original.length)
}

/** Escapes a string for use inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** Lookbehind/lookahead that make a pattern match whole words only (letters and digits are word characters). */
export const WORD_START = '(?<![\\p{L}\\p{N}])'
/** See {@link WORD_START}. */
export const WORD_END = '(?![\\p{L}\\p{N}])'

/** What a `*` in a phrase stands for: up to four words ("send * back" matches "send the old chair back"). */
const ANY_WORDS = "(?:[\\p{L}\\p{N}']+[\\s-]+){0,4}"

/**
 * The regular-expression source of a phrase, folded: its words separated by any run of spaces or
 * hyphens, a `*` standing for up to four words; with `plural`, the last word may end in `s` or
 * `es`.
 */
export function phraseSource(phrase: string, plural = false): string {
  const words = fold(phrase)
    .trim()
    .split(/[\s-]+/)
    .filter(Boolean)
  let source = ''
  let afterWildcard = true
  for (const word of words) {
    if (word === '*') {
      if (!afterWildcard) source += '[\\s-]+'
      source += ANY_WORDS
      afterWildcard = true
      continue
    }
    source += (afterWildcard ? '' : '[\\s-]+') + escapeRegExp(word)
    afterWildcard = false
  }
  return source + (plural ? '(?:e?s)?' : '')
}

/**
 * A Unicode regular expression matching any of `phrases` as whole words, longest first (so "sofá
 * cama" wins over "sofá"); global unless `flags` says otherwise. It never matches when `phrases` is
 * empty.
 */
export function phrasesRegExp(phrases: Iterable<string>, plural = false, flags = 'gu'): RegExp {
  const sources = [...new Set([...phrases].map((p) => phraseSource(p, plural)).filter(Boolean))].sort(
    (a, b) => b.length - a.length,
  )
  if (sources.length === 0) return new RegExp('(?!)', flags)
  return new RegExp(`${WORD_START}(?:${sources.join('|')})${WORD_END}`, flags)
}

/** The key a matched phrase is looked up by: folded, with single spaces. */
export function phraseKey(text: string): string {
  return fold(text)
    .trim()
    .split(/[\s-]+/)
    .join(' ')
}

/** Every match of a global regex in `text`, as `[start, end)` ranges (the regex itself is left untouched). */
export function matchRanges(
  regex: RegExp,
  text: string,
): Array<{ start: number; end: number; text: string }> {
  const out: Array<{ start: number; end: number; text: string }> = []
  for (const m of text.matchAll(regex)) out.push({ start: m.index, end: m.index + m[0].length, text: m[0] })
  return out
}
