import { describe, expect, it } from 'vitest'
import {
  nanpAreaCode,
  nanpAreaCodes,
  nanpAreaCodeTimeZone,
  nanpAreaCodeTimeZones,
} from './nanp-area-codes.js'

describe('NANP area codes', () => {
  it.each([
    ['212', 'America/New_York'],
    ['646', 'America/New_York'],
    ['917', 'America/New_York'],
    ['415', 'America/Los_Angeles'],
    ['650', 'America/Los_Angeles'],
    ['312', 'America/Chicago'],
    ['303', 'America/Denver'],
    ['602', 'America/Phoenix'],
    ['480', 'America/Phoenix'],
    ['808', 'Pacific/Honolulu'],
    ['907', 'America/Anchorage'],
    ['416', 'America/Toronto'],
    ['604', 'America/Vancouver'],
    ['403', 'America/Edmonton'],
    ['902', 'America/Halifax'],
    ['709', 'America/St_Johns'],
    ['313', 'America/Detroit'],
    ['317', 'America/Indiana/Indianapolis'],
    ['915', 'America/Denver'],
    ['208', 'America/Boise'],
    ['306', 'America/Regina'],
    ['514', 'America/Toronto'],
    ['787', 'America/Puerto_Rico'],
    ['876', 'America/Jamaica'],
  ])('%s → %s', (code, zone) => {
    expect(nanpAreaCodeTimeZone(code)).toBe(zone)
    expect(nanpAreaCodeTimeZones(code)[0]).toBe(zone)
  })

  it('lists the other zones of a split area code after the dominant one', () => {
    expect(nanpAreaCodeTimeZones('850')).toEqual(['America/Chicago', 'America/New_York'])
    expect(nanpAreaCodeTimeZones('812')).toEqual(['America/Indiana/Indianapolis', 'America/Chicago'])
    expect(nanpAreaCodeTimeZones('212')).toEqual(['America/New_York'])
  })

  it('knows no non-geographic code', () => {
    for (const code of ['800', '888', '877', '900', '500', '000', '12']) {
      expect(nanpAreaCodeTimeZone(code)).toBeUndefined()
      expect(nanpAreaCodeTimeZones(code)).toEqual([])
    }
  })

  it('names only valid zones and well-formed codes', () => {
    const codes = nanpAreaCodes()
    expect(codes.length).toBeGreaterThan(400)
    for (const code of codes) {
      expect(code).toMatch(/^[2-9]\d\d$/)
      for (const zone of nanpAreaCodeTimeZones(code)) {
        expect(() => new Intl.DateTimeFormat('en-US', { timeZone: zone })).not.toThrow()
      }
    }
  })

  it('reads the area code of a +1 number', () => {
    expect(nanpAreaCode('+12125551234')).toBe('212')
    expect(nanpAreaCode('+14165551234')).toBe('416')
    expect(nanpAreaCode('+442071234567')).toBeUndefined()
    expect(nanpAreaCode('+1212555123')).toBeUndefined()
    expect(nanpAreaCode('+11125551234')).toBeUndefined()
  })
})
