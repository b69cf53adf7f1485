import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { DEFAULT_CATALOGUE } from './catalogue.js'
import { type Classification, ClassificationSchema } from './classification.js'
import type { ClassifyInput, ConversationMessage } from './classifier.js'
import { DEFAULT_CITIES } from './default-cities.js'
import { ruleClassifier } from './rule-classifier.js'

const classifier = ruleClassifier()
const user = (text: string): ConversationMessage => ({ role: 'user', text })
const assistant = (text: string): ConversationMessage => ({ role: 'assistant', text })

async function classify(input: ClassifyInput): Promise<Classification> {
  const result = await classifier.classify(input)
  // Every answer must be a valid classification.
  expect(ClassificationSchema.parse(result)).toEqual(result)
  return result
}

/** The error `promise` rejects with, failing the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

interface Case {
  name: string
  input: ClassifyInput
  quality: Classification['quality']
  nextAction: Classification['nextAction']
  intent: Classification['intent']
}

const PHONE = { es: '+34612345678', it: '+393471234567', en: '+14155552671' }

const CASES: Record<'es' | 'it' | 'en', Case[]> = {
  es: [
    {
      name: 'hot: name, phone, product and budget',
      input: {
        messages: [user('Hola, soy Carmen. Quiero un sofá cama, tengo 900 €')],
        lead: { phone: PHONE.es },
      },
      quality: 'hot',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'hot: email, product and urgency, no phone',
      input: { messages: [user('Busco colchón para hoy mismo, ana@ejemplo.es')] },
      quality: 'hot',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'warm with name and product after a question',
      input: {
        messages: [user('Busco una mesa de comedor'), assistant('¡Hola! ¿Cómo te llamas?'), user('Marta')],
        lead: { phone: PHONE.es },
      },
      quality: 'warm',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'product without a name',
      input: { messages: [user('¿Tenéis armarios a medida?')], lead: { phone: PHONE.es } },
      quality: 'warm',
      nextAction: 'request_contact_info',
      intent: 'sales',
    },
    {
      name: 'name without a product',
      input: { messages: [user('Hola, me llamo Teresa y quería información')], lead: { phone: PHONE.es } },
      quality: 'warm',
      nextAction: 'ask_about_interest',
      intent: 'sales',
    },
    {
      name: 'name and product, no budget or urgency',
      input: { messages: [user('Soy Marcos, busco una estantería')], lead: { phone: PHONE.es } },
      quality: 'warm',
      nextAction: 'gather_more_details',
      intent: 'sales',
    },
    {
      name: 'a greeting only',
      input: { messages: [user('Hola')], lead: { phone: PHONE.es } },
      quality: 'cold',
      nextAction: 'ask_clarifying_question',
      intent: 'other',
    },
    {
      name: 'a greeting from a known WhatsApp name',
      input: { messages: [user('Buenas tardes')], lead: { phone: PHONE.es, name: 'Maite' } },
      quality: 'cold',
      nextAction: 'ask_about_interest',
      intent: 'other',
    },
    {
      name: 'a product but no contact at all',
      input: { messages: [user('busco un sofá barato')] },
      quality: 'cold',
      nextAction: 'request_contact_info',
      intent: 'sales',
    },
    {
      name: 'order status',
      input: { messages: [user('Mi pedido todavía no ha llegado')], lead: { phone: PHONE.es, name: 'Rosa' } },
      quality: 'cold',
      nextAction: 'transfer_to_support',
      intent: 'support',
    },
    {
      name: 'a wrong number',
      input: { messages: [user('Perdón, número equivocado')], lead: { phone: PHONE.es } },
      quality: 'cold',
      nextAction: 'ask_clarifying_question',
      intent: 'other',
    },
  ],
  it: [
    {
      name: 'hot: name, phone, product and budget in words',
      input: {
        messages: [user('Buongiorno, mi chiamo Luca, cerco un divano letto, budget duemila euro')],
        lead: { phone: PHONE.it },
      },
      quality: 'hot',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'hot: name and phone in the message, urgency',
      input: { messages: [user('Sono Giulia, cell. 347 123 4567, mi serve subito un materasso')] },
      quality: 'hot',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'warm with name and product after a question',
      input: {
        messages: [user('vorrei un armadio'), assistant('Perfetto! Come ti chiami?'), user('Lorenzo')],
        lead: { phone: PHONE.it },
      },
      quality: 'warm',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'product without a name',
      input: { messages: [user('Quanto costa la scrivania nera?')], lead: { phone: PHONE.it } },
      quality: 'warm',
      nextAction: 'request_contact_info',
      intent: 'sales',
    },
    {
      name: 'name without a product',
      input: {
        messages: [user('Salve, sono Marina, vorrei qualche informazione')],
        lead: { phone: PHONE.it },
      },
      quality: 'warm',
      nextAction: 'ask_about_interest',
      intent: 'sales',
    },
    {
      name: 'name and product, no budget or urgency',
      input: { messages: [user('Ciao, mi chiamo Roberto e cerco un tavolino')], lead: { phone: PHONE.it } },
      quality: 'warm',
      nextAction: 'gather_more_details',
      intent: 'sales',
    },
    {
      name: 'a general question with the phone only',
      input: { messages: [user('Avete un catalogo?')], lead: { phone: PHONE.it } },
      quality: 'warm',
      nextAction: 'ask_clarifying_question',
      intent: 'sales',
    },
    {
      name: 'a greeting only',
      input: { messages: [user('Ciao')], lead: { phone: PHONE.it } },
      quality: 'cold',
      nextAction: 'ask_clarifying_question',
      intent: 'other',
    },
    {
      name: 'a return',
      input: { messages: [user('Vorrei fare il reso della poltrona')], lead: { phone: PHONE.it } },
      quality: 'cold',
      nextAction: 'transfer_to_support',
      intent: 'support',
    },
    {
      name: 'spam',
      input: { messages: [user('Hai vinto un premio! Clicca qui')], lead: { phone: PHONE.it } },
      quality: 'cold',
      nextAction: 'ask_clarifying_question',
      intent: 'other',
    },
  ],
  en: [
    {
      name: 'hot: name, phone, product and budget',
      input: {
        messages: [user("Hi, I'm Tom. Looking for a corner sofa, budget $1,500")],
        lead: { phone: PHONE.en },
      },
      quality: 'hot',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'hot: WhatsApp name and urgency',
      input: { messages: [user('need a new mattress asap')], lead: { phone: PHONE.en, name: 'Mike' } },
      quality: 'hot',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'warm with name and product after a question',
      input: {
        messages: [user('looking for a dresser'), assistant("What's your name?"), user('Alice')],
        lead: { phone: PHONE.en },
      },
      quality: 'warm',
      nextAction: 'create_lead',
      intent: 'sales',
    },
    {
      name: 'product without a name',
      input: { messages: [user('do you have bunk beds in stock?')], lead: { phone: PHONE.en } },
      quality: 'warm',
      nextAction: 'request_contact_info',
      intent: 'sales',
    },
    {
      name: 'name without a product',
      input: {
        messages: [user("Hi I'm Laura, could you send me some information?")],
        lead: { phone: PHONE.en },
      },
      quality: 'warm',
      nextAction: 'ask_about_interest',
      intent: 'sales',
    },
    {
      name: 'name and product, no budget or urgency',
      input: { messages: [user('My name is Hannah, I want a coffee table')], lead: { phone: PHONE.en } },
      quality: 'warm',
      nextAction: 'gather_more_details',
      intent: 'sales',
    },
    {
      name: 'name only, no phone or email: some contact but not hot',
      input: { messages: [user("I'm Ann, looking for a wardrobe, budget 800 dollars")] },
      quality: 'warm',
      nextAction: 'ask_clarifying_question',
      intent: 'sales',
    },
    {
      name: 'a greeting only',
      input: { messages: [user('Hi')], lead: { phone: PHONE.en } },
      quality: 'cold',
      nextAction: 'ask_clarifying_question',
      intent: 'other',
    },
    {
      name: 'a warranty question',
      input: { messages: [user('Is my recliner still under warranty?')], lead: { phone: PHONE.en } },
      quality: 'cold',
      nextAction: 'transfer_to_support',
      intent: 'support',
    },
    {
      name: 'a past purchase and a new one: sales',
      input: {
        messages: [user('I bought a sofa from you last year, how much is the matching armchair?')],
        lead: { phone: PHONE.en },
      },
      quality: 'warm',
      nextAction: 'request_contact_info',
      intent: 'sales',
    },
    {
      name: 'not interested, from a known name',
      input: { messages: [user('not interested, thanks')], lead: { phone: PHONE.en, name: 'Rob' } },
      quality: 'cold',
      nextAction: 'ask_about_interest',
      intent: 'other',
    },
  ],
}

describe('ruleClassifier: the rubric in each language', () => {
  for (const [language, cases] of Object.entries(CASES)) {
    describe(language, () => {
      it.each(cases)('$name', async ({ input, quality, nextAction, intent }) => {
        const result = await classify(input)
        expect({ quality: result.quality, nextAction: result.nextAction, intent: result.intent }).toEqual({
          quality,
          nextAction,
          intent,
        })
        expect(result.language).toBe(language)
        expect(result.extracted.language).toBe(language)
        expect(result.question.length).toBeGreaterThan(0)
      })
    })
  }
})

describe('ruleClassifier: the result', () => {
  it('reports what it extracted, as written', async () => {
    const result = await classify({
      messages: [user('Hola, soy María José. Busco un sofá cama en Sevilla para esta semana, unos 1.200 €')],
      lead: { phone: '+34612345678' },
    })
    expect(result.extracted).toEqual({
      name: 'María José',
      phone: '+34612345678',
      city: 'Sevilla',
      productInterest: 'sofá cama',
      budget: { amount: 1200, currency: 'EUR' },
      urgency: 'high',
      language: 'es',
    })
    expect(result.classifier).toBe('rules')
    expect(result.reasons).toContain('budget 1200 EUR')
  })

  it('keeps the score inside the band of the quality', async () => {
    const inputs: ClassifyInput[] = [
      ...Object.values(CASES).flatMap((cases) => cases.map((c) => c.input)),
      { messages: [user('👍')] },
    ]
    for (const input of inputs) {
      const { quality, score } = await classify(input)
      if (quality === 'hot') expect(score).toBeGreaterThanOrEqual(70)
      if (quality === 'warm') expect([score >= 40, score <= 69]).toEqual([true, true])
      if (quality === 'cold') expect(score).toBeLessThan(40)
    }
  })

  it('measures completeness on the qualification fields and lists the missing ones in order', async () => {
    const nothing = await classify({ messages: [user('hola')] })
    expect(nothing.completeness).toBe(0)
    expect(nothing.missingFields).toEqual(['name', 'contact', 'productInterest', 'budgetOrUrgency'])

    const partial = await classify({
      messages: [user('Soy Ana, busco una cama')],
      lead: { phone: '+34612345678' },
    })
    expect(partial.completeness).toBe(0.75)
    expect(partial.missingFields).toEqual(['budgetOrUrgency'])

    const nameOnly = await classify({ messages: [user('Soy Ana, busco una cama')] })
    expect(nameOnly.missingFields).toEqual(['contact', 'budgetOrUrgency'])
  })

  it('asks the follow-up in the conversation language, with the name', async () => {
    const es = await classify({
      messages: [user('Soy Marcos, busco una estantería')],
      lead: { phone: PHONE.es },
    })
    expect(es.question).toBe(
      '¡Perfecto, Marcos! ¿Tienes un presupuesto en mente y para cuándo lo necesitarías?',
    )
    const it = await classify({ messages: [user('Ciao')], lead: { phone: PHONE.it } })
    expect(it.question).toBe('Ciao! Come possiamo aiutarti? Quale prodotto ti interessa?')
    const en = await classify({ messages: [user('need a sofa today, jo@example.com')] })
    expect(en.question).toBe(
      'Thank you! An advisor will call you in a few minutes. Is now a good time to talk?',
    )
  })

  it('uses the given language instead of detecting it', async () => {
    const result = await classify({ messages: [user('👍')], language: 'it-IT' })
    expect(result.language).toBe('it')
    expect(result.question).toBe('Ciao! Come possiamo aiutarti? Quale prodotto ti interessa?')
  })

  it('is deterministic', async () => {
    const input: ClassifyInput = {
      messages: [user('Hola'), assistant('¿En qué podemos ayudarte?'), user('busco litera, hasta 600')],
      lead: { phone: PHONE.es },
    }
    expect(await classify(input)).toEqual(await classify(input))
  })

  it('reads urgency with its negation', async () => {
    const urgent = await classify({ messages: [user('Necesito un sofá urgente')] })
    expect(urgent.extracted.urgency).toBe('high')
    const calm = await classify({ messages: [user('Busco un sofá, no es urgente')] })
    expect(calm.extracted.urgency).toBe('low')
    const negated = await classify({ messages: [user("I don't need the sofa today")] })
    expect(negated.extracted.urgency).toBeUndefined()
    const soon = await classify({ messages: [user('Vorrei un divano per il mese prossimo')] })
    expect(soon.extracted.urgency).toBe('medium')
  })
})

describe('ruleClassifier: options', () => {
  it('recognizes a replaced or extended catalogue', async () => {
    const saunas = ruleClassifier({ catalogue: [{ name: 'sauna', terms: ['sauna', 'sauna finlandesa'] }] })
    const sauna = await saunas.classify({ messages: [user('Soy Eva, quiero una sauna finlandesa')] })
    expect(sauna.extracted.productInterest).toBe('sauna finlandesa')
    const sofa = await saunas.classify({ messages: [user('Soy Eva, quiero un sofá')] })
    expect(sofa.extracted.productInterest).toBeUndefined()

    const extended = ruleClassifier({
      catalogue: [...DEFAULT_CATALOGUE, { name: 'sauna', terms: ['sauna'] }],
    })
    const both = await extended.classify({ messages: [user('a sauna and a sofa')] })
    expect(both.extracted.productInterest).toBe('sauna')
  })

  it('recognizes configured cities and their aliases', async () => {
    const cities = ruleClassifier({
      cities: [...DEFAULT_CITIES, { name: 'Donostia', aliases: ['San Sebastián'] }],
    })
    const result = await cities.classify({ messages: [user('Vivo en San Sebastián')] })
    expect(result.extracted.city).toBe('Donostia')
    const milan = await classifier.classify({ messages: [user('I live in Milan')] })
    expect(milan.extracted.city).toBe('Milano')
  })

  it('replaces follow-up texts per language and action', async () => {
    const custom = ruleClassifier({
      questions: {
        es: { ask_about_interest: '¿Qué buscas, {name}?' },
        fr: { ask_clarifying_question: 'Bonjour !' },
      },
    })
    const es = await custom.classify({ messages: [user('Hola, soy Ana')] })
    expect(es.question).toBe('¿Qué buscas, Ana?')
    const fr = await custom.classify({ messages: [user('Bonjour')], language: 'fr' })
    expect(fr.question).toBe('Bonjour !')
    expect(fr.language).toBe('fr')
  })

  it('uses the default language and currency when told', async () => {
    const custom = ruleClassifier({ defaultLanguage: 'es', defaultCurrency: 'GBP' })
    const quiet = await custom.classify({ messages: [user('👍')] })
    expect(quiet.language).toBe('es')
    const budget = await custom.classify({ messages: [user('presupuesto 500')] })
    expect(budget.extracted.budget).toEqual({ amount: 500, currency: 'GBP' })
  })

  it('refuses invalid options', () => {
    expect(() => ruleClassifier({ defaultLanguage: 'español' })).toThrow(LeadCallError)
    expect(() => ruleClassifier({ defaultCurrency: 'euro' })).toThrow(LeadCallError)
    expect(() => ruleClassifier({ catalogue: [{ name: 'x', terms: [] }] })).toThrow(LeadCallError)
    expect(() => ruleClassifier({ cities: [''] })).toThrow(LeadCallError)
  })
})

describe('ruleClassifier: input', () => {
  it('rejects an input without messages with VALIDATION_FAILED', async () => {
    const error = await rejection(classifier.classify({ messages: [] }))
    expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
  })

  it('rejects a message with an unknown role or no text', async () => {
    const role = await rejection(
      classifier.classify({ messages: [{ role: 'system', text: 'x' } as unknown as ConversationMessage] }),
    )
    expect(LeadCallError.isInstance(role) && role.code).toBe('VALIDATION_FAILED')
    const text = await rejection(
      classifier.classify({ messages: [{ role: 'user' } as unknown as ConversationMessage] }),
    )
    expect(LeadCallError.isInstance(text) && text.code).toBe('VALIDATION_FAILED')
  })

  it('rejects with the reason of an already-aborted signal', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    controller.abort(reason)
    const error = await rejection(
      classifier.classify({ messages: [user('hola')] }, { signal: controller.signal }),
    )
    expect(error).toBe(reason)
  })

  it('classifies a conversation that ends with an assistant message on its last user message', async () => {
    const result = await classify({
      messages: [user('Buonasera'), assistant('Buonasera! Come possiamo aiutarla?')],
      lead: { phone: PHONE.it, name: 'Rita' },
    })
    expect(result.nextAction).toBe('ask_about_interest')
  })

  it('handles only assistant messages and empty texts as nothing usable', async () => {
    const result = await classify({ messages: [assistant('¡Hola! ¿En qué podemos ayudarte?'), user('')] })
    expect([result.quality, result.nextAction, result.intent]).toEqual([
      'cold',
      'ask_clarifying_question',
      'other',
    ])
  })
})
