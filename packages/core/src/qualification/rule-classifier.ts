import type { CountryCode } from '../domain/phone.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import { type CatalogueEntry, DEFAULT_CATALOGUE } from './catalogue.js'
import {
  type Budget,
  type Classification,
  type ExtractedFields,
  type LeadIntent,
  type LeadQuality,
  type NextAction,
  QUALIFICATION_FIELDS,
  type QualificationField,
  type Urgency,
} from './classification.js'
import type { ClassifierV1, ClassifyInput, ClassifyOptions, ConversationMessage } from './classifier.js'
import { commonWords, timeWords } from './common-words.js'
import { type CityEntry, DEFAULT_CITIES } from './default-cities.js'
import { createBudgetExtractor } from './extract-budget.js'
import { extractEmails, extractPhones } from './extract-contact.js'
import { createNameExtractor } from './extract-name.js'
import { type FollowUpQuestionOverrides, fillQuestion, questionsFor } from './follow-up-questions.js'
import { createLanguageDetector } from './language-detect.js'
import type { Lexicon } from './lexicon.js'
import { LEXICON_EN } from './lexicon-en.js'
import { LEXICON_ES } from './lexicon-es.js'
import { LEXICON_IT } from './lexicon-it.js'
import { createTermMatcher } from './match-terms.js'
import {
  escapeRegExp,
  type FoldedText,
  fold,
  foldWithOffsets,
  originalSlice,
  phraseKey,
} from './text-fold.js'

/** Options of {@link ruleClassifier}. */
export interface RuleClassifierOptions {
  /**
   * The products and needs to recognize, and the general interests (price, quote, buying…).
   * Defaults to {@link DEFAULT_CATALOGUE} (furniture and home goods); pass your own to replace it,
   * or `[...DEFAULT_CATALOGUE, …]` to extend it.
   */
  catalogue?: readonly CatalogueEntry[]
  /** The cities to recognize. Defaults to {@link DEFAULT_CITIES}; replace or extend it the same way. */
  cities?: readonly CityEntry[]
  /** Follow-up texts to replace, per language and next action (see {@link DEFAULT_FOLLOW_UP_QUESTIONS}). */
  questions?: FollowUpQuestionOverrides
  /** The language (ISO 639-1) of a conversation in which no language is recognized. Defaults to `en`. */
  defaultLanguage?: string
  /**
   * The currency (ISO 4217) of an amount written without one. Defaults to the conversation's: EUR
   * in Spanish and Italian, USD in English.
   */
  defaultCurrency?: string
  /**
   * The country of a phone number written without an international prefix, tried first. Defaults
   * to the conversation's (ES, IT, US), then the other two and GB.
   */
  defaultCountry?: CountryCode
}

const LEXICONS: readonly Lexicon[] = [LEXICON_ES, LEXICON_IT, LEXICON_EN]
const PHONE_COUNTRIES: readonly CountryCode[] = ['ES', 'IT', 'US', 'GB']
/** General interests that still show a wish to buy inside a support conversation. */
const PURCHASE_INTERESTS = new Set(['quote', 'price', 'buy', 'offers', 'catalogue', 'availability'])
const URGENCY_RANK: Readonly<Record<Urgency, number>> = { low: 1, medium: 2, high: 3 }

type Group = 'product' | 'general' | 'support' | 'purchased' | 'noise' | 'high' | 'medium' | 'low' | 'city'

