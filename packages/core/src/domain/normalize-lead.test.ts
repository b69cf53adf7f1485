import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { LeadSchema } from './lead.js'
import { normalizeLead } from './normalize-lead.js'

const fixed = { now: () => new Date('2026-06-19T10:00:00.000Z'), idGenerator: () => 'lead-1' }

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (LeadCallError.isInstance(error)) return error.code
    throw error
  }
  throw new Error('expected a LeadCallError')
}

describe('normalizeLead', () => {
  it('normalizes a generic lead', () => {
    const lead = normalizeLead(
      {
        name: '  Maria   de la Cruz ',
        phone: '(415) 555-2671 ext. 12',
        email: ' Maria@Example.com ',
        company: 'Acme',
        priority: 'High',
        tags: [' vip ', 'vip', 'webinar', ''],
        customFields: { plan: 'pro' },
        externalId: 'crm-7',
        timezone: 'America/Los_Angeles',
        consent: { call: true },
        dnd: false,
      },
      fixed,
    )
    expect(lead).toEqual({
      id: 'lead-1',
      phone: '+14155552671',
      phoneExtension: '12',
      phoneCountry: 'US',
      fullName: 'Maria de la Cruz',
      firstName: 'Maria',
      lastName: 'de la Cruz',
      email: 'maria@example.com',
      company: 'Acme',
      source: 'api',
      externalId: 'crm-7',
      priority: 'high',
      tags: ['vip', 'webinar'],
      custom: { plan: 'pro' },
      consent: { call: true },
      timezone: 'America/Los_Angeles',
      dnd: false,
      receivedAt: '2026-06-19T10:00:00.000Z',
    })
    expect(LeadSchema.parse(lead)).toEqual(lead)
  })

  it('applies the defaults', () => {
    const lead = normalizeLead(
      { phone: '347 123 4567', email: '' },
      { ...fixed, defaultCountry: 'IT', defaultPriority: 'low' },
    )
    expect(lead).toEqual({
      id: 'lead-1',
      phone: '+393471234567',
      phoneCountry: 'IT',
      fullName: 'Unknown Contact',
      firstName: 'Unknown',
      lastName: 'Contact',
      source: 'api',
      priority: 'low',
      tags: [],
      custom: {},
      receivedAt: '2026-06-19T10:00:00.000Z',
    })
  })

  it('gives a UUID and the current time by default', () => {
    const lead = normalizeLead({ phone: '+14155552671' })
    expect(lead.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(Math.abs(Date.parse(lead.receivedAt) - Date.now())).toBeLessThan(5000)
    expect(lead.priority).toBe('normal')
  })

  it('uses the country of a GoHighLevel workflow payload for a national number', () => {
    const lead = normalizeLead(
      { contact_id: 'c1', full_name: 'Giulia Bianchi', phone: '06 1234 5678', country: 'IT', tags: 'a, b' },
      fixed,
    )
    expect(lead).toMatchObject({
      phone: '+390612345678',
      source: 'gohighlevel',
      externalId: 'c1',
      tags: ['a', 'b'],
    })
  })

  it('normalizes a GoHighLevel ContactCreate payload', () => {
    const lead = normalizeLead(
      {
        type: 'ContactCreate',
        locationId: 'loc-1',
        id: 'contact-1',
        firstName: 'John',
        lastName: 'Deo',
        phone: '+14155552671',
        source: 'public api',
        dnd: true,
      },
      fixed,
    )
    expect(lead).toMatchObject({
      fullName: 'John Deo',
      source: 'gohighlevel',
      externalId: 'contact-1',
      dnd: true,
      custom: { locationId: 'loc-1', ghlSource: 'public api' },
    })
  })

  it.each([
    [{}, 'MISSING_PHONE'],
    [{ name: 'Ann', phone: '   ' }, 'MISSING_PHONE'],
    [{ phone: null }, 'MISSING_PHONE'],
    [{ phone: '1-800-FLOWERS' }, 'INVALID_PHONE'],
    [{ phone: '12' }, 'INVALID_PHONE'],
    [{ phone: '+14155552671', email: 'nope' }, 'VALIDATION_FAILED'],
    [{ phone: '+14155552671', priority: 'whenever' }, 'VALIDATION_FAILED'],
    [{ phone: { number: '+14155552671' } }, 'VALIDATION_FAILED'],
    [{ phone: '+14155552671', name: 'x'.repeat(5000) }, 'VALIDATION_FAILED'],
    [null, 'VALIDATION_FAILED'],
    [undefined, 'VALIDATION_FAILED'],
    [42, 'VALIDATION_FAILED'],
    ['+14155552671', 'VALIDATION_FAILED'],
    [[{ phone: '+14155552671' }], 'VALIDATION_FAILED'],
  ])('rejects %j with %s', (input, code) => {
    expect(codeOf(() => normalizeLead(input, fixed))).toBe(code)
  })

  it('reports shape problems before the phone', () => {
    expect(codeOf(() => normalizeLead({ email: 'nope' }))).toBe('VALIDATION_FAILED')
  })

  it('survives hostile objects', () => {
    const throwing = Object.defineProperty({}, 'phone', {
      enumerable: true,
      get() {
        throw new Error('boom')
      },
    })
    expect(codeOf(() => normalizeLead(throwing))).toBe('VALIDATION_FAILED')
    const trap = new Proxy(
      {},
      {
        get() {
          throw new TypeError('trap')
        },
      },
    )
    expect(codeOf(() => normalizeLead(trap))).toBe('VALIDATION_FAILED')

    const polluted = JSON.parse(
      '{"phone":"+14155552671","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"custom":{"__proto__":{"admin":true},"constructor":"c"}}',
    )
    const lead = normalizeLead(polluted, fixed)
    expect(lead.custom).toEqual({ constructor: 'c' })
    expect(Object.getPrototypeOf(lead.custom)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })

  it('turns a bad option into a LeadCallError', () => {
    expect(codeOf(() => normalizeLead({ phone: '+14155552671' }, { idGenerator: () => '' }))).toBe(
      'VALIDATION_FAILED',
    )
    expect(codeOf(() => normalizeLead({ phone: '+14155552671' }, { now: () => new Date(Number.NaN) }))).toBe(
      'VALIDATION_FAILED',
    )
  })
})
