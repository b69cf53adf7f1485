import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import {
  type CallingHours,
  CallingHoursSchema,
  DEFAULT_CALLING_HOURS,
  isWithinCallingHours,
  nextCallingWindow,
} from './calling-hours.js'
import { countryTimeZones } from './country-time-zones.js'

const utc = Date.UTC
const MINUTE = 60_000
const NY = ['America/New_York']
const LA = ['America/Los_Angeles']
const ROME = ['Europe/Rome']
const within = (zones: string[], at: number, hours: CallingHours = DEFAULT_CALLING_HOURS) =>
  isWithinCallingHours(zones, hours, at)
const next = (zones: string[], at: number, hours: CallingHours = DEFAULT_CALLING_HOURS) =>
  nextCallingWindow(zones, hours, at)

describe('CallingHoursSchema', () => {
  it('accepts windows within a day', () => {
    expect(CallingHoursSchema.parse({ start: '08:00', end: '21:00' })).toEqual({
      start: '08:00',
      end: '21:00',
    })
    expect(CallingHoursSchema.parse({ start: '00:00', end: '24:00', days: [1, 2] }).days).toEqual([1, 2])
  })

  it('rejects malformed or inverted windows', () => {
    for (const hours of [
      { start: '8:00', end: '21:00' },
      { start: '08:00', end: '24:01' },
      { start: '21:00', end: '08:00' },
      { start: '08:00', end: '08:00' },
      { start: '08:00', end: '21:00', days: [7] },
      { start: '08:00', end: '21:00', days: [1, 1] },
      { start: '08:00', end: '21:00', extra: true },
    ]) {
      expect(CallingHoursSchema.safeParse(hours).success).toBe(false)
    }
  })
})