/** An order reference: "pedido 45821", "ordine n. 5512", "order #88231". */
const ORDER_REFERENCE =
  /(?<![\p{L}])(?:pedido|encargo|ordine|order)\s*(?:n[º°o.]?\s*|num(?:ero|ber)?\.?\s*|#\s*)?\d{3,}/u
/** Words that introduce the object of a quote request: "presupuesto para …", "preventivo per …", "quote for …". */
const QUOTE_OBJECT =
  /(?<![\p{L}])(?:presupuestos?|cotizacion|preventiv[oi]|quotazione|quote|quotation|estimate)\s+(?:para|por|per|for|to|on)\s+([^,.;:!?¿¡\n()]{3,80})/u
/** Words that end the object of a quote request. */
const OBJECT_END = /\s(?:y|e|and|pero|ma|but|que|che|that|con|with|antes|prima|before|entro|by)\s/u

/**
 * The rule classifier: reads a conversation in Spanish, Italian or English and applies the
 * qualification rubric of docs/qualification.md with word lists and patterns. Deterministic,
 * synchronous work, no network; everything is compiled once here, not per message.
 *
 * It recognizes names ("soy María", "mi chiamo Luca", "I'm Tom", a reply to "what's your name?"),
 * emails, phone numbers, budgets ("$2000", "2.000 €", "dos mil euros", "duemila", "1,5k"), urgency,
 * cities, the products and needs of the catalogue, support requests (order status, complaint,
 * warranty, delivery, return) and messages with no sales interest at all (wrong number, spam,
 * "not interested", job seekers).
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` when an option is not valid.
 *
 * @example
 * ```ts
 * const classifier = ruleClassifier()
 * const result = await classifier.classify({
 *   messages: [{ role: 'user', text: 'Hola, soy María. Busco un sofá cama para esta semana' }],
 *   lead: { phone: '+34612345678' },
 * })
 * result.quality // 'hot'
 * result.nextAction // 'create_lead'
 * ```
 */
export function ruleClassifier(options: RuleClassifierOptions = {}): ClassifierV1 {
  validateOptions(options)
  const catalogue = options.catalogue ?? DEFAULT_CATALOGUE
  const cities = options.cities ?? DEFAULT_CITIES
  const defaultLanguage = options.defaultLanguage?.toLowerCase() ?? 'en'

  const entryByKey = new Map<string, CatalogueEntry>()
  for (const entry of catalogue) for (const term of entry.terms) entryByKey.set(phraseKey(term), entry)
  const cityByKey = new Map<string, string>()
  for (const city of cities) {
    const name = typeof city === 'string' ? city : city.name
    for (const alias of typeof city === 'string' ? [city] : [city.name, ...(city.aliases ?? [])]) {
      cityByKey.set(phraseKey(alias), name)
    }
  }
  const all = (key: 'urgencyHigh' | 'urgencyMedium' | 'urgencyLow' | 'support' | 'pastPurchase' | 'noise') =>
    LEXICONS.flatMap((l) => l[key])
  const match = createTermMatcher<Group>({
    product: {
      phrases: catalogue.filter((e) => (e.kind ?? 'product') === 'product').flatMap((e) => e.terms),
      plural: true,
    },
    general: { phrases: catalogue.filter((e) => e.kind === 'general').flatMap((e) => e.terms), plural: true },
    support: { phrases: all('support') },
    purchased: { phrases: all('pastPurchase') },
    noise: { phrases: all('noise') },
    high: { phrases: all('urgencyHigh') },
    medium: { phrases: all('urgencyMedium') },
    low: { phrases: all('urgencyLow') },
    city: { phrases: [...cityByKey.keys()] },
  })
  const negations = new RegExp(
    `(?:^|[^\\p{L}'])(?:${[...new Set(LEXICONS.flatMap((l) => l.negations.map((n) => escapeRegExp(fold(n)))))].join('|')})(?:\\s+[\\p{L}']+){0,3}\\s+$`,
    'u',
  )
  const common = commonWords(LEXICONS)
  const times = timeWords(LEXICONS)
  const names = createNameExtractor(LEXICONS)
  const budgets = createBudgetExtractor(LEXICONS)
  const detect = createLanguageDetector(LEXICONS)
  const lexiconOf = (language: string) => LEXICONS.find((l) => l.language === language)

  /** The object of a quote request ("presupuesto para cambiar las puertas") as a specific need. */
  function needAfterQuote(folded: FoldedText): string | undefined {
    const m = QUOTE_OBJECT.exec(folded.text)
    if (!m) return undefined
    let phrase = m[1]!
    const end = OBJECT_END.exec(` ${phrase} `)
    if (end) phrase = phrase.slice(0, Math.max(0, end.index))
    const words = phrase.trim().split(/\s+/).slice(0, 6)
    const meaningful = words.some((w) => /^\p{L}{3,}$/u.test(w) && !common.has(w) && !times.has(w))
    if (!meaningful) return undefined
    const start = m.index + m[0].length - m[1]!.length
    const text = words.join(' ')
    const at = folded.text.indexOf(text, start)
    return at === -1 ? undefined : originalSlice(folded, at, at + text.length)
  }

  async function classify(
    input: ClassifyInput,
    classifyOptions: ClassifyOptions = {},
  ): Promise<Classification> {
    const signal = classifyOptions.signal
    if (signal?.aborted) throw signal.reason
    validateInput(input)
    const messages = input.messages
    const lead = input.lead ?? {}

    // ------------------------------------------------------------ language
    const given = typeof input.language === 'string' ? /^([a-z]{2,3})(?:[-_]|$)/i.exec(input.language) : null
    const userText = messages
      .filter((m) => m.role === 'user')
      .map((m) => m.text)
      .join('\n')
    const detected = detect(userText, defaultLanguage)
    const language = given ? given[1]!.toLowerCase() : detected.language
    const lexicon = lexiconOf(language)
    const currency = options.defaultCurrency ?? lexicon?.currency ?? 'EUR'
    const countries = [
      ...new Set([
        ...(options.defaultCountry ? [options.defaultCountry] : []),
        ...(lexicon ? [lexicon.phoneCountry] : []),
        ...PHONE_COUNTRIES,
      ]),
    ]

    // ------------------------------------------------------------ extraction, message by message
    const lastUser = findLastIndex(messages, (m) => m.role === 'user')
    const askedBefore = messages.some((m, i) => m.role === 'assistant' && i < lastUser)
    let name: string | undefined
    let email: string | undefined
    let foundPhone: string | undefined
    let city: string | undefined
    let product: string | undefined
    let productEntry: string | undefined
    const generalInterests = new Set<string>()
    const supportTerms: string[] = []
    const purchasedTerms: string[] = []
    let quoteObject: string | undefined
    const noiseTerms: string[] = []
    let urgency: Urgency | undefined
    let budget: Budget | undefined

    messages.forEach((message, index) => {
      if (message.role !== 'user') return
      const previous = messages[index - 1]
      const previousFolded = previous?.role === 'assistant' ? foldWithOffsets(previous.text).text : undefined

      const emails = extractEmails(message.text)
      const phones = extractPhones(message.text, countries)
      email ??= emails[0]?.value
      foundPhone ??= phones[0]?.value
      const folded = foldWithOffsets(blank(message.text, [...emails, ...phones]))

      name ??=
        names.fromMessage(folded) ??
        (previousFolded !== undefined && names.asksForName(previousFolded)
          ? names.fromReply(folded)
          : undefined)

      const found = budgets.find(folded.text, {
        currency,
        answersBudgetQuestion: previousFolded !== undefined && budgets.asksForBudget(previousFolded),
      })
      if (found.length > 0) budget = found.at(-1)

      for (const term of match(folded.text)) {
        switch (term.group) {
          case 'product':
            if (product === undefined) {
              product = originalSlice(folded, term.start, term.end)
              productEntry = entryByKey.get(term.key)?.name
            }
            break
          case 'general':
            generalInterests.add(entryByKey.get(term.key)?.name ?? term.key)
            break
          case 'support':
            supportTerms.push(term.key)
            break
          case 'purchased':
            purchasedTerms.push(term.key)
            break
          case 'noise':
            noiseTerms.push(term.key)
            break
          case 'city':
            city ??= cityByKey.get(term.key)
            break
          default: {
            const level = term.group as Urgency
            if (
              level === 'high' &&
              negations.test(folded.text.slice(Math.max(0, term.start - 40), term.start))
            )
              break
            if (urgency === undefined || URGENCY_RANK[level] > URGENCY_RANK[urgency]) urgency = level
          }
        }
      }
      const reference = ORDER_REFERENCE.exec(folded.text)
      if (reference) supportTerms.push('order reference')
      quoteObject ??= needAfterQuote(folded)
    })

    name ??= cleanName(lead.name)
    email ??= clean(lead.email, 3, 320)
    const phone = clean(lead.phone, 3, 40) ?? foundPhone
    city ??= clean(lead.city, 1, 200)

    // ------------------------------------------------------------ rubric
    if (product === undefined && quoteObject !== undefined) product = quoteObject
    const purchase = [...generalInterests].some((g) => PURCHASE_INTERESTS.has(g))
    // A past purchase is a support matter, unless the person asks about buying something new.
    const support = supportTerms.length > 0 || (purchasedTerms.length > 0 && !purchase)
    if (support) supportTerms.push(...purchasedTerms)
    const noise = !support && noiseTerms.length > 0
    const specific = noise ? undefined : support && !purchase ? undefined : product
    const general = !noise && (support ? purchase : generalInterests.size > 0 || product !== undefined)
    const intent: LeadIntent = support ? 'support' : !noise && general ? 'sales' : 'other'

    const contactSome = name !== undefined || phone !== undefined || email !== undefined
    const contactKnown = (name !== undefined && phone !== undefined) || email !== undefined
    const budgetOrUrgency = budget !== undefined || urgency === 'high'
    const quality: LeadQuality =
      contactKnown && specific !== undefined && budgetOrUrgency
        ? 'hot'
        : contactSome && general
          ? 'warm'
          : 'cold'

    let nextAction: NextAction
    if (intent === 'support') nextAction = 'transfer_to_support'
    else if (quality === 'hot' || (quality === 'warm' && name && specific && askedBefore))
      nextAction = 'create_lead'
    else if (specific && !name) nextAction = 'request_contact_info'
    else if (name && !specific) nextAction = 'ask_about_interest'
    else if (specific && name && !budgetOrUrgency) nextAction = 'gather_more_details'
    else nextAction = 'ask_clarifying_question'

    // ------------------------------------------------------------ result
    const extracted: ExtractedFields = { language }
    if (name) extracted.name = name
    if (email) extracted.email = email
    if (phone) extracted.phone = phone
    if (city) extracted.city = city
    if (product && !noise) extracted.productInterest = product.slice(0, 300)
    if (budget) extracted.budget = budget
    if (urgency) extracted.urgency = urgency

    const known: Record<QualificationField, boolean> = {
      name: name !== undefined,
      contact: contactKnown,
      productInterest: extracted.productInterest !== undefined,
      budgetOrUrgency,
    }
    const missingFields = QUALIFICATION_FIELDS.filter((field) => !known[field])
    const completeness = (QUALIFICATION_FIELDS.length - missingFields.length) / QUALIFICATION_FIELDS.length

    const points =
      (name ? 15 : 0) +
      (contactKnown ? 10 : phone ? 5 : 0) +
      (email ? 5 : 0) +
      (specific ? 30 : general ? 15 : 0) +
      (budget ? 20 : 0) +
      (urgency ? { high: 20, medium: 10, low: 3 }[urgency] : 0)
    const score = bandScore(quality, noise ? Math.min(points, 10) : points)

    const signals =
      [name, email, phone, product, budget, urgency, city].filter((v) => v !== undefined).length +
      generalInterests.size +
      (support ? 2 : 0) +
      (noise ? 2 : 0)
    const quiet = signals === 0 || (signals === 1 && phone !== undefined && !foundPhone)
    const confidence = round2(
      Math.min(
        0.95,
        Math.max(0.3, (quiet ? 0.7 : 0.45 + 0.06 * Math.min(signals, 6)) + 0.1 * detected.certainty),
      ),
    )

    const reasons: string[] = []
    if (support) reasons.push(`support request (${unique(supportTerms).slice(0, 3).join(', ')})`)
    if (noise) reasons.push(`no sales interest (${unique(noiseTerms).slice(0, 3).join(', ')})`)
    if (name) reasons.push(`name: ${name}`)
    if (contactKnown) reasons.push(email ? 'contact: email' : 'contact: name and phone')
    else if (phone) reasons.push('phone known, no name')
    if (product && !noise) reasons.push(`product: ${product}${productEntry ? ` (${productEntry})` : ''}`)
    if (generalInterests.size > 0 && !noise)
      reasons.push(`interest: ${[...generalInterests].slice(0, 4).join(', ')}`)
    if (budget) reasons.push(`budget ${budget.amount} ${budget.currency}`)
    if (urgency) reasons.push(`urgency ${urgency}`)
    if (city) reasons.push(`city: ${city}`)
    if (askedBefore) reasons.push('answered at least one question')
    if (signals === 0) reasons.push('only a greeting or a vague message')
    reasons.push(`quality ${quality}, next: ${nextAction}`)

    const templates = questionsFor(language, options.questions)
    const question = fillQuestion(templates[nextAction], {
      ...(name ? { name: name.split(' ')[0]! } : {}),
      ...(product ? { product } : {}),
    }).slice(0, 1000)

    return {
      quality,
      score,
      completeness,
      missingFields,
      extracted,
      intent,
      nextAction,
      question,
      language,
      confidence,
      reasons: reasons.map((r) => r.slice(0, 300)).slice(0, 20),
      classifier: 'rules',
    }
  }

  return { specificationVersion: 'v1', name: 'rules', classify }
}

/** The score of a quality: the points, kept inside the quality's band (hot ≥ 70, warm 40–69, cold < 40). */
function bandScore(quality: LeadQuality, points: number): number {
  const [low, high] = quality === 'hot' ? [70, 100] : quality === 'warm' ? [40, 69] : [0, 39]
  return Math.round(Math.min(high, Math.max(low, points)))
}

/** `text` with the found ranges replaced by spaces, so that later matchers skip them. */
function blank(text: string, ranges: ReadonlyArray<{ start: number; end: number }>): string {
  let out = text
  for (const { start, end } of ranges) out = out.slice(0, start) + ' '.repeat(end - start) + out.slice(end)
  return out
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i]!)) return i
  return -1
}

