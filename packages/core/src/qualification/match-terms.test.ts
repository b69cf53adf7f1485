import { describe, expect, it } from 'vitest'
import { createTermMatcher } from './match-terms.js'
import { fold } from './text-fold.js'

const match = createTermMatcher({
  product: { phrases: ['sofá', 'sofá cama', 'colchón', 'divano', 'armadio'], plural: true },
  interest: { phrases: ['me interesa', 'interested'] },
  noise: { phrases: ['no me interesa', 'not interested'] },
  support: { phrases: ['send * back', "l'ordine", "i'm"] },
})
const keys = (text: string) => match(fold(text)).map((m) => `${m.group}:${m.key}`)

describe('createTermMatcher', () => {
  it('finds whole words only, the longest phrase first', () => {
    expect(keys('Busco un sofá cama')).toEqual(['product:sofa cama'])
    expect(keys('sofacama')).toEqual([])
    expect(keys('un sofá y un colchón')).toEqual(['product:sofa', 'product:colchon'])
  })

  it('accepts a final s/es in plural groups only', () => {
    expect(keys('Tenéis sofás? y colchones?')).toEqual(['product:sofa', 'product:colchon'])
    expect(keys('interesteds')).toEqual([])
  })

  it('hides a match inside a longer match of another group', () => {
    expect(keys('No me interesa, gracias')).toEqual(['noise:no me interesa'])
    expect(keys('Me interesa un sofá')).toEqual(['product:sofa', 'interest:me interesa'])
    expect(keys("I'm not interested")).toEqual(['noise:not interested', "support:i'm"])
  })

  it('joins words across apostrophes and matches inside elisions', () => {
    expect(keys("Dov'è l'ordine?")).toEqual(["support:l'ordine"])
    expect(keys("il prezzo dell'armadio")).toEqual(['product:armadio'])
  })

  it('lets a * stand for up to four words', () => {
    expect(keys('I want to send the old chair back')).toEqual(['support:send * back'])
    expect(keys('send it back')).toEqual(['support:send * back'])
    expect(keys('send one two three four five back')).toEqual([])
  })

  it('reports offsets in the folded text', () => {
    const [found] = match(fold('Hola, ¿el sofá?'))
    expect(found).toMatchObject({ start: 10, end: 14 })
  })
})
