import { describe, expect, it } from 'vitest'
import { NextActionSchema } from './classification.js'
import { DEFAULT_FOLLOW_UP_QUESTIONS, fillQuestion, questionsFor } from './follow-up-questions.js'

describe('follow-up questions', () => {
  it('has a text for every next action in Spanish, Italian and English', () => {
    for (const questions of Object.values(DEFAULT_FOLLOW_UP_QUESTIONS)) {
      for (const action of NextActionSchema.options) expect(questions[action].length).toBeGreaterThan(10)
    }
  })

  it('fills the name and the product, or leaves them out with their comma', () => {
    expect(fillQuestion('¡Gracias, {name}!', { name: 'Ana' })).toBe('¡Gracias, Ana!')
    expect(fillQuestion('¡Gracias, {name}!', {})).toBe('¡Gracias!')
    expect(fillQuestion('Thanks {name}, the {product} is ready', { product: 'sofa' })).toBe(
      'Thanks, the sofa is ready',
    )
    expect(fillQuestion('Bonjour !', {})).toBe('Bonjour !')
  })

  it('puts overrides on top of the defaults of the language, English for others', () => {
    const es = questionsFor('es', { es: { create_lead: '¡Te llamamos!' } })
    expect(es.create_lead).toBe('¡Te llamamos!')
    expect(es.ask_about_interest).toBe(DEFAULT_FOLLOW_UP_QUESTIONS.es.ask_about_interest)
    const fr = questionsFor('fr', { fr: { create_lead: 'On vous appelle !' } })
    expect(fr.create_lead).toBe('On vous appelle !')
    expect(fr.transfer_to_support).toBe(DEFAULT_FOLLOW_UP_QUESTIONS.en.transfer_to_support)
  })
})
