import { getCountries } from 'libphonenumber-js/max'
import { describe, expect, it } from 'vitest'
import { countryTimeZones, countryTimeZoneTable } from './country-time-zones.js'

function isKnownToIntl(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
    return true
  } catch {
    return false
  }
}

const canonical = (timeZone: string) =>
  new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone

describe('country time zones', () => {
  const table = countryTimeZoneTable()

  it('names only zones this runtime knows', () => {
    const unknown = [...table.values()].flat().filter((zone) => !isKnownToIntl(zone))
    expect(unknown).toEqual([])
  })

  it('has well-formed keys and no zone twice in a country', () => {
    expect(table.size).toBeGreaterThan(240)
    for (const [country, zones] of table) {
      expect(country).toMatch(/^[A-Z]{2}$/)
      expect(zones.length).toBeGreaterThan(0)
      expect(new Set(zones).size).toBe(zones.length)
    }
  })

  it('covers every country libphonenumber can return', () => {
    expect(getCountries().filter((country) => !table.has(country))).toEqual([])
  })

  it("covers every geographic zone of the runtime's time zone list", () => {
    const listed = new Set([...table.values()].flat().map(canonical))
    expect(Intl.supportedValuesOf('timeZone').filter((zone) => !listed.has(zone))).toEqual([])
  })

  it('gives one zone for single-zone countries', () => {
    expect(countryTimeZones('IT')).toEqual(['Europe/Rome'])
    expect(countryTimeZones('GB')).toEqual(['Europe/London'])
    expect(countryTimeZones('FR')).toEqual(['Europe/Paris'])
    expect(countryTimeZones('IN')).toEqual(['Asia/Kolkata'])
    expect(countryTimeZones('UA')).toEqual(['Europe/Kyiv'])
  })

  it('lists the zones of multi-zone countries', () => {
    expect(countryTimeZones('US')).toEqual(
      expect.arrayContaining([
        'America/New_York',
        'America/Chicago',
        'America/Denver',
        'America/Phoenix',
        'America/Los_Angeles',
        'America/Anchorage',
        'Pacific/Honolulu',
        'America/Adak',
      ]),
    )
    expect(countryTimeZones('US')).not.toContain('America/Puerto_Rico')
    expect(countryTimeZones('CA')).toEqual(
      expect.arrayContaining([
        'America/St_Johns',
        'America/Halifax',
        'America/Toronto',
        'America/Winnipeg',
        'America/Regina',
        'America/Edmonton',
        'America/Vancouver',
        'America/Whitehorse',
      ]),
    )
    expect(countryTimeZones('ES')).toEqual(['Europe/Madrid', 'Africa/Ceuta', 'Atlantic/Canary'])
    expect(countryTimeZones('PT')).toEqual(['Europe/Lisbon', 'Atlantic/Madeira', 'Atlantic/Azores'])
    expect(countryTimeZones('EC')).toEqual(['America/Guayaquil', 'Pacific/Galapagos'])
    expect(countryTimeZones('CD')).toEqual(['Africa/Kinshasa', 'Africa/Lubumbashi'])
    expect(countryTimeZones('MN')).toEqual(['Asia/Ulaanbaatar', 'Asia/Hovd'])
    expect(countryTimeZones('RU')).toEqual(
      expect.arrayContaining(['Europe/Kaliningrad', 'Europe/Moscow', 'Asia/Kamchatka', 'Asia/Anadyr']),
    )
    expect(countryTimeZones('RU')).toHaveLength(27)
    expect(countryTimeZones('AU')).toEqual(
      expect.arrayContaining([
        'Australia/Perth',
        'Australia/Sydney',
        'Australia/Lord_Howe',
        'Australia/Eucla',
      ]),
    )
    expect(countryTimeZones('BR')).toHaveLength(16)
    expect(countryTimeZones('MX')).toContain('America/Tijuana')
    expect(countryTimeZones('ID')).toEqual([
      'Asia/Jakarta',
      'Asia/Pontianak',
      'Asia/Makassar',
      'Asia/Jayapura',
    ])
    expect(countryTimeZones('KZ')).toContain('Asia/Almaty')
    expect(countryTimeZones('AR')).toHaveLength(12)
    expect(countryTimeZones('CL')).toContain('Pacific/Easter')
    expect(countryTimeZones('GL')).toEqual(
      expect.arrayContaining([
        'America/Nuuk',
        'America/Danmarkshavn',
        'America/Scoresbysund',
        'America/Thule',
      ]),
    )
  })

  it('keeps overseas territories under their own codes', () => {
    expect(countryTimeZones('GP')).toEqual(['America/Guadeloupe'])
    expect(countryTimeZones('RE')).toEqual(['Indian/Reunion'])
    expect(countryTimeZones('PR')).toEqual(['America/Puerto_Rico'])
    expect(countryTimeZones('NL')).toEqual(['Europe/Amsterdam'])
  })

  it('is case-insensitive and empty for unknown countries', () => {
    expect(countryTimeZones('it')).toEqual(['Europe/Rome'])
    expect(countryTimeZones('ZZ')).toEqual([])
    expect(countryTimeZones('')).toEqual([])
  })
})
