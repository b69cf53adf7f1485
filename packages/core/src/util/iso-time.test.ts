import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createIsoFormatter } from './iso-time.js'

describe('createIsoFormatter', () => {
  it('matches Date#toISOString for any instant, including fractional ms and day changes', () => {
    const iso = createIsoFormatter()
    fc.assert(
      fc.property(fc.integer({ min: -62198755200000, max: 253402300799999 }), fc.boolean(), (ms, frac) => {
        const value = frac ? ms + 0.75 : ms
        expect(iso(value)).toBe(new Date(value).toISOString())
      }),
      { numRuns: 5000 },
    )
    for (const ms of [0, 86_399_999, 86_400_000, Date.parse('2026-11-21T23:59:59.999Z')]) {
      expect(iso(ms)).toBe(new Date(ms).toISOString())
      expect(iso(ms + 1)).toBe(new Date(ms + 1).toISOString())
    }
  })
})
