import type { NextAction } from './classification.js'

/** The follow-up text of each next action, for one language. `{name}` and `{product}` are filled in. */
export type FollowUpQuestions = Readonly<Record<NextAction, string>>

/**
 * Follow-up texts to replace, per language (ISO 639-1) and per next action; anything not given
 * keeps its default. A language without defaults falls back to English for the actions it does not
 * set.
 */
export type FollowUpQuestionOverrides = Readonly<Record<string, Partial<Record<NextAction, string>>>>

/**
 * The default follow-ups in Spanish, Italian and English. `{name}` is the person's name and
 * `{product}` their product or need; when one is unknown it is left out with the comma before it.
 */
export const DEFAULT_FOLLOW_UP_QUESTIONS: Readonly<Record<'es' | 'it' | 'en', FollowUpQuestions>> = {
  es: {
    transfer_to_support:
      'Gracias por escribirnos, {name}. Te paso con nuestro equipo de atención al cliente. ¿Me indicas tu número de pedido?',
    create_lead: '¡Gracias, {name}! Un asesor te llamará en unos minutos. ¿Es buen momento para hablar?',
    request_contact_info: '¡Genial! Para preparar tu propuesta, ¿me dices tu nombre?',
    ask_about_interest: '¡Encantados, {name}! ¿Qué producto te interesa o qué estás buscando?',
    gather_more_details: '¡Perfecto, {name}! ¿Tienes un presupuesto en mente y para cuándo lo necesitarías?',
    ask_clarifying_question: '¡Hola! ¿En qué podemos ayudarte? ¿Qué producto te interesa?',
  },
  it: {
    transfer_to_support:
      'Grazie per averci scritto, {name}. Ti passo al nostro servizio clienti. Mi indichi il numero del tuo ordine?',
    create_lead: 'Grazie, {name}! Un consulente ti chiamerà tra pochi minuti. È un buon momento per parlare?',
    request_contact_info: 'Ottimo! Per preparare la tua proposta, mi dici il tuo nome?',
    ask_about_interest: 'Piacere, {name}! Quale prodotto ti interessa o cosa stai cercando?',
    gather_more_details: 'Perfetto, {name}! Hai un budget in mente e per quando ti servirebbe?',
    ask_clarifying_question: 'Ciao! Come possiamo aiutarti? Quale prodotto ti interessa?',
  },
  en: {
    transfer_to_support:
      "Thanks for getting in touch, {name}. I'm passing you to our customer support team. Could you share your order number?",
    create_lead: 'Thank you, {name}! An advisor will call you in a few minutes. Is now a good time to talk?',
    request_contact_info: 'Great! To prepare your proposal, may I have your name?',
    ask_about_interest:
      'Nice to meet you, {name}! Which product are you interested in, or what are you looking for?',
    gather_more_details: 'Perfect, {name}! Do you have a budget in mind, and when would you need it?',
    ask_clarifying_question: 'Hi! How can we help you? Which product are you interested in?',
  },
}

/**
 * Fills a follow-up template: `{name}` and `{product}` are replaced; an unknown one is removed
 * together with the comma or space before it ("Gracias, {name}!" → "Gracias!").
 */
export function fillQuestion(template: string, values: { name?: string; product?: string }): string {
  return template
    .replace(/,?\s*\{(name|product)\}/g, (whole, key: 'name' | 'product') => {
      const value = values[key]
      return value ? whole.replace(`{${key}}`, value) : ''
    })
    .trim()
}

/**
 * The follow-up templates of a language: the defaults of that language (English when there are
 * none), with `overrides` of the language on top.
 */
export function questionsFor(language: string, overrides: FollowUpQuestionOverrides = {}): FollowUpQuestions {
  const base =
    DEFAULT_FOLLOW_UP_QUESTIONS[language as keyof typeof DEFAULT_FOLLOW_UP_QUESTIONS] ??
    DEFAULT_FOLLOW_UP_QUESTIONS.en
  return { ...base, ...overrides[language] }
}