describe('isWithinCallingHours', () => {
  it("uses the lead's local time", () => {
    // 15 January: New York is UTC-5, Los Angeles UTC-8.
    expect(within(NY, utc(2025, 0, 15, 13, 0))).toBe(true) // 08:00 local
    expect(within(NY, utc(2025, 0, 15, 12, 59))).toBe(false) // 07:59 local
    expect(within(LA, utc(2025, 0, 15, 13, 0))).toBe(false) // 05:00 local
    expect(within(LA, utc(2025, 0, 15, 16, 0))).toBe(true)
    expect(within(NY, utc(2025, 0, 16, 1, 59))).toBe(true) // 20:59 local
    expect(within(NY, utc(2025, 0, 16, 2, 0))).toBe(false) // 21:00 local, end excluded
  })

  it('requires the window in every zone', () => {
    expect(within([...NY, ...LA], utc(2025, 0, 15, 13))).toBe(false)
    expect(within([...NY, ...LA], utc(2025, 0, 15, 16))).toBe(true)
  })

  it('follows the US spring-forward day', () => {
    // 9 March 2025: 02:00 EST becomes 03:00 EDT, so 08:00 local is 12:00 UTC (13:00 the day before).
    expect(within(NY, utc(2025, 2, 8, 12, 30))).toBe(false)
    expect(within(NY, utc(2025, 2, 8, 13, 0))).toBe(true)
    expect(within(NY, utc(2025, 2, 9, 11, 59))).toBe(false)
    expect(within(NY, utc(2025, 2, 9, 12, 0))).toBe(true)
  })

  it('follows the US fall-back day', () => {
    // 2 November 2025: 02:00 EDT becomes 01:00 EST; 21:00 local is 01:00 UTC before, 02:00 UTC after.
    expect(within(NY, utc(2025, 10, 2, 1, 30))).toBe(false) // 21:30 EDT on 1 November
    expect(within(NY, utc(2025, 10, 2, 12, 30))).toBe(false) // 07:30 EST
    expect(within(NY, utc(2025, 10, 2, 13, 0))).toBe(true) // 08:00 EST
    expect(within(NY, utc(2025, 10, 3, 1, 30))).toBe(true) // 20:30 EST
  })

  it('follows the last Sunday of March in Rome', () => {
    // 30 March 2025: CET becomes CEST at 01:00 UTC.
    expect(within(ROME, utc(2025, 2, 29, 6, 30))).toBe(false) // 07:30 CET
    expect(within(ROME, utc(2025, 2, 30, 6, 0))).toBe(true) // 08:00 CEST
    expect(within(ROME, utc(2025, 2, 30, 5, 59))).toBe(false)
    expect(within(ROME, utc(2025, 2, 30, 19, 0))).toBe(false) // 21:00 CEST
  })

  it('applies days of the week in local time', () => {
    const weekdays = { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] }
    // Friday 17 January 2025, Rome (UTC+1).
    expect(within(ROME, utc(2025, 0, 17, 15, 59), weekdays)).toBe(true)
    expect(within(ROME, utc(2025, 0, 17, 16, 0), weekdays)).toBe(false)
    // Saturday 18 January, 10:00 local.
    expect(within(ROME, utc(2025, 0, 18, 9, 0), weekdays)).toBe(false)
    // 23:30 UTC on Sunday 19 January is already Monday 08:30 in Tokyo, still Sunday in Rome.
    const mondayMorning = { start: '08:00', end: '12:00', days: [1] }
    expect(within(['Asia/Tokyo'], utc(2025, 0, 19, 23, 30), mondayMorning)).toBe(true)
    expect(within(['Asia/Tokyo', ...ROME], utc(2025, 0, 19, 23, 30), mondayMorning)).toBe(false)
  })

  it('decides zone-less leads with the unknownZone option', () => {
    const night = utc(2025, 0, 15, 3)
    expect(isWithinCallingHours([], DEFAULT_CALLING_HOURS, night)).toBe(true)
    expect(isWithinCallingHours([], DEFAULT_CALLING_HOURS, night, { unknownZone: 'allow' })).toBe(true)
    expect(isWithinCallingHours([], DEFAULT_CALLING_HOURS, night, { unknownZone: 'UTC' })).toBe(false)
    expect(isWithinCallingHours([], DEFAULT_CALLING_HOURS, utc(2025, 0, 15, 8), { unknownZone: 'UTC' })).toBe(
      true,
    )
  })

  it('accepts a window up to midnight and none without days', () => {
    expect(within(ROME, utc(2025, 0, 15, 22, 59), { start: '20:00', end: '24:00' })).toBe(true)
    expect(within(ROME, utc(2025, 0, 15, 23, 0), { start: '20:00', end: '24:00' })).toBe(false)
    expect(within(ROME, utc(2025, 0, 15, 12), { start: '08:00', end: '21:00', days: [] })).toBe(false)
  })

  it('throws VALIDATION_FAILED for an unknown zone, bad hours or a bad instant', () => {
    const code = (run: () => unknown) => {
      try {
        run()
      } catch (error) {
        return LeadCallError.isInstance(error) ? error.code : 'other'
      }
      return 'none'
    }
    expect(code(() => within(['Mars/Olympus_Mons'], 0))).toBe('VALIDATION_FAILED')
    expect(code(() => within(ROME, 0, { start: '8', end: '21:00' }))).toBe('VALIDATION_FAILED')
    expect(code(() => within(ROME, Number.NaN))).toBe('VALIDATION_FAILED')
    expect(code(() => next(ROME, Number.POSITIVE_INFINITY))).toBe('VALIDATION_FAILED')
  })
})

