import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type CallingHours, isWithinCallingHours, nextCallingWindow } from './calling-hours.js'

const MINUTE = 60_000
const DAY = 86_400_000

/** Zones with DST on either hemisphere, at midnight (Havana), with odd offsets, and far apart. */
const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'America/St_Johns',
  'America/Havana',
  'America/Santiago',
  'America/Sao_Paulo',
  'Europe/Rome',
  'Europe/London',
  'Africa/Casablanca',
  'Asia/Tehran',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Lord_Howe',
  'Australia/Adelaide',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'UTC',
]

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`

const hoursArb: fc.Arbitrary<CallingHours> = fc
  .record({
    start: fc.integer({ min: 0, max: 1439 }),
    length: fc.integer({ min: 1, max: 1440 }),
    days: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 7 }), { nil: undefined }),
  })
  .map(({ start, length, days }) => {
    const hours: CallingHours = { start: hhmm(start), end: hhmm(Math.min(1440, start + length)) }
    if (days !== undefined) hours.days = days
    return hours
  })

const caseArb = fc.record({
  zones: fc.uniqueArray(fc.constantFrom(...ZONES), { minLength: 1, maxLength: 3 }),
  hours: hoursArb,
  // 2024 to 2027, not on a whole minute.
  at: fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }),
})

describe('nextCallingWindow (properties)', () => {
  it('answers an accepted instant with no accepted one before it', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 200, maxLength: 200 }),
        ({ zones, hours, at }, fractions) => {
          const open = nextCallingWindow(zones, hours, at)
          const within = (instant: number) => isWithinCallingHours(zones, hours, instant)
          if (open === Number.POSITIVE_INFINITY) {
            for (const fraction of fractions) expect(within(at + Math.floor(fraction * 8 * DAY))).toBe(false)
            return
          }
          expect(open).toBeGreaterThanOrEqual(at)
          expect(within(open)).toBe(true)
          if (open > at) expect(within(open - 1)).toBe(false)
          for (const fraction of fractions) {
            const before = at + Math.floor(fraction * (open - at))
            if (before < open) expect(within(before)).toBe(false)
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it('matches a minute-by-minute scan over three days', () => {
    fc.assert(
      fc.property(caseArb, ({ zones, hours, at }) => {
        const within = (instant: number) => isWithinCallingHours(zones, hours, instant)
        const horizon = at + 3 * DAY
        let expected = Number.POSITIVE_INFINITY
        if (within(at)) expected = at
        else {
          for (let minute = Math.ceil(at / MINUTE) * MINUTE; minute <= horizon; minute += MINUTE) {
            if (within(minute)) {
              expected = minute
              break
            }
          }
        }
        const open = nextCallingWindow(zones, hours, at)
        if (expected === Number.POSITIVE_INFINITY) expect(open).toBeGreaterThan(horizon)
        else expect(open).toBe(expected)
      }),
      { numRuns: 40 },
    )
  })
})
