import { describe, expect, it } from 'vitest'
import { cleanName, splitName } from './name.js'

describe('splitName', () => {
  it('keeps a one-word name as the first name', () => {
    expect(splitName({ name: 'Madonna' })).toEqual({ fullName: 'Madonna', firstName: 'Madonna' })
  })

  it('splits a full name at the first space', () => {
    expect(splitName({ name: 'John Smith' })).toEqual({
      fullName: 'John Smith',
      firstName: 'John',
      lastName: 'Smith',
    })
    expect(splitName({ name: 'Maria de la Cruz' })).toEqual({
      fullName: 'Maria de la Cruz',
      firstName: 'Maria',
      lastName: 'de la Cruz',
    })
  })

  it('collapses and trims white space, keeping accents', () => {
    expect(splitName({ name: '  José  Álvarez ' })).toEqual({
      fullName: 'José Álvarez',
      firstName: 'José',
      lastName: 'Álvarez',
    })
    expect(splitName({ name: 'Anna\t\n Maria\u00A0Rossi' })).toEqual({
      fullName: 'Anna Maria Rossi',
      firstName: 'Anna',
      lastName: 'Maria Rossi',
    })
  })

  it('keeps a CJK name without spaces whole', () => {
    expect(splitName({ name: '王小明' })).toEqual({ fullName: '王小明', firstName: '王小明' })
  })

  it('makes the full name from first and last name', () => {
    expect(splitName({ firstName: ' John ', lastName: 'Smith' })).toEqual({
      fullName: 'John Smith',
      firstName: 'John',
      lastName: 'Smith',
    })
  })

  it('prefers the explicit parts over the ones derived from the full name', () => {
    expect(splitName({ name: 'Mary Ann Smith', firstName: 'Mary Ann' })).toEqual({
      fullName: 'Mary Ann Smith',
      firstName: 'Mary Ann',
      lastName: 'Smith',
    })
    expect(splitName({ name: 'John', firstName: 'John', lastName: 'Smith' })).toEqual({
      fullName: 'John Smith',
      firstName: 'John',
      lastName: 'Smith',
    })
    expect(splitName({ name: 'Dr. John Smith', firstName: 'John', lastName: 'Smith' })).toEqual({
      fullName: 'Dr. John Smith',
      firstName: 'John',
      lastName: 'Smith',
    })
  })

  it('takes a last name alone as the whole name', () => {
    expect(splitName({ lastName: 'Smith' })).toEqual({ fullName: 'Smith', firstName: 'Smith' })
  })

  it('gives Unknown Contact when there is no name', () => {
    const unknown = { fullName: 'Unknown Contact', firstName: 'Unknown', lastName: 'Contact' }
    expect(splitName({})).toEqual(unknown)
    expect(splitName({ name: '   ', firstName: '', lastName: null })).toEqual(unknown)
    expect(splitName({ name: '\u200B\u200D' })).toEqual(unknown)
  })

  it('normalizes NFD input to NFC', () => {
    const nfd = 'Jose\u0301 A\u0301lvarez'
    const result = splitName({ name: nfd })
    expect(result.fullName).toBe('José Álvarez')
    expect(result.fullName).toBe(result.fullName.normalize('NFC'))
    expect(result.firstName).toBe('Jos\u00E9')
  })

  it('strips zero-width and control characters', () => {
    expect(splitName({ name: 'Jo\u200Bhn\u0000 Sm\u200Dith\u0007' })).toEqual({
      fullName: 'John Smith',
      firstName: 'John',
      lastName: 'Smith',
    })
    expect(splitName({ name: '\uFEFFAnna \u202EBianchi' })).toEqual({
      fullName: 'Anna Bianchi',
      firstName: 'Anna',
      lastName: 'Bianchi',
    })
  })

  it('cuts very long names', () => {
    const result = splitName({ name: `${'a'.repeat(400)} ${'b'.repeat(400)}` })
    expect(result.fullName).toHaveLength(300)
    expect(result.firstName).toHaveLength(200)
    expect(result.lastName).toHaveLength(200)
  })
})

describe('cleanName', () => {
  it('returns undefined when nothing is left', () => {
    expect(cleanName(undefined)).toBeUndefined()
    expect(cleanName(' \u200B ')).toBeUndefined()
    expect(cleanName(' Ana ')).toBe('Ana')
  })
})
