import { z } from 'zod'
import { UNKNOWN_CONTACT } from './unknown-contact.js'

export { UNKNOWN_CONTACT }

/** The longest full name kept; longer names are cut (at a character boundary). */
export const MAX_FULL_NAME_LENGTH = 300
/** The longest first or last name kept; longer ones are cut (at a character boundary). */
export const MAX_NAME_PART_LENGTH = 200

/** Zod schema of the parts of a name as they arrive; any of them may be missing. */
export const NameInputSchema = z.object({
  /** The whole name, e.g. `Maria de la Cruz`. */
  name: z.string().nullish(),
  /** Given name. */
  firstName: z.string().nullish(),
  /** Family name. */
  lastName: z.string().nullish(),
})
/** The parts of a name as they arrive, see {@link NameInputSchema}. */
export type NameInput = z.input<typeof NameInputSchema>

/** Zod schema of a name split by {@link splitName}. */
export const SplitNameSchema = z.object({
  /** The whole name, as shown to agents. */
  fullName: z.string().min(1).max(MAX_FULL_NAME_LENGTH),
  /** Given name, used to greet the lead. */
  firstName: z.string().min(1).max(MAX_NAME_PART_LENGTH),
  /** Family name; absent for one-word names. */
  lastName: z.string().min(1).max(MAX_NAME_PART_LENGTH).optional(),
})
/** A name split by {@link splitName}. */
export type SplitName = z.infer<typeof SplitNameSchema>

/** Control, format (zero-width, bidi) and unpaired surrogate characters. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/gu

/**
 * Cleans one name: Unicode NFC, every kind of white space (tabs, line breaks, no-break spaces)
 * collapsed to one space, control and zero-width characters removed, trimmed. Accents are kept.
 * Returns `undefined` when nothing is left.
 */
export function cleanName(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string') return undefined
  const clean = value
    .normalize('NFC')
    .replace(/\s+/gu, ' ')
    .replace(INVISIBLE, '')
    .replace(/ {2,}/g, ' ')
    .trim()
  return clean === '' ? undefined : clean
}

function truncate(value: string, max: number): string {
  if (value.length <= max) return value
  let kept = ''
  for (const char of value) {
    if (kept.length + char.length > max) break
    kept += char
  }
  return kept.trimEnd()
}

function splitWords(full: string): { first: string; rest?: string } {
  const space = full.indexOf(' ')
  if (space === -1) return { first: full }
  return { first: full.slice(0, space), rest: full.slice(space + 1) }
}

/**
 * Splits a name into the full name, first and last name.
 *
 * - A whole `name` splits at its first space: `Maria de la Cruz` is first `Maria`, last
 *   `de la Cruz`; names without spaces (one word, or CJK such as `王小明`) are all first name.
 * - Explicit `firstName` / `lastName` win over the parts derived from `name`; without a `name`
 *   they make the full name (`John` + `Smith` → `John Smith`); a `name` that lacks the given
 *   `lastName` gets it appended. A `lastName` alone is taken as the whole name, so the first name
 *   is never empty.
 * - Nothing usable gives {@link UNKNOWN_CONTACT}: `Unknown Contact`, first `Unknown`, last `Contact`.
 *
 * Every part is cleaned by {@link cleanName} and cut to {@link MAX_FULL_NAME_LENGTH} /
 * {@link MAX_NAME_PART_LENGTH} characters.
 */
export function splitName(input: NameInput): SplitName {
  const name = cleanName(input.name)
  let first = cleanName(input.firstName)
  let last = cleanName(input.lastName)

  if (name !== undefined) {
    const words = splitWords(name)
    if (first === undefined) {
      first = words.first
      if (last === undefined) last = words.rest
    } else if (last === undefined && name.startsWith(`${first} `)) {
      last = name.slice(first.length + 1)
    }
  } else if (first === undefined && last !== undefined) {
    first = last
    last = undefined
  }
  if (first === undefined) return { ...UNKNOWN_CONTACT }

  let fullName = name ?? (last === undefined ? first : `${first} ${last}`)
  if (name !== undefined && last !== undefined && !name.includes(last)) fullName = `${name} ${last}`
  const result: SplitName = {
    fullName: truncate(fullName, MAX_FULL_NAME_LENGTH),
    firstName: truncate(first, MAX_NAME_PART_LENGTH),
  }
  if (last !== undefined) result.lastName = truncate(last, MAX_NAME_PART_LENGTH)
  return result
}