function clean(value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed.length >= min && trimmed.length <= max ? trimmed : undefined
}

/** A known name (a WhatsApp profile name) counts when it holds at least one letter. */
function cleanName(value: unknown): string | undefined {
  const name = clean(value, 1, 1000)
  return name && /\p{L}/u.test(name) ? name.slice(0, 200) : undefined
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)]
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

function fail(message: string, issues: Array<{ path: string; message: string }>): never {
  throw new LeadCallError('VALIDATION_FAILED', { message, details: { issues } })
}

function validateOptions(options: RuleClassifierOptions): void {
  const issues: Array<{ path: string; message: string }> = []
  if (options.defaultLanguage !== undefined && !/^[a-z]{2,8}$/i.test(options.defaultLanguage)) {
    issues.push({ path: 'defaultLanguage', message: 'Expected an ISO 639-1 code such as "es"' })
  }
  if (options.defaultCurrency !== undefined && !/^[A-Z]{3}$/.test(options.defaultCurrency)) {
    issues.push({ path: 'defaultCurrency', message: 'Expected an ISO 4217 code such as "EUR"' })
  }
  options.catalogue?.forEach((entry, i) => {
    if (typeof entry?.name !== 'string' || entry.name.trim() === '') {
      issues.push({ path: `catalogue.${i}.name`, message: 'Expected a name' })
    }
    if (!Array.isArray(entry?.terms) || !entry.terms.some((t) => typeof t === 'string' && t.trim() !== '')) {
      issues.push({ path: `catalogue.${i}.terms`, message: 'Expected at least one term' })
    }
  })
  options.cities?.forEach((city, i) => {
    const name = typeof city === 'string' ? city : city?.name
    if (typeof name !== 'string' || name.trim() === '')
      issues.push({ path: `cities.${i}`, message: 'Expected a name' })
  })
  if (issues.length > 0) fail('Invalid rule classifier options', issues)
}

function validateInput(input: ClassifyInput): void {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.messages)) {
    fail('A classification needs at least one message', [{ path: 'messages', message: 'Expected an array' }])
  }
  if (input.messages.length === 0) {
    fail('A classification needs at least one message', [
      { path: 'messages', message: 'Expected at least one message' },
    ])
  }
  input.messages.forEach((message: ConversationMessage, i) => {
    if (message?.role !== 'user' && message?.role !== 'assistant') {
      fail('Invalid message', [{ path: `messages.${i}.role`, message: 'Expected "user" or "assistant"' }])
    }
    if (typeof message.text !== 'string') {
      fail('Invalid message', [{ path: `messages.${i}.text`, message: 'Expected a string' }])
    }
  })
}
