import { describe, expect, it } from 'vitest'
import { fold, foldWithOffsets, originalSlice, phraseKey, phraseSource } from './text-fold.js'

describe('fold', () => {
  it('strips accents, lower-cases and plain-quotes apostrophes', () => {
    expect(fold('Sofá CAMA')).toBe('sofa cama')
    expect(fold('Perché è così')).toBe('perche e cosi')
    expect(fold('Colchón Ñandú')).toBe('colchon nandu')
    expect(fold('I’m here')).toBe("i'm here")
  })
})

describe('foldWithOffsets', () => {
  it('maps folded ranges back to the original text', () => {
    const folded = foldWithOffsets('Hola, soy María 👋 y busco un sofá')
    expect(folded.text).toBe('hola, soy maria 👋 y busco un sofa')
    const at = folded.text.indexOf('maria')
    expect(originalSlice(folded, at, at + 5)).toBe('María')
    const sofa = folded.text.indexOf('sofa')
    expect(originalSlice(folded, sofa, sofa + 4)).toBe('sofá')
  })

  it('keeps decomposed input aligned, combining marks included in the slice', () => {
    const original = 'Jose\u0301 quiere un sofa\u0301'
    const folded = foldWithOffsets(original)
    expect(folded.text).toBe('jose quiere un sofa')
    expect(originalSlice(folded, 0, 4)).toBe('Jose\u0301')
    expect(originalSlice(folded, 15, 19)).toBe('sofa\u0301')
  })
})

describe('phraseSource', () => {
  it('matches words separated by spaces or hyphens, a plural ending and a wildcard', () => {
    const made = new RegExp(`^${phraseSource('made to measure')}$`, 'u')
    expect(made.test('made-to-measure')).toBe(true)
    expect(made.test('made  to measure')).toBe(true)
    expect(new RegExp(`^${phraseSource('sofá', true)}$`, 'u').test('sofas')).toBe(true)
    const back = new RegExp(`^${phraseSource('send * back')}$`, 'u')
    expect(back.test('send the old chair back')).toBe(true)
    expect(back.test('send back')).toBe(true)
    expect(back.test('send one two three four five back')).toBe(false)
  })

  it('keys phrases folded with single spaces', () => {
    expect(phraseKey('  Sofá   Cama ')).toBe('sofa cama')
  })
})