describe('nextCallingWindow', () => {
  it('returns the instant itself when inside', () => {
    const at = utc(2025, 0, 15, 14, 7, 33, 250)
    expect(next(NY, at)).toBe(at)
  })

  it('finds the next local 08:00 exactly', () => {
    // Rome, 15 January 22:30 local (21:30 UTC) → 16 January 08:00 local (07:00 UTC).
    expect(next(ROME, utc(2025, 0, 15, 21, 30))).toBe(utc(2025, 0, 16, 7, 0))
    // Rome in summer, 10 June 22:30 local (20:30 UTC) → 11 June 08:00 local (06:00 UTC).
    expect(next(ROME, utc(2025, 5, 10, 20, 30))).toBe(utc(2025, 5, 11, 6, 0))
    // Early morning the same day, not on a whole minute.
    expect(next(NY, utc(2025, 0, 15, 9, 17, 42, 5))).toBe(utc(2025, 0, 15, 13, 0))
  })

  it('crosses DST changes', () => {
    // Saturday 29 March 2025 22:30 CET → Sunday 30 March 08:00 CEST = 06:00 UTC.
    expect(next(ROME, utc(2025, 2, 29, 21, 30))).toBe(utc(2025, 2, 30, 6, 0))
    // New York, spring forward: midnight EST → 08:00 EDT = 12:00 UTC.
    expect(next(NY, utc(2025, 2, 9, 5, 0))).toBe(utc(2025, 2, 9, 12, 0))
    // New York, fall back: midnight EDT → 08:00 EST = 13:00 UTC.
    expect(next(NY, utc(2025, 10, 2, 4, 0))).toBe(utc(2025, 10, 2, 13, 0))
  })

  it('opens a window whose start the clock skips at the jump', () => {
    // 02:30 does not exist in New York on 9 March 2025: the window opens at 03:00 EDT (07:00 UTC).
    const night = { start: '02:30', end: '04:00' }
    expect(next(NY, utc(2025, 2, 9, 5, 0), night)).toBe(utc(2025, 2, 9, 7, 0))
    expect(within(NY, utc(2025, 2, 9, 6, 59), night)).toBe(false)
  })

  it('finds the repeated hour of the fall-back day', () => {
    // 2 November 2025: 01:30-02:00 happens twice in New York, at 05:30 UTC (EDT) and 06:30 UTC (EST).
    const repeated = { start: '01:30', end: '02:00' }
    expect(next(NY, utc(2025, 10, 2, 5, 0), repeated)).toBe(utc(2025, 10, 2, 5, 30))
    expect(next(NY, utc(2025, 10, 2, 6, 0), repeated)).toBe(utc(2025, 10, 2, 6, 30))
    expect(next(NY, utc(2025, 10, 2, 7, 0), repeated)).toBe(utc(2025, 10, 3, 6, 30))
  })

  it('skips days that are not allowed', () => {
    const weekdays = { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] }
    // Saturday 18 January 2025 10:00 in Rome → Monday 20 January 09:00 local = 08:00 UTC.
    expect(next(ROME, utc(2025, 0, 18, 9, 0), weekdays)).toBe(utc(2025, 0, 20, 8, 0))
    // Friday 17:00 → Monday 09:00.
    expect(next(ROME, utc(2025, 0, 17, 16, 0), weekdays)).toBe(utc(2025, 0, 20, 8, 0))
    // Sundays only, from a Monday: six days later.
    expect(next(ROME, utc(2025, 0, 20, 12, 0), { start: '10:00', end: '12:00', days: [0] })).toBe(
      utc(2025, 0, 26, 9, 0),
    )
  })

  it('intersects the windows of a multi-zone country (Russia)', () => {
    // Kaliningrad (UTC+2) allows 06:00-19:00 UTC, Kamchatka and Anadyr (UTC+12) 20:00-09:00 UTC:
    // a Russian number may be called 06:00-09:00 UTC only.
    const russia = [...countryTimeZones('RU')]
    expect(within(russia, utc(2025, 0, 15, 5, 59))).toBe(false)
    expect(within(russia, utc(2025, 0, 15, 6, 0))).toBe(true)
    expect(within(russia, utc(2025, 0, 15, 8, 59))).toBe(true)
    expect(within(russia, utc(2025, 0, 15, 9, 0))).toBe(false)
    expect(next(russia, utc(2025, 0, 15, 9, 0))).toBe(utc(2025, 0, 16, 6, 0))
    expect(next(russia, utc(2025, 0, 15, 0, 0))).toBe(utc(2025, 0, 15, 6, 0))
  })

  it('intersects the windows of a multi-zone country (Australia), season by season', () => {
    const australia = [...countryTimeZones('AU')]
    // January: Perth (UTC+8) allows 00:00-13:00 UTC, Lord Howe, Sydney and Macquarie (UTC+11) 21:00-10:00.
    expect(within(australia, utc(2025, 0, 14, 23, 59))).toBe(false)
    expect(within(australia, utc(2025, 0, 15, 0, 0))).toBe(true)
    expect(within(australia, utc(2025, 0, 15, 9, 59))).toBe(true)
    expect(within(australia, utc(2025, 0, 15, 10, 0))).toBe(false)
    expect(next(australia, utc(2025, 0, 15, 10, 0))).toBe(utc(2025, 0, 16, 0, 0))
    // July: Lord Howe is UTC+10:30, so its 21:00 is 10:30 UTC.
    expect(within(australia, utc(2025, 6, 15, 10, 29))).toBe(true)
    expect(within(australia, utc(2025, 6, 15, 10, 30))).toBe(false)
    expect(next(australia, utc(2025, 6, 15, 10, 30))).toBe(utc(2025, 6, 16, 0, 0))
  })

  it('handles half-hour and quarter-hour zones', () => {
    // Kathmandu is UTC+5:45: 08:00 local is 02:15 UTC.
    expect(next(['Asia/Kathmandu'], utc(2025, 0, 15, 0, 0))).toBe(utc(2025, 0, 15, 2, 15))
    // With St John's (UTC-3:30 in January): Kathmandu allows 02:15-15:15 UTC, St John's 11:30-00:30.
    const both = ['Asia/Kathmandu', 'America/St_Johns']
    expect(next(both, utc(2025, 0, 15))).toBe(utc(2025, 0, 15, 11, 30))
    expect(within(both, utc(2025, 0, 15, 15, 14))).toBe(true)
    expect(within(both, utc(2025, 0, 15, 15, 15))).toBe(false)
    // 08:00-12:00 never overlaps: 02:15-06:15 UTC against 11:30-15:30 UTC.
    expect(next(both, utc(2025, 0, 15), { start: '08:00', end: '12:00' })).toBe(Number.POSITIVE_INFINITY)
  })

  it('returns +Infinity when the windows never overlap', () => {
    // Kiritimati (UTC+14) and Pago Pago (UTC-11) are 25 hours apart.
    const apart = ['Pacific/Kiritimati', 'Pacific/Pago_Pago']
    const hour = { start: '08:00', end: '09:00' }
    expect(next(apart, utc(2025, 0, 15), hour)).toBe(Number.POSITIVE_INFINITY)
    // With two hours they share 19:00-20:00 UTC.
    expect(next(apart, utc(2025, 0, 15), { start: '08:00', end: '10:00' })).toBe(utc(2025, 0, 15, 19, 0))
  })

  it('returns +Infinity without days', () => {
    expect(next(ROME, utc(2025, 0, 15), { start: '08:00', end: '21:00', days: [] })).toBe(
      Number.POSITIVE_INFINITY,
    )
  })

  it('finds a window that opens only after a DST change, months later', () => {
    // London and Abidjan share 08:00-09:00 UTC in winter; in summer London's window is 07:00-08:00 UTC.
    const zones = ['Europe/London', 'Africa/Abidjan']
    const hour = { start: '08:00', end: '09:00' }
    expect(next(zones, utc(2025, 0, 15, 9, 0), hour)).toBe(utc(2025, 0, 16, 8, 0))
    // From 1 June: nothing until London returns to GMT on 26 October.
    expect(next(zones, utc(2025, 5, 1), hour)).toBe(utc(2025, 9, 26, 8, 0))
  })

  it('decides zone-less leads with the unknownZone option', () => {
    const night = utc(2025, 0, 15, 3, 0)
    expect(nextCallingWindow([], DEFAULT_CALLING_HOURS, night)).toBe(night)
    expect(nextCallingWindow([], DEFAULT_CALLING_HOURS, night, { unknownZone: 'UTC' })).toBe(
      utc(2025, 0, 15, 8),
    )
  })

  it('gives an instant inside the window whose previous minute is outside', () => {
    for (const zones of [NY, LA, ROME, [...countryTimeZones('US')], [...countryTimeZones('CA')]]) {
      const at = utc(2025, 3, 1, 5, 33)
      const open = next(zones, at)
      expect(open).toBeGreaterThan(at)
      expect(within(zones, open)).toBe(true)
      expect(within(zones, open - MINUTE)).toBe(false)
    }
  })
})
