import { describe, expect, it } from 'vitest'
import { extractEmails, extractPhones } from './extract-contact.js'

describe('extractEmails', () => {
  it('finds addresses, lower-cased, with their offsets', () => {
    const text = 'Soy Lucía, Lucia.Fdez@Gmail.com. Otro: paolo_greco+casa@libero.it'
    expect(extractEmails(text)).toEqual([
      { value: 'lucia.fdez@gmail.com', start: 11, end: 31 },
      { value: 'paolo_greco+casa@libero.it', start: 39, end: 65 },
    ])
  })

  it('ignores text that only looks like one', () => {
    expect(extractEmails('escríbeme a @lucia o lucia@ o lucia@gmail')).toEqual([])
  })
})

describe('extractPhones', () => {
  it.each([
    ['mi móvil es 612 345 678', ['ES', 'IT', 'US'], '+34612345678'],
    ['cell. 347 555 1234 grazie', ['IT', 'ES', 'US'], '+393475551234'],
    ['reach me on 415-555-2671', ['US', 'ES', 'IT'], '+14155552671'],
    ['call +44 7911 123456 please', ['US'], '+447911123456'],
    ['chiamami al 0039 347 123 4567', ['ES'], '+393471234567'],
  ] as const)('%s', (text, countries, e164) => {
    expect(extractPhones(text, countries).map((p) => p.value)).toEqual([e164])
  })

  it('tries the countries in order', () => {
    expect(extractPhones('347 555 1234', ['US', 'IT'])[0]?.value).toBe('+13475551234')
    expect(extractPhones('347 555 1234', ['IT', 'US'])[0]?.value).toBe('+393475551234')
  })

  it('skips order references, budgets, dates and short numbers', () => {
    expect(extractPhones('pedido 612345678', ['ES'])).toEqual([])
    expect(extractPhones('order #45871236', ['US'])).toEqual([])
    expect(extractPhones('presupuesto 2.000.000 €', ['ES'])).toEqual([])
    expect(extractPhones('el 15/06/2025 a las 18:00', ['ES'])).toEqual([])
    expect(extractPhones('tengo 1500', ['ES'])).toEqual([])
  })
})
