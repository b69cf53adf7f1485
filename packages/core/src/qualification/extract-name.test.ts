import { describe, expect, it } from 'vitest'
import { createNameExtractor } from './extract-name.js'
import { LEXICON_EN } from './lexicon-en.js'
import { LEXICON_ES } from './lexicon-es.js'
import { LEXICON_IT } from './lexicon-it.js'
import { fold, foldWithOffsets } from './text-fold.js'

const names = createNameExtractor([LEXICON_ES, LEXICON_IT, LEXICON_EN])
const fromMessage = (text: string) => names.fromMessage(foldWithOffsets(text))
const fromReply = (text: string) => names.fromReply(foldWithOffsets(text))

describe('names in a message', () => {
  it.each([
    // Spanish
    ['Hola, soy María y busco un sofá', 'María'],
    ['me llamo josé luis', 'José'],
    ['Buenas tardes, mi nombre es Ana García López, quería información', 'Ana García López'],
    ['hola soy rocío 👋', 'Rocío'],
    ['Me interesa el sillón. Soy Manoli', 'Manoli'],
    ['Te escribe Javier desde Bilbao', 'Javier'],
    ['Soy María de la Cruz, de Sevilla', 'María de la Cruz'],
    ['Gracias. Un saludo, Pedro', 'Pedro'],
    // Italian
    ['Ciao, mi chiamo Luca e cerco un divano', 'Luca'],
    ['Buongiorno, sono Giulia', 'Giulia'],
    ['ciao sono luca volevo sapere il prezzo', 'Luca'],
    ['Salve, io sono Paolo Greco', 'Paolo Greco'],
    ['Grazie mille, cordiali saluti Marco Bianchi', 'Marco Bianchi'],
    // English
    ['my name is Ann', 'Ann'],
    ["Hi, I'm Tom, looking for a bed", 'Tom'],
    ['This is Daniel from Leeds', 'Daniel'],
    ['hi im jess!! need a cot', 'Jess'],
    ["Hi, Joanna here. I'm interested in a sofa", 'Joanna'],
    ["It's Ben", 'Ben'],
    ['Thanks, Sarah', 'Sarah'],
    ["I'm Will and I need a desk", 'Will'],
  ])('%s → %s', (text, name) => {
    expect(fromMessage(text)).toBe(name)
  })

  it.each([
    'Hola, soy de Madrid',
    'soy cliente vuestro desde hace años',
    'Buenas, soy tapicero',
    'Sono interessato al divano',
    'sono passati tre giorni',
    'i divani sono belli',
    'Ciao, sono alla ricerca di un tavolo',
    "I'm looking for a sofa",
    "I'm interested in your beds",
    'im after a wardrobe',
    'This is urgent',
    'It is a lovely sofa',
    'Gracias',
    'Mille grazie per la risposta',
    'Buongiorno!',
  ])('no name in: %s', (text) => {
    expect(fromMessage(text)).toBeUndefined()
  })
})

describe('names given as a reply', () => {
  it('recognizes questions asking for the name in the three languages', () => {
    for (const question of [
      '¿Cómo te llamas?',
      '¿Con quién tengo el gusto?',
      'Come ti chiami?',
      'Con chi parlo?',
      "What's your name?",
      'Who am I speaking with?',
    ]) {
      expect(names.asksForName(fold(question))).toBe(true)
    }
    expect(names.asksForName(fold('¿Qué presupuesto tienes?'))).toBe(false)
  })

  it.each([
    ['Marta', 'Marta'],
    ['marta garcía', 'Marta'],
    ['Con Andrés. Sería para un dormitorio', 'Andrés'],
    ['Giorgio Ferri', 'Giorgio Ferri'],
    ['Sì, Tommaso, lo vorrei oggi', 'Tommaso'],
    ['Lily. Could it be delivered this week?', 'Lily'],
    ['Karen, no more than 500 dollars', 'Karen'],
  ])('%s → %s', (text, name) => {
    expect(fromReply(text)).toBe(name)
  })

  it.each([
    'prefiero no decirlo, solo dime precios',
    'preferisco di no, mandatemi solo i prezzi',
    "I'd rather not say, just send prices",
    'no more than 500',
    'ok',
  ])('no name in the reply: %s', (text) => {
    expect(fromReply(text)).toBeUndefined()
  })
})
