import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { evaluateClassifier, parseLabelledConversations } from './evaluate-classifier.js'
import { ruleClassifier } from './rule-classifier.js'

const line = (value: unknown) => JSON.stringify(value)

const SET = [
  line({
    id: 'a',
    language: 'es',
    messages: [{ role: 'user', text: 'Hola' }],
    lead: { phone: '+34612345678' },
    expected: { quality: 'cold', nextAction: 'ask_clarifying_question', intent: 'other' },
  }),
  '',
  line({
    id: 'b',
    language: 'en',
    messages: [{ role: 'user', text: 'Where is my order?' }],
    expected: { quality: 'cold', nextAction: 'transfer_to_support', intent: 'support' },
  }),
  // Labelled wrong on purpose: a greeting is not hot.
  line({
    id: 'c',
    language: 'en',
    messages: [{ role: 'user', text: 'Hi' }],
    expected: { quality: 'hot', nextAction: 'create_lead', intent: 'sales' },
  }),
].join('\n')

describe('parseLabelledConversations', () => {
  it('reads JSON lines, skipping blank ones', () => {
    expect(parseLabelledConversations(SET).map((c) => c.id)).toEqual(['a', 'b', 'c'])
  })

  it('names the first invalid line', () => {
    const bad = `${SET}\n${line({ id: 'd', language: 'es', messages: [], expected: {} })}`
    expect(() => parseLabelledConversations(bad)).toThrow(/Line 5/)
    expect(() => parseLabelledConversations('{not json')).toThrow(LeadCallError)
    expect(() => parseLabelledConversations(`${SET}\n${SET.split('\n')[0]}`)).toThrow(/duplicate id a/)
  })
})

describe('evaluateClassifier', () => {
  it('computes accuracy, per-language figures, confusion matrices and mistakes', async () => {
    const evaluation = await evaluateClassifier(ruleClassifier(), parseLabelledConversations(SET))
    expect(evaluation.total).toBe(3)
    expect(evaluation.accuracy).toEqual({ quality: 2 / 3, nextAction: 2 / 3, intent: 2 / 3 })
    expect(evaluation.byLanguage).toEqual({
      es: { total: 1, quality: 1, nextAction: 1, intent: 1 },
      en: { total: 2, quality: 0.5, nextAction: 0.5, intent: 0.5 },
    })
    expect(evaluation.confusion.quality).toEqual({ cold: { cold: 2 }, hot: { cold: 1 } })
    expect(evaluation.confusion.intent).toEqual({
      other: { other: 1 },
      support: { support: 1 },
      sales: { other: 1 },
    })
    expect(evaluation.mistakes).toEqual([
      { id: 'c', field: 'quality', expected: 'hot', actual: 'cold' },
      { id: 'c', field: 'nextAction', expected: 'create_lead', actual: 'ask_clarifying_question' },
      { id: 'c', field: 'intent', expected: 'sales', actual: 'other' },
    ])
    expect(evaluation.elapsedMs).toBeGreaterThanOrEqual(0)
  })
})
