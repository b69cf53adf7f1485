import { describe, expect, it } from 'vitest'
import { createLanguageDetector } from './language-detect.js'
import { LEXICON_EN } from './lexicon-en.js'
import { LEXICON_ES } from './lexicon-es.js'
import { LEXICON_IT } from './lexicon-it.js'

const detect = createLanguageDetector([LEXICON_ES, LEXICON_IT, LEXICON_EN])

describe('createLanguageDetector', () => {
  it.each([
    ['Hola, ¿tenéis sofás cama? Lo necesito para el sábado', 'es'],
    ['buenas q tal, busco una mesa', 'es'],
    ['Ciao, vorrei sapere quanto costa il divano', 'it'],
    ['salve cerco sgabelli per la cucina', 'it'],
    ["Hi, I'm looking for a sofa bed for my flat", 'en'],
    ['do u have any corner sofas in stock', 'en'],
  ])('%s → %s', (text, language) => {
    expect(detect(text, 'xx').language).toBe(language)
  })

  it('falls back when no marker is found, with certainty 0', () => {
    expect(detect('👍', 'it')).toEqual({ language: 'it', certainty: 0 })
    expect(detect('???', 'en')).toEqual({ language: 'en', certainty: 0 })
  })

  it('counts ñ, ¿ and ¡ for Spanish and grave accents for Italian', () => {
    expect(detect('¿¡Ñ!?', 'en').language).toBe('es')
    expect(detect('Perché è così', 'en').language).toBe('it')
  })

  it('reports how clear the winner is', () => {
    expect(detect('Hola, quiero un sofá', 'en').certainty).toBe(1)
    expect(detect('Hola, I want un divano', 'en').certainty).toBeLessThan(1)
  })
})
