import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import { LeadSchema } from './lead.js'
import { normalizeLead } from './normalize-lead.js'

/** True when `normalizeLead(input)` returns a valid lead or throws a LeadCallError, and nothing else. */
function behaves(input: unknown): boolean {
  let lead: unknown
  try {
    lead = normalizeLead(input)
  } catch (error) {
    if (LeadCallError.isInstance(error)) return true
    throw error
  }
  LeadSchema.parse(lead)
  return true
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', ' ', '\u200B', 'José Álvarez', '王小明', 'a@b.co', 'A@EXAMPLE.COM', '__proto__'),
)
const digits = fc
  .tuple(
    fc.constantFrom('', '+', '00', '+1', '+39', '0'),
    fc.string({ unit: fc.constantFrom(...'0123456789 -.()'.split('')), maxLength: 25 }),
  )
  .map(([prefix, rest]) => prefix + rest)
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })

describe('normalizeLead (property)', () => {
  it('on anything returns a valid lead or throws a LeadCallError', () => {
    fc.assert(fc.property(fc.anything(), behaves), { numRuns: 600 })
  })

  it('on arbitrary objects returns a valid lead or throws a LeadCallError', () => {
    fc.assert(fc.property(fc.object(), behaves), { numRuns: 400 })
  })

  it('on lead-like records with arbitrary strings returns a valid lead or throws a LeadCallError', () => {
    const record = fc.record(
      {
        name: maybe(text),
        firstName: maybe(text),
        lastName: maybe(text),
        phone: fc.oneof(text, digits),
        email: maybe(text),
        company: maybe(text),
        priority: maybe(fc.oneof(text, fc.constantFrom('URGENT', 'medium', 'Low '))),
        tags: maybe(fc.oneof(text, fc.array(text))),
        timezone: maybe(fc.oneof(text, fc.constantFrom('Europe/Rome', 'UTC'))),
        custom: maybe(fc.dictionary(text, fc.jsonValue())),
        consent: maybe(fc.oneof(fc.boolean(), fc.record({ call: fc.boolean(), recordedAt: text }))),
      },
      { requiredKeys: [] },
    )
    fc.assert(fc.property(record, behaves), { numRuns: 800 })
  })

  it('on random digit strings returns a valid lead or throws a LeadCallError', () => {
    const lead = fc.record({ phone: digits, name: maybe(text) }, { requiredKeys: ['phone'] })
    fc.assert(
      fc.property(lead, fc.constantFrom('ghl-contact', 'ghl-workflow', 'generic'), (input, format) =>
        behaves(
          format === 'ghl-contact'
            ? { type: 'ContactCreate', ...input }
            : format === 'ghl-workflow'
              ? { contact_id: 'c', full_name: input.name, phone: input.phone }
              : input,
        ),
      ),
      { numRuns: 800 },
    )
  })

  it('finds valid leads among the random digit strings', () => {
    // Guards the property tests against rejecting everything.
    let valid = 0
    fc.assert(
      fc.property(fc.stringMatching(/^[2-9]\d{2}[2-9]\d{6}$/), (phone) => {
        try {
          normalizeLead({ phone })
          valid++
        } catch (error) {
          expect(LeadCallError.isInstance(error)).toBe(true)
        }
      }),
      { numRuns: 200 },
    )
    expect(valid).toBeGreaterThan(50)
  })
})
