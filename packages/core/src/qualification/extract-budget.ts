import type { Budget } from './classification.js'
import type { Lexicon } from './lexicon.js'
import { fold, phrasesRegExp } from './text-fold.js'

/** Finds budgets in messages; see {@link createBudgetExtractor}. */
export interface BudgetExtractor {
  /**
   * The budgets in a folded message, in order. `currency` is the one of amounts written without
   * one; `answersBudgetQuestion` accepts a bare amount ("unos 800") as the reply to a question
   * about the budget.
   */
  find(folded: string, options: { currency: string; answersBudgetQuestion: boolean }): Budget[]
  /** Whether an assistant message (folded) asks for the budget. */
  asksForBudget(folded: string): boolean
}

const TOKENS = /\d+(?:[.,]\d+)*|[\p{L}']+|[€$£%]|[^\s\p{L}\p{N}]/gu

/** Currency symbols and words, folded, with their ISO 4217 codes. */
// biome-ignore format: a table
const CURRENCIES: Readonly<Record<string, string>> = {
  '€': 'EUR', eur: 'EUR', euro: 'EUR', euros: 'EUR', pavos: 'EUR', eurazzi: 'EUR',
  $: 'USD', usd: 'USD', dollar: 'USD', dollars: 'USD', dolar: 'USD', dolares: 'USD', dollari: 'USD',
  dollaro: 'USD', bucks: 'USD',
  '£': 'GBP', gbp: 'GBP', pound: 'GBP', pounds: 'GBP', quid: 'GBP', libra: 'GBP', libras: 'GBP',
  sterlina: 'GBP', sterline: 'GBP',
}

/** Words after a number that multiply it; `money` when they make the number an amount of money by themselves. */
const MULTIPLIERS: Readonly<Record<string, { factor: number; money: boolean }>> = {
  k: { factor: 1000, money: true },
  grand: { factor: 1000, money: true },
  mil: { factor: 1000, money: true },
  mila: { factor: 1000, money: true },
  thousand: { factor: 1000, money: false },
  million: { factor: 1_000_000, money: false },
  millones: { factor: 1_000_000, money: false },
  millon: { factor: 1_000_000, money: false },
  milioni: { factor: 1_000_000, money: false },
  milione: { factor: 1_000_000, money: false },
}

/** Words after an amount that still make it a budget ("1500 de presupuesto", "800 max"). */
const AFTER_WORDS = new Set([
  'presupuesto',
  'budget',
  'max',
  'maximo',
  'massimo',
  'tops',
  'maximum',
  'como',
  'al',
])

/** Number words that mean "one" and are articles far more often: never an amount alone. */
const ARTICLES = new Set(['a', 'un', 'una', 'uno', 'one'])

/**
 * Parses a written number: `2000`, `2.000` and `2,000` (thousands), `1,5` and `1.5` (decimals),
 * `1.234,50` and `1,234.50`. Returns NaN for anything else.
 */
export function parseAmount(token: string): number {
  if (/^\d+$/.test(token)) return Number(token)
  if (/^\d{1,3}(?:\.\d{3})+$/.test(token) || /^\d{1,3}(?:,\d{3})+$/.test(token)) {
    return Number(token.replace(/[.,]/g, ''))
  }
  const mixed = /^(\d{1,3}(?:([.,])\d{3})*)([.,])(\d{1,2})$/.exec(token)
  if (mixed && (mixed[2] === undefined || mixed[2] !== mixed[3])) {
    return Number(`${mixed[1]!.replace(/[.,]/g, '')}.${mixed[4]}`)
  }
  return Number.NaN
}

/**
 * Builds the budget extractor of the languages in `lexicons`. An amount is a budget when it carries
 * a currency ("$2000", "2.000 €", "1500 euro", "€ 900", "dos mil euros"), a `k` ("2k", "1,5k"), a
 * "mil"/"mila" after digits ("2 mil"), or follows a budget word ("presupuesto", "fino a", "up to")
 * within four words and is at least 50 and not a quantity ("200 cm", "6 posti"). Number words are
 * read in the three languages, also when written as one word ("duemilacinquecento", "veinticinco").
 */
export function createBudgetExtractor(lexicons: readonly Lexicon[]): BudgetExtractor {
  const numberWords = new Map<string, number>()
  const morphemes = new Map<string, number>()
  const joiners = new Set<string>()
  const units = new Set<string>()
  for (const lexicon of lexicons) {
    for (const [word, value] of Object.entries(lexicon.numberWords)) numberWords.set(fold(word), value)
    for (const [word, value] of Object.entries(lexicon.numberMorphemes)) morphemes.set(fold(word), value)
    joiners.add(fold(lexicon.numberJoiner))
    for (const unit of lexicon.units) units.add(fold(unit).split(/\s+/)[0]!)
  }
  // Words written as one are read from the morphemes and the number words of three letters or more.
  for (const [word, value] of numberWords)
    if (word.length >= 3 && !morphemes.has(word)) morphemes.set(word, value)
  const morphemeList = [...morphemes.keys()].sort((a, b) => b.length - a.length)
  const budgetWords = phrasesRegExp(lexicons.flatMap((l) => l.budgetWords))
  const budgetQuestions = phrasesRegExp(
    lexicons.flatMap((l) => l.budgetQuestions),
    false,
    'u',
  )

  /** The values of a token read as number words, or undefined when it is not one. */
  const wordValues = (token: string): number[] | undefined => {
    const direct = numberWords.get(token)
    if (direct !== undefined) return [direct]
    return decompose(token, morphemeList, morphemes)
  }

  return {
    asksForBudget: (folded) => budgetQuestions.test(folded),
    find(folded, { currency, answersBudgetQuestion }) {
      const tokens: Array<{ text: string; start: number }> = []
      for (const m of folded.matchAll(TOKENS)) tokens.push({ text: m[0], start: m.index })
      // Token indices right after a budget word.
      const keywordEnds: number[] = []
      for (const m of folded.matchAll(budgetWords)) {
        const end = m.index + m[0].length
        keywordEnds.push(tokens.findIndex((t) => t.start >= end))
      }
      const keywordBefore = (i: number) => keywordEnds.some((k) => k !== -1 && k <= i && i - k < 4)

      const budgets: Budget[] = []
      let i = 0
      while (i < tokens.length) {
        const token = tokens[i]!.text
        let amount = Number.NaN
        let next = i + 1
        let words = false
        if (/^\d/.test(token)) {
          amount = parseAmount(token)
        } else {
          const values: number[] = []
          let j = i
          // "a thousand", "un millón": an article counts as one only before a hundred or a thousand.
          if (ARTICLES.has(token) && ![100, 1000].includes(wordValues(tokens[i + 1]?.text ?? '')?.[0] ?? 0)) {
            i++
            continue
          }
          let articleOnly = true
          while (j < tokens.length) {
            const v = wordValues(tokens[j]!.text)
            if (v) {
              values.push(...v)
              if (!ARTICLES.has(tokens[j]!.text)) articleOnly = false
              j++
              continue
            }
            // A joiner between two number words: "mil y quinientos", "one hundred and fifty".
            if (
              joiners.has(tokens[j]!.text) &&
              values.length > 0 &&
              j + 1 < tokens.length &&
              wordValues(tokens[j + 1]!.text)
            ) {
              j++
              continue
            }
            break
          }
          if (values.length > 0 && !articleOnly) {
            amount = combine(values)
            next = j
            words = true
          }
        }
        if (!Number.isFinite(amount)) {
          i++
          continue
        }
        let money = false
        const multiplier = MULTIPLIERS[tokens[next]?.text ?? '']
        if (multiplier && (!words || multiplier.money)) {
          amount *= multiplier.factor
          money = multiplier.money
          next++
        }
        const code = CURRENCIES[tokens[i - 1]?.text ?? ''] ?? CURRENCIES[tokens[next]?.text ?? '']
        if (CURRENCIES[tokens[next]?.text ?? '']) next++
        const after = tokens[next]?.text ?? ''
        const isQuantity = units.has(after)
        const accepted =
          amount > 0 &&
          (code !== undefined ||
            (money && !isQuantity) ||
            (!isQuantity &&
              amount >= 50 &&
              (keywordBefore(i) || AFTER_WORDS.has(after) || answersBudgetQuestion)))
        if (accepted) budgets.push({ amount: Math.round(amount * 100) / 100, currency: code ?? currency })
        i = Math.max(next, i + 1)
      }
      return budgets
    },
  }
}

/** "duemilacinquecento" → [2, 1000, 5, 100]; undefined when the word is not made of number parts. */
function decompose(
  word: string,
  parts: readonly string[],
  values: ReadonlyMap<string, number>,
): number[] | undefined {
  if (word.length < 4) return undefined
  const walk = (at: number): number[] | undefined => {
    if (at === word.length) return []
    for (const part of parts) {
      if (!word.startsWith(part, at)) continue
      const rest = walk(at + part.length)
      if (rest) return [values.get(part)!, ...rest]
    }
    return undefined
  }
  const result = walk(0)
  return result && result.length >= 2 ? result : undefined
}

/** [2, 1000, 5, 100] → 2500: hundreds and thousands multiply what precedes them. */
function combine(values: readonly number[]): number {
  let total = 0
  let current = 0
  for (const value of values) {
    if (value === 1000 || value === 1_000_000) {
      total += (current || 1) * value
      current = 0
    } else if (value === 100) {
      current = (current || 1) * 100
    } else {
      current += value
    }
  }
  return total + current
}
