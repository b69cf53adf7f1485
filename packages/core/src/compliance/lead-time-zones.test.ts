import { describe, expect, it } from 'vitest'
import { countryTimeZones } from './country-time-zones.js'
import { leadTimeZones } from './lead-time-zones.js'

describe('leadTimeZones', () => {
  it("prefers the lead's own time zone", () => {
    expect(leadTimeZones({ phone: '+12125551234', timezone: 'Europe/Rome' })).toEqual({
      zones: ['Europe/Rome'],
      source: 'lead',
    })
  })

  it('ignores a time zone the runtime does not know', () => {
    expect(leadTimeZones({ phone: '+12125551234', timezone: 'Mars/Olympus_Mons' }).source).toBe('area_code')
  })

  it('reads +1 numbers by area code', () => {
    expect(leadTimeZones({ phone: '+12125551234' })).toEqual({
      zones: ['America/New_York'],
      source: 'area_code',
    })
    expect(leadTimeZones({ phone: '+16045551234', phoneCountry: 'CA' })).toEqual({
      zones: ['America/Vancouver'],
      source: 'area_code',
    })
    expect(leadTimeZones({ phone: '+18505551234' })).toEqual({
      zones: ['America/Chicago', 'America/New_York'],
      source: 'area_code',
    })
  })

  it('falls back to the country for a +1 number of no known area code', () => {
    expect(leadTimeZones({ phone: '+18005551234' })).toEqual({
      zones: countryTimeZones('US'),
      source: 'country',
    })
    expect(leadTimeZones({ phone: '+18005551234', phoneCountry: 'CA' })).toEqual({
      zones: countryTimeZones('CA'),
      source: 'country',
    })
    const nowhere = leadTimeZones({ phone: '+19995551234' })
    expect(nowhere.source).toBe('country')
    expect(nowhere.zones).toEqual(
      expect.arrayContaining(['America/New_York', 'America/St_Johns', 'Pacific/Honolulu']),
    )
  })

  it('reads other numbers by country', () => {
    expect(leadTimeZones({ phone: '+390612345678' })).toEqual({ zones: ['Europe/Rome'], source: 'country' })
    expect(leadTimeZones({ phone: '+447911123456', phoneCountry: 'GB' })).toEqual({
      zones: ['Europe/London'],
      source: 'country',
    })
    expect(leadTimeZones({ phone: '+79161234567' })).toEqual({
      zones: countryTimeZones('RU'),
      source: 'country',
    })
    expect(leadTimeZones({ phone: '+61291234567' }).zones).toContain('Australia/Perth')
  })

  it('gives no zone for numbers of no country', () => {
    expect(leadTimeZones({ phone: '+80012345678' })).toEqual({ zones: [], source: 'unknown' })
  })

  it('returns a fresh array the caller may change', () => {
    const first = leadTimeZones({ phone: '+390612345678' })
    first.zones.push('Asia/Tokyo')
    expect(leadTimeZones({ phone: '+390612345678' }).zones).toEqual(['Europe/Rome'])
  })
})
