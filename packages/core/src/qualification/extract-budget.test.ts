import { describe, expect, it } from 'vitest'
import { createBudgetExtractor, parseAmount } from './extract-budget.js'
import { LEXICON_EN } from './lexicon-en.js'
import { LEXICON_ES } from './lexicon-es.js'
import { LEXICON_IT } from './lexicon-it.js'
import { fold } from './text-fold.js'

const budgets = createBudgetExtractor([LEXICON_ES, LEXICON_IT, LEXICON_EN])
const find = (text: string, currency = 'EUR', answersBudgetQuestion = false) =>
  budgets.find(fold(text), { currency, answersBudgetQuestion })

describe('parseAmount', () => {
  it.each([
    ['2000', 2000],
    ['2.000', 2000],
    ['2,000', 2000],
    ['1.234.567', 1234567],
    ['1,5', 1.5],
    ['1.5', 1.5],
    ['1.234,50', 1234.5],
    ['1,234.50', 1234.5],
  ])('%s → %d', (text, value) => {
    expect(parseAmount(text)).toBe(value)
  })

  it('refuses what is not a number', () => {
    expect(parseAmount('1.2.3')).toBeNaN()
    expect(parseAmount('12,34,56')).toBeNaN()
  })
})

describe('budgets', () => {
  it.each([
    // Spanish
    ['Tengo unos 1200€ de presupuesto', 1200, 'EUR'],
    ['presupuesto máximo 2.500 euros', 2500, 'EUR'],
    ['tenemos dos mil quinientos euros', 2500, 'EUR'],
    ['hasta 800', 800, 'EUR'],
    ['unos 2 mil', 2000, 'EUR'],
    ['veinticinco mil euros', 25000, 'EUR'],
    ['mil quinientos euros', 1500, 'EUR'],
    // Italian
    ['budget massimo 1.500 €', 1500, 'EUR'],
    ['spesa prevista duemila euro', 2000, 'EUR'],
    ['fino a tremila', 3000, 'EUR'],
    ['duemilacinquecento euro', 2500, 'EUR'],
    ['meno di 300€', 300, 'EUR'],
    ['non più di 1200 euro in tutto', 1200, 'EUR'],
    // English
    ['budget around $900', 900, 'USD'],
    ['£8,000 set aside', 8000, 'GBP'],
    ['€ 900', 900, 'EUR'],
    ['two thousand dollars', 2000, 'USD'],
    ['about 3 grand', 3000, 'USD'],
    ['around 1,5k', 1500, 'USD'],
    ['2k', 2000, 'USD'],
    ['up to $1,200', 1200, 'USD'],
    ['five hundred pounds', 500, 'GBP'],
  ])('%s → %d %s', (text, amount, currency) => {
    const found = find(text, currency === 'EUR' ? 'EUR' : 'USD')
    expect(found.at(-1)).toEqual({ amount, currency })
  })

  it('uses the given currency for amounts written without one', () => {
    expect(find('hasta 800', 'GBP')).toEqual([{ amount: 800, currency: 'GBP' }])
  })

  it('takes a bare amount as the reply to a budget question', () => {
    expect(find('sui 800', 'EUR', true)).toEqual([{ amount: 800, currency: 'EUR' }])
    expect(find('800', 'EUR', false)).toEqual([])
    expect(budgets.asksForBudget(fold('¿Tienes un presupuesto en mente?'))).toBe(true)
    expect(budgets.asksForBudget(fold('Hai un budget indicativo?'))).toBe(true)
    expect(budgets.asksForBudget(fold('How much would you like to spend?'))).toBe(true)
    expect(budgets.asksForBudget(fold('¿Cómo te llamas?'))).toBe(false)
  })

  it.each([
    'un sofá de 200 cm',
    'busco una mesa para 6 personas',
    'mil gracias',
    'grazie mille',
    'sono 3 giorni che aspetto',
    'hasta 200 cm de ancho',
    'pedido 45821',
    'un divano da 3 posti',
    'I want one',
    '20% de descuento',
    'the 15th at 10',
  ])('no budget in: %s', (text) => {
    expect(find(text)).toEqual([])
  })

  it('keeps the last amount of a range', () => {
    expect(find('entre 1000 y 1500 euros').at(-1)).toEqual({ amount: 1500, currency: 'EUR' })
    expect(find('tra 700 e 900', 'EUR', true).at(-1)).toEqual({ amount: 900, currency: 'EUR' })
  })
})
