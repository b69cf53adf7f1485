import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { E164Schema, maskEmail, maskPhone, normalizePhone } from './phone.js'

/** The error `fn` throws, failing the test when it throws none or something else. */
function errorOf(fn: () => unknown): LeadCallError {
  try {
    fn()
  } catch (error) {
    if (LeadCallError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected a LeadCallError')
}

describe('normalizePhone', () => {
  it.each([
    ['+1 (415) 555-2671', 'US', '+14155552671'],
    ['4155552671', 'US', '+14155552671'],
    ['415 555 2671', 'US', '+14155552671'],
    ['415-555-2671', 'US', '+14155552671'],
    ['415.555.2671', 'US', '+14155552671'],
    ['(415) 555-2671', 'US', '+14155552671'],
    ['1 415 555 2671', 'US', '+14155552671'],
    ['  +1\t415 555 2671  ', 'US', '+14155552671'],
    ['001 415 555 2671', 'IT', '+14155552671'],
    ['011 39 347 123 4567', 'US', '+393471234567'],
    ['347 123 4567', 'IT', '+393471234567'],
    ['0039 347 123 4567', 'US', '+393471234567'],
    ['0039-347-1234567', 'GB', '+393471234567'],
    ['+39 347 123 4567', 'US', '+393471234567'],
    ['06 1234 5678', 'IT', '+390612345678'],
    ['+39 06 1234 5678', 'US', '+390612345678'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['+44 (0)20 7946 0958', 'US', '+442079460958'],
    ['\u202A+1 415 555 2671\u202C', 'US', '+14155552671'],
    ['＋１ ４１５ ５５５ ２６７１', 'US', '+14155552671'],
  ] as const)('normalizes %j with default %s to %s', (raw, defaultCountry, e164) => {
    expect(normalizePhone(raw, { defaultCountry }).e164).toBe(e164)
  })

  it('defaults to US', () => {
    expect(normalizePhone('(415) 555-2671')).toEqual({
      e164: '+14155552671',
      country: 'US',
      nationalNumber: '4155552671',
      type: 'FIXED_LINE_OR_MOBILE',
    })
  })

  it('returns the country, national number and type', () => {
    expect(normalizePhone('347 123 4567', { defaultCountry: 'IT' })).toEqual({
      e164: '+393471234567',
      country: 'IT',
      nationalNumber: '3471234567',
      type: 'MOBILE',
    })
    expect(normalizePhone('06 1234 5678', { defaultCountry: 'IT' })).toMatchObject({
      nationalNumber: '0612345678',
      type: 'FIXED_LINE',
    })
  })

  it.each([
    ['+1 415 555 2671 ext. 123', '123'],
    ['+1 415 555 2671 ext 123', '123'],
    ['+1 415 555 2671 extension 7', '7'],
    ['415-555-2671x123', '123'],
    ['415-555-2671 x 45', '45'],
    ['415-555-2671#123', '123'],
    ['+1-415-555-2671;ext=99', '99'],
  ])('keeps the extension of %j apart', (raw, extension) => {
    const phone = normalizePhone(raw)
    expect(phone.e164).toBe('+14155552671')
    expect(phone.extension).toBe(extension)
  })

  it.each([[''], ['   '], ['\t\n'], ['\u200B']])('throws MISSING_PHONE for %j', (raw) => {
    expect(errorOf(() => normalizePhone(raw)).code).toBe('MISSING_PHONE')
  })

  it('throws MISSING_PHONE for a missing phone', () => {
    expect(errorOf(() => normalizePhone(undefined)).code).toBe('MISSING_PHONE')
    expect(errorOf(() => normalizePhone(null)).code).toBe('MISSING_PHONE')
  })

  it.each([
    ['1-800-FLOWERS', 'LETTERS'],
    ['415 555 CALL', 'LETTERS'],
    ['call me', 'LETTERS'],
    ['📞 415 555 2671', 'INVALID_CHARACTERS'],
    ['415 555 2671 😀', 'INVALID_CHARACTERS'],
    ['+1 415 + 555 2671', 'INVALID_CHARACTERS'],
    ['12', 'TOO_SHORT'],
    ['555 1234', 'TOO_SHORT'],
    ['+39 3', 'TOO_SHORT'],
    ['4155552671123456789', 'TOO_LONG'],
    ['+1 415 555 2671 5555', 'TOO_LONG'],
    ['+49 30 123456789012', 'TOO_LONG'],
    ['1'.repeat(200), 'TOO_LONG'],
    ['+999 123 456 789', 'INVALID_COUNTRY'],
    ['555 555 5555', 'INVALID_NUMBER'],
    ['+39 999 999 9999', 'INVALID_NUMBER'],
    ['()-', 'NOT_A_NUMBER'],
    ['+', 'NOT_A_NUMBER'],
  ])('throws INVALID_PHONE for %j (%s)', (raw, reason) => {
    const error = errorOf(() => normalizePhone(raw))
    expect(error.code).toBe('INVALID_PHONE')
    expect(error.status).toBe(400)
    expect(error.details).toMatchObject({ reason, defaultCountry: 'US' })
  })

  it('never puts the raw number in the error', () => {
    const error = errorOf(() => normalizePhone('+39 999 999 9999'))
    expect(error.message).not.toContain('999')
    expect(error.details).toMatchObject({ input: '+399*******99' })
    expect(JSON.stringify(error.toJSON())).not.toContain('9999999')
  })

  it('refuses an unknown default country', () => {
    expect(errorOf(() => normalizePhone('4155552671', { defaultCountry: 'XX' as 'US' })).code).toBe(
      'VALIDATION_FAILED',
    )
  })

  it('gives numbers that E164Schema accepts', () => {
    expect(E164Schema.safeParse(normalizePhone('020 7946 0958', { defaultCountry: 'GB' }).e164).success).toBe(
      true,
    )
    expect(E164Schema.safeParse('+14155552671').success).toBe(true)
    expect(E164Schema.safeParse('14155552671').success).toBe(false)
    expect(E164Schema.safeParse('+04155552671').success).toBe(false)
    expect(E164Schema.safeParse('+1415555267100000').success).toBe(false)
  })
})

describe('maskPhone', () => {
  it('keeps the country code, 3 first and 3 last national digits', () => {
    expect(maskPhone('+393501234567')).toBe('+39350****567')
    expect(maskPhone('+14155552671')).toBe('+1415****671')
    expect(maskPhone('+442079460958')).toBe('+44207****958')
  })

  it('masks the middle of short numbers', () => {
    expect(maskPhone('+6834002')).toBe('+6834**2')
    expect(maskPhone('+29022222')).toBe('+2902***2')
  })

  it('masks strings that are not E.164 as a whole', () => {
    expect(maskPhone('not a phone')).toBe('not*****one')
    expect(maskPhone('')).toBe('')
  })
})

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com')
    expect(maskEmail('a@example.com')).toBe('a***@example.com')
    expect(maskEmail('@example.com')).toBe('***@example.com')
    expect(maskEmail('nobody')).toBe('n***')
    expect(maskEmail('')).toBe('')
  })
})
